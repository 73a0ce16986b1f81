from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "mesoclinic.billing"
    label = "billing"
    verbose_name = "Billing: prices, documents and payments"
