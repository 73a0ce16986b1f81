"""``Worded`` and ``shown``: words stored as an English template and values, read in the reader's language;
text stored before templates existed reads as it was."""

from __future__ import annotations

from mesoclinic.clinical_codes.words import Worded, shown

POLISH = {
    "Package refund: %(reason)s": "Zwrot za pakiet: %(reason)s",
    "Broken: %(reason)s": "Zepsute: %(nope)s",
}


def polish(text: str) -> str:
    return POLISH.get(text, text)


def test_worded_is_english_text_until_a_translation_is_given():
    words = Worded("Package refund: %(reason)s", {"reason": "Wyjazd"})
    assert str(words) == "Package refund: Wyjazd"
    assert words.text(polish) == "Zwrot za pakiet: Wyjazd"


def test_a_row_without_a_template_shows_its_stored_text():
    assert shown("", {}, "Package refund: written long ago", polish) == "Package refund: written long ago"


def test_a_translation_that_does_not_fit_the_values_falls_back_to_the_english_template():
    assert shown("Broken: %(reason)s", {"reason": "x"}, "old", polish) == "Broken: x"


def test_values_missing_from_a_stored_row_fall_back_to_its_text():
    assert shown("Package refund: %(reason)s", {}, "Package refund: kept", polish) == "Package refund: kept"


def test_a_template_without_values_is_translated_as_it_is():
    assert shown("Refunded", None, "", str.upper) == "REFUNDED"
