from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mesoclinic.portal"
    verbose_name = "Patient's door: public booking"

    def ready(self) -> None:
        from mesoclinic.portal.waitlist import on_status_changed  # noqa: PLC0415 — models are loaded by now
        from mesoclinic.scheduling.events import appointment_status_changed  # noqa: PLC0415

        appointment_status_changed.connect(on_status_changed, dispatch_uid="portal-waitlist-freed-time")
