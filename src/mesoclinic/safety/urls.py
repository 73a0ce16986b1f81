from django.urls import path

from mesoclinic.safety import views

app_name = "safety"
urlpatterns = [
    path("rules/", views.rules, name="rules"),
    path("patients/<int:patient_id>/screening/", views.patient_screening, name="patient_screening"),
    path("patients/<int:patient_id>/screen/", views.screen, name="screen_patient"),
]
