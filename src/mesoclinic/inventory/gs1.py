"""Parse the text a barcode scanner types for a GS1 DataMatrix or GS1-128 label (pure Python, no Django).

A scanner in keyboard mode types the label's element string: optionally a symbology identifier
(``]d2`` DataMatrix, ``]C1`` GS1-128, ``]Q3`` QR), then application identifiers (AIs) each followed by
its data. Fixed-length AIs simply end; variable-length ones end at the FNC1 separator, which arrives as
the ASCII group separator ``\\x1d`` (GS), or at the end of the text. People also type the human-readable
form with the AIs in brackets, ``(01)05012345678900(17)271231(10)AB12``. Both are accepted.

References
----------
GS1 General Specifications, Release 24.0 (GS1, 2024): §3.2 (AI table), §5.1.2 (symbology identifiers),
§7.9.5 (check digit calculation), §7.12 (determination of century in dates).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from mesoclinic.clinical_codes.words import N_, WordedError

GS = "\x1d"
SYMBOLOGY_PREFIXES = ("]d2", "]C1", "]Q3", "]e0", "]d1", "]Q1")
MAX_LOT_LENGTH = 20

# AI → (fixed data length or None for variable, maximum length). Only the AIs a medicine or device
# label carries in practice; others are refused by name so a wrong label is noticed.
_AIS: dict[str, tuple[int | None, int]] = {
    "01": (14, 14),  # GTIN
    "02": (14, 14),  # GTIN of contained trade items
    "10": (None, MAX_LOT_LENGTH),  # batch or lot number
    "11": (6, 6),  # production date YYMMDD
    "17": (6, 6),  # expiration date YYMMDD
    "21": (None, 20),  # serial number
    "30": (None, 8),  # variable count of items
    "240": (None, 30),  # additional product identification
    "241": (None, 30),  # customer part number
}


class GS1Error(WordedError):
    """The scanned text is not a GS1 label we can read; the message says what is wrong, in plain words.

    ``template`` is the English message marked ``N_`` with its ``params``; ``str(error)`` is the English text
    and ``text(gettext)`` the reader's language (the Django layer's: this module imports no Django).
    """


@dataclass(frozen=True)
class GS1Element:
    """What a label says about the item: its GTIN, lot, expiry and serial (each None when absent)."""

    gtin: str | None
    lot: str | None
    expiry: date | None
    serial: str | None


def gtin_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit for ``digits`` (all but the last digit of a GTIN).

    Parameters
    ----------
    digits : str
        The GTIN without its check digit, 7 to 17 decimal digits.

    Returns
    -------
    int
        The check digit, 0–9.

    References
    ----------
    GS1 General Specifications §7.9.5: weights 3 and 1 alternate from the rightmost digit.
    """
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def expand_date(yymmdd: str, today: date) -> date:
    """A GS1 YYMMDD date as a ``date``; day ``00`` means the last day of the month.

    Parameters
    ----------
    yymmdd : str
        Six digits.
    today : date
        The reference date for the century rule.

    Returns
    -------
    date

    Raises
    ------
    GS1Error
        If the text is not six digits or names no real month or day.

    Notes
    -----
    The century follows GS1 General Specifications §7.12: with the current year's last two digits
    subtracted from YY, a difference of 51 to 99 means the previous century, −99 to −50 the next one,
    anything else the current century (so a label read in 2026 spans 1977–2076).
    """
    if len(yymmdd) != 6 or not yymmdd.isdigit():
        raise GS1Error(N_("The date %(date)s is not six digits (YYMMDD)."), {"date": repr(yymmdd)})
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    century = today.year // 100 * 100
    difference = yy - today.year % 100
    if 51 <= difference <= 99:
        century -= 100
    elif -99 <= difference <= -50:
        century += 100
    year = century + yy
    if not 1 <= mm <= 12:
        raise GS1Error(
            N_("The date %(date)s has no month %(month)s."), {"date": yymmdd, "month": f"{mm:02d}"}
        )
    last_day = calendar.monthrange(year, mm)[1]
    if dd == 0:
        dd = last_day
    if dd > last_day:
        raise GS1Error(
            N_("The date %(date)s has no day %(day)s in that month."), {"date": yymmdd, "day": f"{dd:02d}"}
        )
    return date(year, mm, dd)


def _check_gtin(gtin: str) -> None:
    if len(gtin) != 14 or not gtin.isdigit():
        raise GS1Error(N_("The GTIN %(gtin)s must be 14 digits."), {"gtin": repr(gtin)})
    expected = gtin_check_digit(gtin[:-1])
    if int(gtin[-1]) != expected:
        raise GS1Error(
            N_("The GTIN %(gtin)s has a wrong check digit (expected %(expected)s): a misread barcode?"),
            {"gtin": gtin, "expected": expected},
        )


