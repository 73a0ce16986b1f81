from django.urls import path

from mesoclinic.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.endpoint_list, name="endpoints"),
    path("new/", views.endpoint_create, name="create"),
    path("<int:endpoint_id>/edit/", views.endpoint_edit, name="edit"),
    path("<int:endpoint_id>/active/", views.endpoint_active, name="active"),
    path("<int:endpoint_id>/secret/", views.endpoint_rotate_secret, name="rotate_secret"),
    path("<int:endpoint_id>/test/", views.endpoint_test, name="test"),
    path("deliveries/", views.delivery_list, name="deliveries"),
    path("deliveries/<int:delivery_id>/", views.delivery_detail, name="delivery"),
    path("deliveries/<int:delivery_id>/redeliver/", views.delivery_redeliver, name="redeliver"),
]
