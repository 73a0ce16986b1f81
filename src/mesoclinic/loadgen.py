"""A large, realistic data set, generated fast (issue 20 item 1): ``mesoclinic generate_load_data``.

What benchmarks and load tests run against: clinics of realistic sizes (and optionally one very large one),
each with locations, staff, rooms, devices and the default catalog, patients registered over ``years`` years,
and the clinic's whole history lived day by day: series of sessions booked, kept, cancelled or missed,
signed session records with their product lines and the lots they came from, maintenance recalls, photos'
analyses (the JSON only: no image files are written) and scales, and the audit trail of it all.

**How it stays valid.** Everything is inserted with ``bulk_create`` in chronological batches, not through
the services, so the generator itself keeps what the services would:

- *No overlaps.* Each location's day is swept room by room: every room is paired with one practitioner that
  day and a needle-free session takes the device of its modality that is free first, so no practitioner,
  room or device is ever held twice at once. The database's own no-overlap checks (PostgreSQL exclusion
  constraints, SQLite triggers) stay on and check every row; inserting in time order keeps each check an
  index probe.
- *Stock.* Every product line of a signed record is a ``use`` movement of a lot that was received before,
  had not expired and still held the quantity; a new lot is received when the current one runs out or
  expires. Movements go through the ledger's ``bulk_create``, which keeps ``Lot.balance`` equal to the sum.
- *The audit chain.* Events (patient registered, series booked, chart read, session signed, recall made)
  are appended to the clinic's chain after the events its services wrote (the clinic, catalog and rules):
  the generator reads the head, numbers and hashes each event with ``audit.chain`` exactly as
  ``append_event`` does, and inserts them in ``seq`` order, so ``mesoclinic audit verify`` passes.

**What is simplified** (said so the figures are read right): rooms accept every modality and practitioners
are qualified for all; staff have no working-hours exceptions or leave; no consent, screening or medical
history rows are made (sessions are signed without them, as imported history is); photos have no files
(their pages show a missing image); history tables (``simple_history``) get no rows for bulk inserts;
invoices and messages are not generated yet.

Deterministic: the same ``seed``, sizes and ``until`` give the same rows in the same order (ids included on an
empty database). Times are laid out from ``until`` backwards, never from the wall clock.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import random
import time as clock
import zoneinfo
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction

from mesoclinic.accounts.models import Clinic, Role, StaffMember
from mesoclinic.accounts.services import add_location, create_clinic
from mesoclinic.audit import chain
from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Cocktail, Product, Protocol
from mesoclinic.catalog.services import load_default_catalog
from mesoclinic.clinical_codes.dates import add_months
from mesoclinic.inventory.models import Lot, LotKind, MovementKind, StockMovement
from mesoclinic.outcomes.models import (
    METHOD_VERSION,
    AnalysisStatus,
    Assessment,
    AssessmentTiming,
    Photo,
    PhotoAnalysis,
    PhotoView,
)
from mesoclinic.patients.identity import search_key
from mesoclinic.patients.models import HistoryStatus, MedicalHistory, Patient
from mesoclinic.safety.services import load_default_rules
from mesoclinic.scheduling.models import (
    Appointment,
    AppointmentCompletion,
    AppointmentStatus,
    Course,
    Device,
    Holiday,
    MaintenanceRecall,
    OpeningHours,
    Room,
    WorkingHours,
    bump_schedule_versions,
)
from mesoclinic.treatments.models import SessionProduct, SessionRecord, SessionZone

#: Every generated login's password (the data is for benchmarks, never for real use).
PASSWORD = "load-data-only"  # noqa: S105 — a documented test password of generated data
TIMEZONE = "Europe/Warsaw"
OPEN, CLOSE = time(8), time(20)
SATURDAY_CLOSE = time(14)
GRID = 15  # minutes: every start is on the quarter hour
BATCH = 5_000
FLUSH_ROWS = 4 * BATCH  # appointments held in memory before a flush (round trips, not memory, cost)
RECEIPT = Decimal(200)
SHELF_DAYS = 540
RETURN_CHANCE = 0.7  # a patient comes back for the next series when their recall is due
CANCEL_CHANCE, NO_SHOW_CHANCE = 0.05, 0.03
PHOTO_CHANCE, SCALES_CHANCE = 0.3, 0.3
APPOINTMENTS_PER_PATIENT = 15  # about what the simulation gives a patient over ten years (for sizing)
REGIONS = (
    "forehead",
    "glabella",
    "periorbital_left",
    "periorbital_right",
    "cheek_left",
    "cheek_right",
    "nasolabial_left",
    "nasolabial_right",
    "chin",
)
BASE_METRICS = {
    "wrinkle_area_fraction": 0.08,
    "wrinkle_length_density": 0.012,
    "spot_count": 14.0,
    "spot_area_fraction": 0.03,
    "redness_area_fraction": 0.12,
    "lab_l_mean": 62.0,
    "lab_a_mean": 12.0,
    "lab_b_mean": 16.0,
    "ita_deg": 38.0,
    "texture_roughness": 9.0,
}
GIVEN = ("Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Zofia", "Julia", "Ola",
         "Marta", "Joanna", "Iwona", "Beata", "Łucja", "Piotr", "Tomasz", "Paweł", "Jan", "Michał")  # fmt: skip
FAMILY = ("Nowak", "Kowalska", "Wiśniewska", "Wójcik", "Kowalczyk", "Kamińska", "Lewandowska", "Zielińska",
          "Szymańska", "Woźniak", "Dąbrowska", "Kozłowska", "Jankowska", "Mazur", "Kwiatkowska", "Krawczyk",
          "Piotrowska", "Grabowska", "Nowakowska", "Pawłowska", "Michalska", "Nowicka", "Adamczyk", "Dudek")  # fmt: skip


@dataclass(frozen=True)
class LoadSpec:
    """What to generate. ``clinics`` clinics of about ``clinic_patients`` patients each (0.4–1.6×), plus one
    clinic of ``big_patients`` patients when that is not 0, each with ``years`` years of history up to
    ``until`` (and the booked sessions of running series after it)."""

    until: date
    clinics: int = 1
    clinic_patients: int = 300
    big_patients: int = 0
    years: int = 10
    seed: int = 1
    prefix: str = "load"


@dataclass
class LoadReport:
    clinics: list[str] = field(default_factory=list)
    rows: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def generate(spec: LoadSpec, *, progress: Callable[[str], None] | None = None) -> LoadReport:
    """Generate every clinic of ``spec``; refuses a prefix already used (the data is never mixed)."""
    if Clinic.objects.filter(slug__startswith=f"{spec.prefix}-").exists():
        raise ValueError(f"clinics named {spec.prefix}-… exist already: choose another prefix")
    report = LoadReport()
    started = clock.perf_counter()
    password = make_password(PASSWORD, salt="loadgen")  # hashed once: staff of every clinic share it
    sizes = [(f"{spec.prefix}-{n + 1:03d}", _clinic_size(spec, n)) for n in range(spec.clinics)]
    if spec.big_patients:
        sizes.append((f"{spec.prefix}-big", spec.big_patients))
    for n, (slug, patients) in enumerate(sizes):
        builder = _ClinicBuilder(
            spec, slug=slug, patients=patients, seed=spec.seed * 1_000_003 + n, password=password
        )
        builder.build()
        report.clinics.append(slug)
        report.rows.update(builder.rows)
        if progress is not None:
            elapsed = clock.perf_counter() - started
            progress(
                f"{slug}: {patients} patients, {sum(builder.rows.values())} rows ({elapsed:.0f} s so far)"
            )
    report.seconds = clock.perf_counter() - started
    return report


def _clinic_size(spec: LoadSpec, n: int) -> int:
    rng = random.Random(spec.seed * 7919 + n)  # noqa: S311 — generated data, not security
    return max(10, round(spec.clinic_patients * rng.uniform(0.4, 1.6)))


@dataclass
class _Series:
    """A course being lived: the next session wanted, and what has happened so far."""

    patient: Patient
    protocol: Protocol
    location: int
    course: Course | None = None
    index: int = 1
    done: list[SessionRecord] = field(default_factory=list)
    first_start: datetime | None = None
    photographed: bool = False


@dataclass
class _Lot:
    lot: Lot
    left: Decimal
    expires_on: date


class _ClinicBuilder:
    def __init__(self, spec: LoadSpec, *, slug: str, patients: int, seed: int, password: str) -> None:
        self.spec, self.slug, self.n_patients, self.password = spec, slug, patients, password
        self.rng = random.Random(seed)  # noqa: S311 — generated data, not security
        self.tz = zoneinfo.ZoneInfo(TIMEZONE)
        self.first_day = date(spec.until.year - spec.years, spec.until.month, min(spec.until.day, 28))
        self.last_day = spec.until + timedelta(days=120)  # running series are booked ahead
        self.now = datetime.combine(spec.until, time.min, self.tz)
        self.rows: Counter[str] = Counter()
        self.pending: dict[str, list[Any]] = {}
        self.events: list[tuple[datetime, dict[str, Any]]] = []

    # -- setup -------------------------------------------------------------------------------------------

    def build(self) -> None:
        with transaction.atomic():
            self._setup()
            self._live()
            self._flush()
            self._finish()

    def _setup(self) -> None:
        rng = self.rng
        self.clinic = create_clinic(
            name=f"Load clinic {self.slug}",
            slug=self.slug,
            timezone=TIMEZONE,
            country="PL",
            language="pl",
            actor=None,
        )
        load_default_catalog(self.clinic, actor=None)
        load_default_rules(self.clinic, actor=None)
        total = self.n_patients * APPOINTMENTS_PER_PATIENT
        n_locations = max(1, math.ceil(self.n_patients / 15_000))
        per_day = total / (self.spec.years * 300 * n_locations)
        n_rooms = max(2, math.ceil(per_day * 1.8 / 8))
        self.locations = [
            add_location(self.clinic, name=f"Location {k + 1}", timezone=TIMEZONE, actor=None)
            for k in range(n_locations)
        ]
        protocols = list(
            Protocol.objects.filter(clinic=self.clinic, is_active=True)
            .select_related("modality")
            .order_by("slug")
        )
        self.protocols = protocols
        self.needle_weights = [3.0 if p.modality.code == "needle" else 1.0 for p in protocols]
        codes = sorted({p.modality.code for p in protocols})
        device_codes = sorted({p.modality.code for p in protocols if p.modality.requires_device})
        users: list[User] = []
        staff_rows: list[tuple[int, Role, str]] = []  # location index (-1: all), role, title
        staff_rows.append((-1, Role.OWNER, ""))
        for k in range(n_locations):
            staff_rows.append((k, Role.RECEPTIONIST, ""))
            staff_rows.append((k, Role.PHYSICIAN, "Dr"))
            staff_rows.extend((k, Role.PRACTITIONER, "") for _ in range(n_rooms))
        for n, (_at, role, _title) in enumerate(staff_rows):
            users.append(
                User(
                    username=f"{self.slug}-{role.value[:4]}{n:03d}",
                    password=self.password,
                    email=f"{self.slug}-{n:03d}@load.invalid",
                    is_active=True,
                )
            )
        User.objects.bulk_create(users, batch_size=BATCH)
        members = [
            StaffMember(
                user=user,
                clinic=self.clinic,
                role=role,
                display_name=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)} {n}",
                title=title,
                modalities=codes,
            )
            for n, (user, (_at, role, title)) in enumerate(zip(users, staff_rows, strict=True))
        ]
        StaffMember.objects.bulk_create(members, batch_size=BATCH)
        through = StaffMember.locations.through
        through.objects.bulk_create(
            [
                through(staffmember_id=m.pk, location_id=loc.pk)
                for m, (at, _r, _t) in zip(members, staff_rows, strict=True)
                for k, loc in enumerate(self.locations)
                if at in {-1, k}
            ]
        )
        self.owner = users[0]
        self.practitioners = {
            k: [
                m
                for m, (at, role, _t) in zip(members, staff_rows, strict=True)
                if at == k and role != Role.RECEPTIONIST
            ]
            for k in range(n_locations)
        }
        self.rooms = {
            k: Room.objects.bulk_create(
                Room(clinic=self.clinic, location=loc, name=f"Room {r + 1}", modalities=codes)
                for r in range(n_rooms)
            )
            for k, loc in enumerate(self.locations)
        }
        self.devices = {
            k: {
                code: Device.objects.bulk_create(
                    Device(
                        clinic=self.clinic,
                        location=loc,
                        name=f"{code} {d + 1}",
                        modality=code,
                        manufacturer="Load",
                        serial_number=f"{self.slug}-{k}-{code}-{d}",
                    )
                    for d in range(max(1, math.ceil(n_rooms / 3)))
                )
                for code in device_codes
            }
            for k, loc in enumerate(self.locations)
        }
        OpeningHours.objects.bulk_create(
            OpeningHours(location=loc, weekday=d, starts=OPEN, ends=CLOSE if d < 5 else SATURDAY_CLOSE)
            for loc in self.locations
            for d in range(6)
        )
        WorkingHours.objects.bulk_create(
            WorkingHours(
                staff=m,
                location=self.locations[k],
                weekday=d,
                starts=OPEN,
                ends=CLOSE if d < 5 else SATURDAY_CLOSE,
            )
            for k, people in self.practitioners.items()
            for m in people
            for d in range(6)
        )
        self.holidays = {
            date(y, m, d)
            for y in range(self.first_day.year, self.last_day.year + 1)
            for m, d in ((1, 1), (12, 25))
        }
        Holiday.objects.bulk_create(
            Holiday(location=loc, date=day, name="Holiday")
            for loc in self.locations
            for day in sorted(self.holidays)
        )
        bump_schedule_versions(location__clinic=self.clinic)  # bulk_create sends no signals
        self.products = list(Product.objects.filter(clinic=self.clinic).order_by("code"))
        by_cocktail: dict[int, list[Product]] = {}
        product_of = {p.pk: p for p in self.products}
        for cocktail_id, product_id in Cocktail.products.through.objects.filter(
            cocktail__clinic=self.clinic
        ).values_list("cocktail_id", "product_id"):
            by_cocktail.setdefault(cocktail_id, []).append(product_of[product_id])
        self.cocktail_products = by_cocktail
        self.lots: dict[int, _Lot] = {}
        self.lot_numbers: Counter[int] = Counter()
        head = (
            AuditEvent.objects.filter(clinic=self.clinic).order_by("-seq").values_list("seq", "hash").first()
        )
        self.seq, self.head = head if head else (0, chain.GENESIS)
        self.rows.update(
            users=len(users) * 2,
            rooms=n_rooms * n_locations,
            devices=sum(len(v) for d in self.devices.values() for v in d.values()),
        )

    # -- the history, day by day ---------------------------------------------------------------------------

    def _live(self) -> None:
        rng, span = self.rng, (self.spec.until - self.first_day).days
        registered = sorted(
            (self.first_day + timedelta(days=rng.randrange(max(1, span - 14))), n)
            for n in range(self.n_patients)
        )
        arrivals: dict[date, list[Patient]] = {}
        patients: list[Patient] = []
        for day, n in registered:
            given = rng.choice(GIVEN)
            family = rng.choice(FAMILY)
            patient = Patient(
                clinic=self.clinic,
                given_name=given,
                family_name=family,
                birth_date=date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)),
                sex="male" if given in GIVEN[15:] else "female",
                email=f"p{n}.{self.slug}@load.invalid",
                phone=f"+48600{n % 1_000_000:06d}",
                preferred_language="pl",
                fitzpatrick=rng.randint(1, 5),
                glogau=rng.randint(1, 4),
                search_name=search_key(given, family),
            )
            patients.append(patient)
            arrivals.setdefault(day, []).append(patient)
        for start in range(0, len(patients), BATCH):
            Patient.objects.bulk_create(patients[start : start + BATCH])
        histories = [  # as register_patient makes it, taken and confirmed at the first visit
            MedicalHistory(
                patient=patient,
                status=HistoryStatus.CONFIRMED,
                confirmed_by=self.owner,
                confirmed_at=datetime.combine(day, time(9), self.tz),
            )
            for (day, _n), patient in zip(registered, patients, strict=True)
        ]
        for start in range(0, len(histories), BATCH):
            MedicalHistory.objects.bulk_create(histories[start : start + BATCH])
        self.rows["patients"] += len(patients) * 2
        queues: dict[int, list[tuple[date, int, _Series]]] = {k: [] for k in range(len(self.locations))}
        tiebreak = 0
        for day in sorted(arrivals):
            for patient in arrivals[day]:
                self._event(
                    datetime.combine(day, time(9), self.tz),
                    "patient.create",
                    "patient",
                    patient.pk,
                    patient.pk,
                )
                series = self._new_series(patient, location=rng.randrange(len(self.locations)))
                tiebreak += 1
                heapq.heappush(
                    queues[series.location], (day + timedelta(days=rng.randint(1, 14)), tiebreak, series)
                )
        day = self.first_day
        while day <= self.last_day:
            if day.weekday() != 6 and day not in self.holidays:
                for k, queue in queues.items():
                    tiebreak = self._day(k, day, queue, tiebreak)
            if len(self.pending.get("appointments", [])) >= FLUSH_ROWS:
                self._flush()
            day += timedelta(days=1)

    def _new_series(self, patient: Patient, *, location: int) -> _Series:
        protocol = self.rng.choices(self.protocols, weights=self.needle_weights)[0]
        return _Series(patient=patient, protocol=protocol, location=location)

    def _day(self, k: int, day: date, queue: list[tuple[date, int, _Series]], tiebreak: int) -> int:
        rng = self.rng
        close = datetime.combine(day, CLOSE if day.weekday() < 5 else SATURDAY_CLOSE, self.tz)
        opens = datetime.combine(day, OPEN, self.tz)
        rooms = self.rooms[k]
        people = self.practitioners[k]
        shift = day.toordinal() % len(people)
        room_free = [opens + timedelta(minutes=GRID * rng.randint(0, 2)) for _ in rooms]
        device_free = {code: [opens] * len(devices) for code, devices in self.devices[k].items()}
        today: list[tuple[date, int, _Series]] = []
        while queue and queue[0][0] <= day:
            today.append(heapq.heappop(queue))
        for _wanted, order, series in today:
            if day > self.spec.until and series.course is None:
                continue  # no new series begin after the generated history
            protocol = series.protocol
            length = timedelta(minutes=protocol.session_minutes)
            held = length + timedelta(minutes=protocol.buffer_minutes)
            r = min(range(len(rooms)), key=lambda i: room_free[i])
            start = room_free[r]
            device_index = None
            code = protocol.modality.code
            if code in device_free:
                device_index = min(range(len(device_free[code])), key=lambda i: device_free[code][i])
                start = max(start, device_free[code][device_index])
            if start + length > close:
                heapq.heappush(queue, (day + timedelta(days=1), order, series))
                continue
            past = day < self.spec.until
            status = self._status(past=past)
            if status != AppointmentStatus.CANCELLED:
                blocked = start + held
                blocked += timedelta(minutes=(-(blocked.minute % GRID)) % GRID)
                if rng.random() < 0.2:
                    blocked += timedelta(minutes=GRID)  # a gap in the diary
                room_free[r] = blocked
                if device_index is not None:
                    device_free[code][device_index] = blocked
            practitioner = people[(r + shift) % len(people)]
            device = self.devices[k][code][device_index] if device_index is not None else None
            if series.course is None:
                series.course = self._course(series, start)
            appointment = Appointment(
                clinic=self.clinic,
                location=self.locations[k],
                patient=series.patient,
                protocol=protocol,
                course=series.course,
                session_index=series.index,
                practitioner=practitioner,
                room=rooms[r],
                device=device,
                starts_at=start,
                ends_at=start + length,
                buffer_minutes=protocol.buffer_minutes,
                blocked_until=start + held,
                status=status,
                status_changed_at=start + length if past else None,
                cancel_reason="Patient asked to move it" if status == AppointmentStatus.CANCELLED else "",
                completion=AppointmentCompletion.SIGNED_RECORD
                if status == AppointmentStatus.COMPLETED
                else "",
            )
            self._add("appointments", appointment)
            tiebreak = self._then(series, appointment, day, queue, (order, tiebreak))
        return tiebreak

    def _status(self, *, past: bool) -> str:
        if not past:
            return AppointmentStatus.BOOKED
        outcome = self.rng.random()
        if outcome < CANCEL_CHANCE:
            return AppointmentStatus.CANCELLED
        if outcome < CANCEL_CHANCE + NO_SHOW_CHANCE:
            return AppointmentStatus.NO_SHOW
        return AppointmentStatus.COMPLETED

    def _then(
        self,
        series: _Series,
        appointment: Appointment,
        day: date,
        queue: list[tuple[date, int, _Series]],
        keys: tuple[int, int],
    ) -> int:
        """What follows an appointment: another try, the session's record, the next session or the recall."""
        (order, tiebreak), rng, status = keys, self.rng, appointment.status
        if status in {AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW}:
            heapq.heappush(queue, (day + timedelta(days=rng.randint(2, 7)), order, series))
            return tiebreak
        if status == AppointmentStatus.COMPLETED:
            self._session(series, appointment)
        protocol = series.protocol
        if series.index >= protocol.sessions:
            if status == AppointmentStatus.COMPLETED:
                tiebreak = self._complete(series, day, queue, tiebreak)
            return tiebreak
        series.index += 1
        gap = protocol.interval_days + rng.randint(-protocol.tolerance_days, protocol.tolerance_days)
        heapq.heappush(queue, (day + timedelta(days=max(1, gap)), order, series))
        return tiebreak

    def _course(self, series: _Series, start: datetime) -> Course:
        protocol = series.protocol
        course = Course(
            clinic=self.clinic,
            patient=series.patient,
            protocol=protocol,
            modality=protocol.modality.code,
            sessions=protocol.sessions,
            interval_days=protocol.interval_days,
            tolerance_days=protocol.tolerance_days,
            maintenance_interval_months=protocol.maintenance_interval_months,
        )
        self._add("courses", course)
        self._event(
            start - timedelta(days=self.rng.randint(1, 10)),
            "series.book",
            "course",
            course,
            series.patient.pk,
            {"sessions": protocol.sessions, "location": self.locations[series.location].pk},
        )
        series.first_start = start
        return course

    def _session(self, series: _Series, appointment: Appointment) -> None:
        practitioner, device = appointment.practitioner, appointment.device
        rng, protocol = self.rng, series.protocol
        performed = appointment.starts_at
        signed_at = appointment.ends_at + timedelta(minutes=rng.randint(1, 20))
        record = SessionRecord(
            clinic=self.clinic,
            patient=series.patient,
            course=series.course,
            appointment=appointment,
            protocol=protocol,
            practitioner=practitioner,
            modality=protocol.modality.code,
            cocktail_id=protocol.cocktail_id,
            device=device,
            performed_at=performed,
            duration_minutes=protocol.session_minutes,
            status=SessionRecord.Status.SIGNED,
            signed_at=signed_at,
            signed_by_id=practitioner.user_id,
        )
        self._add("session_records", record)
        day = performed.astimezone(self.tz).date()
        products = self.cocktail_products.get(protocol.cocktail_id or 0) or [rng.choice(self.products)]
        for product in products[:2]:
            quantity = Decimal(2) if product.unit == "ml" else Decimal(1)
            lot = self._lot(product, day, quantity, performed)
            lot.left -= quantity
            movement = StockMovement(
                clinic=self.clinic, lot=lot.lot, kind=MovementKind.USE, quantity=-quantity, at=signed_at
            )
            self._add("movements", movement)
            self._add(
                "session_products",
                SessionProduct(
                    record=record, lot=lot.lot, quantity=quantity, unit=product.unit, movement=movement
                ),
            )
        for zone in protocol.areas:
            self._add("session_zones", SessionZone(record=record, zone=zone, volume_ml=Decimal("0.5")))
        self._event(
            performed - timedelta(minutes=5),
            "chart.read",
            "patient",
            series.patient.pk,
            series.patient.pk,
            actor=practitioner.user_id,
        )
        self._event(
            signed_at,
            "session.sign",
            "sessionrecord",
            record,
            series.patient.pk,
            {"products": len(products[:2])},
            actor=practitioner.user_id,
        )
        if series.index == 1 and rng.random() < PHOTO_CHANCE:
            series.photographed = True
            self._photo(series.patient, performed - timedelta(minutes=10), improvement=0.0)
        series.done.append(record)

    def _lot(self, product: Product, day: date, quantity: Decimal, at: datetime) -> _Lot:
        current = self.lots.get(product.pk)
        if current is None or current.left < quantity or current.expires_on <= day:
            self.lot_numbers[product.pk] += 1
            received = at - timedelta(days=self.rng.randint(1, 20))
            expires = day + timedelta(days=SHELF_DAYS)
            lot = Lot(
                clinic=self.clinic,
                kind=LotKind.SUPPLIED,
                product=product,
                lot_number=f"{product.code[:4].upper()}-{self.lot_numbers[product.pk]:05d}",
                expires_on=expires,
                unit=product.unit,
                supplier="Load Pharma",
                received_on=received.astimezone(self.tz).date(),
                low_stock_threshold=Decimal(20) if self.lot_numbers[product.pk] % 3 == 1 else None,
            )
            self._add("lots", lot)
            self._add(
                "movements",
                StockMovement(
                    clinic=self.clinic, lot=lot, kind=MovementKind.RECEIPT, quantity=RECEIPT, at=received
                ),
            )
            current = self.lots[product.pk] = _Lot(lot, RECEIPT, expires)
        return current

    def _photo(self, patient: Patient, taken_at: datetime, *, improvement: float) -> None:
        rng = self.rng
        digest = hashlib.sha256(f"{self.slug}:{patient.pk}:{taken_at.isoformat()}".encode()).hexdigest()
        photo = Photo(
            clinic=self.clinic,
            patient=patient,
            view=PhotoView.FRONT,
            taken_at=taken_at,
            image=f"load/{digest}.jpg",
            thumbnail=f"load/thumbs/{digest}.jpg",
            content_type="image/jpeg",
            width=1200,
            height=1600,
            size_bytes=350_000,
            sha256=digest,
            conditions={"skin_cleansed": True, "lighting": "ring_light", "distance_cm": 50},
        )
        self._add("photos", photo)
        level = rng.uniform(0.7, 1.3)
        metrics = {
            region: {
                name: round(
                    base
                    * level
                    * (1 - improvement if name.startswith(("wrinkle", "spot", "redness")) else 1)
                    * rng.uniform(0.95, 1.05),
                    6,
                )
                for name, base in BASE_METRICS.items()
            }
            for region in REGIONS
        }
        self._add(
            "analyses",
            PhotoAnalysis(
                photo=photo,
                status=AnalysisStatus.DONE,
                metrics=metrics,
                method_version=METHOD_VERSION,
                finished_at=taken_at + timedelta(minutes=2),
            ),
        )

    def _complete(
        self, series: _Series, day: date, queue: list[tuple[date, int, _Series]], tiebreak: int
    ) -> int:
        rng, protocol = self.rng, series.protocol
        assert series.course is not None  # noqa: S101 — a completed series was booked
        self.pending.setdefault("_completed", []).append(series.course)
        due = add_months(day, protocol.maintenance_interval_months)
        comes_back = rng.random() < RETURN_CHANCE
        back_on = due + timedelta(days=rng.randint(-10, 40))
        status = (
            MaintenanceRecall.Status.BOOKED
            if comes_back and back_on < self.spec.until
            else MaintenanceRecall.Status.DISMISSED
            if due < self.spec.until - timedelta(days=365) and rng.random() < 0.5
            else MaintenanceRecall.Status.DUE
        )
        recall = MaintenanceRecall(
            clinic=self.clinic, patient=series.patient, course=series.course, due_on=due, status=status
        )
        self._add("recalls", recall)
        signed = series.done[-1].signed_at
        assert signed is not None  # noqa: S101
        self._event(
            signed + timedelta(seconds=1),
            "recall.create",
            "maintenancerecall",
            recall,
            series.patient.pk,
            {"due_on": due.isoformat()},
        )
        if series.photographed and series.first_start is not None:
            follow_up = series.first_start + timedelta(days=rng.randint(185, 240))
            if follow_up.date() < self.spec.until:
                self._photo(series.patient, follow_up.replace(hour=12), improvement=rng.uniform(-0.05, 0.3))
        if rng.random() < SCALES_CHANCE:
            self._add(
                "assessments",
                Assessment(
                    clinic=self.clinic,
                    patient=series.patient,
                    session=series.done[-1],
                    timing=AssessmentTiming.SESSION,
                    assessed_on=day,
                    gais_investigator=rng.randint(1, 4),
                    gais_subject=rng.randint(1, 4),
                    satisfaction=rng.randint(2, 5),
                ),
            )
        if comes_back and back_on < self.spec.until:
            nxt = self._new_series(series.patient, location=series.location)
            tiebreak += 1
            heapq.heappush(queue, (back_on, tiebreak, nxt))
        return tiebreak

    # -- writing -------------------------------------------------------------------------------------------

    def _add(self, kind: str, obj: Any) -> None:
        self.pending.setdefault(kind, []).append(obj)

    def _event(  # noqa: PLR0917 — one positional per column of the event
        self,
        at: datetime,
        action: str,
        object_type: str,
        obj: Any,
        patient_id: int | None,
        data: dict[str, Any] | None = None,
        *,
        actor: int | None = None,
    ) -> None:
        """An audit event; ``obj`` is an id or a model not saved yet (its id is read at the flush)."""
        self.events.append(
            (
                at,
                {
                    "action": action,
                    "object_type": object_type,
                    "obj": obj,
                    "patient_id": patient_id,
                    "data": data or {},
                    "actor_id": actor,
                },
            )
        )

    def _flush(self) -> None:
        order = (
            ("lots", Lot),
            ("courses", Course),
            ("appointments", Appointment),
            ("session_records", SessionRecord),
            ("movements", StockMovement),
            ("session_products", SessionProduct),
            ("session_zones", SessionZone),
            ("recalls", MaintenanceRecall),
            ("photos", Photo),
            ("analyses", PhotoAnalysis),
            ("assessments", Assessment),
        )
        for kind, model in order:
            objects = self.pending.pop(kind, [])
            # Parents were saved above (or in an earlier flush): bulk_create reads their new ids, but the
            # ledger totals its movements by lot id before it does.
            if model is StockMovement:
                for movement in objects:
                    movement.lot = movement.lot
            for start in range(0, len(objects), BATCH):
                model.objects.bulk_create(objects[start : start + BATCH])
            self.rows[kind] += len(objects)
        completed = self.pending.pop("_completed", [])
        for start in range(0, len(completed), BATCH):
            Course.objects.filter(pk__in=[c.pk for c in completed[start : start + BATCH]]).update(
                status=Course.Status.COMPLETED
            )
        self._write_events()

    def _write_events(self) -> None:
        events, self.events = sorted(self.events, key=lambda e: e[0]), []
        rows = []
        for at, event in events:
            obj = event.pop("obj")
            object_id = str(obj if isinstance(obj, int) else obj.pk)
            self.seq += 1
            fields = {
                "seq": self.seq,
                "clinic_id": self.clinic.pk,
                "actor_id": event["actor_id"],
                "action": event["action"],
                "object_type": event["object_type"],
                "object_id": object_id,
                "patient_id": event["patient_id"],
                "at": at,
                "ip": None,
                "path": "",
                "user_agent": "",
                "data": chain.json_roundtrip(event["data"]),
                "prev_hash": self.head,
            }
            self.head = chain.link_hash(**fields)
            rows.append(AuditEvent(**fields, hash=self.head))
        for start in range(0, len(rows), BATCH):
            AuditEvent.objects.bulk_create(rows[start : start + BATCH])
        self.rows["audit_events"] += len(rows)

    def _finish(self) -> None:
        bump_schedule_versions(location__clinic=self.clinic)
