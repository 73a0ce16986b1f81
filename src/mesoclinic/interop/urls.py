"""CSV import screens, under /import/."""

from django.urls import URLPattern, path

from mesoclinic.interop import views

app_name = "interop"
urlpatterns: list[URLPattern] = [
    path("", views.imports, name="imports"),
    path("<int:upload_id>/", views.mapping, name="mapping"),
    path("<int:upload_id>/run/", views.run, name="run"),
    path("runs/<int:run_id>/", views.import_run, name="import_run"),
]
