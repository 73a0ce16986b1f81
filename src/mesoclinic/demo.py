"""The demo clinic: two locations, five practitioners, four rooms, six devices, 60 patients.

Idempotent: every row is looked up by its natural key first, so loading twice creates nothing twice.
All people are invented (names drawn from fixed lists with a fixed seed).
"""

from __future__ import annotations

import functools
import io
import random
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from mesoclinic.accounts.models import Clinic, Location, Role, StaffMember
from mesoclinic.accounts.services import (
    add_location,
    add_staff_member,
    create_clinic,
    set_staff_language,
    update_clinic_details,
)
from mesoclinic.billing.models import Invoice, ItemKind, PriceItem
from mesoclinic.billing.selectors import cash_expected
from mesoclinic.billing.services import (
    LineInput,
    close_day,
    create_invoice,
    create_price_item,
    ensure_price_list,
    issue_invoice,
    record_payment,
)
from mesoclinic.catalog.models import Cocktail, Modality, Product, Protocol
from mesoclinic.catalog.services import load_default_catalog, set_bookable_online
from mesoclinic.inventory.models import Lot
from mesoclinic.inventory.services import prepare_cocktail, receive_lot
from mesoclinic.notifications.services import send_due_notifications
from mesoclinic.outcomes.analysis.portraits import studio_portrait
from mesoclinic.outcomes.models import AssessmentTiming, PhotoView
from mesoclinic.outcomes.services import (
    analyze_stored_photo,
    record_assessment,
    set_photo_shared,
    upload_photo,
)
from mesoclinic.patients.models import Consent, ConsentTemplate, Patient
from mesoclinic.patients.selectors import has_valid_consent
from mesoclinic.patients.services import (
    publish_consent_template,
    record_consent,
    register_patient,
    update_medical_history,
)
from mesoclinic.patients.signals import ContactAnswer
from mesoclinic.portal.models import WaitlistEntry
from mesoclinic.portal.waitlist import join as join_waitlist
from mesoclinic.safety.services import load_default_rules
from mesoclinic.scheduling.models import (
    Appointment,
    AppointmentStatus,
    Device,
    Holiday,
    OpeningHours,
    Room,
    WorkingHours,
    bump_schedule_versions,
)
from mesoclinic.scheduling.selectors import SessionChoice, propose_series
from mesoclinic.scheduling.services import (
    BookingError,
    add_device,
    add_room,
    book_series,
    record_past_session,
    start_course,
)
from mesoclinic.treatments.dayof import NOTHING_NEW
from mesoclinic.treatments.models import SessionRecord
from mesoclinic.treatments.services import (
    open_session,
    record_day_of_screening,
    sign_session,
    update_session_draft,
)
from mesoclinic.vigilance.services import add_follow_up, report_adverse_event

DEMO_SLUG = "demo"
DEMO_PASSWORD = "meso-demo-2026"  # noqa: S105 — the published demo login, printed by `make run`
NEEDLE_FREE = ["electroporation", "cryo_electroporation", "sonophoresis", "iontophoresis", "oxygen_infusion"]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    name: str
    language: str = ""  # the language of their pages ("pl", "en")


# The demo clinic is in Warsaw and speaks Polish; these accounts chose English for their own pages, so that
# both languages can be seen (owner, dr.nowak, lena and reception see Polish, the clinic's language).
ENGLISH_SPEAKERS = frozenset({"dr.silva", "emma", "sofia", "auditor"})

STAFF = [
    ("owner", Role.OWNER, "Olivia Hart", "", [], [0, 1]),
    ("dr.nowak", Role.PHYSICIAN, "Dr Anna Nowak", "Dr", ["needle", *NEEDLE_FREE], [0, 1]),
    ("dr.silva", Role.PHYSICIAN, "Dr Marco Silva", "Dr", ["needle", "electroporation"], [1]),
    ("emma", Role.PRACTITIONER, "Emma Clarke", "RN", ["needle", "electroporation", "oxygen_infusion"], [0]),
    (
        "lena",
        Role.PRACTITIONER,
        "Lena Kowalska",
        "RN",
        ["electroporation", "cryo_electroporation", "sonophoresis"],
        [0],
    ),
    (
        "sofia",
        Role.PRACTITIONER,
        "Sofia Martin",
        "",
        ["iontophoresis", "sonophoresis", "oxygen_infusion"],
        [1],
    ),
    ("reception", Role.RECEPTIONIST, "Rita Evans", "", [], [0, 1]),
    ("auditor", Role.AUDITOR, "Adam Reed", "", [], []),
]

