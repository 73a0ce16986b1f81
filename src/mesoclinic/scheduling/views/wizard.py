"""The "Book a series" wizard's state and steps.

The wizard keeps its whole state in the query string (patient, protocol, location, earliest day, the chosen
slot of each session as a token), so every step is a plain link or GET form that works without JavaScript and
survives a reload. This module reads that state and works out what each step shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.models import Location
from mesoclinic.catalog.models import Protocol
from mesoclinic.catalog.selectors import get_protocol_for_clinic
from mesoclinic.clinical_codes.dates import local_day
from mesoclinic.clinical_codes.vocabulary import BUILT_IN_FACTORS, FACTORS
from mesoclinic.patients.models import ConsentTemplate, Patient
from mesoclinic.patients.selectors import current_consent_templates, get_patient_for_user
from mesoclinic.safety.rules import screen
from mesoclinic.safety.selectors import patient_history, protocol_spec, rule_table_for_clinic
from mesoclinic.scheduling import selectors
from mesoclinic.scheduling.forms import PlanForm, decode_slot, encode_slot
from mesoclinic.scheduling.selectors import SessionChoice, location_timezone
from mesoclinic.scheduling.views.common import _local, _local_day, _resolve_slots

MAX_ALTERNATIVES = 6
SAME_DAY_ALTERNATIVES = 3
STEPS = (
    ("patient", gettext_lazy("Patient")),
    ("protocol", gettext_lazy("Treatment")),
    ("screening", gettext_lazy("Screening")),
    ("consent", gettext_lazy("Consent")),
    ("dates", gettext_lazy("Dates")),
    ("confirm", gettext_lazy("Confirm")),
)


@dataclass
class Wizard:
    """The wizard's state, read from the query string (or a POST's hidden fields)."""

    patient: Patient | None = None
    protocol: Protocol | None = None
    location: Location | None = None
    earliest: date | None = None
    earliest_time: time | None = None
    same: bool = True
    practitioner_id: int | None = None
    override: bool = False
    consent_later: bool = False
    query: str = ""
    tokens: dict[int, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)

    def params(self, *, tokens: dict[int, str] | None = None, **changes: Any) -> dict[str, str]:
        """The state as query parameters; ``tokens`` replaces the chosen slots (``{}`` drops them)."""
        out: dict[str, str] = {}
        if self.patient is not None:
            out["patient"] = str(self.patient.pk)
        if self.protocol is not None:
            out["protocol"] = self.protocol.slug
        if self.location is not None:
            out["location"] = str(self.location.pk)
        if self.earliest is not None:
            out["earliest"] = self.earliest.isoformat()
            if self.earliest_time is not None:
                out["earliest"] += f"T{self.earliest_time:%H:%M}"
        if not self.same:
            out["same"] = "0"
        if self.practitioner_id:
            out["practitioner"] = str(self.practitioner_id)
        if self.override:
            out["override"] = "1"
        if self.consent_later:
            out["consent"] = "later"
        for n, token in sorted((self.tokens if tokens is None else tokens).items()):
            out[f"s{n}"] = token
        out.update({k: str(v) for k, v in changes.items() if v is not None})
        return {k: v for k, v in out.items() if v != ""}

    def url(self, step: str, *, tokens: dict[int, str] | None = None, **changes: Any) -> str:
        return f"{reverse('scheduling:book')}?{urlencode({**self.params(tokens=tokens, **changes), 'step': step})}"


def _parse_earliest(raw: str) -> tuple[date | None, time | None]:
    raw = (raw or "").strip()
    try:
        if "T" in raw:
            moment = datetime.fromisoformat(raw)
            return moment.date(), moment.time().replace(second=0, microsecond=0)
        return date.fromisoformat(raw), None
    except ValueError:
        return None, None


def _read_wizard(request: ClinicRequest, data: QueryDict) -> Wizard:
    """Parse the state; ids of another clinic's patient or location give 404, like everywhere else."""
    w = Wizard(
        raw={
            k: data.get(k, "")
            for k in ("patient", "protocol", "location", "earliest", "same", "practitioner")
        }
    )
    if data.get("patient"):
        w.patient = get_patient_for_user(request.staff, data["patient"])
    if protocol := data.get("protocol"):
        w.protocol = get_protocol_for_clinic(request.clinic, protocol)
    if data.get("location"):
        w.location = selectors.get_location_for_user(request.staff, data["location"])
    else:
        mine = selectors.staff_locations(request.staff)
        w.location = mine[0] if mine else None
    w.earliest, w.earliest_time = _parse_earliest(data.get("earliest", ""))
    w.same = data.get("same", "1") != "0"
    try:
        w.practitioner_id = int(data.get("practitioner") or 0) or None
    except ValueError:
        w.practitioner_id = None
    w.override = data.get("override") == "1"
    w.consent_later = data.get("consent") == "later"
    w.query = data.get("q", "").strip()
    if w.protocol is not None:
        for n in range(1, w.protocol.sessions + 1):
            token = data.get(f"s{n}", "")
            if token:
                w.tokens[n] = token
    return w


