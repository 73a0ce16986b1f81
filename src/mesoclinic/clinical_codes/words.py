"""``N_``: marks English text of a pure core for translation without importing Django; ``WordedError``: a pure
core's refusal carrying that text and its values, shown in the reader's language by the Django layer.

``N_("Pregnant")`` is simply ``"Pregnant"``; ``mesoclinic makemessages`` collects every ``N_`` string into
the catalog, and the Django layer translates the text where it shows it (``gettext(label)``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


def N_(text: str) -> str:  # noqa: N802 — the conventional name of a no-op translation marker
    """Return ``text`` unchanged: it is marked for the translation catalog, translated where shown."""
    return text


def same(text: str) -> str:
    """The identity translation: a pure core's words as they are (English) when no ``gettext`` is given."""
    return text


class WordedError(ValueError):
    """A pure core's refusal in plain words, translatable where it is shown.

    ``template`` is the English message marked ``N_`` with its ``params``; ``str(error)`` is the English text and
    ``text(gettext)`` the reader's language (the Django layer's: pure cores import no Django).
    """

    def __init__(self, template: str, params: dict[str, object] | None = None) -> None:
        self.template = template
        self.params = dict(params or {})
        super().__init__(self.text())

    def text(self, tr: Callable[[str], str] = same) -> str:
        """The message, its words translated by ``tr`` (as is by default)."""
        return tr(self.template) % self.params if self.params else tr(self.template)


@dataclass(frozen=True)
class Worded:
    """Words written now and read later, perhaps in another language: an English ``template`` marked ``N_``
    and its ``params`` (plain JSON values), stored as they are and shown with the reader's ``gettext``.

    A record keeps ``str(worded)`` (the English text, for old readers and the audit log) beside the
    template and values; ``shown`` renders what was stored, and a row written before it had a template
    shows its text as it was.
    """

    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, tr: Callable[[str], str] = same) -> str:
        """The words, translated by ``tr`` (as is by default)."""
        return shown(self.template, self.params, "", tr)

    def __str__(self) -> str:
        return self.text()


def shown(template: str, params: Mapping[str, Any] | None, text: str, tr: Callable[[str], str] = same) -> str:
    """A stored record's words in the reader's language: its ``template`` with ``params`` translated by ``tr``;
    ``text`` (what was written at the time) when it has no template, or when a translation does not fit its
    values (then the English template, which always fits, is used first)."""
    if not template:
        return text
    values = dict(params or {})
    for words in (tr(template), template):
        try:
            return words % values if "%(" in words else words
        except (KeyError, TypeError, ValueError):
            continue
    return text or template
