from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "mesoclinic.worker"
    label = "worker"
    verbose_name = "Background jobs"
