from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from mesoclinic.billing.engine.packages import add_months, pro_rata_refund, summary
from mesoclinic.billing.engine.policy import deposit_amount, is_late_cancel

START = datetime(2027, 6, 30, 10, tzinfo=UTC)


def test_deposit_amounts() -> None:
    assert deposit_amount("fixed", Decimal("100"), Decimal("450.00")) == Decimal("100.00")
    assert deposit_amount("percent", Decimal("20"), Decimal("452.50")) == Decimal("90.50")
    assert deposit_amount("percent", Decimal("33.33"), Decimal("100.00")) == Decimal("33.33")
    assert deposit_amount("none", Decimal("20"), Decimal("450.00")) == Decimal("0.00")


def test_the_late_cancel_window() -> None:
    assert not is_late_cancel(START, datetime(2027, 6, 29, 10, tzinfo=UTC), 24)  # exactly 24 h before
    assert is_late_cancel(START, datetime(2027, 6, 29, 10, 1, tzinfo=UTC), 24)
    assert is_late_cancel(START, datetime(2027, 6, 30, 11, tzinfo=UTC), 24)  # after the start
    assert not is_late_cancel(START, datetime(2027, 6, 30, 9, tzinfo=UTC), 0)


def test_package_rules() -> None:
    assert pro_rata_refund(Decimal("2400.00"), 6, 3) == Decimal("1200.00")
    assert pro_rata_refund(Decimal("1000.00"), 3, 1) == Decimal("333.33")
    assert pro_rata_refund(Decimal("1000.00"), 3, 2) == Decimal("666.67")
    assert add_months(date(2026, 8, 31), 6).isoformat() == "2027-02-28"
    assert summary(3, 6, date(2027, 6, 30)) == "3 of 6 sessions left, expires 2027-06-30"
