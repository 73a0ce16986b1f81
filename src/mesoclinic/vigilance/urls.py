from django.urls import URLPattern

app_name = "vigilance"
urlpatterns: list[URLPattern] = []
