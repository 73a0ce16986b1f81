from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "mesoclinic.reports"
    label = "reports"
    verbose_name = "Reports"