ROOMS = [
    (0, "Gabinet 1", ["needle", "electroporation", "cryo_electroporation"]),
    (0, "Gabinet 2", ["needle", "sonophoresis", "oxygen_infusion"]),
    (1, "Gabinet A", ["needle", "electroporation", "iontophoresis"]),
    (1, "Gabinet B", ["sonophoresis", "iontophoresis", "oxygen_infusion", "cryo_electroporation"]),
]

DEVICES = [
    (0, "Elektroporator EP-1", "electroporation", "Demo Devices Ltd", "EP-500"),
    (1, "Elektroporator EP-2", "electroporation", "Demo Devices Ltd", "EP-500"),
    (0, "Cryo-EP", "cryo_electroporation", "Demo Devices Ltd", "CryoPulse"),
    (1, "Sono-1", "sonophoresis", "Demo Devices Ltd", "SonoSkin 1M"),
    (1, "Ionto-1", "iontophoresis", "Demo Devices Ltd", "Galva 2"),
    (0, "Infuzor tlenu O2", "oxygen_infusion", "Demo Devices Ltd", "OxyJet"),
]

GIVEN = [
    "Alice",
    "Beata",
    "Chloe",
    "Dorota",
    "Eva",
    "Fiona",
    "Grace",
    "Hanna",
    "Iris",
    "Julia",
    "Karolina",
    "Laura",
    "Maja",
    "Nora",
    "Olga",
    "Paula",
    "Rosa",
    "Sara",
    "Tessa",
    "Ula",
    "Vera",
    "Wanda",
    "Zoe",
    "Adam",
    "Borys",
    "Daniel",
    "Jan",
    "Marek",
    "Piotr",
    "Tom",
]
FAMILY = [
    "Abbott",
    "Baran",
    "Carter",
    "Dudek",
    "Ellis",
    "Fox",
    "Gray",
    "Hughes",
    "Iwan",
    "Jones",
    "Krol",
    "Lewis",
    "Mazur",
    "Nash",
    "Owen",
    "Pike",
    "Quinn",
    "Reed",
    "Sikora",
    "Taylor",
    "Urban",
    "Vance",
    "Walsh",
    "Young",
    "Zajac",
]

# Histories that make screening interesting; the rest are healthy. (conditions, medications, implants, allergies)
HISTORIES: list[dict[str, Any]] = [
    {"implants": ["pacemaker"]},
    {"conditions": ["pregnant"]},
    {"allergies": ["lidocaine"]},
    {"medications": [{"code": "anticoagulant"}]},
    {"conditions": ["raynaud"]},
    {"implants": ["gold_threads"]},
    {"conditions": ["epilepsy"]},
    {"conditions": ["keloid_tendency"], "allergies": ["dmae"]},
    {"conditions": ["heart_disease"], "medications": [{"code": "antiplatelet"}]},
    {"conditions": ["diabetes_uncontrolled"]},
    {"conditions": ["active_herpes"]},
    {"implants": ["metal_implant_in_area"]},
    {"conditions": ["cold_urticaria"]},
    {"conditions": ["autoimmune_disease"], "medications": [{"code": "immunosuppressant"}]},
    {"conditions": ["bleeding_disorder"]},
]

# The demo's consent texts, published in the clinic's language (Polish for the demo clinic).
CONSENT_TITLE = gettext_noop("Consent to %(name)s")
CONSENT_BODY = gettext_noop(
    "I have discussed %(name)s with my practitioner: how it is done, the expected benefit (which may be modest "
    "and needs a series of sessions and maintenance about every six months), the alternatives, and the risks: "
    "pain, redness, swelling, bruising, itching, infection (including rare infections that can appear weeks "
    "later), allergic reaction, pigment change and scarring. I have told the clinic about my medical history, "
    "medicines, allergies, implants and pregnancy. I know I can withdraw my consent at any time."
)


