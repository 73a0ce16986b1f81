from django.urls import path

from mesoclinic.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("admin-tools/", views.clinic_admin, name="admin"),
]
