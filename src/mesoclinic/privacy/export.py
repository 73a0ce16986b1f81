"""The patient's export as one ZIP, streamed: ``patient.json``, ``photos/`` (the stored files), ``README.txt``.

Streamed so that a patient with hundreds of photos never sits in memory: the ZIP is written to a sink that
hands its bytes to the response as they are produced (zipfile writes data descriptors when it cannot seek).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import datetime

from django.core.files.storage import default_storage

from mesoclinic.outcomes.models import Photo
from mesoclinic.patients.models import Patient
from mesoclinic.privacy.selectors import EXPORT_SCHEMA, patient_export, photo_archive_name

_CHUNK = 256 * 1024

README = f"""MesoClinic patient data export ({EXPORT_SCHEMA})

This archive holds everything the clinic's MesoClinic records about one patient, for the patient's right of
access and right to data portability (GDPR articles 15 and 20).

patient.json   the record, machine-readable (UTF-8 JSON). Times are ISO 8601 in UTC; decimals are strings;
               references to other entries are their ids (e.g. a session's "appointment_id").
    schema               "{EXPORT_SCHEMA}"
    exported_at          when this archive was made
    clinic               the clinic's id and name
    patient              identity, contact details, skin classification
    medical_history      "current" (conditions, medications, implants, allergies as codes; notes) and
                         "versions": every saved state with when, the change (+ created, ~ changed) and reason
    screenings           each screening against a planned treatment: decision and findings
    consents             each signed consent with its form's title, version and text, photo-use scope,
                         and withdrawal if any
    appointments         booked, completed, cancelled sessions (times, location, practitioner and room ids)
    courses              treatment series; maintenance_recalls: the follow-up visits due
    sessions             session records: modality, parameters, notes, products used with lot number and
                         expiry ("products"), zones treated ("zones"), and later corrections ("amendments")
    adverse_events       each event with severity, onset, actions, outcome, linked session ids and lot
                         numbers, and its "follow_ups"
    photos               metadata of each photo (view, time, capture conditions, quality, sha256) and its
                         analysis (skin metrics per region); "file" names the image in photos/
    assessments          clinical scales (Glogau, Fitzpatrick, WSRS, mMASI, GAIS, satisfaction)

photos/        the photos as stored (metadata already stripped when they were taken), named
               <photo id>-<view>.<extension>; each file's sha256 is in patient.json.
"""


class _Sink:
    """A write-only file that keeps what is written until the response takes it."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:  # the archive leaves a file it did not open open; nothing to close here anyway
        return None

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def stream_patient_zip(patient: Patient, *, exported_at: datetime) -> Iterator[bytes]:
    """The export archive in chunks. The record is read before the first byte goes out."""
    document = json.dumps(patient_export(patient, exported_at=exported_at), ensure_ascii=False, indent=1)
    photos = list(Photo.objects.filter(patient=patient).order_by("taken_at", "id"))
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README)
        archive.writestr("patient.json", document)
        yield sink.take()
        for photo in photos:
            if not photo.image.name:  # a row without its file has no photo to give
                continue
            # JPEG and PNG are compressed already: store them as they are.
            info = zipfile.ZipInfo(photo_archive_name(photo), date_time=photo.taken_at.timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED
            with default_storage.open(photo.image.name, "rb") as source, archive.open(info, "w") as target:
                while chunk := source.read(_CHUNK):
                    target.write(chunk)
                    yield sink.take()
    yield sink.take()
