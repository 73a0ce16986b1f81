from django.urls import URLPattern, path

from mesoclinic.audit_viewer import views

app_name = "audit"
urlpatterns: list[URLPattern] = [
    path("", views.events, name="events"),
]