@dataclass(frozen=True)
class FindingView:
    severity: str
    label: str
    message: str


@dataclass(frozen=True)
class ScreeningPreview:
    """What screening says about the planned treatment; read-only (booking screens again and records it)."""

    decision: str
    findings: list[FindingView]
    on: date
    history_needed: bool = False


def _screening_preview(
    request: ClinicRequest, patient: Patient, protocol: Protocol, on: date
) -> ScreeningPreview:
    names = (
        dict(
            ingredient
            for ingredient in protocol.cocktail.composition.values_list(
                "ingredient__code", "ingredient__name"
            )
        )
        if protocol.cocktail
        else {}
    )
    result = screen(
        patient_history(patient),
        protocol_spec(protocol),
        on=on,
        rules=rule_table_for_clinic(request.clinic),
        translate=_,
        ingredient_names=names,
    )
    findings = [
        FindingView(
            str(f.severity),
            _(FACTORS.get(f.factor) or BUILT_IN_FACTORS.get(f.factor) or "")
            or _("Allergy to %(ingredient)s") % {"ingredient": _(names.get(f.factor, f.factor))},
            f.message,
        )
        for f in result.findings
    ]
    return ScreeningPreview(str(result.decision), findings, on, result.history_needed)


def _consent_template(request: ClinicRequest, protocol: Protocol) -> ConsentTemplate | None:
    return next(
        (t for t in current_consent_templates(request.clinic) if t.modality_id == protocol.modality_id), None
    )


@dataclass(frozen=True)
class SessionView:
    """One proposed session with its gap to the one before and the alternatives that keep the series."""

    number: int
    choice: SessionChoice
    token: str
    gap_days: int | None
    alternatives: list[tuple[SessionChoice, str]]


def _earliest_moment(w: Wizard, location: Location, now: datetime) -> datetime:
    tz = location_timezone(location)
    day = w.earliest or _local_day(now, location)
    moment = datetime.combine(day, w.earliest_time or time(), tz)
    return max(moment, now)


def _candidate_days(n: int, days: list[date], protocol: Protocol, floor: date) -> tuple[date, date]:
    """Local days session ``n`` (0-based) may move to while its neighbours stay where they are."""
    interval, tolerance = protocol.interval_days, protocol.tolerance_days
    lo, hi = days[n] - timedelta(days=3), days[n] + timedelta(days=3)
    if n > 0:
        lo, hi = days[n - 1] + timedelta(interval - tolerance), days[n - 1] + timedelta(interval + tolerance)
    if n + 1 < len(days):
        nxt_lo, nxt_hi = (
            days[n + 1] - timedelta(interval + tolerance),
            days[n + 1] - timedelta(interval - tolerance),
        )
        lo, hi = (nxt_lo, nxt_hi) if n == 0 else (max(lo, nxt_lo), min(hi, nxt_hi))
    return max(lo, floor), hi


def _pick_alternatives(
    current: SessionChoice, options: list[SessionChoice], location: Location
) -> list[SessionChoice]:
    """Up to six other starts: the nearest on the same day, then the closest time on each nearby day."""
    here = _local(current.start, location)
    minute = here.hour * 60 + here.minute

    def distance(choice: SessionChoice) -> int:
        local = _local(choice.start, location)
        return abs(local.hour * 60 + local.minute - minute)

    others = [o for o in options if o.start != current.start]
    same_day = sorted((o for o in others if _local_day(o.start, location) == here.date()), key=distance)
    by_day: dict[date, list[SessionChoice]] = defaultdict(list)
    for option in others:
        d = _local_day(option.start, location)
        if d != here.date():
            by_day[d].append(option)
    picks = same_day[:SAME_DAY_ALTERNATIVES]
    for d in sorted(by_day, key=lambda d: (abs((d - here.date()).days), d)):
        if len(picks) >= MAX_ALTERNATIVES:
            break
        picks.append(min(by_day[d], key=distance))
    picks += same_day[SAME_DAY_ALTERNATIVES:][: MAX_ALTERNATIVES - len(picks)]
    return sorted(picks[:MAX_ALTERNATIVES], key=lambda c: c.start)


