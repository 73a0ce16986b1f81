from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mesoclinic.portal"
    verbose_name = "Patient's door: public booking"
