"""``N_``: marks English text of a pure core for translation without importing Django; ``WordedError``: a pure
core's refusal carrying that text and its values, shown in the reader's language by the Django layer.

``N_("Pregnant")`` is simply ``"Pregnant"``; ``mesoclinic makemessages`` collects every ``N_`` string into
the catalog, and the Django layer translates the text where it shows it (``gettext(label)``).
"""

from __future__ import annotations

from collections.abc import Callable


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
