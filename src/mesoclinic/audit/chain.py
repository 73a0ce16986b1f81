"""The hash chain of the audit log, as plain values: no Django, so the migration, the writer and
``mesoclinic audit verify`` share one definition of what a link is.

Each event's ``hash`` is SHA-256 over a canonical serialisation of every field plus the previous event's hash,
so changing, removing or inserting a row breaks the chain from that row on. Plain SHA-256, not an HMAC: anyone
may verify without a secret, and a rotated ``SECRET_KEY`` cannot invalidate the history. The price is that an
attacker with write access could rebuild the whole tail; keeping the printed head hash somewhere else (a
ticket, an e-mail) is what detects that, and the operator is told so.

Changing this serialisation invalidates every stored chain: it is frozen like a file format.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
"""The "previous hash" of the first event of every chain."""

# Integral floats this large come back from PostgreSQL's jsonb written without an exponent, i.e. as ints;
# writing them as ints here makes both spellings hash alike.
_BIG_FLOAT = 1e16


@dataclass(frozen=True)
class Link:
    """One stored event, as the chain sees it."""

    id: int
    seq: int
    clinic_id: int | None
    actor_id: int | None
    action: str
    object_type: str
    object_id: str
    patient_id: int | None
    at: datetime
    ip: str | None
    path: str
    user_agent: str
    data: Any
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Break:
    """The first event where a chain stops being intact, and why."""

    seq: int
    id: int
    reason: str


def _normalise(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) >= _BIG_FLOAT:
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return value


def json_roundtrip(data: Any) -> Any:
    """``data`` as the database gives it back (tuples as lists, keys as strings): what gets hashed."""
    return json.loads(json.dumps(data if data is not None else {}))


def canonical(
    *,
    seq: int,
    clinic_id: int | None,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    patient_id: int | None,
    at: datetime,
    ip: str | None,
    path: str,
    user_agent: str,
    data: Any,
    prev_hash: str,
) -> bytes:
    """The bytes that are hashed: sorted-key compact JSON, UTF-8, the time in UTC to the microsecond."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    record = {
        "seq": seq,
        "clinic": clinic_id,
        "actor": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "patient": patient_id,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "ip": ip or None,
        "path": path,
        "user_agent": user_agent,
        "data": _normalise(data),
        "prev_hash": prev_hash,
    }
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(**fields: Any) -> str:
    """The hex SHA-256 of the canonical serialisation of one event (``fields`` as for ``canonical``)."""
    return hashlib.sha256(canonical(**fields)).hexdigest()


def _fields(link: Link) -> dict[str, Any]:
    return {
        "seq": link.seq,
        "clinic_id": link.clinic_id,
        "actor_id": link.actor_id,
        "action": link.action,
        "object_type": link.object_type,
        "object_id": link.object_id,
        "patient_id": link.patient_id,
        "at": link.at,
        "ip": link.ip,
        "path": link.path,
        "user_agent": link.user_agent,
        "data": link.data,
        "prev_hash": link.prev_hash,
    }


@dataclass
class Verification:
    """What walking one chain found: how many events, the head hash, and the first break if any."""

    events: int = 0
    head: str = GENESIS
    broken: Break | None = None


def verify(links: Iterable[Link]) -> Verification:
    """Walk one chain in ``seq`` order and stop at the first event that is not what the chain says.

    A changed row fails its own hash; a removed row leaves a gap in ``seq`` (reported at the next row); an
    inserted row either repeats a number the database refuses or breaks ``prev_hash`` of its successor.
    Removing the newest rows is invisible to the chain alone: compare the head hash with a copy kept elsewhere.
    """
    result = Verification()
    expected_seq = 1
    for link in links:
        result.events += 1
        if link.seq != expected_seq:
            what = "missing" if link.seq > expected_seq else "out of order"
            result.broken = Break(link.seq, link.id, f"event number {expected_seq} is {what}")
            return result
        if link.prev_hash != result.head:
            result.broken = Break(link.seq, link.id, "does not follow the previous event's hash")
            return result
        if link_hash(**_fields(link)) != link.hash:
            result.broken = Break(link.seq, link.id, "its content does not match its hash (altered)")
            return result
        result.head = link.hash
        expected_seq += 1
    return result


def chain_links(rows: Iterable[Mapping[str, Any]]) -> Iterator[Link]:
    """Links from row dictionaries with the model's column names (``clinic_id``, ``actor_id``...)."""
    for row in rows:
        yield Link(
            id=row["id"],
            seq=row["seq"],
            clinic_id=row["clinic_id"],
            actor_id=row["actor_id"],
            action=row["action"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            patient_id=row["patient_id"],
            at=row["at"],
            ip=str(row["ip"]) if row["ip"] is not None else None,
            path=row["path"],
            user_agent=row["user_agent"],
            data=row["data"],
            prev_hash=row["prev_hash"],
            hash=row["hash"],
        )
