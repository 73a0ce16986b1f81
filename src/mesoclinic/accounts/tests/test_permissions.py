"""The permission matrix in the module docstring is the documentation: it must say what the code does."""

from __future__ import annotations

from mesoclinic.accounts import permissions
from mesoclinic.accounts.models import Role
from mesoclinic.accounts.permissions import MATRIX, Capability, role_has

COLUMNS = [Role.OWNER, Role.PHYSICIAN, Role.PRACTITIONER, Role.RECEPTIONIST, Role.AUDITOR]


def _documented() -> dict[str, set[str]]:
    rows: dict[str, set[str]] = {}
    for line in (permissions.__doc__ or "").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != len(COLUMNS) + 1 or cells[0] in {"capability", ""} or set(cells[0]) <= {"-", ":"}:
            continue
        rows[cells[0]] = {str(role) for role, mark in zip(COLUMNS, cells[1:], strict=True) if mark == "x"}
    return rows


def test_it_documents_every_capability_exactly_as_granted() -> None:
    documented = _documented()
    assert set(documented) == {str(c) for c in Capability}
    for capability in Capability:
        granted = {str(role) for role in COLUMNS if role_has(role, capability)}
        assert documented[str(capability)] == granted, capability


def test_it_gives_the_auditor_nothing_but_the_audit_log_and_the_books() -> None:
    assert MATRIX[Role.AUDITOR] == frozenset({Capability.VIEW_AUDIT, Capability.VIEW_BILLING})


def test_it_lets_the_front_desk_take_money_but_only_the_owner_give_it_back() -> None:
    assert role_has(Role.RECEPTIONIST, Capability.TAKE_PAYMENTS)
    assert not role_has(Role.RECEPTIONIST, Capability.REFUND_PAYMENTS)
    assert not role_has(Role.AUDITOR, Capability.TAKE_PAYMENTS)
    assert [r for r in Role if role_has(r, Capability.REFUND_PAYMENTS)] == [Role.OWNER]


def test_it_keeps_clinical_records_from_the_front_desk() -> None:
    for capability in (Capability.VIEW_CLINICAL, Capability.RECALL, Capability.MANAGE_INVENTORY):
        assert not role_has(Role.RECEPTIONIST, capability)
