"""Reads for vigilance: the recall of a lot (through every preparation made from it), adverse events,
and the sessions an event may be linked to.

``get_<thing>_for_user`` helpers are the only way to fetch by id: another clinic's lot or event is a 404.
A recall costs a bounded number of queries whatever its size: one per level of preparations (almost
always one or two), then one for the lots, one for the session lines and one for their zones.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.clinical_codes.dates import local_day
from mesoclinic.inventory.models import Lot, LotKind, MovementKind, StockMovement
from mesoclinic.patients.models import Patient
from mesoclinic.treatments.models import SessionProduct, SessionRecord, SessionZone
from mesoclinic.vigilance.models import AdverseEvent, EventCategory, FollowUp, Outcome, Severity

SUGGESTION_WEEKS = 12
CLOSED_OUTCOMES = frozenset({Outcome.RECOVERED, Outcome.FATAL})


# --- Lots -------------------------------------------------------------------------------------------------


def _lots(clinic: Clinic) -> QuerySet[Lot]:
    return Lot.objects.filter(clinic=clinic).select_related("product", "cocktail")


def find_lots(clinic: Clinic, lot_number: str, product_code: str | None = None) -> list[Lot]:
    """The clinic's lots with this number; ``product_code`` narrows to a product's or a cocktail's code.

    Lot numbers are unique only per product, so one number may name lots of several products.
    """
    lots = _lots(clinic).filter(lot_number=lot_number.strip())
    if product_code:
        lots = lots.filter(Q(product__code=product_code) | Q(cocktail__code=product_code))
    return list(lots.order_by("product__code", "cocktail__code", "id"))


def item_code(lot: Lot) -> str:
    """The code of the lot's product, or of the cocktail it is a preparation of."""
    item = lot.product if lot.kind == LotKind.SUPPLIED else lot.cocktail
    return item.code if item is not None else ""


def lot_label(lot: Lot) -> str:
    """How a lot is named in a recall's path: "lot L1" or "preparation P7"."""
    return f"{'preparation' if lot.kind == LotKind.PREPARATION else 'lot'} {lot.lot_number}"


# --- Recall -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReachedLot:
    """A lot in a recall: one searched for, or a preparation made (directly or not) from one."""

    lot: Lot
    via: tuple[str, ...]


@dataclass(frozen=True)
class RecallLine:
    """A session line as a recall shows it (plain values: a large recall builds thousands of these)."""

    id: int
    lot: Lot
    quantity: Decimal
    unit: str
    added_by_id: int | None
    voided_by_id: int | None

    @property
    def lot_id(self) -> int:
        return self.lot.pk


@dataclass(frozen=True)
class RecallPractitioner:
    id: int
    display_name: str


@dataclass(frozen=True)
class RecallRecord:
    """The session a recalled line belongs to: when, by whom, in what state."""

    pk: int
    performed_at: datetime
    status: str
    modality: str
    amendment_count: int
    practitioner: RecallPractitioner

    @property
    def id(self) -> int:
        return self.pk

    @property
    def is_signed(self) -> bool:
        return self.status == SessionRecord.Status.SIGNED

    def get_status_display(self) -> str:
        return str(SessionRecord.Status(self.status).label)


@dataclass(frozen=True)
class RecallContact:
    """Who to call: the patient's name and contact details, nothing clinical."""

    pk: int
    given_name: str
    family_name: str
    phone: str
    email: str

    @property
    def id(self) -> int:
        return self.pk

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True)
class RecallUse:
    """One session line that used a reached lot, with where and to whom it was given."""

    line: RecallLine
    record: RecallRecord
    patient: RecallContact
    zones: tuple[str, ...]
    via: tuple[str, ...]

    @property
    def voided(self) -> bool:
        return self.line.voided_by_id is not None

    @property
    def amended(self) -> bool:
        """The line was added or voided by an amendment, or the record was amended since signing."""
        return self.line.added_by_id is not None or self.voided or self.record.amendment_count > 0