def _chosen_sessions(w: Wizard) -> list[SessionChoice] | None:
    """The sessions named by the state's tokens, or None unless every session has a usable one."""
    assert w.protocol is not None and w.location is not None  # noqa: S101 — the dates step has both
    if len(w.tokens) != w.protocol.sessions:
        return None
    resolved = _resolve_slots(w.location, [decode_slot(w.tokens[n]) for n in sorted(w.tokens)])
    if any(s is None for s in resolved):
        return None
    return [s for s in resolved if s is not None]


def _dates_context(request: ClinicRequest, w: Wizard) -> dict[str, Any]:
    assert w.protocol is not None and w.location is not None  # noqa: S101 — the dates step has both
    location, protocol = w.location, w.protocol
    now = timezone.now()
    today = _local_day(now, location)
    people = [
        p
        for p in selectors.calendar_resources(location).practitioners
        if protocol.modality.code in p.modalities
    ]
    bound = bool(w.raw.get("earliest"))
    plan_form = PlanForm(
        {
            "location": location.pk,
            "earliest": w.raw.get("earliest", "").split("T")[0],
            "same": w.raw.get("same") or "1",
            "practitioner": w.raw.get("practitioner", ""),
        }
        if bound
        else None,
        initial={"location": location.pk, "earliest": today, "same": "1"},
        locations=selectors.locations_for_clinic(request.clinic),
        practitioners=people,
        today=today,
    )
    context: dict[str, Any] = {"plan_form": plan_form, "sessions": [], "reason": "", "stale": False}
    if bound and not plan_form.is_valid():
        return context
    preferred = next((p for p in people if p.pk == w.practitioner_id), None)
    earliest = _earliest_moment(w, location, now)
    sessions = _chosen_sessions(w) if w.tokens else None
    if w.tokens and sessions is None:
        context["stale"] = True
    if sessions is None:
        proposal = selectors.propose_series(
            location, protocol, earliest=earliest, same_practitioner=w.same, practitioner=preferred
        )
        if not proposal.feasible:
            context["reason"] = proposal.reason
            return context
        sessions = list(proposal.sessions)
    sessions.sort(key=lambda s: s.start)
    days = [_local_day(s.start, location) for s in sessions]
    windows = []
    for n in range(len(sessions)):
        lo, hi = _candidate_days(n, days, protocol, max(local_day(earliest, location.timezone), today))
        start, _ignored = selectors.day_bounds(location, lo)
        _ignored, end = selectors.day_bounds(location, hi)
        windows.append((max(start, earliest if n == 0 else now), end))
    who = preferred or (sessions[0].practitioner if w.same else None)
    options = selectors.available_starts_in_windows(location, protocol, windows, practitioner=who)
    tokens = {n: encode_slot(s) for n, s in enumerate(sessions, start=1)}
    views = []
    for n, (session, offered) in enumerate(zip(sessions, options, strict=True), start=1):
        alternatives = [
            (alt, w.url("dates", tokens={**tokens, n: encode_slot(alt)}))
            for alt in _pick_alternatives(session, offered, location)
        ]
        gap = (days[n - 1] - days[n - 2]).days if n > 1 else None
        views.append(SessionView(n, session, tokens[n], gap, alternatives))
    context.update(
        sessions=views,
        confirm_url=w.url("confirm", tokens=tokens),
        low=protocol.interval_days - protocol.tolerance_days,
        high=protocol.interval_days + protocol.tolerance_days,
    )
    return context


def _steps(current: str, w: Wizard, done: set[str]) -> list[dict[str, Any]]:
    out = []
    for key, label in STEPS:
        url = ""
        if key in done and key != current:
            url = w.url(key)
        out.append({"key": key, "label": label, "current": key == current, "done": key in done, "url": url})
    return out
