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
from typing import Final
from zoneinfo import ZoneInfo

from mesoclinic.clinical_codes.words import N_, WordedError, same

MAX_BYTES: Final = 5 * 1024 * 1024
MAX_ROWS: Final = 20_000


class CsvFileError(WordedError):
    """The file as a whole cannot be read (encoding, no header, too large); the message says why.

    ``template`` is the English message marked ``N_`` with its ``params``; ``str(error)`` is the English text
    and ``text(gettext)`` the reader's language (the Django layer's: this module imports no Django).
    """


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool = False
    synonyms: tuple[str, ...] = ()


PATIENT_FIELDS: Final = (
    Field(
        "external_id",
        "External id",
        synonyms=("id", "nr", "no", "number", "patient id", "patient number", "record number", "mrn"),
    ),
    Field(
        "given_name",
        "First name",
        True,
        ("first", "first name", "firstname", "given", "forename", "vorname", "imie"),
    ),
    Field(
        "family_name",
        "Last name",
        True,
        ("last", "last name", "lastname", "surname", "family", "nachname", "nazwisko"),
    ),
    Field(
        "birth_date",
        "Date of birth",
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
    Field("sex", "Sex", synonyms=("gender",)),
    Field("email", "E-mail", synonyms=("e-mail", "email address", "mail")),
    Field("phone", "Phone", synonyms=("telephone", "mobile", "phone number", "cell", "tel")),
    Field("address", "Address", synonyms=("street", "postal address")),
    Field("preferred_language", "Language", synonyms=("language", "lang", "locale")),
    Field("fitzpatrick", "Fitzpatrick skin type", synonyms=("skin type", "fitzpatrick type")),
)

APPOINTMENT_FIELDS: Final = (
    Field(
        "patient_external_id", "Patient external id", synonyms=("patient id", "client id", "patient number")
    ),
    Field("patient_email", "Patient e-mail", synonyms=("email", "e-mail", "client email", "patient e-mail")),
    Field(
        "starts_at",
        "Start",
        True,
        ("start", "start time", "starts", "date time", "datetime", "appointment start"),
    ),
    Field("ends_at", "End", synonyms=("end", "end time", "ends", "appointment end")),
    Field("duration_minutes", "Duration (minutes)", synonyms=("duration", "minutes", "length")),
    Field(
        "practitioner",
        "Practitioner",
        True,
        ("staff", "provider", "therapist", "doctor", "practitioner name"),
    ),
    Field("location", "Location", True, ("site", "clinic", "branch", "location name")),
    Field("room", "Room", synonyms=("room name", "resource")),
    Field("device", "Device", synonyms=("machine", "device name")),
    Field("modality", "Modality", synonyms=("treatment", "service", "modality code")),
    Field("protocol", "Protocol", synonyms=("protocol name", "package", "course")),
    Field("status", "Status", synonyms=("state", "appointment status")),
    Field("notes", "Notes", synonyms=("note", "comment", "comments", "remarks")),
)

FIELDS: Final = {"patients": PATIENT_FIELDS, "appointments": APPOINTMENT_FIELDS}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


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


def check_mapping(kind: str, mapping: Mapping[str, str], headers: list[str]) -> list[str]:
    """Problems with a mapping: unknown fields, columns not in the file, required fields unmapped."""
    known = {f.name: f for f in FIELDS[kind]}
    problems = [f"{name} is not a field of a {kind} import." for name in mapping if name not in known]
    problems += [
        f"Column {header!r} (for {name}) is not in the file."
        for name, header in mapping.items()
        if header and header not in headers
    ]
    problems += [
        f"Choose the column for {f.label}." for f in known.values() if f.required and not mapping.get(f.name)
    ]
    if kind == "appointments" and not (mapping.get("patient_external_id") or mapping.get("patient_email")):
        problems.append("Choose the column that identifies the patient (external id or e-mail).")
    return problems


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

    def error(self, name: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.mapping.get(name, name), message))

    def text(self, name: str, *, required: bool = False, max_length: int = 0) -> str:
        value = self.values.get(name, "").strip()
        if required and not value:
            self.error(name, self.tr(N_("This value is required.")))
        if max_length and len(value) > max_length:
            self.error(name, self.tr(N_("At most %(max)s characters.")) % {"max": max_length})
        return value

    def date(self, name: str, *, required: bool = False) -> date | None:
        value = self.text(name, required=required)
        if not value:
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.error(
                name,
                self.tr(N_("%(value)s is not a date (use YYYY-MM-DD or DD.MM.YYYY)."))
                % {"value": repr(value)},
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
                self.tr(N_("%(value)s is not a date and time (use YYYY-MM-DD HH:MM)."))
                % {"value": repr(value)},
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
                self.tr(N_("%(value)s is not a whole number from %(low)s to %(high)s."))
                % {"value": repr(value), "low": low, "high": high},
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