@transaction.atomic
def load_demo() -> tuple[Clinic, list[DemoLogin]]:
    """Create (or complete) the demo clinic; returns it with the demo logins.

    Everything is dated from the one clock (``timezone.now()``, which tests move with time-machine), read
    in the clinic's zone: the services it calls check against that same clock (nothing booked in the past,
    no onset in the future), so a date passed in from elsewhere could only disagree with them.
    """
    clinic = Clinic.objects.filter(slug=DEMO_SLUG).first() or create_clinic(
        name="Rosa Aesthetics (demo)",
        slug=DEMO_SLUG,
        timezone="Europe/Warsaw",
        country="PL",
        language="pl",
        actor=None,
    )
    if clinic.missing_contact_details():  # every message to a patient prints them
        update_clinic_details(
            clinic,
            phone="+48 22 555 01 00",
            email="reception@rosa-demo.invalid",
            address="ul. Marszałkowska 1, 00-001 Warszawa",
            actor=None,
        )
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(clinic.timezone))
    load_default_catalog(clinic, actor=None)
    load_default_rules(clinic, actor=None)
    locations = [
        _location(clinic, "Centrum", "ul. Marszałkowska 1, Warszawa"),
        _location(clinic, "Powiśle", "ul. Wybrzeże Kościuszkowskie 5, Warszawa"),
    ]
    logins = [_staff(clinic, locations, *row) for row in STAFF]
    for index, name, modalities in ROOMS:
        if not Room.objects.filter(location=locations[index], name=name).exists():
            add_room(locations[index], name=name, modalities=modalities, actor=None)
    for serial, (index, name, modality, maker, model) in enumerate(DEVICES, start=1):
        if not Device.objects.filter(location=locations[index], name=name).exists():
            add_device(
                locations[index],
                name=name,
                modality=modality,
                manufacturer=maker,
                model_name=model,
                serial_number=f"DEMO-{serial:04d}",
                actor=None,
            )
    _hours(clinic, locations)
    templates = _consent_templates(clinic)
    _patients(clinic, templates, today=today)
    _bookings(clinic, locations, templates, today=today)
    lots = _stock(clinic, today=today)
    _history(clinic, locations[0], templates, lots, today=today)
    _prices(clinic)
    _money(clinic, locations[0], today=today)
    _online_booking(clinic)
    _waitlist(clinic)
    # The reminders, aftercare and recalls due now go out (console e-mail and SMS unless configured): the
    # message log has entries at once. Only the demo clinic's: loading the demo sends nothing for others.
    send_due_notifications(timezone.now(), clinic=clinic)
    return clinic, logins


#: The protocols the demo clinic opens on its public booking page (``/c/demo/``): needle and needle-free.
ONLINE = (
    "needle-hydration-face",
    "needle-revitalising-face",
    "needle-brightening-face",
    "electroporation-glow",
    "sonophoresis-revitalising",
    "oxygen-infusion-hydration",
)


def _online_booking(clinic: Clinic) -> None:
    for protocol in Protocol.objects.filter(clinic=clinic, slug__in=ONLINE):
        set_bookable_online(protocol, bookable=True, actor=None)


def _waitlist(clinic: Clinic) -> None:
    """A patient waiting for an earlier date for the second session of their series (the staff's waiting
    list and the patient's portal show it; a cancellation that fits offers it to them). Once."""
    if WaitlistEntry.objects.filter(clinic=clinic).exists():
        return
    second = (
        Appointment.objects.filter(clinic=clinic, status=AppointmentStatus.BOOKED, session_index=2)
        .select_related("patient")
        .order_by("starts_at", "pk")
        .first()
    )
    if second is not None and second.patient is not None:
        join_waitlist(second.patient, second)


def _prices(clinic: Clinic) -> None:
    """The price list in PLN: every protocol per session and as a package (its catalog price), a
    consultation (exempt: a medical service) and two products sold over the counter."""
    ensure_price_list(clinic, actor=None)
    if PriceItem.objects.filter(clinic=clinic, kind=ItemKind.CONSULTATION).exists():
        return
    create_price_item(
        clinic,
        kind=ItemKind.CONSULTATION,
        name="Konsultacja",
        unit_price="200.00",
        vat_rate="zw",
        actor=None,
    )
    for product, price in zip(
        Product.objects.filter(clinic=clinic).order_by("name")[:2], ("89.00", "149.00"), strict=False
    ):
        create_price_item(
            clinic,
            kind=ItemKind.RETAIL,
            name=product.name,
            product=product,
            unit_price=price,
            vat_rate="23",
            actor=None,
        )


