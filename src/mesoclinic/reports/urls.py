from django.urls import URLPattern, path

from mesoclinic.reports import views

app_name = "reports"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("adherence/", views.adherence, name="adherence"),
    path("no-shows/", views.no_shows, name="no_shows"),
    path("recalls/", views.recalls, name="recalls"),
    path("money/", views.money_report, name="money"),
    path("money/export/", views.money_export, name="money_export"),
    path("patients/<int:patient_id>/progress/", views.patient_progress, name="patient_progress"),
]
