"""Privacy screens, under /privacy/."""

from django.urls import path

from mesoclinic.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.index, name="index"),
    path("patients/<int:patient_id>/export/", views.patient_export, name="export"),
    path("patients/<int:patient_id>/erasure/", views.request_create, name="request_create"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:request_id>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("requests/<int:request_id>/erase/", views.request_erase, name="request_erase"),
    path("library/", views.library, name="library"),
]