CENT = Decimal("0.01")


def _money(clinic: Clinic, location: Location, *, today: date) -> None:
    """Issued receipts paid by several methods, two sold packages (one new, one with two sessions used), a
    gift card partly spent, and yesterday's cash-up at the first location. Once: skipped when the clinic has
    documents."""
    if Invoice.objects.filter(clinic=clinic).exists():
        return
    patients = list(Patient.objects.filter(clinic=clinic).order_by("-pk")[:5])
    if len(patients) < 5:
        return
    items = {i.kind: i for i in PriceItem.objects.filter(clinic=clinic).order_by("pk")}
    packages = list(PriceItem.objects.filter(clinic=clinic, kind=ItemKind.PACKAGE).order_by("pk")[:2])
    card_item = create_price_item(
        clinic,
        kind=ItemKind.GIFT_CARD,
        name="Gift card 300 PLN",
        unit_price="300.00",
        vat_rate="23",
        actor=None,
    )

    def sell(patient: Patient, item: PriceItem, payments: list[tuple[str, str]], **extra: Any) -> Invoice:
        sold = LineInput(
            description=item.name, quantity="1", unit_price=item.unit_price, vat_rate=item.vat_rate, item=item
        )
        invoice = create_invoice(patient, lines=[sold], actor=None)
        for method, amount in payments:
            record_payment(invoice, method=method, amount=amount, actor=None, **extra)
        return issue_invoice(invoice, actor=None)

    consultation = items[ItemKind.CONSULTATION]
    sell(patients[0], consultation, [("cash", "120.00"), ("card_terminal", "80.00")])
    for patient, item in zip(patients[1:3], packages, strict=False):
        sell(patient, item, [("card_terminal", str(item.unit_price))])
    if len(packages) > 1:
        package = Invoice.objects.filter(clinic=clinic, patient=patients[2]).get().packages.get()
        session = PriceItem.objects.filter(
            clinic=clinic, kind=ItemKind.SESSION, protocol=package.protocol
        ).first()
        price = str(
            session.unit_price if session else (package.price / package.sessions_total).quantize(CENT)
        )
        for _ in range(2):  # two visits paid with a session of the package each
            visit = LineInput(
                description=package.name, quantity="1", unit_price=price, vat_rate=packages[1].vat_rate
            )
            invoice = create_invoice(patients[2], lines=[visit], actor=None)
            record_payment(invoice, method="package_session", amount=price, package=package, actor=None)
            issue_invoice(invoice, actor=None)
    card = sell(patients[3], card_item, [("cash", "300.00")]).gift_cards.get()
    sell(patients[4], consultation, [("gift_card", "150.00"), ("cash", "50.00")], code=card.code)
    yesterday = today - timedelta(days=1)
    counted = {method: str(amount) for method, amount in cash_expected(location, yesterday).items()}
    close_day(location, day=yesterday, counted=counted, actor=None)


# Polish public holidays the demo calendar shows as closed days.
HOLIDAYS = [
    (12, 25, "Boże Narodzenie (pierwszy dzień)"),
    (12, 26, "Boże Narodzenie (drugi dzień)"),
    (1, 1, "Nowy Rok"),
    (1, 6, "Święto Trzech Króli"),
    (5, 1, "Święto Pracy"),
    (5, 3, "Święto Konstytucji 3 Maja"),
    (11, 11, "Narodowe Święto Niepodległości"),
]
# Weekly hours per practitioner username: (weekdays, start hour, end hour) at each of their locations.
WORK = {
    "dr.nowak": (range(5), 9, 17),
    "dr.silva": (range(1, 6), 10, 18),
    "emma": (range(5), 8, 16),
    "lena": (range(4), 11, 19),
    "sofia": (range(1, 6), 9, 17),
}


