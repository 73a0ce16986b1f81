from django.urls import path

from mesoclinic.treatments import views

app_name = "treatments"
urlpatterns = [
    path("open/<int:appointment_id>/", views.session_open, name="open"),
    path("<int:record_id>/", views.session_detail, name="session"),
    path("<int:record_id>/screening/", views.session_screening, name="screening"),
    path("<int:record_id>/save/", views.session_save, name="save"),
    path("<int:record_id>/amend/", views.session_amend, name="amend"),
    path("patient/<int:patient_id>/", views.patient_sessions, name="patient_sessions"),
    path("courses/<int:course_id>/", views.course_detail, name="course"),
]
