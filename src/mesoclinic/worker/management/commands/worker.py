"""``mesoclinic worker``: run the background worker (huey consumer) until stopped with Ctrl-C or SIGTERM."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mesoclinic.worker.consumer import backend_for, make_consumer


class Command(BaseCommand):
    help = "Run the background worker: queued jobs (photo analysis, messages) and the periodic jobs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers", type=int, default=None, help="Worker threads (default: HUEY workers)."
        )
        parser.add_argument("--no-periodic", action="store_true", help="Do not run the periodic jobs here.")
        parser.add_argument("--backend", default="default", help="The TASKS alias to consume.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verbosity"] >= 1:
            logging.getLogger("huey").setLevel(logging.INFO)
            if not logging.getLogger().handlers:
                logging.basicConfig()
        backend = backend_for(options["backend"])
        consumer = make_consumer(
            options["backend"], workers=options["workers"], periodic=not options["no_periodic"]
        )
        storage = backend.options.get("storage", "sqlite")
        self.stdout.write(
            f"Worker: {consumer.workers} thread(s) on the {storage} queue "
            f"{backend.huey.name!r}; periodic jobs {'on' if consumer.periodic else 'off'}."
        )
        consumer.run()
