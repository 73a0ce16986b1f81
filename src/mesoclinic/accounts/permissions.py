"""The permission matrix: what each role may do. Views, API and CLI ask ``has_capability``.

| capability           | owner | physician | practitioner | receptionist | auditor |
|----------------------|:-----:|:---------:|:------------:|:------------:|:-------:|
| view_patients        |   x   |     x     |      x       |      x       |         |
| edit_patients        |   x   |     x     |      x       |      x       |         |
| view_clinical        |   x   |     x     |      x       |              |         |
| edit_clinical        |   x   |     x     |      x       |              |         |
| screen               |   x   |     x     |      x       |      x       |         |
| record_consent       |   x   |     x     |      x       |      x       |         |
| manage_consent_forms |   x   |     x     |              |              |         |
| view_schedule        |   x   |     x     |      x       |      x       |         |
| book                 |   x   |     x     |      x       |      x       |         |
| view_catalog         |   x   |     x     |      x       |      x       |         |
| manage_catalog       |   x   |     x     |              |              |         |
| override_screening   |       |     x     |              |              |         |
| view_inventory       |   x   |     x     |      x       |      x       |         |
| manage_inventory     |   x   |     x     |      x       |              |         |
| recall               |   x   |     x     |      x       |              |         |
| report_adverse_event |   x   |     x     |      x       |              |         |
| view_photos          |   x   |     x     |      x       |              |         |
| take_photos          |   x   |     x     |      x       |              |         |
| view_reports         |   x   |     x     |              |              |         |
| view_audit           |   x   |           |              |              |    x    |
| manage_jobs          |   x   |           |              |              |         |
| export_patient_data  |   x   |     x     |              |              |         |
| manage_privacy       |   x   |           |              |              |         |
| use_photo_library    |   x   |     x     |              |              |         |
| manage_webhooks      |   x   |           |              |              |         |
| manage_security      |   x   |           |              |              |         |
| manage_notifications |   x   |           |              |              |         |
| export_data          |   x   |     x     |              |              |         |
| import_data          |   x   |           |              |              |         |
| manage_clinic        |   x   |           |              |              |         |
| record_treated_elsewhere |   |     x     |              |              |         |
| view_billing         |   x   |           |              |      x       |    x    |
| take_payments        |   x   |           |              |      x       |         |
| refund_payments      |   x   |           |              |              |         |
| manage_prices        |   x   |           |              |              |         |

A receptionist sees the screening decision and its reasons (needed to book), not clinical notes.
``book`` covers booking, moving, checking in, completing and cancelling appointments.
Session records are read with ``view_clinical`` and written and signed with ``edit_clinical``.
``manage_inventory`` receives, adjusts, wastes, compounds and marks lots recalled; ``recall`` lists every
patient (with contact details) that a lot reached; adverse events are read with ``view_clinical``.
Photos (faces: the most identifying health data) need ``view_photos``; ``view_reports`` shows the clinic's
outcomes, adherence and utilisation across patients. ``manage_jobs`` shows the background jobs (the
clinic's and the installation's) and runs a failed one again.
``export_patient_data`` downloads a patient's whole record (GDPR access and portability); ``manage_privacy``
records and reviews erasure requests (restriction, then erasure after the retention period);
``use_photo_library`` lists the photos whose current consent allows teaching or marketing use.
``manage_webhooks`` (endpoints, their secrets, the delivery log) is the owner's: it decides which third
party receives the clinic's events. ``manage_security`` sets the clinic's security
policy (two-factor authentication required for all staff). Every staff member manages their own password,
two-factor authentication and API tokens; a token's scopes are a subset of its owner's capabilities.
``manage_notifications`` edits the clinic's message
timing and templates and reads its whole delivery log; a patient's own messages are on the chart
(``view_patients``; their contact preferences with ``edit_patients``).
``export_data`` takes records out as FHIR (a patient's ``$everything``, the whole clinic as NDJSON; every
export is audited); ``import_data`` brings patients and appointments in (FHIR Patients, CSV files).
``manage_clinic`` is Settings: the clinic's details, locations with their hours and holidays, staff (invite,
roles, qualifications, deactivation), practitioners' hours and time off, rooms, devices and their downtime.
Money (``billing``): ``view_billing`` reads the price list, documents, payments and balances (auditors
included); ``take_payments`` checks out (drafts, lines, discounts), takes payments and issues documents and
credit notes; ``refund_payments`` gives money back; ``manage_prices`` edits prices, VAT rates and currency.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy

from mesoclinic.accounts.models import Role


class Capability(StrEnum):
    VIEW_PATIENTS = "view_patients"
    EDIT_PATIENTS = "edit_patients"
    VIEW_CLINICAL = "view_clinical"
    EDIT_CLINICAL = "edit_clinical"
    SCREEN = "screen"
    RECORD_CONSENT = "record_consent"
    MANAGE_CONSENT_FORMS = "manage_consent_forms"
    VIEW_SCHEDULE = "view_schedule"
    BOOK = "book"
    VIEW_CATALOG = "view_catalog"
    MANAGE_CATALOG = "manage_catalog"
    OVERRIDE_SCREENING = "override_screening"
    RECORD_TREATED_ELSEWHERE = "record_treated_elsewhere"  # complete a visit without a record here (reason)
    VIEW_INVENTORY = "view_inventory"
    MANAGE_INVENTORY = "manage_inventory"
    RECALL = "recall"
    REPORT_ADVERSE_EVENT = "report_adverse_event"
    VIEW_PHOTOS = "view_photos"
    TAKE_PHOTOS = "take_photos"
    VIEW_REPORTS = "view_reports"
    VIEW_AUDIT = "view_audit"
    MANAGE_JOBS = "manage_jobs"
    EXPORT_PATIENT_DATA = "export_patient_data"
    MANAGE_PRIVACY = "manage_privacy"
    USE_PHOTO_LIBRARY = "use_photo_library"
    MANAGE_WEBHOOKS = "manage_webhooks"
    MANAGE_SECURITY = "manage_security"
    MANAGE_NOTIFICATIONS = "manage_notifications"
    EXPORT_DATA = "export_data"
    IMPORT_DATA = "import_data"
    MANAGE_CLINIC = "manage_clinic"
    VIEW_BILLING = "view_billing"
    TAKE_PAYMENTS = "take_payments"
    REFUND_PAYMENTS = "refund_payments"
    MANAGE_PRICES = "manage_prices"


# What each capability is called on screen (API token scopes), in the reader's language.
CAPABILITY_LABELS: dict[Capability, Any] = {
    Capability.VIEW_PATIENTS: gettext_lazy("View patients"),
    Capability.EDIT_PATIENTS: gettext_lazy("Edit patients"),
    Capability.VIEW_CLINICAL: gettext_lazy("View clinical records"),
    Capability.EDIT_CLINICAL: gettext_lazy("Edit clinical records"),
    Capability.SCREEN: gettext_lazy("Screen"),
    Capability.RECORD_CONSENT: gettext_lazy("Record consent"),
    Capability.MANAGE_CONSENT_FORMS: gettext_lazy("Manage consent forms"),
    Capability.VIEW_SCHEDULE: gettext_lazy("View schedule"),
    Capability.BOOK: gettext_lazy("Book"),
    Capability.VIEW_CATALOG: gettext_lazy("View catalog"),
    Capability.MANAGE_CATALOG: gettext_lazy("Manage catalog"),
    Capability.OVERRIDE_SCREENING: gettext_lazy("Override screening"),
    Capability.RECORD_TREATED_ELSEWHERE: gettext_lazy("Record treated elsewhere"),
    Capability.VIEW_INVENTORY: gettext_lazy("View inventory"),
    Capability.MANAGE_INVENTORY: gettext_lazy("Manage inventory"),
    Capability.RECALL: gettext_lazy("Recall"),
    Capability.REPORT_ADVERSE_EVENT: gettext_lazy("Report adverse event"),
    Capability.VIEW_PHOTOS: gettext_lazy("View photos"),
    Capability.TAKE_PHOTOS: gettext_lazy("Take photos"),
    Capability.VIEW_REPORTS: gettext_lazy("View reports"),
    Capability.VIEW_AUDIT: gettext_lazy("View audit"),
    Capability.MANAGE_JOBS: gettext_lazy("Manage jobs"),
    Capability.EXPORT_PATIENT_DATA: gettext_lazy("Export patient data"),
    Capability.MANAGE_PRIVACY: gettext_lazy("Manage privacy"),
    Capability.USE_PHOTO_LIBRARY: gettext_lazy("Use photo library"),
    Capability.MANAGE_WEBHOOKS: gettext_lazy("Manage webhooks"),
    Capability.MANAGE_SECURITY: gettext_lazy("Manage security"),
    Capability.MANAGE_NOTIFICATIONS: gettext_lazy("Manage notifications"),
    Capability.EXPORT_DATA: gettext_lazy("Export data"),
    Capability.IMPORT_DATA: gettext_lazy("Import data"),
    Capability.MANAGE_CLINIC: gettext_lazy("Manage clinic"),
    Capability.VIEW_BILLING: gettext_lazy("View billing"),
    Capability.TAKE_PAYMENTS: gettext_lazy("Take payments"),
    Capability.REFUND_PAYMENTS: gettext_lazy("Refund payments"),
    Capability.MANAGE_PRICES: gettext_lazy("Manage prices"),
}


_FRONT_DESK = {
    Capability.VIEW_PATIENTS,
    Capability.EDIT_PATIENTS,
    Capability.SCREEN,
    Capability.RECORD_CONSENT,
    Capability.VIEW_SCHEDULE,
    Capability.BOOK,
    Capability.VIEW_CATALOG,
    Capability.VIEW_INVENTORY,
}
_CLINICAL = _FRONT_DESK | {
    Capability.VIEW_CLINICAL,
    Capability.EDIT_CLINICAL,
    Capability.MANAGE_INVENTORY,
    Capability.RECALL,
    Capability.REPORT_ADVERSE_EVENT,
    Capability.VIEW_PHOTOS,
    Capability.TAKE_PHOTOS,
}

MATRIX: dict[str, frozenset[Capability]] = {
    Role.OWNER: frozenset(
        _CLINICAL
        | {
            Capability.MANAGE_CATALOG,
            Capability.MANAGE_CONSENT_FORMS,
            Capability.VIEW_AUDIT,
            Capability.VIEW_REPORTS,
            Capability.MANAGE_JOBS,
            Capability.EXPORT_PATIENT_DATA,
            Capability.MANAGE_PRIVACY,
            Capability.USE_PHOTO_LIBRARY,
            Capability.MANAGE_WEBHOOKS,
            Capability.MANAGE_SECURITY,
            Capability.MANAGE_NOTIFICATIONS,
            Capability.EXPORT_DATA,
            Capability.IMPORT_DATA,
            Capability.MANAGE_CLINIC,
            Capability.VIEW_BILLING,
            Capability.TAKE_PAYMENTS,
            Capability.REFUND_PAYMENTS,
            Capability.MANAGE_PRICES,
        }
    ),
    Role.PHYSICIAN: frozenset(
        _CLINICAL
        | {
            Capability.MANAGE_CATALOG,
            Capability.MANAGE_CONSENT_FORMS,
            Capability.OVERRIDE_SCREENING,
            Capability.RECORD_TREATED_ELSEWHERE,
            Capability.VIEW_REPORTS,
            Capability.EXPORT_PATIENT_DATA,
            Capability.USE_PHOTO_LIBRARY,
            Capability.EXPORT_DATA,
        }
    ),
    Role.PRACTITIONER: frozenset(_CLINICAL),
    Role.RECEPTIONIST: frozenset(_FRONT_DESK | {Capability.VIEW_BILLING, Capability.TAKE_PAYMENTS}),
    Role.AUDITOR: frozenset({Capability.VIEW_AUDIT, Capability.VIEW_BILLING}),
}


def role_has(role: str, capability: Capability) -> bool:
    return capability in MATRIX.get(role, frozenset())
