from django.urls import path

from mesoclinic.vigilance import views

app_name = "vigilance"
urlpatterns = [
    path("recall/", views.recall, name="recall"),
    path("recall/<int:lot_id>/mark/", views.recall_mark, name="recall_mark"),
    path("events/", views.events, name="events"),
    path("events/<int:event_id>/", views.event_detail, name="event"),
    path("events/<int:event_id>/follow-up/", views.follow_up, name="follow_up"),
    path("events/<int:event_id>/report/", views.event_report, name="event_report"),
    path("events/<int:event_id>/correct/", views.correct, name="correct"),
    path("patients/<int:patient_id>/report/", views.report, name="report"),
    path("patients/<int:patient_id>/events/", views.patient_events, name="patient_events"),
]