@dataclass
class RecallPatient:
    """A patient a recall reached, with how many sessions and the first and last of them."""

    patient: RecallContact
    sessions: int = 0
    first: datetime | None = None
    last: datetime | None = None
    session_ids: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Recall:
    lots: list[ReachedLot]
    uses: list[RecallUse]
    patients: list[RecallPatient]

    @property
    def recalled_everywhere(self) -> bool:
        return all(reached.lot.is_recalled for reached in self.lots)


def lot_closure(lots: Sequence[Lot]) -> dict[int, tuple[str, ...]]:
    """Every lot reachable from ``lots`` through preparations, with the path to it (shortest first).

    Walks level by level (one query per level of preparations), never row by row.
    """
    via: dict[int, tuple[str, ...]] = {lot.pk: (lot_label(lot),) for lot in lots}
    frontier = set(via)
    while frontier:
        edges = (
            StockMovement.objects.filter(
                lot_id__in=frontier, kind=MovementKind.USE, preparation__isnull=False
            )
            .values_list("lot_id", "preparation_id", "preparation__kind", "preparation__lot_number")
            .distinct()
            .order_by("lot_id", "preparation_id")
        )
        frontier = set()
        for source, target, kind, number in edges:
            if target in via:
                continue
            label = f"{'preparation' if kind == LotKind.PREPARATION else 'lot'} {number}"
            via[target] = (*via[source], label)
            frontier.add(target)
    return via


# What a recall shows, and no more, read as plain values: a large recall has thousands of lines, and
# building model instances for them (with the records' JSON columns) cost several times the queries.
RECALL_COLUMNS = (
    *("id", "lot_id", "quantity", "unit", "added_by_id", "voided_by_id", "record_id"),
    *("record__performed_at", "record__status", "record__modality", "record__amendment_count"),
    *("record__practitioner_id", "record__practitioner__display_name"),
    *("record__patient_id", "record__patient__given_name", "record__patient__family_name"),
    *("record__patient__phone", "record__patient__email"),
)


def recall(lots: Sequence[Lot]) -> Recall:
    """Every lot, session line and patient that ``lots`` reached, directly or through preparations.

    Lines are newest first; voided lines are included (flagged): the product was drawn, the line
    corrected later, and a recall would rather ask one patient too many than miss one.
    """
    via = lot_closure(lots)
    reached = [
        ReachedLot(lot, via[lot.pk])
        for lot in Lot.objects.filter(pk__in=via).select_related("product", "cocktail")
    ]
    reached.sort(key=lambda r: (len(r.via), r.via))
    lot_by_id = {r.lot.pk: r.lot for r in reached}
    rows = list(
        SessionProduct.objects.filter(lot_id__in=via)
        .order_by("-record__performed_at", "-record_id", "id")
        .values_list(*RECALL_COLUMNS)
    )
    zones: dict[int, list[str]] = {}
    for record_id, zone in (
        # The record ids as a list: PostgreSQL then probes the zones' index; a join or a subquery made it
        # hash the whole zone table.
        SessionZone.objects.filter(record_id__in={row[6] for row in rows}, voided_by__isnull=True)
        .order_by("record_id", "id")
        .values_list("record_id", "zone")
    ):
        codes = zones.setdefault(record_id, [])
        if zone not in codes:
            codes.append(zone)
    uses: list[RecallUse] = []
    patients: dict[int, RecallPatient] = {}
    records: dict[int, RecallRecord] = {}
    contacts: dict[int, RecallContact] = {}
    practitioners: dict[int, RecallPractitioner] = {}
    for row in rows:
        line_id, lot_id, quantity, unit, added_by_id, voided_by_id, record_id = row[:7]
        performed_at, status, modality, amendments, practitioner_id, practitioner_name = row[7:13]
        patient_id, given, family, phone, email = row[13:]
        if (record := records.get(record_id)) is None:
            if (practitioner := practitioners.get(practitioner_id)) is None:
                practitioner = practitioners[practitioner_id] = RecallPractitioner(
                    practitioner_id, practitioner_name
                )
            record = records[record_id] = RecallRecord(
                record_id, performed_at, status, modality, amendments, practitioner
            )
        if (contact := contacts.get(patient_id)) is None:
            contact = contacts[patient_id] = RecallContact(patient_id, given, family, phone, email)
        line = RecallLine(line_id, lot_by_id[lot_id], quantity, unit, added_by_id, voided_by_id)
        uses.append(RecallUse(line, record, contact, tuple(zones.get(record_id, ())), via[lot_id]))
        if (entry := patients.get(patient_id)) is None:
            entry = patients[patient_id] = RecallPatient(contact, last=performed_at)
        if record_id not in entry.session_ids:  # rows come newest first
            entry.session_ids.add(record_id)
            entry.sessions += 1
            entry.first = performed_at
    ordered = sorted(
        patients.values(), key=lambda p: (p.patient.family_name, p.patient.given_name, p.patient.pk)
    )
    return Recall(reached, uses, ordered)


