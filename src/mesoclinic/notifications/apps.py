from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "mesoclinic.notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mesoclinic.notifications.handlers import connect  # noqa: PLC0415 — models are loaded by now

        connect()
