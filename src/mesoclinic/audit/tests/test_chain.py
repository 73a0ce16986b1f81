"""The pure chain core: what is hashed, and how a walk finds the first break."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from mesoclinic.audit import chain

T0 = datetime(2026, 11, 25, 9, 30, 0, 123456, tzinfo=UTC)


def _fields(seq: int, prev_hash: str, **over: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "seq": seq,
        "clinic_id": 7,
        "actor_id": 3,
        "action": "chart.read",
        "object_type": "patients.patient",
        "object_id": "12",
        "patient_id": 12,
        "at": T0 + timedelta(seconds=seq),
        "ip": "10.0.0.1",
        "path": "/patients/12/",
        "user_agent": "Tablet",
        "data": {"view": "patients:detail"},
        "prev_hash": prev_hash,
    }
    fields.update(over)
    return fields


def _links(n: int) -> list[chain.Link]:
    links, prev = [], chain.GENESIS
    for seq in range(1, n + 1):
        fields = _fields(seq, prev)
        digest = chain.link_hash(**fields)
        links.append(chain.Link(id=100 + seq, hash=digest, **fields))  # type: ignore[arg-type]  # the fields of a Link, from a loosely typed dict
        prev = digest
    return links


def test_an_intact_chain_verifies() -> None:
    result = chain.verify(_links(4))
    assert (result.events, result.broken) == (4, None)
    assert result.head == _links(4)[-1].hash


def test_an_empty_chain_is_intact() -> None:
    assert chain.verify([]).broken is None


def test_every_field_is_covered() -> None:
    base = chain.link_hash(**_fields(1, chain.GENESIS))
    for name, other in [
        ("clinic_id", 8),
        ("actor_id", None),
        ("action", "x"),
        ("object_id", "13"),
        ("patient_id", 13),
        ("ip", None),
        ("path", "/"),
        ("user_agent", ""),
        ("data", {}),
        ("object_type", ""),
    ]:
        assert chain.link_hash(**_fields(1, chain.GENESIS, **{name: other})) != base, name
    assert chain.link_hash(**_fields(1, "1" * 64)) != base
    assert chain.link_hash(**{**_fields(1, chain.GENESIS), "seq": 2}) != base


def test_the_time_is_hashed_in_utc_and_must_be_aware() -> None:
    warsaw = T0.astimezone(timezone(timedelta(hours=1)))
    assert chain.link_hash(**_fields(1, chain.GENESIS, at=T0)) == chain.link_hash(
        **_fields(1, chain.GENESIS, at=warsaw)
    )
    with pytest.raises(ValueError, match="aware"):
        chain.link_hash(**_fields(1, chain.GENESIS, at=T0.replace(tzinfo=None)))


def test_big_integral_floats_hash_like_the_ints_postgresql_returns() -> None:
    as_float = chain.link_hash(**_fields(1, chain.GENESIS, data={"x": 1e20}))
    assert as_float == chain.link_hash(**_fields(1, chain.GENESIS, data={"x": 10**20}))
    assert chain.link_hash(**_fields(1, chain.GENESIS, data={"x": 1.0})) != chain.link_hash(
        **_fields(1, chain.GENESIS, data={"x": 1})
    )


def test_an_altered_link_is_named() -> None:
    links = _links(4)
    links[2] = replace(links[2], action="patient.update")
    assert chain.verify(links).broken == chain.Break(3, 103, "its content does not match its hash (altered)")


def test_a_gap_is_named_at_the_next_link() -> None:
    links = _links(4)
    del links[1]
    broken = chain.verify(links).broken
    assert broken is not None
    assert (broken.seq, broken.id) == (3, 103)


def test_a_link_that_does_not_follow_is_named() -> None:
    links = _links(3)
    links[1] = replace(links[1], prev_hash="e" * 64)
    broken = chain.verify(links).broken
    assert broken is not None
    assert (broken.seq, broken.id, broken.reason) == (2, 102, "does not follow the previous event's hash")