def recall_as_dict(lot_number: str, result: Recall, clinic: Clinic) -> dict[str, Any]:
    """The recall in the CLI's and the API's JSON shape (times in the clinic's time zone, with offset)."""
    tz = clinic_tz(clinic)
    return {
        "lot_number": lot_number,
        "lots": [
            {
                "id": r.lot.pk,
                ("product" if r.lot.kind == LotKind.SUPPLIED else "cocktail"): item_code(r.lot),
                "name": r.lot.item_name,
                "lot_number": r.lot.lot_number,
                "expires_on": r.lot.expires_on.isoformat(),
                "recalled": r.lot.is_recalled,
                "via": list(r.via),
            }
            for r in result.lots
        ],
        "sessions": [
            {
                "session_id": use.record.pk,
                "performed_at": use.record.performed_at.astimezone(tz).isoformat(),
                "patient_id": use.patient.pk,
                "practitioner": use.record.practitioner.display_name,
                "status": use.record.status,
                "zones": list(use.zones),
                "quantity": str(use.line.quantity),
                "unit": use.line.unit,
                "lot_id": use.line.lot_id,
                "lot_number": use.line.lot.lot_number,
                "voided": use.voided,
                "amended": use.amended,
                "via": list(use.via),
            }
            for use in result.uses
        ],
        "patients": [
            {
                "patient_id": p.patient.pk,
                "name": p.patient.full_name,
                "phone": p.patient.phone,
                "email": p.patient.email,
                "sessions": p.sessions,
                "first": p.first.astimezone(tz).isoformat() if p.first else None,
                "last": p.last.astimezone(tz).isoformat() if p.last else None,
            }
            for p in result.patients
        ],
    }


def clinic_tz(clinic: Clinic) -> Any:
    from zoneinfo import ZoneInfo  # noqa: PLC0415 — tiny, kept beside its one use

    return ZoneInfo(clinic.timezone)


# --- Adverse events ---------------------------------------------------------------------------------------


def events_for_clinic(
    clinic: Clinic,
    *,
    category: str = "",
    severity: str = "",
    status: str = "",
    onset_from: date | None = None,
    onset_to: date | None = None,
    search: str = "",
) -> QuerySet[AdverseEvent]:
    """The clinic's adverse events, filtered; ``status`` is "open" or "closed"; search matches the
    patient's name, the description and the regulator's reference (every word)."""
    events = AdverseEvent.objects.filter(clinic=clinic).select_related("patient", "reported_by__staff")
    if category in EventCategory.values:
        events = events.filter(category=category)
    if severity in Severity.values:
        events = events.filter(severity=severity)
    if status == "open":
        events = events.filter(closed_at__isnull=True)
    elif status == "closed":
        events = events.filter(closed_at__isnull=False)
    if onset_from:
        events = events.filter(onset_on__gte=onset_from)
    if onset_to:
        events = events.filter(onset_on__lte=onset_to)
    for term in search.split():
        match = (
            Q(patient__given_name__icontains=term)
            | Q(patient__family_name__icontains=term)
            | Q(description__icontains=term)
            | Q(regulator_reference__icontains=term)
        )
        with contextlib.suppress(ValueError):
            match |= Q(pk=int(term))
        events = events.filter(match)
    return events


