"""Buyers' tax identifiers: a Polish NIP, or an EU VAT number with its country prefix, checked with
python-stdnum (the check digits, not a registry look-up: that needs the network, VIES).

Plain Python, no Django.
"""

from __future__ import annotations

from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat
from stdnum.pl import nip

from mesoclinic.clinical_codes.words import N_, WordedError

__all__ = ["TaxIdError", "normalise_tax_id"]


class TaxIdError(WordedError):
    """A tax id that is not valid; the message says why, in plain words.

    ``template`` is the English message marked ``N_`` with its ``params``; ``str(error)`` is the English
    text, ``text(gettext)`` the reader's language (the Django layer's; this core imports no Django).
    """


def normalise_tax_id(value: str) -> str:
    """The tax id in its compact form: ``"123-456-32-18"`` → ``"1234563218"`` (a NIP, no prefix),
    ``"PL 123 456 32 18"`` or ``"de136695976"`` → ``"PL1234563218"``, ``"DE136695976"`` (EU VAT numbers).

    Raises
    ------
    TaxIdError
        Empty, the wrong length or format, a bad check digit, or an unknown country prefix.
    """
    text = (value or "").strip()
    if not text:
        raise TaxIdError(N_("Give the company's tax id (NIP, or an EU VAT number such as DE136695976)."))
    compact = "".join(c for c in text if c.isalnum()).upper()
    if compact[:2].isalpha():
        country = compact[:2].upper()
        if country == "PL":
            return "PL" + _nip(compact[2:])
        if eu_vat.guess_country(compact) == [] and country.lower() not in eu_vat.MEMBER_STATES:
            raise TaxIdError(N_("%(country)s is not the prefix of an EU VAT number."), {"country": country})
        try:
            return str(eu_vat.validate(compact))
        except stdnum_errors.InvalidChecksum:
            raise TaxIdError(
                N_("This VAT number's check digit is wrong: look for a typing mistake.")
            ) from None
        except stdnum_errors.ValidationError:
            raise TaxIdError(
                N_("This is not a valid %(country)s VAT number (its length or format is wrong)."),
                {"country": country},
            ) from None
    return _nip(compact)


def _nip(text: str) -> str:
    try:
        return str(nip.validate(text))
    except stdnum_errors.InvalidChecksum:
        raise TaxIdError(N_("This NIP's check digit is wrong: look for a typing mistake.")) from None
    except stdnum_errors.ValidationError:
        raise TaxIdError(N_("A NIP has 10 digits (e.g. 123-456-32-18).")) from None
