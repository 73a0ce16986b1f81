"""Every write about patients: registration, identity changes, medical history, consents."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mesoclinic.accounts.models import Clinic
from mesoclinic.actors import Actor
from mesoclinic.audit.services import acting_user, record_event
from mesoclinic.catalog.models import Modality
from mesoclinic.catalog.selectors import ingredient_codes
from mesoclinic.clinical_codes.vocabulary import HISTORY_LISTS
from mesoclinic.form_errors import readers_count
from mesoclinic.patients.history import clean_history
from mesoclinic.patients.identity import InvalidPhoneError, clean_name, normalise_phone, search_key
from mesoclinic.patients.models import (
    NOTES_MAX,
    Consent,
    ConsentTemplate,
    HistoryStatus,
    MedicalHistory,
    Patient,
    PhotoUse,
)
from mesoclinic.patients.selectors import PossibleDuplicate, possible_duplicates
from mesoclinic.patients.signals import ContactAnswer, contact_answered, medical_history_changed
from mesoclinic.patients.signature import SignatureError, clean_signature
from mesoclinic.text import text_problem

PATIENT_FIELDS = (
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "email",
    "phone",
    "address",
    "preferred_language",
    "fitzpatrick",
    "glogau",
)


class PossibleDuplicateError(ValidationError):
    """The patient looks already registered (same name and date of birth, or same phone or e-mail).

    ``duplicates`` lists who, and why; the caller shows them and may save anyway with ``allow_duplicate``.
    """

    def __init__(self, duplicates: list[PossibleDuplicate]) -> None:
        self.duplicates = duplicates
        names = "; ".join(
            f"{d.patient.full_name}, born {d.patient.birth_date:%Y-%m-%d} ({', '.join(d.reasons)})"
            for d in duplicates
        )
        super().__init__(
            {
                "__all__": [
                    _(
                        "This patient may already be registered: %(names)s. Open that chart, or confirm that this "
                        "is someone else."
                    )
                    % {"names": names}
                ]
            }
        )


def _clean_identity(clinic: Clinic, fields: dict[str, Any]) -> dict[str, Any]:
    """Names tidied and checked, the phone number in E.164 for the clinic's country; errors by field."""
    cleaned = dict(fields)
    errors: dict[str, list[str]] = {}
    for name, what in (("given_name", "first name"), ("family_name", "last name")):
        if name in cleaned:
            try:
                cleaned[name] = clean_name(str(cleaned[name] or ""), what=what)
            except ValueError as exc:
                errors[name] = [str(exc)]
    if "phone" in cleaned:
        try:
            cleaned["phone"] = normalise_phone(str(cleaned["phone"] or ""), clinic.country)
        except InvalidPhoneError as exc:
            errors["phone"] = [str(exc)]
    for name in ("email", "address"):
        if name in cleaned:
            cleaned[name] = str(cleaned[name] or "").strip()
    if errors:
        raise ValidationError(errors)
    return cleaned


IDENTITY_FIELDS = frozenset({"given_name", "family_name", "birth_date", "phone", "email"})
"""The fields a possible duplicate is found by: a change of any of them is screened again."""


