"""The pages of a Polish clinic show no English that the catalog translates (issue 15, item 5).

Every page without an id in its URL, and a patient's chart, is rendered for a Polish owner and physician;
each visible text (text nodes, ``aria-label``, ``placeholder``, ``title``, button values) that is exactly an
English msgid of the catalog whose Polish differs fails the test: the string is marked, but this page shows
it untranslated (evaluated at import time, built by concatenation, passed through without ``gettext``...).
Data (names, numbers, codes) never equals a msgid, so it is not flagged.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from mesoclinic import testing
from mesoclinic.accounts.models import Role
from mesoclinic.tests.test_i18n import parse_po

pytestmark = pytest.mark.django_db

# Languages are offered under their own names (the switch, a patient's language): "English" stays English.
SELF_NAMED = {"English"}
SKIP_NAMESPACES = {"admin", "api-v1", "fhir", "calendar_feeds"}
SKIP_NAMES = {"logout", "set_language", "javascript-catalog", "account_logout", "web:admin"}


def english_msgids() -> set[str]:
    entries = parse_po(Path(settings.LOCALE_PATHS[0]) / "pl" / "LC_MESSAGES" / "django.po")
    found = set()
    for entry in entries:
        msgid, strs = str(entry["msgid"]), entry.get("msgstr", [])
        if msgid and "%" not in msgid and "{" not in msgid and isinstance(strs, list) and strs[0] != msgid:
            found.add(msgid)
    return found


class _Texts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # Scripts, styles, and text in another language on purpose (the switch names each language in itself).
        if tag in {"script", "style"} or (tag != "html" and dict(attrs).get("lang")):
            self._skip += 1
            self._skipping.append(tag)
        for name, value in attrs:
            if name in {"aria-label", "placeholder", "title", "alt"} and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and tag == self._skipping[-1]:
            self._skipping.pop()
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def plain_get_routes() -> list[str]:
    names: list[str] = []

    def walk(patterns: list[URLPattern | URLResolver], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                space = pattern.namespace or namespace
                if space not in SKIP_NAMESPACES:
                    walk(pattern.url_patterns, space)
            elif pattern.name and not pattern.pattern.converters:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                if name not in SKIP_NAMES and not name.startswith(("account_", "mfa_")):
                    names.append(name)

    walk(get_resolver().url_patterns, "")
    return sorted(set(names))


def test_no_polish_page_shows_a_translated_string_in_english():
    clinic = testing.make_clinic("Klinika", language="pl")
    clinic.locations.update(name="Centrum")  # the factory's "Main" is data that happens to be a msgid
    owner = testing.make_staff(clinic, Role.OWNER)
    physician = testing.make_staff(clinic, Role.PHYSICIAN, modalities=["needle"])
    patient = testing.make_patient(clinic, conditions=["pregnant"])
    english = english_msgids()
    pages = [reverse(name) for name in plain_get_routes()]
    chart = reverse("patients:detail", args=[patient.pk])
    pages += [f"{chart}?tab={tab}" for tab in ("history", "versions", "consents")]
    pages += [reverse("safety:patient_screening", args=[patient.pk])]
    problems = []
    for staff in (owner, physician):
        client = testing.client_for(staff)
        for url in pages:
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            parser = _Texts()
            parser.feed(response.content.decode())
            problems += [f"{url}: {text!r}" for text in parser.texts if text in english - SELF_NAMED]
    found = sorted(set(problems))
    Path("/tmp/i18n-pages.txt").write_text("\n".join(found))  # noqa: S108 — a copy for whoever fixes them
    assert not found, "English on Polish pages:\n" + "\n".join(found)
