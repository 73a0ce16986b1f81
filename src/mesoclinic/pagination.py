"""The API's one pagination: ninja's limit/offset with both bounded.

Unbounded, a generated ``limit`` or ``offset`` beyond 2**63 reaches the database and fails there (a 500 that
schemathesis found); bounded, it is a 422 that names the field.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination as _NinjaLimitOffset

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000


class LimitOffsetPagination(_NinjaLimitOffset):
    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
