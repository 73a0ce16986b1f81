from django.apps import AppConfig


class ClinicSettingsConfig(AppConfig):
    name = "mesoclinic.clinic_settings"
    label = "clinic_settings"
    verbose_name = "Settings (the owner's set-up screens)"
