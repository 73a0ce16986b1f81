from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mesoclinic.accounts"
    label = "accounts"
    verbose_name = "Clinics and staff"
