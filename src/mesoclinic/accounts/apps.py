from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mesoclinic.accounts"
    label = "accounts"
    verbose_name = "Clinics and staff"

    def ready(self) -> None:
        from mesoclinic import tenancy  # noqa: PLC0415 — wired once, with the app's other signals
        from mesoclinic.accounts import signals  # noqa: PLC0415 — models must be loaded first

        signals.connect()
        tenancy.connect()
