from django.urls import path

from mesoclinic.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.log, name="log"),
    path("settings/", views.settings_view, name="settings"),
    path("templates/", views.templates, name="templates"),
    path("templates/<str:kind>/<str:channel>/<str:language>/", views.template_edit, name="template"),
    path("deliveries/<int:delivery_id>/retry/", views.retry, name="retry"),
    path("alerts/<int:answer_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("patients/<int:patient_id>/", views.patient_messages, name="patient_messages"),
    path("patients/<int:patient_id>/preferences/", views.preferences, name="preferences"),
    # Patient-facing pages behind signed links (no account).
    path("opt-out/<str:token>/", views.opt_out_view, name="opt_out"),
    path("check/<str:token>/", views.check, name="check"),
]
