from django.apps import AppConfig


class AuditViewerConfig(AppConfig):
    name = "mesoclinic.audit_viewer"
    label = "audit_viewer"
    verbose_name = "Audit log viewer"
