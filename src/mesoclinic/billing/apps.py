from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "mesoclinic.billing"
    label = "billing"
    verbose_name = "Billing: prices, documents and payments"

    def ready(self) -> None:
        from mesoclinic.billing.handlers import connect  # noqa: PLC0415 — models are loaded by now

        connect()
