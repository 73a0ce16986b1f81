"""``N_``: marks English text of a pure core for translation without importing Django.

``N_("Pregnant")`` is simply ``"Pregnant"``; ``mesoclinic makemessages`` collects every ``N_`` string into
the catalog, and the Django layer translates the text where it shows it (``gettext(label)``).
"""

from __future__ import annotations


def N_(text: str) -> str:  # noqa: N802 — the conventional name of a no-op translation marker
    """Return ``text`` unchanged: it is marked for the translation catalog, translated where shown."""
    return text
