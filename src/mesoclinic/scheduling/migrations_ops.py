"""A migration operation that runs different SQL per database vendor (Django has none built in)."""

from __future__ import annotations

from typing import Any

from django.db.migrations.operations.base import Operation


class VendorSQL(Operation):
    """Run ``sql[vendor]`` forwards and ``reverse_sql[vendor]`` backwards; other vendors do nothing."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, sql: dict[str, list[str]], reverse_sql: dict[str, list[str]]) -> None:
        self.sql = sql
        self.reverse_sql = reverse_sql

    def state_forwards(self, app_label: str, state: Any) -> None:
        """Database-only: the model state does not change."""

    def _run(self, schema_editor: Any, statements: dict[str, list[str]]) -> None:
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        self._run(schema_editor, self.sql)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        self._run(schema_editor, self.reverse_sql)

    def describe(self) -> str:
        return "Vendor-specific SQL"

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__qualname__, [], {"sql": self.sql, "reverse_sql": self.reverse_sql})