def _hours(clinic: Clinic, locations: list[Location]) -> None:
    """Opening hours Mon–Fri 08:00–19:00 and Sat 09:00–14:00, holidays, and each practitioner's week."""
    for location in locations:
        if not OpeningHours.objects.filter(location=location).exists():
            OpeningHours.objects.bulk_create(
                [OpeningHours(location=location, weekday=d, starts=time(8), ends=time(19)) for d in range(5)]
                + [OpeningHours(location=location, weekday=5, starts=time(9), ends=time(14))]
            )
        for year in (2026, 2027, 2028):
            for month, day, name in HOLIDAYS:
                Holiday.objects.get_or_create(
                    location=location, date=date(year, month, day), defaults={"name": name}
                )
    for username, (weekdays, start, end) in WORK.items():
        member = StaffMember.objects.get(user__username=username)
        if WorkingHours.objects.filter(staff=member).exists():
            continue
        WorkingHours.objects.bulk_create(
            WorkingHours(staff=member, location=location, weekday=d, starts=time(start), ends=time(end))
            for location in member.locations.all()
            for d in weekdays
        )
    # bulk_create sends no signals: the schedules changed all the same
    bump_schedule_versions(location__clinic=clinic)


def _bookings(
    clinic: Clinic, locations: list[Location], templates: dict[str, ConsentTemplate], *, today: date
) -> None:
    """Book a series for every third patient, with consent for its modality (blocked ones stay unbooked).

    Only once: a later run (another day, another hour) could find room for a series refused the first time.
    """
    if Appointment.objects.filter(clinic=clinic).exists():
        return
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    protocols = list(Protocol.objects.filter(clinic=clinic, is_active=True).select_related("modality"))
    start = datetime.combine(today + timedelta(days=1), time(8), tz)  # never in the past, whatever the hour
    for n, patient in enumerate(Patient.objects.filter(clinic=clinic).order_by("pk")):
        if n % 3 or patient.courses.exists():
            continue
        protocol = protocols[n % len(protocols)]
        location = locations[n % 2]
        proposal = propose_series(
            location, protocol, earliest=start + timedelta(hours=n % 9), horizon_days=240
        )
        if not proposal.feasible:
            continue
        if not has_valid_consent(patient, protocol.modality.code):
            record_consent(
                patient, template=templates[protocol.modality.code], signed_by=patient.full_name, actor=None
            )
        try:
            book_series(patient, protocol, location, proposal.sessions, actor=None)
        except BookingError:
            continue  # blocked by screening, or no consent-free slot: a real clinic would see why


def _location(clinic: Clinic, name: str, address: str) -> Location:
    existing = Location.objects.filter(clinic=clinic, name=name).first()
    return existing or add_location(clinic, name=name, timezone=clinic.timezone, address=address, actor=None)


def _staff(  # noqa: PLR0917 — one positional per column of the STAFF table
    clinic: Clinic,
    locations: list[Location],
    username: str,
    role: Role,
    name: str,
    title: str,
    modalities: list[str],
    at: list[int],
) -> DemoLogin:
    if not User.objects.filter(username=username).exists():
        add_staff_member(
            clinic,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            display_name=name,
            title=title,
            modalities=modalities,
            locations=[locations[i] for i in at],
            email=f"{username.replace('.', '-')}@demo.invalid",
            actor=None,
        )
        if username in ENGLISH_SPEAKERS:
            set_staff_language(StaffMember.objects.get(user__username=username), language="en", actor=None)
    member = StaffMember.objects.get(user__username=username)
    return DemoLogin(
        username=username,
        role=member.get_role_display(),
        name=member.display_name,
        language=member.page_language,
    )


def _consent_templates(clinic: Clinic) -> dict[str, ConsentTemplate]:
    templates: dict[str, ConsentTemplate] = {}
    for modality in Modality.objects.filter(clinic=clinic):
        template = (
            ConsentTemplate.objects.filter(clinic=clinic, modality=modality).order_by("-version").first()
        )
        if template is None:
            with translation.override(clinic.language):
                name = gettext(modality.name).lower()
                template = publish_consent_template(
                    clinic,
                    modality=modality,
                    title=gettext(CONSENT_TITLE) % {"name": name},
                    body=gettext(CONSENT_BODY) % {"name": name},
                    actor=None,
                )
        templates[modality.code] = template
    return templates


