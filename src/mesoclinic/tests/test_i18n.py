"""Languages (issue 15): who sees which language, and a Polish catalog that is complete and compiled.

The suite's clinics are English (``make_clinic``'s default), so every other test reads English text; these
tests build Polish clinics and staff on purpose.
"""

from __future__ import annotations

import gettext
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from mesoclinic import testing
from mesoclinic.accounts.models import Role
from mesoclinic.accounts.services import set_staff_language

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.LOCALE_PATHS[0])
SOURCE = LOCALE.parent


def parse_po(path: Path) -> list[dict[str, object]]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (a list) and flags (fuzzy...)."""
    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {}
    key = ""

    def finish() -> None:
        if "msgid" in entry:
            entries.append(dict(entry))
        entry.clear()

    def unquote(text: str) -> str:
        return text.strip()[1:-1].encode("raw_unicode_escape").decode("unicode_escape")

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#,"):
            if "msgid" in entry:
                finish()
            entry["flags"] = {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if key == "msgstr":
                strs = entry["msgstr"]
                assert isinstance(strs, list)
                strs[-1] += unquote(line)
            else:
                entry[key] = str(entry[key]) + unquote(line)
        else:
            name, _space, value = line.partition(" ")
            if name in {"msgctxt", "msgid"} and "msgstr" in entry:
                finish()
            if name.startswith("msgstr"):  # msgstr, or msgstr[n] of a plural
                strs = entry.setdefault("msgstr", [])
                assert isinstance(strs, list)
                strs.append(unquote(value))
                key = "msgstr"
            else:
                entry[name] = unquote(value)
                key = name
    finish()
    return entries


def problems(entries: list[dict[str, object]]) -> list[str]:
    """Untranslated or fuzzy entries (the header excepted)."""
    found = []
    for entry in entries:
        if entry["msgid"] == "":
            continue
        strs = entry.get("msgstr", [])
        assert isinstance(strs, list)
        if "fuzzy" in entry.get("flags", set()):  # type: ignore[operator]  # the parsed entry is a plain dict of objects
            found.append(f"fuzzy: {entry['msgid']!r}")
        elif not all(strs):
            found.append(f"untranslated: {entry['msgid']!r}")
    return found


# --- The catalog ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_polish_catalog_is_complete_and_not_fuzzy(domain):
    assert problems(parse_po(LOCALE / "pl" / "LC_MESSAGES" / f"{domain}.po")) == []


def test_every_string_in_the_code_is_in_the_polish_catalog(tmp_path, monkeypatch):
    """makemessages over a copy of the source, merged with the committed catalog: a string marked since the
    catalog was last updated (or changed) comes out untranslated or fuzzy, and fails here."""
    copy = tmp_path / "mesoclinic"
    shutil.copytree(
        SOURCE,
        copy,
        ignore=shutil.ignore_patterns("tests", "migrations", "static", "__pycache__", "*.mo", "*.pyc"),
    )
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command(
            "makemessages", locale=["pl"], no_location=True, ignore_patterns=["testing.py"], verbosity=0
        )
    found = problems(parse_po(copy / "locale" / "pl" / "LC_MESSAGES" / "django.po"))
    assert found == [], (
        "strings without a Polish translation; run `make messages` and translate them:\n" + "\n".join(found)
    )


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_compiled_catalog_matches_its_source(domain):
    """The committed .mo is the compiled .po (so `make run` needs no GNU gettext): every translation in one
    is in the other."""
    po = parse_po(LOCALE / "pl" / "LC_MESSAGES" / f"{domain}.po")
    with (LOCALE / "pl" / "LC_MESSAGES" / f"{domain}.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]  # the compiled catalog, a private attribute read on purpose
    expected: dict[object, str] = {}
    for entry in po:
        strs = entry["msgstr"]
        assert isinstance(strs, list)
        msgid = str(entry["msgid"])
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if not msgid or "fuzzy" in entry.get("flags", set()):  # type: ignore[operator]  # the parsed entry is a plain dict of objects
            continue
        if "msgid_plural" in entry:
            expected.update({(msgid, n): text for n, text in enumerate(strs)})
        else:
            expected[msgid] = strs[0]
    actual = {key: value for key, value in catalog.items() if key != ""}
    assert actual == expected, "the .mo is stale: run `make messages` (compilemessages) and commit it"


def test_polish_plurals_use_all_their_forms():
    """1 zabieg, 2 zabiegi, 5 zabiegów, 22 zabiegi: ngettext with Polish plural rules, not string arithmetic."""
    expected = {1: "1 zabieg", 2: "2 zabiegi", 5: "5 zabiegów", 12: "12 zabiegów", 22: "22 zabiegi"}
    with translation.override("pl"):
        for count, text in expected.items():
            assert (
                translation.ngettext("%(counter)s session", "%(counter)s sessions", count)
                % {"counter": count}
                == text
            )


# --- Who sees which language -----------------------------------------------------------------------------


def test_the_suite_s_clinics_are_english():
    staff = testing.make_staff(testing.make_clinic(), Role.RECEPTIONIST)
    response = testing.client_for(staff).get(reverse("web:home"))
    assert response["Content-Language"] == "en"
    assert "Calendar" in response.content.decode()


def test_staff_of_a_polish_clinic_see_polish_pages():
    staff = testing.make_staff(testing.make_clinic(language="pl"), Role.RECEPTIONIST)
    response = testing.client_for(staff).get(reverse("web:home"))
    page = response.content.decode()
    assert response["Content-Language"] == "pl"
    assert '<html lang="pl">' in page
    assert "Kalendarz" in page
    assert "Wyloguj" in page


def test_a_staff_member_s_own_language_beats_the_clinic_s():
    staff = testing.make_staff(testing.make_clinic(language="pl"), Role.RECEPTIONIST)
    set_staff_language(staff, language="en", actor=None)
    response = testing.client_for(staff).get(reverse("web:home"))
    assert response["Content-Language"] == "en"


def test_the_browser_s_explicit_choice_beats_the_account_s_language():
    staff = testing.make_staff(testing.make_clinic(language="pl"), Role.RECEPTIONIST)
    client = testing.client_for(staff)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert client.get(reverse("web:home"))["Content-Language"] == "en"


def test_the_account_page_saves_the_language_and_the_browser_follows():
    staff = testing.make_staff(testing.make_clinic(), Role.PRACTITIONER)
    client = testing.client_for(staff)
    response = client.post(reverse("accounts:language"), {"language": "pl"})
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.language == "pl"
    assert client.get(reverse("web:home"))["Content-Language"] == "pl"
    client.post(reverse("accounts:language"), {"language": ""})  # back to the clinic's (English)
    staff.refresh_from_db()
    assert staff.language == ""
    assert client.get(reverse("web:home"))["Content-Language"] == "en"


def test_an_unknown_language_is_refused_without_a_500():
    staff = testing.make_staff(testing.make_clinic(), Role.PRACTITIONER)
    response = testing.client_for(staff).post(reverse("accounts:language"), {"language": "xx"})
    assert response.status_code == 422


def test_public_pages_follow_the_browser():
    polish = Client(headers={"Accept-Language": "pl,en;q=0.5"}).get(reverse("login"))
    assert polish["Content-Language"] == "pl"
    assert "Zaloguj" in polish.content.decode()
    english = Client(headers={"Accept-Language": "en-GB,en;q=0.9"}).get(reverse("login"))
    assert english["Content-Language"] == "en"
    assert Client().get(reverse("login"))["Content-Language"] == "en"  # no preference: English


def test_the_javascript_catalog_is_served_in_polish():
    response = Client(headers={"Accept-Language": "pl"}).get(reverse("javascript-catalog"))
    assert response.status_code == 200
    assert b"pluralidx" in response.content


def test_the_compiled_catalog_loads_without_gnu_gettext():
    """Nothing at run time needs msgfmt: the .mo files are committed."""
    assert (LOCALE / "pl" / "LC_MESSAGES" / "django.mo").is_file()
    assert os.access(LOCALE / "pl" / "LC_MESSAGES" / "django.mo", os.R_OK)


def test_the_default_catalog_s_names_are_marked_for_translation():
    """Every name of default_catalog.json is in catalog.default_strings (and so in the Polish catalog)."""
    import json  # noqa: PLC0415

    from mesoclinic.catalog.data_file import code_label  # noqa: PLC0415
    from mesoclinic.catalog.default_strings import NAMES  # noqa: PLC0415

    data = json.loads((SOURCE / "catalog" / "data" / "default_catalog.json").read_text(encoding="utf-8"))
    names = {z["name"] for z in data["zones"]}
    for modality in data["modalities"]:
        names |= {modality["name"], *(code_label(t) for t in modality["techniques"])}
        for parameter in modality["parameters"]:
            names.add(parameter["label"])
            names |= {code_label(c) for c in parameter.get("choices") or [] if code_label(c) != c}
    for kind in ("ingredients", "cocktails", "protocols"):
        names |= {row["name"] for row in data[kind]}
    assert names == set(NAMES)


def test_a_polish_screening_reads_in_polish_and_keeps_its_codes():
    from datetime import date  # noqa: PLC0415

    from mesoclinic.safety.rules import PatientHistory, ProtocolSpec, screen  # noqa: PLC0415

    patient = PatientHistory(birth_date=date(1990, 1, 1), conditions=frozenset({"pregnant"}))
    with translation.override("pl"):
        result = screen(patient, ProtocolSpec("needle"), on=date(2026, 1, 5), translate=translation.gettext)
    assert result.findings[0].factor == "pregnant"
    assert result.findings[0].message.startswith("Ciąża: mezoterapii nie wykonuje się w ciąży")
    assert result.findings[0].message.endswith("Nie wykonywać zabiegu.")


def test_polish_formats_for_dates_times_and_money():
    from datetime import UTC, date, datetime  # noqa: PLC0415
    from decimal import Decimal  # noqa: PLC0415

    from django.utils.formats import date_format, get_format  # noqa: PLC0415

    from mesoclinic.web.templatetags.web_tags import format_money  # noqa: PLC0415

    with translation.override("pl"):
        assert date_format(date(2026, 12, 7), "SHORT_DATE_FORMAT") == "7.12.2026"
        assert (
            date_format(datetime(2026, 12, 7, 14, 30, tzinfo=UTC), "SHORT_DATETIME_FORMAT")
            == "7.12.2026 14:30"
        )
        assert format_money(Decimal("1234.56"), "PLN") == "1\u00a0234,56\u00a0zł"
        assert get_format("FIRST_DAY_OF_WEEK") == 1
    with translation.override("en"):
        assert date_format(date(2026, 12, 7), "SHORT_DATE_FORMAT") == "2026-12-07"
        assert format_money(Decimal("1234.56"), "PLN") == "1234.56 PLN"


def test_a_message_to_a_polish_patient_has_polish_dates():
    from mesoclinic.notifications.services import localized_values  # noqa: PLC0415

    values = {"when": "2026-12-07 14:30", "due_on": "2027-06-01", "name": "Anna"}
    assert localized_values(values, "pl") == {
        "when": "7.12.2026 14:30",
        "due_on": "1.06.2027",
        "name": "Anna",
    }
    assert localized_values(values, "en") == values


def test_a_patient_s_link_opens_in_the_patient_s_language():
    from urllib.parse import urlparse  # noqa: PLC0415

    from mesoclinic.notifications import tokens  # noqa: PLC0415
    from mesoclinic.patients.services import update_patient  # noqa: PLC0415

    patient = testing.make_patient(testing.make_clinic())
    update_patient(patient, actor=None, preferred_language="pl")
    path = urlparse(tokens.opt_out_url(patient.pk)).path
    response = Client(headers={"Accept-Language": "en"}).get(path)
    assert response["Content-Language"] == "pl"
    assert "Zatrzymaj wszystkie wiadomości" in response.content.decode()


def test_a_polish_clinic_invites_in_polish(mailoutbox, django_capture_on_commit_callbacks):
    from mesoclinic.accounts.services import invite_staff_member  # noqa: PLC0415

    clinic = testing.make_clinic(language="pl")
    owner = testing.make_staff(clinic, Role.OWNER)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):  # the inviter's: any
        invite_staff_member(
            clinic, email="nowa@example.com", display_name="Nowa", role=Role.RECEPTIONIST, actor=owner.user
        )
    assert mailoutbox[-1].subject.startswith("Zaproszenie do")
    assert "Recepcjonista" in mailoutbox[-1].body


def test_the_demo_consent_is_published_in_the_clinic_s_language():
    from mesoclinic.demo import _consent_templates  # noqa: PLC0415

    templates = _consent_templates(testing.make_clinic(language="pl"))
    assert templates["needle"].title == "Zgoda na zabieg: mezoterapia igłowa"
    assert templates["needle"].body.startswith("Omówiłam/omówiłem ze specjalistą zabieg: mezoterapia igłowa")
