from django.apps import AppConfig
from django.db.models.signals import pre_save


class PrivacyConfig(AppConfig):
    name = "mesoclinic.privacy"
    label = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        from mesoclinic.privacy.guards import refuse_entries_for_restricted_patients  # noqa: PLC0415

        pre_save.connect(refuse_entries_for_restricted_patients, dispatch_uid="privacy.restriction_guard")
