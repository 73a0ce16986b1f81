"""Django's makemessages, also collecting ``N_("...")``: the marker pure cores use (they import no Django).

A pure core (safety.rules, treatments.dayof) keeps its English text and marks it ``N_("...")``, a function
that returns its argument; the Django layer that shows the text translates it with ``gettext`` (or passes
``gettext`` into the core, as screening does). This command makes those marked strings part of the catalog.
"""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
