"""Screening a patient's history against a planned treatment."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime

from mesoclinic.clinical_codes.dates import add_months, age_on
from mesoclinic.clinical_codes.vocabulary import (
    AGE_UNDER_18,
    ALLERGY,
    CONDITIONS,
    HISTORY_NEEDED,
    IMPLANTS,
    MEDICATIONS,
    MODALITIES,
    OTHER_ALLERGY,
    OTHER_MEDICATION,
    OTHER_REPORT,
)
from mesoclinic.clinical_codes.words import N_, same

from .model import (
    Decision,
    Finding,
    Medication,
    PatientHistory,
    ProtocolSpec,
    Rule,
    RuleTable,
    Screening,
    Severity,
)
from .table import default_rule_table

__all__ = ["ADULT_AGE", "ISOTRETINOIN_WASHOUT_MONTHS", "screen"]

ADULT_AGE = 18
"""Age in whole years from which ``age_under_18`` no longer applies."""

ISOTRETINOIN_WASHOUT_MONTHS = 6
"""Isotretinoin stopped within this many calendar months still counts."""

_ACTION = {
    Severity.BLOCK: N_("Do not treat."),
    Severity.WARN: N_("Treat only after the practitioner has checked."),
}

_BUILT_IN_SOURCE = N_(
    "MesoClinic built-in check (not a rule of the table): no screening result without an answered "
    "history, and free text is read by a person"
)
"""Cited by the findings no rule table can switch off (history needed, free-text entries)."""

_HISTORY_NEEDED_MESSAGE = N_(
    "History needed: the medical history has not been taken, so screening cannot say whether "
    "{modality} is safe. Ask the patient about conditions, medicines, implants and allergies and record "
    "the answers on the chart (History) first; until then invasive treatments cannot be booked and no "
    "session can be signed."
)
_OTHER_MESSAGES = {
    OTHER_ALLERGY: N_(
        "Allergy not in the coded list: {text}. Check that nothing used in this treatment (products, "
        "antiseptic, gloves, dressings) contains it."
    ),
    OTHER_MEDICATION: N_(
        "Medicine not in the coded list: {text}. Check whether it matters for {modality} (e.g. a blood "
        "thinner or an immunosuppressant under its brand name)."
    ),
    OTHER_REPORT: N_("Reported on the day: {text}."),
}


def screen(
    patient: PatientHistory,
    protocol: ProtocolSpec,
    *,
    on: date,
    rules: RuleTable | None = None,
    translate: Callable[[str], str] | None = None,
    ingredient_names: Mapping[str, str] | None = None,
) -> Screening:
    """Screen a patient's history against a planned treatment.

    Parameters
    ----------
    patient : PatientHistory
        The coded history as answered on the day of screening.
    protocol : ProtocolSpec
        The planned modality and the ingredient codes of its cocktail.
    on : date
        Day of the treatment; ages and medication windows are computed for this day.
    rules : RuleTable, optional
        The clinic's rule table; None uses :func:`default_rule_table`.
    translate : callable, optional
        Turns an English message, action or modality label into the reader's language (the Django layer
        passes ``gettext``); text it does not know (a clinic's own rule message) comes back unchanged.
        None keeps English.
    ingredient_names : mapping, optional
        Ingredient code -> the ingredient's name in the clinic's catalog (``hyaluronic_acid`` ->
        ``Hyaluronic acid``), put through ``translate`` so that a default name reads in the reader's language.
        An allergy finding names the ingredient by it; a code without a name is named by the code with spaces.

    Returns
    -------
    Screening
        ``decision`` is ``block`` if any finding blocks, else ``warn`` if any finding warns, else ``ok``.
        There is one finding per factor: the vocabulary code, the ingredient code of an allergy (one finding
        per allergen in the cocktail), or ``age_under_18``. Findings are ordered blocks first, then warnings;
        within a severity in rule-table order, allergies sorted by ingredient code.

        A history that was never taken (``patient.taken`` False) adds a ``history_needed`` finding
        (severity ``block``) and the decision is ``history_needed``, unless a rule blocks outright
        (``block``). Free-text allergies, medicines and day-of reports each add one warning
        (``other_allergy``, ``other_medication``, ``other_report``) quoting the text. These built-in
        findings come before the table's and no rule table can remove them: an empty table still warns
        about free text, and an untaken history is never ``ok``.

    Raises
    ------
    TypeError
        If ``on`` or ``patient.birth_date`` is not a plain date.
    ValueError
        If a code is not in the vocabulary, or the patient is born after ``on``.

    Notes
    -----
    A factor is present when:

    - it is a condition or implant of the patient;
    - it is ``age_under_18`` and :func:`age_on` is below 18 on ``on``;
    - it is a medication that is current: ``stopped`` is None or on or after ``on`` (a stop date in the
      future means the patient still takes it). Isotretinoin also counts when it was stopped after the
      same calendar day six months before ``on``, clamped to the end of a shorter month (on 2027-08-31
      the cut-off is 2027-02-28: stopped on the cut-off day does not count, a day later does).

    Messages are the rule's message with ``{modality}`` and ``{ingredient}`` filled with lower-case
    labels (an ingredient's label is its name from ``ingredient_names``, else its code with spaces), followed by
    what to do for the severity.

    References
    ----------
    .. [1] DESIGN.md section 4, the default rule table; each rule cites its own source.
    .. [2] Wellclinic, device contraindication list (isotretinoin): https://wellclinic.pl/de/?p=24258
    """
    _check_on(on)
    _check_patient(patient, on)
    _check_protocol(protocol)
    table = default_rule_table() if rules is None else rules
    tr = translate or same
    present = set(_present_factors(patient, on))
    allergens = sorted(patient.allergies & set(protocol.ingredients))
    modality = tr(MODALITIES[protocol.modality]).lower()
    findings: dict[str, Finding] = {}
    for rule in table.for_modality(protocol.modality):
        if rule.factor == ALLERGY:
            for code in allergens:
                findings.setdefault(
                    code,
                    _finding(
                        rule,
                        code,
                        modality=modality,
                        ingredient=_ingredient(code, ingredient_names, tr),
                        tr=tr,
                    ),
                )
        elif rule.factor in present:
            findings.setdefault(
                rule.factor, _finding(rule, rule.factor, modality=modality, ingredient="", tr=tr)
            )
    built_in = list(_built_in_findings(patient, modality, tr))
    ordered = sorted([*built_in, *findings.values()], key=lambda f: f.severity != Severity.BLOCK)
    decision = _decide([f for f in ordered if f.factor != HISTORY_NEEDED])
    if not patient.taken and decision is not Decision.BLOCK:
        decision = Decision.HISTORY_NEEDED
    return Screening(decision, tuple(ordered))


def _built_in_findings(
    patient: PatientHistory, modality: str, tr: Callable[[str], str] = same
) -> Iterator[Finding]:
    """The findings no rule table can switch off: an untaken history, and free text to be read."""
    if not patient.taken:
        message = tr(_HISTORY_NEEDED_MESSAGE).format(modality=modality)
        yield Finding(Severity.BLOCK, HISTORY_NEEDED, message, tr(_BUILT_IN_SOURCE))
    texts = {
        OTHER_ALLERGY: patient.other_allergies,
        OTHER_MEDICATION: patient.other_medications,
        OTHER_REPORT: patient.other_reports,
    }
    for factor, items in texts.items():
        if items:
            message = tr(_OTHER_MESSAGES[factor]).format(text="; ".join(items), modality=modality)
            action = tr(_ACTION[Severity.WARN])
            yield Finding(Severity.WARN, factor, f"{message} {action}", tr(_BUILT_IN_SOURCE))


def _present_factors(patient: PatientHistory, on: date) -> Iterator[str]:
    """Yield the factor codes present in ``patient`` on ``on`` (see :func:`screen`, Notes)."""
    yield from patient.conditions
    yield from patient.implants
    yield from (m.code for m in patient.medications if _medication_counts(m, on))
    if age_on(patient.birth_date, on) < ADULT_AGE:
        yield AGE_UNDER_18


def _medication_counts(medication: Medication, on: date) -> bool:
    """Whether ``medication`` counts on ``on``: current, or isotretinoin within its washout."""
    if medication.stopped is None:
        return True
    if medication.code == "isotretinoin":
        return medication.stopped > add_months(on, -ISOTRETINOIN_WASHOUT_MONTHS)
    return medication.stopped >= on


def _finding(
    rule: Rule, factor: str, *, modality: str, ingredient: str, tr: Callable[[str], str] = same
) -> Finding:
    """Build the finding ``rule`` raises for ``factor``, in the reader's language where ``tr`` knows it."""
    message = tr(rule.message).format(modality=modality, ingredient=ingredient)
    return Finding(rule.severity, factor, f"{message} {tr(_ACTION[rule.severity])}", rule.source.citation)


def _decide(findings: list[Finding]) -> Decision:
    """Block if any finding blocks, else warn if there is any finding, else ok."""
    if any(f.severity == Severity.BLOCK for f in findings):
        return Decision.BLOCK
    return Decision.WARN if findings else Decision.OK


def _ingredient(code: str, names: Mapping[str, str] | None, tr: Callable[[str], str]) -> str:
    """The ingredient's name in the reader's language, lower-cased as in a sentence unless it is an acronym
    (``Hyaluronic acid`` -> ``hyaluronic acid``, ``DMAE`` stays); its code with spaces when it has no name."""
    name = tr((names or {}).get(code, "")).strip()
    if not name:
        return _label(code)
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _label(code: str) -> str:
    """Readable label of an ingredient code: ``hyaluronic_acid`` -> ``hyaluronic acid``."""
    return code.replace("_", " ")


def _check_date(value: object, name: str) -> None:
    """Raise TypeError unless ``value`` is a plain :class:`~datetime.date` (not a datetime)."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{name}: expected a date, got {type(value).__name__}")


def _check_on(on: object) -> None:
    """Check the ``on`` argument of :func:`screen`."""
    _check_date(on, "on")


def _check_patient(patient: PatientHistory, on: date) -> None:
    """Check that the history uses known codes and that the patient is born by ``on``."""
    _check_date(patient.birth_date, "patient.birth_date")
    if patient.birth_date > on:
        raise ValueError(f"patient.birth_date: {patient.birth_date} is after the screening day {on}")
    _check_codes(patient.conditions, CONDITIONS, "patient.conditions")
    _check_codes([m.code for m in patient.medications], MEDICATIONS, "patient.medications")
    _check_codes(patient.implants, IMPLANTS, "patient.implants")
    if not isinstance(patient.taken, bool):
        raise TypeError(f"patient.taken: expected a bool, got {type(patient.taken).__name__}")
    for name in ("other_allergies", "other_medications", "other_reports"):
        items = getattr(patient, name)
        if not all(isinstance(item, str) and item.strip() for item in items):
            raise ValueError(f"patient.{name}: every item must be non-empty text")
    for medication in patient.medications:
        if medication.stopped is not None:
            _check_date(medication.stopped, f"patient.medications {medication.code!r} stopped")


def _check_protocol(protocol: ProtocolSpec) -> None:
    """Check that the protocol's modality is known."""
    if protocol.modality not in MODALITIES:
        raise ValueError(f"protocol.modality: unknown modality {protocol.modality!r}")


def _check_codes(codes: Iterable[str], known: Mapping[str, str], name: str) -> None:
    """Raise ValueError naming the first code of ``codes`` (in sorted order) that is not in ``known``."""
    if unknown := sorted((c for c in codes if c not in known), key=repr):
        raise ValueError(f"{name}: unknown code {unknown[0]!r}")
