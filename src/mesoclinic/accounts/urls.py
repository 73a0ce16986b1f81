from django.urls import path

from mesoclinic.accounts import views

app_name = "accounts"
urlpatterns = [
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke_api_token, name="revoke_api_token"),
    path("security/", views.security, name="security"),
    path("language/", views.language, name="language"),
]
