from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "mesoclinic.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        from mesoclinic.scheduling import signals  # noqa: PLC0415 — models are loaded only now

        signals.connect()
