"""Plain values of the screening core: histories, protocols, rules and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import TypedDict

from mesoclinic.clinical_codes.vocabulary import HISTORY_NEEDED

__all__ = [
    "Decision",
    "Finding",
    "FindingDict",
    "Medication",
    "PatientHistory",
    "ProtocolSpec",
    "Rule",
    "RuleTable",
    "RuleTableError",
    "Screening",
    "ScreeningDict",
    "Severity",
    "Source",
    "SourceKind",
]


class RuleTableError(ValueError):
    """A rule table is malformed; the message names the offending entry."""


class Severity(StrEnum):
    """How serious a finding is: ``block`` stops the treatment, ``warn`` asks for care."""

    BLOCK = "block"
    WARN = "warn"


class Decision(StrEnum):
    """The outcome of a screening, ordered ``ok < warn < history_needed < block`` by :attr:`rank`.

    ``history_needed``: the history was never taken, so "nothing found" means nothing; it stops the
    booking of invasive treatments and the signing of any session until the history is taken.
    """

    OK = "ok"
    WARN = "warn"
    HISTORY_NEEDED = "history_needed"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        """Position in the order ``ok < warn < history_needed < block`` (0, 1, 2, 3)."""
        return _DECISION_RANK[self]


_DECISION_RANK = MappingProxyType(
    {Decision.OK: 0, Decision.WARN: 1, Decision.HISTORY_NEEDED: 2, Decision.BLOCK: 3}
)


class SourceKind(StrEnum):
    """Weight a source can bear: peer-reviewed, regulator, or vendor/clinic page (indicative only)."""

    PR = "PR"
    REG = "REG"
    VND = "VND"


@dataclass(frozen=True, slots=True)
class Source:
    """A published source a rule rests on."""

    key: str
    title: str
    url: str
    kind: SourceKind

    @property
    def citation(self) -> str:
        """One-line citation, e.g. ``"Title [VND] https://..."``."""
        return f"{self.title} [{self.kind}] {self.url}"


@dataclass(frozen=True, slots=True)
class Medication:
    """A medication class the patient takes or took; ``stopped`` is None while current."""

    code: str
    stopped: date | None = None


@dataclass(frozen=True, slots=True)
class PatientHistory:
    """The coded medical history screening reads; allergies are ingredient codes.

    ``taken`` is False for a history that was never asked (empty, but not "nothing reported").
    ``other_allergies`` and ``other_medications`` are what the coded lists have no code for, as free
    text; ``other_reports`` is anything else the patient reported on the day. Each gives a warning.
    """

    birth_date: date
    conditions: frozenset[str] = frozenset()
    medications: tuple[Medication, ...] = ()
    implants: frozenset[str] = frozenset()
    allergies: frozenset[str] = frozenset()
    taken: bool = True
    other_allergies: tuple[str, ...] = ()
    other_medications: tuple[str, ...] = ()
    other_reports: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProtocolSpec:
    """What a planned treatment is: its modality and its cocktail's ingredient codes."""

    modality: str
    ingredients: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rule:
    """One cell of the rule table: ``factor`` under ``modality`` gives ``severity``.

    ``message`` may contain the placeholders ``{modality}`` and, in the allergy rule,
    ``{ingredient}``; screening fills them with labels.
    """

    factor: str
    modality: str
    severity: Severity
    message: str
    source: Source


@dataclass(frozen=True)
class RuleTable:
    """An ordered, immutable collection of rules with at most one rule per (factor, modality).

    Parameters
    ----------
    rules : tuple of Rule
        The rules; their order is the order of findings within a severity.
    note : str
        Shown with the table, e.g. that the clinic's medical lead must review it.

    Raises
    ------
    RuleTableError
        If two rules share a (factor, modality) pair.
    """

    rules: tuple[Rule, ...]
    note: str = ""
    _index: MappingProxyType[tuple[str, str], Rule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], Rule] = {}
        for rule in self.rules:
            key = (rule.factor, rule.modality)
            if key in index:
                msg = f"duplicate rule for factor {rule.factor!r} and modality {rule.modality!r}"
                raise RuleTableError(msg)
            index[key] = rule
        object.__setattr__(self, "_index", MappingProxyType(index))

    def lookup(self, factor: str, modality: str) -> Rule | None:
        """Return the rule for ``factor`` under ``modality``, or None when there is none."""
        return self._index.get((factor, modality))

    def for_modality(self, modality: str) -> tuple[Rule, ...]:
        """Return the rules that apply to ``modality``, in table order."""
        return tuple(rule for rule in self.rules if rule.modality == modality)


class FindingDict(TypedDict):
    """JSON form of a :class:`Finding`."""

    severity: str
    factor: str
    message: str
    source: str


class ScreeningDict(TypedDict):
    """JSON form of a :class:`Screening`."""

    decision: str
    findings: list[FindingDict]


@dataclass(frozen=True, slots=True)
class Finding:
    """Why a treatment is blocked or needs care; ``source`` is a one-line citation."""

    severity: Severity
    factor: str
    message: str
    source: str

    def as_dict(self) -> FindingDict:
        """Return the JSON form ``{"severity", "factor", "message", "source"}``."""
        return {
            "severity": str(self.severity),
            "factor": self.factor,
            "message": self.message,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Screening:
    """The result of screening one patient against one protocol."""

    decision: Decision
    findings: tuple[Finding, ...] = ()

    @property
    def history_needed(self) -> bool:
        """Whether the history was never taken: invasive treatments may not be booked, nor any session
        signed, whatever else the screening says (no override lifts it: the history must be taken)."""
        return any(finding.factor == HISTORY_NEEDED for finding in self.findings)

    def as_dict(self) -> ScreeningDict:
        """Return the JSON form ``{"decision": ..., "findings": [...]}``."""
        return {"decision": str(self.decision), "findings": [f.as_dict() for f in self.findings]}
