from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "mesoclinic.backup"
    label = "backup"
    verbose_name = "Backup and restore"
