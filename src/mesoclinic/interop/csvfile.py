"""Reading a CSV export of another system: decoding, delimiter, header, column mapping, typed values.

No Django here: the services resolve references and write; this module turns bytes into rows of named
fields and says, per row and column, what it cannot read. Row numbers are the file's line numbers as a
spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Final
from zoneinfo import ZoneInfo

from mesoclinic.clinical_codes.words import N_, Worded, WordedError, same

MAX_BYTES: Final = 5 * 1024 * 1024
MAX_ROWS: Final = 20_000


class CsvFileError(WordedError):
    """The file as a whole cannot be read (encoding, no header, too large); the message says why.

    ``template`` is the English message marked ``N_`` with its ``params``; ``str(error)`` is the English text
    and ``text(gettext)`` the reader's language (the Django layer's: this module imports no Django).
    """


@dataclass(frozen=True)
class Field:
    """A field an import fills; ``label`` is English marked ``N_`` (the Django layer shows ``gettext(label)``)."""

    name: str
    label: str
    required: bool = False
    synonyms: tuple[str, ...] = ()


PATIENT_FIELDS: Final = (
    Field(
        "external_id",
        N_("External id"),
        synonyms=("id", "nr", "no", "number", "patient id", "patient number", "record number", "mrn"),
    ),
    Field(
        "given_name",
        N_("First name"),
        True,
        ("first", "first name", "firstname", "given", "forename", "vorname", "imie"),
    ),
    Field(
        "family_name",
        N_("Last name"),
        True,
        ("last", "last name", "lastname", "surname", "family", "nachname", "nazwisko"),
    ),
    Field(
        "birth_date",
        N_("Date of birth"),
        True,
        (
            "dob",
            "d.o.b.",
            "geburtsdatum",
            "data urodzenia",
            "birth date",
            "birthdate",
            "date of birth",
            "birthday",
        ),
    ),
    Field("sex", N_("Sex"), synonyms=("gender",)),
    Field("email", N_("E-mail"), synonyms=("e-mail", "email address", "mail")),
    Field("phone", N_("Phone"), synonyms=("telephone", "mobile", "phone number", "cell", "tel")),
    Field("address", N_("Address"), synonyms=("street", "postal address")),
    Field("preferred_language", N_("Language"), synonyms=("language", "lang", "locale")),
    Field("fitzpatrick", N_("Fitzpatrick skin type"), synonyms=("skin type", "fitzpatrick type")),
)

APPOINTMENT_FIELDS: Final = (
    Field(
        "patient_external_id",
        N_("Patient external id"),
        synonyms=("patient id", "client id", "patient number"),
    ),
    Field(
        "patient_email", N_("Patient e-mail"), synonyms=("email", "e-mail", "client email", "patient e-mail")
    ),
    Field(
        "starts_at",
        N_("Start"),
        True,
        ("start", "start time", "starts", "date time", "datetime", "appointment start"),
    ),
    Field("ends_at", N_("End"), synonyms=("end", "end time", "ends", "appointment end")),
    Field("duration_minutes", N_("Duration (minutes)"), synonyms=("duration", "minutes", "length")),
    Field(
        "practitioner",
        N_("Practitioner"),
        True,
        ("staff", "provider", "therapist", "doctor", "practitioner name"),
    ),
    Field("location", N_("Location"), True, ("site", "clinic", "branch", "location name")),
    Field("room", N_("Room"), synonyms=("room name", "resource")),
    Field("device", N_("Device"), synonyms=("machine", "device name")),
    Field("modality", N_("Modality"), synonyms=("treatment", "service", "modality code")),
    Field("protocol", N_("Protocol"), synonyms=("protocol name", "package", "course")),
    Field("status", N_("Status"), synonyms=("state", "appointment status")),
    Field("notes", N_("Notes"), synonyms=("note", "comment", "comments", "remarks")),
)

FIELDS: Final = {"patients": PATIENT_FIELDS, "appointments": APPOINTMENT_FIELDS}


@dataclass(frozen=True)
class RowError:
    """What a row's column cannot be: ``message`` in the language of the import that read it, and (when the
    words are MesoClinic's own) their English ``template`` and ``params``, to show them again later in
    another reader's language (a background run's report is written by the worker, read by anyone)."""

    row: int
    column: str
    message: str
    template: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"row": self.row, "column": self.column, "message": self.message}
        if self.template:
            found |= {"template": self.template, "params": self.params}
        return found


@dataclass(frozen=True)
class MappingProblem(Worded):
    """Why a column mapping cannot be used, in words (``Worded``) and as a ``code`` programs test:
    ``unknown_field``, ``missing_column``, ``unmapped_required`` or ``unmapped_patient`` (the last two: a
    field still to choose, which a mapping being saved may leave for later)."""

    code: str = ""


#: The problems that only say a column is still to be chosen.
UNCHOSEN: Final = frozenset({"unmapped_required", "unmapped_patient"})


@dataclass
class ParsedFile:
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]
    delimiter: str


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else UTF-16 with a BOM, else Windows-1252.

    Spreadsheets save "CSV UTF-8" with a BOM and older ones in the Windows code page; both are read
    without asking. Bytes that are none of these are refused rather than guessed.
    """
    if len(data) > MAX_BYTES:
        raise CsvFileError(
            N_("The file is larger than %(mb)s MB; split it."), {"mb": MAX_BYTES // (1024 * 1024)}
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise CsvFileError(
            N_("The file is not text in UTF-8 or Windows-1252; save it as CSV UTF-8.")
        ) from None


def parse(text: str, *, delimiter: str | None = None) -> ParsedFile:
    """Split ``text`` into a header and rows; the delimiter (``,`` ``;`` or tab) is detected if not given."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise CsvFileError(N_("The file is empty or its first line (the header) is blank."))
    if delimiter is None:
        first = lines[0]
        delimiter = max([",", ";", "\t"], key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise CsvFileError(N_("The header cannot be read: %(reason)s"), {"reason": exc}) from None
    if len(set(headers)) != len(headers) or "" in headers:
        raise CsvFileError(N_("Every column needs a header, and headers must differ."))
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise CsvFileError(N_("The file has more than %(rows)s rows; split it."), {"rows": MAX_ROWS})
            row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(headers)}
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise CsvFileError(
            N_("Line %(line)s: %(reason)s"), {"line": reader.line_num, "reason": exc}
        ) from None
    return ParsedFile(headers, rows, delimiter)


def _normal(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", folded).strip()


def guess_mapping(kind: str, headers: list[str]) -> dict[str, str]:
    """``{field: header}`` for every field whose name, label or a synonym matches a header."""
    by_normal = {_normal(h): h for h in headers}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for f in FIELDS[kind]:
        for candidate in (f.name, f.label, *f.synonyms):
            header = by_normal.get(_normal(candidate))
            if header is not None and header not in taken:
                mapping[f.name] = header
                taken.add(header)
                break
    return mapping


def check_mapping(kind: str, mapping: Mapping[str, str], headers: list[str]) -> list[MappingProblem]:
    """Problems with a mapping: unknown fields, columns not in the file, required fields unmapped.

    A field's label is a value of its problem, translated with it (``text(gettext)`` translates the
    ``label`` param too: see ``problem_text``)."""
    known = {f.name: f for f in FIELDS[kind]}
    problems = [
        MappingProblem(
            N_("%(name)s is not a field of a %(kind)s import."), {"name": name, "kind": kind}, "unknown_field"
        )
        for name in mapping
        if name not in known
    ]
    problems += [
        MappingProblem(
            N_("Column %(column)s (for %(field)s) is not in the file."),
            {"column": repr(header), "field": name},
            "missing_column",
        )
        for name, header in mapping.items()
        if header and header not in headers
    ]
    problems += [
        MappingProblem(N_("Choose the column for %(label)s."), {"label": f.label}, "unmapped_required")
        for f in known.values()
        if f.required and not mapping.get(f.name)
    ]
    if kind == "appointments" and not (mapping.get("patient_external_id") or mapping.get("patient_email")):
        problems.append(
            MappingProblem(
                N_("Choose the column that identifies the patient (external id or e-mail)."),
                {},
                "unmapped_patient",
            )
        )
    return problems


def problem_text(problem: Worded, tr: Callable[[str], str] = same) -> str:
    """A problem in the reader's language, a field's label (a value marked ``N_``) translated as well."""
    params = {k: tr(v) if k == "label" and isinstance(v, str) else v for k, v in problem.params.items()}
    return Worded(problem.template, params).text(tr)


def mapped_rows(parsed: ParsedFile, mapping: Mapping[str, str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row as ``{field: value}`` (unmapped fields absent)."""
    for number, row in parsed.rows:
        yield number, {name: row.get(header, "") for name, header in mapping.items() if header}


@dataclass
class RowReader:
    """Typed values from one mapped row; each failure becomes a ``RowError`` naming the column."""

    number: int
    values: dict[str, str]
    mapping: Mapping[str, str]
    errors: list[RowError] = field(default_factory=list)
    #: Translates this module's messages (marked ``N_``): the services pass ``gettext``; English by default.
    tr: Callable[[str], str] = field(default=same, repr=False)

    def error(self, name: str, message: str | Worded) -> None:
        """Note what the column ``name`` cannot be: a message already in words, or MesoClinic's own words
        (``Worded``: shown now with ``tr``, and kept as template and values to be shown again later)."""
        column = self.mapping.get(name, name)
        if isinstance(message, Worded):
            self.errors.append(
                RowError(self.number, column, message.text(self.tr), message.template, dict(message.params))
            )
        else:
            self.errors.append(RowError(self.number, column, message))

    def text(self, name: str, *, required: bool = False, max_length: int = 0) -> str:
        value = self.values.get(name, "").strip()
        if required and not value:
            self.error(name, Worded(N_("This value is required.")))
        if max_length and len(value) > max_length:
            self.error(name, Worded(N_("At most %(max)s characters."), {"max": max_length}))
        return value

    def date(self, name: str, *, required: bool = False) -> date | None:
        value = self.text(name, required=required)
        if not value:
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.error(
                name,
                Worded(N_("%(value)s is not a date (use YYYY-MM-DD or DD.MM.YYYY)."), {"value": repr(value)}),
            )
        return parsed

    def moment(self, name: str, tz: ZoneInfo, *, required: bool = False) -> datetime | None:
        value = self.text(name, required=required)
        if not value:
            return None
        parsed = parse_datetime(value, tz)
        if parsed is None:
            self.error(
                name,
                Worded(
                    N_("%(value)s is not a date and time (use YYYY-MM-DD HH:MM)."), {"value": repr(value)}
                ),
            )
        return parsed

    def integer(self, name: str, *, low: int, high: int) -> int | None:
        value = self.text(name)
        if not value:
            return None
        try:
            number = int(value)
        except ValueError:
            number = _ROMAN.get(value.upper(), -1)
        if not low <= number <= high:
            self.error(
                name,
                Worded(
                    N_("%(value)s is not a whole number from %(low)s to %(high)s."),
                    {"value": repr(value), "low": low, "high": high},
                ),
            )
            return None
        return number


_ROMAN: Final = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}
_DATE_FORMATS: Final = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d")
_TIME_FORMATS: Final = ("%H:%M", "%H:%M:%S")


def parse_date(value: str) -> date | None:
    """ISO dates and the day-first forms European systems export (never month-first: 03/04 is April)."""
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 — a date, no time zone involved
        except ValueError:
            continue
    return None


def parse_datetime(value: str, tz: ZoneInfo) -> datetime | None:
    """An ISO 8601 timestamp (its offset kept), or a date and a wall-clock time at ``tz``."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is not None:
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)
    day_part, _, time_part = value.replace("T", " ").partition(" ")
    day = parse_date(day_part)
    if day is None:
        return None
    for fmt in _TIME_FORMATS:
        try:
            clock = datetime.strptime(time_part.strip(), fmt).time()  # noqa: DTZ007 — wall clock at tz
        except ValueError:
            continue
        return datetime.combine(day, clock if isinstance(clock, time) else time(), tzinfo=tz)
    return None
