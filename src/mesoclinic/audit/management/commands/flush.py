"""``flush`` that can empty the audit table too: it lifts the append-only triggers for the operation.

Emptying the whole database is a deliberate, whole-database act (the test runner does it between
transactional tests); the triggers guard against changing single rows, not against that.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from mesoclinic.audit import triggers


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if triggers.TABLE not in connection.introspection.table_names():
            super().handle(**options)
            return
        with triggers.suspended(connection):
            super().handle(**options)
