"""Chain the events written before the chain existed, per clinic, oldest first."""

from typing import Any

from django.db import migrations

from mesoclinic.audit import chain


def chain_existing(apps: Any, schema_editor: Any) -> None:
    AuditEvent = apps.get_model("audit", "AuditEvent")
    clinic_ids = AuditEvent.objects.values_list("clinic_id", flat=True).distinct()
    for clinic_id in list(clinic_ids):
        prev_hash = chain.GENESIS
        rows = AuditEvent.objects.filter(clinic_id=clinic_id).order_by("at", "id")
        for seq, event in enumerate(rows.iterator(chunk_size=2000), start=1):
            data = chain.json_roundtrip(event.data)
            patient_id = None
            if event.object_type == "patients.patient" and event.object_id.isdigit():
                patient_id = int(event.object_id)
            elif isinstance(data.get("patient"), int):
                patient_id = data["patient"]
            fields = {
                "seq": seq,
                "clinic_id": event.clinic_id,
                "actor_id": event.actor_id,
                "action": event.action,
                "object_type": event.object_type,
                "object_id": event.object_id,
                "patient_id": patient_id,
                "at": event.at,
                "ip": str(event.ip) if event.ip else None,
                "path": event.path,
                "user_agent": event.user_agent,
                "data": data,
                "prev_hash": prev_hash,
            }
            digest = chain.link_hash(**fields)
            AuditEvent.objects.filter(pk=event.pk).update(
                seq=seq, patient_id=patient_id, data=data, prev_hash=prev_hash, hash=digest
            )
            prev_hash = digest


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_fields")]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