def _patients(clinic: Clinic, templates: dict[str, ConsentTemplate], *, today: date) -> None:
    rng = random.Random(2026)  # noqa: S311 — demo data, not security
    physician = StaffMember.objects.filter(clinic=clinic, role=Role.PHYSICIAN).select_related("user").first()
    confirmed_by = physician.user if physician else None
    for n in range(60):
        given, family = rng.choice(GIVEN), FAMILY[n % len(FAMILY)]
        birth = date(rng.randint(1958, 2002), rng.randint(1, 12), rng.randint(1, 28))
        if n == 59:
            birth = today - timedelta(days=365 * 17)  # a minor, blocked by age
        sex = "male" if given in GIVEN[23:] else "female"
        fitz, glogau = rng.randint(1, 5), rng.randint(1, 4)
        modality = rng.choice(
            [
                "needle",
                "needle",
                "electroporation",
                "oxygen_infusion",
                "sonophoresis",
                "iontophoresis",
                "cryo_electroporation",
            ]
        )
        phone = f"+48 600 {n:03d} {rng.randint(100, 999)}"
        email = f"{given.lower()}.{family.lower()}{n}@example.com"  # the demo patient's natural key
        # Every random draw happens before this check, so a second load walks the same sequence.
        if Patient.objects.filter(clinic=clinic, email=email).exists():
            continue
        patient = register_patient(
            clinic,
            actor=None,
            given_name=given,
            family_name=family,
            birth_date=birth,
            sex=sex,
            email=email,
            phone=phone,
            fitzpatrick=fitz,
            glogau=glogau,
            # Most demo patients speak Polish; every third English (their messages come in their language).
            preferred_language="en" if n % 3 == 0 else "pl",
            # asked at the desk: every other patient agreed to messages (e-mail; every fourth SMS too)
            contact=ContactAnswer(consent=n % 2 == 0, email=n % 2 == 0, sms=n % 4 == 0),
        )
        history = HISTORIES[n // 4] if n % 4 == 0 else {}  # every fourth patient: 15 histories
        if n == 20:
            history = {
                "medications": [{"code": "isotretinoin", "stopped": (today - timedelta(days=60)).isoformat()}]
            }
        # Every demo patient's history was taken and confirmed at the consultation, findings or none.
        update_medical_history(
            patient,
            actor=confirmed_by,
            notes="Ankietę wstępną omówiono podczas konsultacji." if history else "",
            reason="Konsultacja",
            status="confirmed",
            **history,
        )
        if n % 6 != 5 and not Consent.objects.filter(patient=patient).exists():
            record_consent(
                patient,
                template=templates[modality],
                signed_by=patient.full_name,
                photo_use=["clinical", "teaching"] if n % 3 == 0 else ["clinical"],
                actor=None,
            )


EXPIRING, LOW = "vitamin_c_ampoule", "glutathione_vial"  # what Today's "Stock to watch" shows


def _stock(clinic: Clinic, *, today: date) -> dict[str, Lot]:
    """A lot of every product in stock (one expiring this week, one running low) and one preparation
    of the hydration cocktail compounded from two of them; returns the lots by product or cocktail code."""
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    received = datetime.combine(today - timedelta(days=PHOTO_SERIES_DAYS + 30), time(10), tz)
    if not Lot.objects.filter(clinic=clinic).exists():
        for n, product in enumerate(Product.objects.filter(clinic=clinic).order_by("code"), start=1):
            receive_lot(
                clinic,
                product=product,
                lot_number=f"{product.code.replace('_', '')[:3].upper()}{24000 + n * 37}",
                expires_on=today + timedelta(days=5 if product.code == EXPIRING else 200 + 20 * n),
                quantity=Decimal(4 if product.code == LOW else 60),
                low_stock_threshold=Decimal(10),
                supplier="Demo Pharma Distribution",
                at=received,
                actor=None,
            )
        hydration = Cocktail.objects.get(clinic=clinic, code="hydration_ha_lidocaine")
        ha = Lot.objects.get(clinic=clinic, product__code="ha_1pct_ampoule")
        lidocaine = Lot.objects.get(clinic=clinic, product__code="lidocaine_2pct")
        prepare_cocktail(
            hydration,
            lot_number="PREP-HYD-001",
            quantity=Decimal(54),
            expires_on=min(ha.expires_on, lidocaine.expires_on, today + timedelta(days=60)),
            components=[(ha, Decimal(48)), (lidocaine, Decimal(6))],
            at=received + timedelta(days=1),
            actor=None,
        )
    return {
        (lot.product.code if lot.product else lot.cocktail.code): lot  # type: ignore[union-attr]  # a lot is of a product or of a cocktail (check constraint), never neither
        for lot in Lot.objects.filter(clinic=clinic).select_related("product", "cocktail").order_by("pk")
    }


NEEDLE_PARAMETERS = {
    "gauge": "32G",
    "needle_length_mm": 4,
    "depth_mm": 1,
    "technique": "nappage",
    "injection_volume_ml": 2,
}


def _history(
    clinic: Clinic,
    location: Location,
    templates: dict[str, ConsentTemplate],
    lots: dict[str, Lot],
    *,
    today: date,
) -> None:
    """Five patients in the middle of a hydration series begun ten weeks ago: sessions recorded and signed
    with the preparation's lot, one series complete (so a maintenance recall is due), one adverse event."""
    if SessionRecord.objects.filter(clinic=clinic).exists():
        return
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    protocol = Protocol.objects.get(clinic=clinic, slug="needle-hydration-face")
    practitioner = StaffMember.objects.get(user__username="dr.nowak")
    signer = practitioner.user
    patients = list(Patient.objects.filter(clinic=clinic).order_by("pk"))
    candidates = [p for n, p in enumerate(patients) if n % 3 == 1 and n % 4 != 0 and not p.courses.exists()][
        :5
    ]
    first_monday = today - timedelta(days=70 + today.weekday())
    records: list[SessionRecord] = []
    for k, patient in enumerate(candidates):
        if not has_valid_consent(patient, "needle"):
            record_consent(patient, template=templates["needle"], signed_by=patient.full_name, actor=None)
        series = _signed_series(
            patient,
            protocol,
            location,
            practitioner,
            lots,
            first_day=first_monday,
            hour=9 + k,
            sessions=protocol.sessions if k == 0 else 3,
        )
        records += series
        if series:  # GAIS and satisfaction at the latest session: the outcome report's scales
            record_assessment(
                patient,
                timing=AssessmentTiming.SESSION,
                assessed_on=series[-1].performed_at.astimezone(tz).date(),
                session=series[-1],
                gais_investigator=2 + k % 2,
                gais_subject=2,
                satisfaction=4 - k % 2,
                actor=None,
            )
    _photo_history(clinic, location, templates, lots, patients, today=today)
    if records:
        first = records[0]
        onset = first.performed_at.astimezone(tz).date() + timedelta(days=2)
        event = report_adverse_event(
            first.patient,
            category="persistent_papules",
            severity="mild",
            onset_on=onset,
            description="Drobne grudki na czole dwa dni po zabiegu, bez bólu i bez wydzieliny.",
            zones=["forehead"],
            sessions=[first],
            lots=[lots["hydration_ha_lidocaine"]],
            actions="Wyjaśniono, czego się spodziewać; zimne okłady; kontrola za tydzień.",
            actor=signer,
        )
        add_follow_up(event, note="Na kontroli grudek już nie było.", outcome="recovered", actor=signer)


def _signed_series(
    patient: Patient,
    protocol: Protocol,
    location: Location,
    practitioner: StaffMember,
    lots: dict[str, Lot],
    *,
    first_day: date,
    hour: int,
    sessions: int,
) -> list[SessionRecord]:
    """A series of ``protocol`` begun on ``first_day``, every fortnight at ``hour``: each visit recorded
    through the services (day-of screening, the preparation's lot, zones, parameters) and signed. A series
    that completes schedules its maintenance recall (the signing service does)."""
    tz = zoneinfo.ZoneInfo(patient.clinic.timezone)
    signer = practitioner.user
    room = Room.objects.get(location=location, name="Gabinet 2")
    course = start_course(patient, protocol, actor=None)
    records: list[SessionRecord] = []
    for index in range(1, sessions + 1):
        starts = datetime.combine(first_day + timedelta(days=14 * (index - 1)), time(hour), tz)
        appointment = record_past_session(  # historical visits: booking refuses the past
            course, location, SessionChoice(starts, practitioner, room), index=index, actor=None
        )
        record = open_session(appointment, actor=signer)
        screening = record_day_of_screening(record, NOTHING_NEW, actor=signer)
        if screening.decision == "block":
            break
        update_session_draft(
            record,
            actor=signer,
            parameters=NEEDLE_PARAMETERS,
            products=[(lots["hydration_ha_lidocaine"], Decimal("2"))],
            zones=[(code, Decimal("0.5")) for code in protocol.areas],
        )
        records.append(sign_session(record, actor=signer))
    return records


#: The demo's photographed patient: a series begun this many days ago, and a review photo this many days ago
#: (more than the outcome report's default five months after the first session).
PHOTO_SERIES_DAYS, REVIEW_DAYS = 200, 4


def _photo_history(
    clinic: Clinic,
    location: Location,
    templates: dict[str, ConsentTemplate],
    lots: dict[str, Lot],
    patients: list[Patient],
    *,
    today: date,
) -> None:
    """One patient with a complete earlier series, photographed (front view) at intake and at a review
    more than five months later, both analysed by the real pipeline, with scales at both: the Photos tab's
    before/after, the progress report and the outcome report then have data from the first start.

    Both photos are shared with her, so her portal shows them and her progress.

    The face is Grace Hopper's public-domain portrait (``studio_portrait``), the review photo the same face
    slightly moved and turned, as a re-capture is: its changes are honest (within repeatability), not faked.
    """
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    patient = next(
        (
            p
            for n, p in enumerate(patients)
            if n % 3 == 2 and n % 4 != 0 and p.sex == "female" and not p.courses.exists()
        ),
        None,
    )
    if patient is None:
        return
    if not has_valid_consent(patient, "needle"):
        record_consent(patient, template=templates["needle"], signed_by=patient.full_name, actor=None)
    protocol = Protocol.objects.get(clinic=clinic, slug="needle-hydration-face")
    practitioner = StaffMember.objects.get(user__username="dr.nowak")
    first_day = today - timedelta(days=PHOTO_SERIES_DAYS + today.weekday())
    series = _signed_series(
        patient,
        protocol,
        location,
        practitioner,
        lots,
        first_day=first_day,
        hour=15,
        sessions=protocol.sessions,
    )
    if not series:
        return
    intake = series[0].performed_at - timedelta(minutes=10)
    review = datetime.combine(today - timedelta(days=REVIEW_DAYS), time(12), tz)
    for taken_at, session, shift, turn in (
        (intake, series[0], (0.0, 0.0), 0.0),
        (review, None, (14.0, -9.0), 1.5),
    ):
        photo = upload_photo(
            patient,
            _portrait_jpeg(shift, turn),
            view=PhotoView.FRONT,
            taken_at=taken_at,
            conditions={
                "skin_cleansed": True,
                "lighting": "ring_light",
                "camera": "Tablet gabinetowy",
                "distance_cm": 50,
            },
            session=session,
            actor=practitioner.user,
        )
        analyze_stored_photo(photo.pk)  # now, so the demo shows it at once (the worker would do it later)
        set_photo_shared(photo, shared=True, actor=practitioner.user)  # her before/after in the portal
    record_assessment(
        patient,
        timing=AssessmentTiming.BASELINE,
        assessed_on=intake.astimezone(tz).date(),
        session=series[0],
        glogau=3,
        fitzpatrick=2,
        wsrs_left=3,
        wsrs_right=3,
        actor=None,
    )
    record_assessment(
        patient,
        timing=AssessmentTiming.FOLLOW_UP,
        assessed_on=review.astimezone(tz).date(),
        glogau=2,
        wsrs_left=2,
        wsrs_right=3,
        gais_investigator=2,
        gais_subject=2,
        satisfaction=4,
        notes="Kontrola pięć miesięcy po serii zabiegów.",
        actor=None,
    )


@functools.cache
def _portrait_jpeg(shift: tuple[float, float], turn: float) -> bytes:
    """The studio portrait as a JPEG, moved by ``shift`` pixels and turned ``turn`` degrees (a re-capture).

    Kept once made (two of ~1 MB): the same bytes every time, and making them costs ~0.35 CPU-seconds each,
    which every later load of the demo in one process (the tests load it ~15 times) would pay again."""
    import cv2  # noqa: PLC0415 — the analysis' own dependency, loaded only when photos are made
    import numpy as np  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415

    pixels = studio_portrait()
    height, width = pixels.shape[:2]
    # A 2x3 affine matrix of floats (cv2's stubs do not say which dtype it returns).
    matrix = np.asarray(cv2.getRotationMatrix2D((width / 2, height / 2), turn, 1.0), dtype=np.float64)
    matrix[:, 2] += shift
    moved = cv2.warpAffine(pixels, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
    out = io.BytesIO()
    Image.fromarray((moved.clip(0, 1) * 255 + 0.5).astype("uint8")).save(out, "JPEG", quality=92)
    return out.getvalue()
