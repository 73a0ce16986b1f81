"""Pure helpers for the identity and contact of a patient: names, search folding and phone numbers.

No Django here: the services, selectors and the data migration call these with plain values.
Phone numbers are parsed with ``phonenumbers`` (Google's libphonenumber metadata) in the clinic's
country and stored in E.164 (``+48600123456``), so the same number typed in any format is one value.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

__all__ = [
    "NAME_MAX",
    "InvalidPhoneError",
    "clean_name",
    "fold",
    "format_phone",
    "normalise_phone",
    "phone_digits_term",
    "phone_query",
    "search_key",
]

NAME_MAX = 100
# Letters that Unicode does not decompose into a base letter plus a mark (so NFKD alone keeps them).
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ı": "i", "þ": "th", "ð": "d", "ħ": "h"}
)
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]+$")
_SPACES = re.compile(r"\s+")
_ISO_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")


class InvalidPhoneError(ValueError):
    """A phone number that cannot be a real number of the given country (or, with ``+``, of any)."""


def fold(text: str) -> str:
    """``text`` lower-cased without diacritics, for matching: ``"Zając"`` and ``"ZAJAC"`` give ``"zajac"``.

    Parameters
    ----------
    text : str
        Any text; may be empty.

    Returns
    -------
    str
        Case-folded, with combining marks removed (NFKD) and the letters that do not decompose
        (``ł``, ``ø``, ``æ``, ``ß``...) replaced by their base letters; spaces collapsed.
    """
    folded = text
    for _ in range(4):  # a few letters need a second pass (a compatibility form that decomposes to a capital)
        decomposed = unicodedata.normalize("NFKD", folded.casefold().translate(_UNDECOMPOSED))
        bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        again = _SPACES.sub(" ", bare.casefold().translate(_UNDECOMPOSED)).strip()
        if again == folded:
            break
        folded = again
    return folded


def search_key(given_name: str, family_name: str) -> str:
    """What a name search matches against: both names, folded, given name first."""
    return fold(f"{given_name} {family_name}")


def clean_name(value: str, *, what: str) -> str:
    """A person's name with its spaces tidied, or ``ValueError`` saying why it cannot be one.

    A name must have at least one letter, at most ``NAME_MAX`` characters, and no control characters or
    symbols (``<>{}[]@#;``...): they are typing slips or pasted junk, never a name. Digits are let through
    (record numbers pasted by other systems, "Twin 2"), since refusing them would block more than it catches.
    """
    name = _SPACES.sub(" ", value).strip()
    if not name:
        raise ValueError(f"Enter the {what}.")
    if len(name) > NAME_MAX:
        raise ValueError(f"The {what} is too long: at most {NAME_MAX} characters.")
    if not any(ch.isalpha() for ch in name):
        raise ValueError(f"The {what} must contain letters.")
    for ch in name:
        if unicodedata.category(ch) == "Cc":  # invisible: name it by its code point
            raise ValueError(f"The {what} cannot contain a control character (U+{ord(ch):04X}).")
        if not (ch.isalnum() or ch in " -'’ʼ.," or unicodedata.category(ch) == "Mn"):
            raise ValueError(
                f"The {what} cannot contain “{ch}”: use letters, spaces, hyphens and apostrophes."
            )
    return name


def normalise_phone(raw: str, region: str) -> str:
    """The phone number in E.164 (``+48600123456``), or ``""`` when ``raw`` is blank.

    Parameters
    ----------
    raw : str
        The number as typed: national (``600 123 456``, ``(0)20 7946 0958``) or international
        (``+48 600-123-456``, ``0048 600123456``).
    region : str
        ISO 3166-1 alpha-2 country of the clinic, used for numbers typed without a country code.

    Raises
    ------
    InvalidPhoneError
        When the text is not a phone number, or not a valid one of its country (a digit missing or too
        many, a prefix no operator uses).
    """
    text = raw.strip()
    if not text:
        return ""
    example = _example(region)
    if not _PHONE_CHARS.match(text):
        raise InvalidPhoneError(f"Enter a phone number using digits only, e.g. {example}.")
    try:
        number = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException:
        raise InvalidPhoneError(f"This is not a phone number; for example {example}.") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneError(
            f"This is not a valid phone number (check the digits and the country code); for example {example}."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(stored: str, region: str) -> str:
    """A stored number as people read it: national format in the clinic's country, else international."""
    if not stored.startswith("+"):
        return stored
    try:
        number = phonenumbers.parse(stored, None)
    except phonenumbers.NumberParseException:
        return stored
    home = phonenumbers.region_code_for_number(number) == region.upper()
    style = phonenumbers.PhoneNumberFormat.NATIONAL if home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def phone_query(text: str, region: str) -> str | None:
    """The E.164 form of a search text that is a whole phone number in any format, else None."""
    if not _PHONE_CHARS.match(text.strip()) or sum(ch.isdigit() for ch in text) < 6 or _ISO_DATE.match(text):
        return None
    try:
        return normalise_phone(text, region)
    except InvalidPhoneError:
        return None


def phone_digits_term(term: str) -> str | None:
    """The digits to look for inside stored numbers for one word of a search (``"600-123"`` -> ``"600123"``).

    A leading trunk ``0`` is dropped (stored numbers are E.164, without it). None for words that are not
    made of digits and separators, or have fewer than three digits.
    """
    if not _PHONE_CHARS.match(term):
        return None
    digits = "".join(ch for ch in term if ch.isdigit())
    if len(digits) < 3:
        return None
    return digits if term.startswith("+") else digits.lstrip("0") or None


def _example(region: str) -> str:
    number = phonenumbers.example_number_for_type(region.upper(), phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        return "+44 7700 900123"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