def events_for_patient(patient: Patient) -> QuerySet[AdverseEvent]:
    return AdverseEvent.objects.filter(patient=patient).select_related("reported_by__staff")


def get_event_for_user(staff: StaffMember | None, event_id: Any) -> AdverseEvent:
    """The adverse event with this id in the staff member's clinic (sessions, lots, follow-ups loaded), or 404."""
    if staff is None:
        raise Http404
    try:
        pk = int(event_id)
    except (TypeError, ValueError):
        raise Http404 from None
    event = (
        AdverseEvent.objects.filter(pk=pk, clinic_id=staff.clinic_id)
        .select_related("clinic", "patient__clinic", "reported_by__staff")
        .prefetch_related(
            Prefetch("sessions", queryset=SessionRecord.objects.select_related("practitioner")),
            Prefetch("lots", queryset=Lot.objects.select_related("product", "cocktail")),
            Prefetch("follow_ups", queryset=FollowUp.objects.select_related("actor__staff")),
        )
        .first()
    )
    if event is None:
        raise Http404
    return event


@dataclass(frozen=True)
class SuggestedSession:
    """A session an adverse event may come from, with the lots it used (to preselect them)."""

    record: SessionRecord
    lots: list[Lot]
    zones: list[str]


def suggest_sessions(patient: Patient, onset_on: date) -> list[SuggestedSession]:
    """The patient's sessions in the 12 weeks up to the onset (inclusive), newest first, with their lots.

    Atypical mycobacterial infections appear 1–12 weeks after the injection, hence the window.
    """
    tz = clinic_tz(patient.clinic)
    start = datetime.combine(onset_on - timedelta(weeks=SUGGESTION_WEEKS), datetime.min.time(), tzinfo=tz)
    end = datetime.combine(onset_on + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    records = (
        SessionRecord.objects.filter(patient=patient, performed_at__gte=start, performed_at__lt=end)
        .select_related("practitioner")
        .prefetch_related(
            Prefetch(
                "products",
                queryset=SessionProduct.objects.filter(voided_by__isnull=True).select_related(
                    "lot__product", "lot__cocktail"
                ),
            ),
            Prefetch("zones", queryset=SessionZone.objects.filter(voided_by__isnull=True)),
        )
        .order_by("-performed_at", "-id")
    )
    suggestions = []
    for record in records:
        lots: dict[int, Lot] = {}
        for line in record.products.all():
            lots.setdefault(line.lot_id, line.lot)
        zones = list(dict.fromkeys(zone.zone for zone in record.zones.all()))
        suggestions.append(SuggestedSession(record, list(lots.values()), zones))
    return suggestions


def sessions_by_id(patient: Patient, ids: Iterable[int]) -> list[SessionRecord]:
    return list(SessionRecord.objects.filter(patient=patient, pk__in=list(ids)))


def lots_by_id(clinic: Clinic, ids: Iterable[int]) -> list[Lot]:
    return list(Lot.objects.filter(clinic=clinic, pk__in=list(ids)))


# --- The regulator's report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportProduct:
    name: str
    code: str
    manufacturer: str
    lot_number: str
    expires_on: date
    kind: str
    ingredient_of: str = ""


def report_products(event: AdverseEvent) -> list[ReportProduct]:
    """The event's lots as a regulator wants them; a preparation also lists the lots it was made from."""
    lots = list(event.lots.all())
    products = []
    prep_ids = [lot.pk for lot in lots if lot.kind == LotKind.PREPARATION]
    components: dict[int, list[Lot]] = {}
    if prep_ids:
        for movement in (
            StockMovement.objects.filter(preparation_id__in=prep_ids, kind=MovementKind.USE)
            .select_related("lot__product", "lot__cocktail")
            .order_by("lot_id")
        ):
            parts = components.setdefault(movement.preparation_id or 0, [])
            if movement.lot not in parts:
                parts.append(movement.lot)
    for lot in lots:
        products.append(_report_product(lot))
        for part in components.get(lot.pk, []):
            products.append(_report_product(part, ingredient_of=lot.lot_number))
    return products


def _report_product(lot: Lot, *, ingredient_of: str = "") -> ReportProduct:
    manufacturer = lot.product.manufacturer if lot.product is not None else "Compounded in the clinic"
    return ReportProduct(
        name=lot.item_name,
        code=item_code(lot),
        manufacturer=manufacturer,
        lot_number=lot.lot_number,
        expires_on=lot.expires_on,
        kind=lot.kind,
        ingredient_of=ingredient_of,
    )


SERIOUS = frozenset({Severity.SERIOUS})


def regulator_report(event: AdverseEvent) -> dict[str, Any]:
    """What a regulator's form (Yellow Card, MedWatch, an MDR vigilance report) asks, without the name.

    ``rows`` flattens it for a CSV: one row per product (or one row when no lot is linked).
    """
    tz = clinic_tz(event.clinic)
    patient = event.patient
    products = report_products(event)
    sessions = []
    for record in sorted(event.sessions.all(), key=lambda r: r.performed_at):
        day = local_day(record.performed_at, tz)
        sessions.append(
            {
                "session_id": record.pk,
                "date": day.isoformat(),
                "days_to_onset": (event.onset_on - day).days,
                "modality": record.modality,
            }
        )
    reporter = event.reported_by
    staff = getattr(reporter, "staff", None) if reporter else None
    data: dict[str, Any] = {
        "event": {
            "id": event.pk,
            "category": event.category,
            "category_label": str(event.get_category_display()),
            "description": event.description,
            "zones": list(event.zones),
            "onset_on": event.onset_on.isoformat(),
            "severity": event.severity,
            "serious": event.severity in SERIOUS,
            "actions": event.actions,
            "outcome": event.outcome,
            "closed": event.closed_at is not None,
            "reported_at": event.reported_at.astimezone(tz).isoformat(),
            "reported_to_regulator": event.reported_to_regulator,
            "regulator_reference": event.regulator_reference,
        },
        "patient": {"age_at_onset": patient.age_on(event.onset_on), "sex": patient.sex},
        "products": [
            {
                "name": p.name,
                "code": p.code,
                "manufacturer": p.manufacturer,
                "lot_number": p.lot_number,
                "expires_on": p.expires_on.isoformat(),
                "kind": p.kind,
                "ingredient_of": p.ingredient_of,
            }
            for p in products
        ],
        "sessions": sessions,
        "follow_ups": [
            {"at": f.at.astimezone(tz).isoformat(), "outcome": f.outcome, "note": f.note}
            for f in event.follow_ups.all()
        ],
        "reporter": {
            "name": staff.display_name if staff else (reporter.get_username() if reporter else ""),
            "role": staff.role if staff else "",
            "clinic": event.clinic.name,
        },
    }
    session_text = "; ".join(f"{s['date']} ({s['days_to_onset']} days before onset)" for s in sessions)
    common = {
        "event_id": event.pk,
        "age_at_onset": data["patient"]["age_at_onset"],
        "sex": patient.sex,
        "category": data["event"]["category_label"],
        "description": event.description,
        "onset_on": data["event"]["onset_on"],
        "severity": event.severity,
        "serious": "yes" if data["event"]["serious"] else "no",
        "sessions": session_text,
        "actions": event.actions,
        "outcome": event.outcome,
        "reporter": data["reporter"]["name"],
        "clinic": event.clinic.name,
    }
    empty = {
        "product": "",
        "product_code": "",
        "manufacturer": "",
        "lot_number": "",
        "expires_on": "",
        "ingredient_of": "",
    }
    data["rows"] = [
        {
            **common,
            "product": p["name"],
            "product_code": p["code"],
            "manufacturer": p["manufacturer"],
            "lot_number": p["lot_number"],
            "expires_on": p["expires_on"],
            "ingredient_of": p["ingredient_of"],
        }
        for p in data["products"]
    ] or [{**common, **empty}]
    return data
