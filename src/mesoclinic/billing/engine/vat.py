"""VAT arithmetic of a document from gross (VAT-inclusive) prices, exactly as issue 17 item 3 states it.

Plain Python (``decimal``), no Django: the checkout, the API, the reports and the tests all compute the same
totals here, and other programs (accounting, the tax office) must be able to repeat them.

The rule
--------
* a line's gross = round_half_up(quantity × unit gross price − discount, 2);
* per VAT rate r: gross_r = Σ line gross at r; vat_r = round_half_up(gross_r × r / (100 + r), 2);
  net_r = gross_r − vat_r; exempt (``zw``) and 0 %: vat_r = 0;
* the document's net, vat and gross are the sums over the rates.

VAT is computed once per rate from the gross sum, never per line and summed: per-line rounding drifts by a
grosz per line, and the Polish VAT act (art. 106e ust. 1 pkt 14; the "metoda w stu" of art. 106e ust. 7–8 for
gross-price documents) states the tax per rate on the document.

References
----------
.. [1] Ustawa z dnia 11 marca 2004 r. o podatku od towarów i usług, art. 41 (rates 23, 8, 5, 0),
   art. 43 (exemptions, ``zw``), art. 106e (what an invoice states).
.. [2] Council Directive 2006/112/EC (the VAT directive), art. 226 (invoice content per rate).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from mesoclinic.clinical_codes.words import N_, same

__all__ = [
    "CENT",
    "DEFAULT_CURRENCY",
    "DEFAULT_RATES",
    "EXEMPT",
    "Line",
    "RateTotal",
    "Totals",
    "VatError",
    "compute_totals",
    "discount_for_percent",
    "line_gross",
    "parse_money",
    "parse_quantity",
    "rate_percent",
    "round_half_up",
]

CENT = Decimal("0.01")
EXEMPT = "zw"
"""The code of an exempt supply (Polish *zwolniony*): taxed at no rate, shown apart from 0 %."""

DEFAULT_RATES: dict[str, tuple[str, ...]] = {
    "PL": ("23", "8", "5", "0", EXEMPT),
    "DE": ("19", "7", "0", EXEMPT),
    "GB": ("20", "5", "0", EXEMPT),
    "FR": ("20", "10", "5.5", "2.1", "0", EXEMPT),
    "IT": ("22", "10", "5", "4", "0", EXEMPT),
    "ES": ("21", "10", "4", "0", EXEMPT),
}
"""Each country's VAT rates as shipped (the clinic edits its own); a country not listed starts with 0 and zw."""

DEFAULT_CURRENCY: dict[str, str] = {
    "PL": "PLN",
    "GB": "GBP",
    "DE": "EUR",
    "FR": "EUR",
    "IT": "EUR",
    "ES": "EUR",
    "CZ": "CZK",
    "CH": "CHF",
    "US": "USD",
}
"""The ISO 4217 currency a new clinic starts with, by its country (ISO 3166-1 alpha-2); EUR otherwise."""

MAX_AMOUNT = Decimal("9999999999.99")
MAX_QUANTITY = Decimal("999999.999")


#: A refusal about one line of several, around the line's own refusal (both translated where shown).
_ON_LINE = N_("Line %(line)s: %(problem)s")


_UNKNOWN_RATE = N_("Unknown VAT rate %(rate)s: use a percentage such as 23, or zw.")


class VatError(ValueError):
    """A value the arithmetic refuses; ``field`` names the parameter (as the API and forms name it).

    ``template`` is the English message marked ``N_`` with its ``params``; ``line`` is the 1-based line it is
    about, where it is one of several. ``str(error)`` and ``message`` are the English text; the Django layer
    shows ``text(gettext)``, the same message in the reader's language (this core imports no Django).
    """

    def __init__(
        self, field: str, template: str, params: dict[str, object] | None = None, *, line: int | None = None
    ) -> None:
        self.field = field
        self.template = template
        self.params = dict(params or {})
        self.line = line
        super().__init__(self.text())

    @property
    def message(self) -> str:
        return self.text()

    def text(self, tr: Callable[[str], str] = same) -> str:
        """The message, its words translated by ``tr`` (``gettext`` in the Django layer; as is by default)."""
        problem = tr(self.template) % self.params if self.params else tr(self.template)
        if self.line is None:
            return problem
        return tr(_ON_LINE) % {"line": self.line, "problem": problem}


