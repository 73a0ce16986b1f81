from django.apps import AppConfig


class VigilanceConfig(AppConfig):
    name = "mesoclinic.vigilance"
    label = "vigilance"
    verbose_name = "Adverse events and recalls"