def _elements_bracketed(text: str) -> list[tuple[str, str]]:
    """``(01)…(17)…`` → [(ai, data), …]."""
    pairs: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position] != "(":
            raise GS1Error(N_("The label text is cut off or garbled: expected '(' before an AI."))
        close = text.find(")", position)
        if close == -1:
            raise GS1Error(N_("The label text is cut off: an AI's ')' is missing."))
        ai = text[position + 1 : close]
        following = text.find("(", close)
        data = text[close + 1 : following if following != -1 else len(text)]
        pairs.append((ai, data.rstrip(GS)))
        position = following if following != -1 else len(text)
    return pairs


def _elements_raw(text: str) -> list[tuple[str, str]]:
    """An element string with GS separators → [(ai, data), …]."""
    pairs: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position] == GS:
            position += 1
            continue
        ai = next(
            (text[position : position + n] for n in (2, 3) if text[position : position + n] in _AIS), None
        )
        if ai is None:
            raise GS1Error(
                N_("The label has an application identifier we do not read: %(ai)s."),
                {"ai": repr(text[position : position + 4])},
            )
        fixed, maximum = _AIS[ai]
        start = position + len(ai)
        if fixed is not None:
            data = text[start : start + fixed]
            if len(data) < fixed:
                raise GS1Error(
                    N_("The label text is cut off: AI (%(ai)s) needs %(fixed)s characters."),
                    {"ai": ai, "fixed": fixed},
                )
            position = start + fixed
        else:
            end = text.find(GS, start)
            end = len(text) if end == -1 else end
            data = text[start:end]
            if len(data) > maximum:
                raise GS1Error(
                    N_("AI (%(ai)s) holds at most %(maximum)s characters; a separator (GS) may be missing."),
                    {"ai": ai, "maximum": maximum},
                )
            position = end
        pairs.append((ai, data))
    return pairs


def parse(text: str, *, today: date | None = None) -> GS1Element:
    """Parse scanned GS1 text into GTIN, lot, expiry and serial.

    Parameters
    ----------
    text : str
        What the scanner typed, with or without a symbology identifier, with ``\\x1d`` as FNC1, or the
        human-readable form with AIs in brackets.
    today : date, optional
        Reference date for the century of two-digit years (GS1 §7.12); defaults to the system date,
        which is harmless because the rule spans ±50 years.

    Returns
    -------
    GS1Element

    Raises
    ------
    GS1Error
        With a plain sentence: empty text, unknown AI, truncated data, a wrong GTIN check digit, an
        impossible date, or a lot longer than 20 characters.

    References
    ----------
    GS1 General Specifications §3.2, §5.1.2, §7.9.5, §7.12.
    """
    text = text.strip().replace("\r", "").replace("\n", "")
    for prefix in SYMBOLOGY_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    text = text.lstrip(GS)
    if not text:
        raise GS1Error(N_("The scan is empty: scan the label again."))
    pairs = _elements_bracketed(text) if text.startswith("(") else _elements_raw(text)
    reference = today if today is not None else date.today()  # noqa: DTZ011 — a century pivot, ±50 years
    found: dict[str, str] = {}
    for ai, data in pairs:
        if ai not in _AIS:
            raise GS1Error(
                N_("The label has an application identifier we do not read: %(ai)s."), {"ai": f"({ai})"}
            )
        fixed, maximum = _AIS[ai]
        if fixed is not None and len(data) != fixed:
            raise GS1Error(
                N_("AI (%(ai)s) needs exactly %(fixed)s characters, the label has %(length)s."),
                {"ai": ai, "fixed": fixed, "length": len(data)},
            )
        if not data:
            raise GS1Error(N_("AI (%(ai)s) is empty: the label text is cut off."), {"ai": ai})
        if len(data) > maximum:
            raise GS1Error(
                N_("AI (%(ai)s) holds at most %(maximum)s characters, the label has %(length)s."),
                {"ai": ai, "maximum": maximum, "length": len(data)},
            )
        found[ai] = data
    gtin = found.get("01")
    if gtin is not None:
        _check_gtin(gtin)
    if "11" in found:
        expand_date(found["11"], reference)
    expiry = expand_date(found["17"], reference) if "17" in found else None
    if "30" in found and not found["30"].isdigit():
        raise GS1Error(N_("AI (30) must be a count in digits."))
    if gtin is None and "10" not in found and expiry is None:
        raise GS1Error(N_("The label names no product, lot or expiry (AIs 01, 10, 17)."))
    return GS1Element(gtin=gtin, lot=found.get("10"), expiry=expiry, serial=found.get("21"))


def encode(element: GS1Element, *, separator: str = GS) -> str:
    """The element string a scanner would type for ``element`` (for tests and printed labels).

    Fixed-length AIs first, then variable ones, each variable one but the last ended by ``separator``.
    """
    parts: list[str] = []
    if element.gtin is not None:
        parts.append("01" + element.gtin)
    if element.expiry is not None:
        parts.append("17" + element.expiry.strftime("%y%m%d"))
    variable = [("10", element.lot), ("21", element.serial)]
    fields = [ai + value for ai, value in variable if value is not None]
    return "".join(parts) + separator.join(fields)
