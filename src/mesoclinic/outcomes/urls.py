"""Photo, viewer and scale screens, under /outcomes/."""

from django.urls import path

from mesoclinic.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("patients/<int:patient_id>/photos/", views.patient_photos, name="patient_photos"),
    path("patients/<int:patient_id>/photos/take/", views.capture, name="capture"),
    path("patients/<int:patient_id>/photos/precheck/", views.precheck, name="precheck"),
    path("patients/<int:patient_id>/photos/compare/", views.compare, name="compare"),
    path(
        "patients/<int:patient_id>/photos/repeatability/",
        views.record_repeatability,
        name="record_repeatability",
    ),
    path("patients/<int:patient_id>/assess/", views.assess, name="assess"),
    path("photos/<int:photo_id>/analysis/", views.analysis_status, name="analysis_status"),
    path("photos/<int:photo_id>/baseline/", views.choose_baseline, name="choose_baseline"),
    path("photos/<int:photo_id>/share/", views.share_photo, name="share_photo"),
    path("photos/<int:photo_id>/<slug:kind>/", views.photo_file, name="photo_file"),
]
