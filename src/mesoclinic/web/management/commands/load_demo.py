"""``mesoclinic load_demo``: create the demo clinic (idempotent) and print its logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mesoclinic.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Create or complete the demo clinic (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        clinic, logins = load_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo clinic ready: {clinic.name}"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(
                f"  {login.username:<10} {login.role:<22} {login.name:<16} pages in {login.language}"
            )