def round_half_up(value: Decimal, places: Decimal = CENT) -> Decimal:
    """Round to ``places`` with halves away from zero (0.005 → 0.01, −0.005 → −0.01), as tax rules do.

    Python's own ``round`` rounds halves to even (banker's rounding): 2.675 would become 2.67, not 2.68.
    """
    return value.quantize(places, rounding=ROUND_HALF_UP)


def rate_percent(rate: str) -> Decimal:
    """The percentage of a VAT rate code: ``"23"`` → 23, ``"5.5"`` → 5.5, ``"zw"`` (exempt) → 0.

    Raises
    ------
    VatError
        ``vat_rate``: not a number from 0 to 100 nor ``zw``.
    """
    if rate == EXEMPT:
        return Decimal(0)
    try:
        percent = Decimal(rate)
    except (InvalidOperation, TypeError):
        raise VatError("vat_rate", _UNKNOWN_RATE, {"rate": repr(rate)}) from None
    if not percent.is_finite() or percent < 0 or percent > 100 or percent != percent.quantize(CENT):
        raise VatError("vat_rate", _UNKNOWN_RATE, {"rate": repr(rate)})
    return percent


_NOT_A_FLOAT = {
    "amount": N_('Give the amount as a decimal string such as "12.50", not a float.'),
    "quantity": N_('Give the quantity as a decimal string such as "12.50", not a float.'),
}
_NOT_A_NUMBER = {
    "amount": N_("The amount must be a number such as 12.50."),
    "quantity": N_("The quantity must be a number such as 12.50."),
}


def _decimal(value: object, field: str, what: str) -> Decimal:
    if isinstance(value, float):
        # A float has already lost the cents (0.1 + 0.2): refuse rather than guess.
        raise VatError(field, _NOT_A_FLOAT[what])
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, TypeError):
        raise VatError(field, _NOT_A_NUMBER[what]) from None
    if not number.is_finite():
        raise VatError(field, _NOT_A_NUMBER[what])
    return number


def parse_money(value: object, field: str = "amount", *, allow_negative: bool = False) -> Decimal:
    """An amount of money from user input ("12.5", "12,50", Decimal): a Decimal with two places.

    Raises ``VatError(field)`` for a float, something that is not a number, more than two decimal places,
    a negative amount (unless allowed) or more than ten digits before the point.
    """
    number = _decimal(value, field, "amount")
    if abs(number) > MAX_AMOUNT:
        raise VatError(field, N_("The amount is too large."))
    if number != number.quantize(CENT):
        raise VatError(field, N_("An amount has at most two decimal places."))
    if number < 0 and not allow_negative:
        raise VatError(field, N_("The amount cannot be negative."))
    return number.quantize(CENT)


def parse_quantity(value: object, field: str = "quantity") -> Decimal:
    """A quantity (up to three decimal places, e.g. 1.5 ml); more than zero."""
    number = _decimal(value, field, "quantity")
    if number > MAX_QUANTITY:
        raise VatError(field, N_("The quantity is too large."))
    if number <= 0:
        raise VatError(field, N_("The quantity must be more than zero."))
    if number != number.quantize(Decimal("0.001")):
        raise VatError(field, N_("A quantity has at most three decimal places."))
    return number.quantize(Decimal("0.001"))