def _refuse_unknown(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(PATIENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown patient fields: {sorted(unknown)}")


def _check_before_save(patient: Patient, *, screen_duplicates: bool) -> None:
    """The one check of a patient about to be saved, registered or changed: the model's own rules, then
    ours (``_check_identity``), then, when ``screen_duplicates``, whether someone registered already looks
    like them (``PossibleDuplicateError``; the patient themself is not a duplicate of their old values)."""
    patient.search_name = search_key(patient.given_name, patient.family_name)
    patient.full_clean()
    _check_identity(patient)
    if not screen_duplicates:
        return
    found = possible_duplicates(
        patient.clinic,
        given_name=patient.given_name,
        family_name=patient.family_name,
        birth_date=patient.birth_date,
        phone=patient.phone or "",
        email=patient.email or "",
        exclude=patient if patient.pk is not None else None,
    )
    if found:
        raise PossibleDuplicateError(found)


def check_contact_answer(answer: ContactAnswer, *, email: str, phone: str) -> None:
    """A "yes" names at least one channel, and each channel chosen has its address."""
    if not answer.consent:
        return
    if not (answer.email or answer.sms):
        raise ValidationError({"contact_channels": _("Choose how the patient wants to be contacted.")})
    if answer.email and not email.strip():
        raise ValidationError({"email": _("Give the e-mail address the patient wants messages at.")})
    if answer.sms and not phone.strip():
        raise ValidationError({"phone": _("Give the phone number the patient wants text messages at.")})


OLDEST_AGE_YEARS = 130
TEXT_FIELDS = ("given_name", "family_name", "phone", "address")


def _check_identity(patient: Patient) -> None:
    """What the model cannot say: no birth date in the future (screening, proposals and booking compute an
    age from it) or more than 130 years back, and no control characters in names, phone or address."""
    errors: dict[str, list[str]] = {}
    today = patient.clinic.today()
    if patient.birth_date > today:
        errors["birth_date"] = [_("The date of birth cannot be in the future.")]
    elif today.year - patient.birth_date.year > OLDEST_AGE_YEARS:
        errors["birth_date"] = [_("Check the year: that would make the patient older than 130.")]
    for name in TEXT_FIELDS:
        problem = text_problem(getattr(patient, name) or "", tr=_, count=readers_count)
        if problem is not None:
            errors[name] = [problem]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def register_patient(
    clinic: Clinic,
    *,
    actor: Actor,
    contact: ContactAnswer | None = None,
    allow_duplicate: bool = False,
    **fields: Any,
) -> Patient:
    """Create a patient with an empty medical history, recording their answer about being contacted.

    ``contact`` is the answer to "may we send you reminders, and how?", asked at the desk and in the API;
    None (an import from another system) leaves it unasked: nothing is sent until it is recorded.

    Raises ``ValidationError`` by field for a name, phone number (checked in the clinic's country and
    stored in E.164) or other value that cannot be right, and ``PossibleDuplicateError`` when someone with
    the same name and date of birth, or the same phone number or e-mail, is registered already, unless
    ``allow_duplicate`` says the user saw them and this is someone else.
    """
    _refuse_unknown(fields)
    if contact is not None:
        check_contact_answer(contact, email=fields.get("email", ""), phone=fields.get("phone", ""))
    patient = Patient(clinic=clinic, **_clean_identity(clinic, fields))
    _check_before_save(patient, screen_duplicates=not allow_duplicate)
    patient._history_user = acting_user(actor)  # type: ignore[attr-defined]  # simple-history takes the acting user from this attribute of the instance
    patient.save()
    history = MedicalHistory(patient=patient)
    history._history_user = acting_user(actor)  # type: ignore[attr-defined]  # simple-history takes the acting user from this attribute of the instance
    history.save()
    record_event("patient.create", patient, actor=actor)
    if contact is not None:
        contact_answered.send(sender=Patient, patient=patient, answer=contact, actor=actor)
    return patient


@transaction.atomic
def update_patient(
    patient: Patient, *, actor: Actor, allow_duplicate: bool = False, **fields: Any
) -> Patient:
    """Change identity, contact or skin classification; the previous values stay in the history.

    Checked as ``register_patient`` checks; a change of name, date of birth, phone or e-mail that makes the
    patient look like another registered one raises ``PossibleDuplicateError`` unless ``allow_duplicate``.
    """
    _refuse_unknown(fields)
    cleaned = _clean_identity(patient.clinic, fields)
    changed = {name: value for name, value in cleaned.items() if getattr(patient, name) != value}
    if not changed:
        return patient
    before = {name: getattr(patient, name) for name in [*changed, "search_name"]}
    for name, value in changed.items():
        setattr(patient, name, value)
    try:
        _check_before_save(
            patient, screen_duplicates=not allow_duplicate and bool(IDENTITY_FIELDS & set(changed))
        )
    except ValidationError:  # a refused change leaves the caller's patient as it was (the form shows it)
        for name, value in before.items():
            setattr(patient, name, value)
        raise
    patient._history_user = acting_user(actor)  # type: ignore[attr-defined]  # simple-history takes the acting user from this attribute of the instance
    patient.save(update_fields=[*changed, "search_name", "updated_at"])
    record_event("patient.update", patient, actor=actor, data={"fields": sorted(changed)})
    return patient


HISTORY_FIELDS = (*HISTORY_LISTS, "notes")
"""The fields of a complete history document (``status`` and ``reason`` come beside them)."""

WRITABLE_STATUSES = (HistoryStatus.SELF_REPORTED.value, HistoryStatus.CONFIRMED.value)


@transaction.atomic
def update_medical_history(
    patient: Patient,
    *,
    actor: Actor,
    conditions: Iterable[Any] = (),
    medications: Iterable[Any] = (),
    implants: Iterable[Any] = (),
    allergies: Iterable[Any] = (),
    other_allergies: Iterable[Any] = (),
    other_medications: Iterable[Any] = (),
    notes: str = "",
    reason: str,
    status: str | None = HistoryStatus.CONFIRMED,
) -> MedicalHistory:
    """Replace the structured history; the old version is kept with who, when and why.

    ``status`` says how it was taken: ``confirmed`` (by ``actor``, now: a member of staff went through it
    with the patient) or ``self_reported`` (the patient's own answers, not yet confirmed); None keeps the
    current status (a history that was never taken stays "not taken" until someone says it was). Raises
    ``ValidationError`` (per field) for codes outside the vocabulary or the clinic's ingredients, for
    free text that is empty or too long, for notes longer than ``NOTES_MAX`` characters, for an unknown
    status and for a missing reason; nothing is changed then.
    """
    if status is not None and status not in WRITABLE_STATUSES:
        raise ValidationError(
            {
                "status": _("“%(status)s” is not one of %(statuses)s.")
                % {"status": status, "statuses": ", ".join(WRITABLE_STATUSES)}
            }
        )
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError(
            {"reason": "Say briefly why the history changed; it is kept with this version."}
        )
    if len(notes) > NOTES_MAX:
        raise ValidationError(
            {"notes": _("The notes are too long: at most %(max)s characters.") % {"max": NOTES_MAX}}
        )
    cleaned = clean_history(
        conditions=conditions,
        medications=medications,
        implants=implants,
        allergies=allergies,
        other_allergies=other_allergies,
        other_medications=other_medications,
        known_ingredients=ingredient_codes(patient.clinic),
    )
    history = MedicalHistory.objects.select_for_update().select_related("patient").get(patient=patient)
    screened_before = history.as_screening_json()
    after: dict[str, Any] = {**cleaned, "notes": notes, "status": status or history.status}
    before = {name: getattr(history, name) for name in after}
    changed = sorted(name for name in after if before[name] != after[name])
    if not changed:
        return history
    for name in changed:
        setattr(history, name, after[name])
    if history.status == HistoryStatus.CONFIRMED:
        history.confirmed_by = acting_user(actor)
        history.confirmed_at = timezone.now()
    else:
        history.confirmed_by = None
        history.confirmed_at = None
    history._history_user = acting_user(actor)  # type: ignore[attr-defined]  # simple-history takes the acting user from this attribute of the instance
    history._change_reason = reason.strip()  # type: ignore[attr-defined]  # simple-history takes the change reason from this attribute of the instance
    history.save(update_fields=[*changed, "confirmed_by", "confirmed_at", "updated_at"])
    record_event(
        "medical_history.update",
        history,
        actor=actor,
        clinic=patient.clinic,
        data={"fields": changed, "status": history.status},
    )
    medical_history_changed.send(
        MedicalHistory,
        patient=patient,
        before=screened_before,
        after=history.as_screening_json(),
        actor=actor,
    )
    return history


@transaction.atomic
def patch_medical_history(patient: Patient, *, actor: Actor, reason: str, **fields: Any) -> MedicalHistory:
    """Change the named fields of the history (and ``status``, if named); the others stay as they are.

    Raises ``ValidationError`` when no field is named, as ``update_medical_history`` does otherwise.
    """
    unknown = set(fields) - {*HISTORY_FIELDS, "status"}
    if unknown:
        raise TypeError(f"unknown history fields: {sorted(unknown)}")
    if not fields:
        raise ValidationError({"__all__": _("Name at least one field of the history to change.")})
    history = MedicalHistory.objects.select_for_update().get(patient=patient)
    current: dict[str, Any] = {name: getattr(history, name) for name in HISTORY_FIELDS}
    return update_medical_history(
        patient,
        actor=actor,
        reason=reason,
        **{**current, "status": None, **fields},
    )


@transaction.atomic
def publish_consent_template(
    clinic: Clinic, *, modality: Modality, title: str, body: str, actor: Actor
) -> ConsentTemplate:
    """Publish a new version of a modality's consent text; earlier versions stay as they were signed."""
    if modality.clinic_id != clinic.pk:
        raise ValidationError({"modality": _("This modality belongs to another clinic.")})
    latest = (
        ConsentTemplate.objects.select_for_update()
        .filter(clinic=clinic, modality=modality)
        .order_by("-version")
        .first()
    )
    template = ConsentTemplate(
        clinic=clinic,
        modality=modality,
        version=(latest.version + 1) if latest else 1,
        title=title,
        body=body,
        created_by=acting_user(actor),
    )
    template.full_clean()
    template.save()
    record_event("consent_template.publish", template, actor=actor, data={"version": template.version})
    return template


@transaction.atomic
def record_consent(
    patient: Patient,
    *,
    template: ConsentTemplate,
    signed_by: str,
    photo_use: Iterable[str] = (PhotoUse.CLINICAL,),
    signed_at: datetime | None = None,
    signature: bytes = b"",
    actor: Actor,
) -> Consent:
    """Record a signed consent against the exact template version the patient read.

    ``signature`` is the PNG drawn on the tablet (optional: a paper signature has only the typed name); it
    is checked and kept re-encoded, with the signed version.
    """
    if template.clinic_id != patient.clinic_id:
        raise ValidationError({"template": _("This consent form belongs to another clinic.")})
    scopes = set(photo_use) | {PhotoUse.CLINICAL.value}
    unknown = scopes - set(PhotoUse.values)
    if unknown:
        raise ValidationError(
            {"photo_use": _("Unknown photo use: %(uses)s.") % {"uses": ", ".join(sorted(unknown))}}
        )
    if not signed_by.strip():
        raise ValidationError({"signed_by": _("Enter the name of the person who signed.")})
    try:
        drawn = clean_signature(signature) if signature else b""
    except SignatureError as exc:
        raise ValidationError({"signature": _(str(exc))}) from None  # marked N_ in the pure module
    consent = Consent(
        clinic=patient.clinic,
        patient=patient,
        template=template,
        signed_by=signed_by.strip(),
        signed_at=signed_at or timezone.now(),
        signature=drawn,
        photo_use=[scope for scope in PhotoUse.values if scope in scopes],
        recorded_by=acting_user(actor),
    )
    consent.full_clean()
    consent.save()
    record_event(
        "consent.record",
        consent,
        actor=actor,
        data={
            "template": template.pk,
            "version": template.version,
            "photo_use": consent.photo_use,
            "signature": bool(drawn),
        },
    )
    return consent


@transaction.atomic
def withdraw_consent(consent: Consent, *, reason: str, actor: Actor) -> Consent:
    """Withdraw a consent from now on; the signed record itself is kept."""
    if consent.withdrawn_at is not None:
        return consent
    consent.withdrawn_at = timezone.now()
    consent.withdrawal_reason = reason[:300]
    consent.save(update_fields=["withdrawn_at", "withdrawal_reason"])
    record_event("consent.withdraw", consent, actor=actor, data={"reason": reason[:300]})
    return consent


@transaction.atomic
def restrict_patient(patient: Patient, *, reason: str, actor: Actor) -> Patient:
    """Restrict processing (erasure asked while the records must be kept): the patient leaves every list,
    search and booking, and accepts no new clinical entries except adverse event follow-ups."""
    if patient.restricted_at is not None:
        return patient
    patient.restricted_at = timezone.now()
    patient.restriction_reason = reason[:300]
    patient._history_user = acting_user(actor)  # type: ignore[attr-defined]  # simple-history takes the acting user from this attribute of the instance
    patient.save(update_fields=["restricted_at", "restriction_reason", "updated_at"])
    record_event("patient.restrict", patient, actor=actor, data={"reason": reason[:300]})
    return patient


@transaction.atomic
def lift_restriction(patient: Patient, *, reason: str, actor: Actor) -> Patient:
    """End a restriction (the request was withdrawn or recorded by mistake); the audit keeps both."""
    if patient.restricted_at is None:
        return patient
    patient.restricted_at = None
    patient.restriction_reason = ""
    patient._history_user = acting_user(actor)  # type: ignore[attr-defined]  # simple-history takes the acting user from this attribute of the instance
    patient.save(update_fields=["restricted_at", "restriction_reason", "updated_at"])
    record_event("patient.unrestrict", patient, actor=actor, data={"reason": reason[:300]})
    return patient


def record_restricted_chart_view(patient: Patient, *, actor: Actor) -> None:
    """A clinical user opened a restricted patient's chart: always audited."""
    record_event("patient.restricted_view", patient, actor=actor)
