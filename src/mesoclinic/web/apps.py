from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "mesoclinic.web"
    label = "web"
    verbose_name = "Layout and dashboard"
