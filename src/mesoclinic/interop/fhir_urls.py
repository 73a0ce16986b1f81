"""FHIR R4 endpoints, under /fhir/R4/ (FHIR's own URL space, not the JSON API's)."""

from django.urls import URLPattern, path

from mesoclinic.interop import fhir_views

app_name = "fhir"
urlpatterns: list[URLPattern] = [
    path("metadata", fhir_views.metadata, name="metadata"),
    path("Patient/<int:patient_id>/$everything", fhir_views.everything, name="everything"),
    path("$export", fhir_views.bulk_manifest, name="bulk_export"),
    path("$export/<str:resource_type>.ndjson", fhir_views.bulk_file, name="bulk_file"),
    path("Patient", fhir_views.import_patients, name="patient_create"),
    path("", fhir_views.import_patients, name="transaction"),
]