@dataclass(frozen=True)
class Line:
    """One line of a document: quantity × unit gross price, less a discount (an amount), at a VAT rate."""

    quantity: Decimal
    unit_price: Decimal
    vat_rate: str
    discount: Decimal = Decimal(0)


@dataclass(frozen=True)
class RateTotal:
    rate: str
    net: Decimal
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True)
class Totals:
    net: Decimal
    vat: Decimal
    gross: Decimal
    by_rate: tuple[RateTotal, ...]


def _check_line(line: Line, index: int | None = None) -> None:
    number = None if index is None else index + 1

    def fail(field: str, message: str, params: dict[str, object] | None = None) -> None:
        raise VatError(field, message, params, line=number)

    if line.quantity <= 0:
        fail("quantity", N_("the quantity must be more than zero."))
    if line.unit_price < 0:
        fail("unit_price", N_("the price cannot be negative."))
    if line.discount < 0:
        fail("discount", N_("the discount cannot be negative."))
    if line.discount > line.quantity * line.unit_price:
        fail("discount", N_("the discount cannot be more than the line's amount."))
    try:
        rate_percent(line.vat_rate)
    except VatError as exc:
        fail("vat_rate", exc.template, exc.params)


def line_gross(line: Line) -> Decimal:
    """round_half_up(quantity × unit gross price − discount, 2).

    Raises
    ------
    VatError
        ``quantity`` not above zero, ``unit_price`` or ``discount`` negative, a discount above the line's
        amount, an unknown ``vat_rate``.
    """
    _check_line(line)
    return round_half_up(line.quantity * line.unit_price - line.discount)


def discount_for_percent(quantity: Decimal, unit_price: Decimal, percent: Decimal) -> Decimal:
    """The discount amount of ``percent`` % off a line: round_half_up(quantity × unit price × percent / 100, 2).

    A percentage is turned into an amount once, when the cashier gives it, so that the document states an
    amount that any program reproduces.
    """
    if percent < 0 or percent > 100:
        raise VatError("discount_percent", N_("A discount is from 0 to 100 %."))
    return round_half_up(quantity * unit_price * percent / 100)


def _rate_key(rate: str) -> tuple[int, Decimal]:
    # Highest rate first, 0 % after the taxed rates and exempt last, as Polish invoices list them.
    return (1, Decimal(0)) if rate == EXEMPT else (0, -rate_percent(rate))


def compute_totals(lines: Sequence[Line] | Iterable[Line]) -> Totals:
    """The VAT table and totals of a document.

    Parameters
    ----------
    lines : iterable of Line
        The document's lines; an empty document totals zero with no rates.

    Returns
    -------
    Totals
        ``by_rate`` holds one entry per rate used (highest first, exempt last); ``net``, ``vat`` and
        ``gross`` are their sums, so ``net + vat == gross`` always, and ``gross`` is the sum of the lines'
        gross amounts.

    Raises
    ------
    VatError
        The first invalid line, its field named (see :func:`line_gross`).
    """
    gross_by_rate: dict[str, Decimal] = {}
    for index, line in enumerate(lines):
        _check_line(line, index)
        gross = round_half_up(line.quantity * line.unit_price - line.discount)
        gross_by_rate[line.vat_rate] = gross_by_rate.get(line.vat_rate, Decimal("0.00")) + gross
    by_rate = []
    for rate in sorted(gross_by_rate, key=_rate_key):
        gross_r = gross_by_rate[rate]
        percent = rate_percent(rate)
        vat_r = round_half_up(gross_r * percent / (100 + percent)) if percent else Decimal("0.00")
        by_rate.append(RateTotal(rate=rate, net=gross_r - vat_r, vat=vat_r, gross=gross_r))
    zero = Decimal("0.00")
    return Totals(
        net=sum((r.net for r in by_rate), zero),
        vat=sum((r.vat for r in by_rate), zero),
        gross=sum((r.gross for r in by_rate), zero),
        by_rate=tuple(by_rate),
    )
