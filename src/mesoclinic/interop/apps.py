from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "mesoclinic.interop"
    label = "interop"
    verbose_name = "Interoperability"
