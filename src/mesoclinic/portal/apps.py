from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mesoclinic.portal"
    verbose_name = "Patient's door: public booking"

    def ready(self) -> None:
        from mesoclinic.portal.waitlist import (  # noqa: PLC0415 — models are loaded by now
            on_moved,
            on_status_changed,
        )
        from mesoclinic.scheduling.events import (  # noqa: PLC0415
            appointment_moved,
            appointment_status_changed,
        )

        appointment_status_changed.connect(on_status_changed, dispatch_uid="portal-waitlist-freed-time")
        appointment_moved.connect(on_moved, dispatch_uid="portal-waitlist-moved-time")
