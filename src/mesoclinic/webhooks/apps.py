from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "mesoclinic.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from mesoclinic.webhooks import signals  # noqa: PLC0415 — models are loaded only now

        signals.connect()
