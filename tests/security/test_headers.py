"""Security headers on every page, the strict Content-Security-Policy, and safe settings defaults."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from mesoclinic.accounts.models import StaffMember
from mesoclinic.env import env_secret
from mesoclinic.testing import client_for, make_patient

pytestmark = pytest.mark.django_db

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def directives(header: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.strip() for part in (p.strip() for p in header.split(";")) if part}


def test_it_sends_the_strict_policy_without_inline_script_or_style(owner: StaffMember) -> None:
    response = client_for(owner).get("/")
    assert directives(response.headers["Content-Security-Policy"]) == directives(CSP)
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/patients", "/patients/"])
def test_every_answer_carries_the_security_headers(path: str) -> None:
    response = Client().get(path)
    assert "Content-Security-Policy" in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(item.split("=", 1) for item in response.headers["Permissions-Policy"].split(", "))
    assert policy["camera"] == "(self)"
    assert policy["microphone"] == policy["geolocation"] == "()"


def test_pages_have_no_inline_script_or_style_attribute(owner: StaffMember) -> None:
    body = client_for(owner).get("/").content.decode()
    assert "<script>" not in body
    assert ' style="' not in body
    assert " onclick=" not in body
    assert '"includeIndicatorStyles": false' in body  # htmx would otherwise inject a <style> element


def _settings(env: dict[str, str], expression: str, tmp_path: Path) -> str:
    """Evaluate ``expression`` against the settings module in a fresh interpreter with only ``env`` set."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("MESOCLINIC_", "SECRET_KEY", "DATABASE_URL"))
    }
    clean.update({"MESOCLINIC_DATA_DIR": str(tmp_path), **env})
    code = f"import mesoclinic.settings as s; print({expression})"
    return subprocess.run(  # noqa: S603 — our own interpreter on our own code
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_debug_is_off_unless_asked_for(tmp_path: Path) -> None:
    assert _settings({}, "s.DEBUG", tmp_path) == "False"
    assert _settings({"MESOCLINIC_DEBUG": "true"}, "s.DEBUG", tmp_path) == "True"


def test_make_run_is_the_only_place_that_turns_debug_on() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    lines = [line for line in makefile.splitlines() if "MESOCLINIC_DEBUG" in line]
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert len(lines) == 1
    assert lines[0] in run


def test_hsts_and_secure_cookies_only_over_https(tmp_path: Path) -> None:
    expr = "(getattr(s, 'SECURE_HSTS_SECONDS', 0), getattr(s, 'SESSION_COOKIE_SECURE', False))"
    assert _settings({}, expr, tmp_path) == "(0, False)"
    assert _settings({"MESOCLINIC_HTTPS": "true"}, expr, tmp_path) == "(31536000, True)"


def test_the_secret_key_comes_from_the_environment(tmp_path: Path) -> None:
    assert (
        _settings({"SECRET_KEY": "from-env-" + "x" * 50}, "s.SECRET_KEY", tmp_path) == "from-env-" + "x" * 50
    )


def test_the_secret_key_may_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-file\n")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))
    assert env_secret("SECRET_KEY", data_dir=tmp_path / "data") == "from-file"


def test_without_one_a_secret_key_is_generated_once_into_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY_FILE", raising=False)
    first = env_secret("SECRET_KEY", data_dir=tmp_path)
    assert len(first) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only
    assert env_secret("SECRET_KEY", data_dir=tmp_path) == first


def test_no_secret_key_is_written_in_the_settings() -> None:
    import mesoclinic.settings as module  # noqa: PLC0415

    source = Path(module.__file__).read_text()
    assert 'SECRET_KEY = env_secret("SECRET_KEY", data_dir=DATA_DIR)' in source
    assert (
        len(re.findall(r"^SECRET_KEY =", source, flags=re.MULTILINE)) == 1
    )  # (STRIPE_SECRET_KEY is its own)


@pytest.mark.parametrize(
    "path",
    [
        "/patients/{id}/",
        "/patients/{id}/edit/",
        "/patients/",
        "/api/v1/patients/{id}",
        "/api/v1/patients",
        "/api/v1/patients/{id}/history",
        "/fhir/R4/Patient/{id}/$everything",
        "/",
    ],
)
def test_chart_pages_and_patient_api_answers_are_never_stored(owner: StaffMember, path: str) -> None:
    patient = make_patient(owner.clinic)
    response = client_for(owner).get(path.format(id=patient.pk))
    assert response.status_code == 200
    directives = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/patients", "/fhir/R4/metadata"])
def test_anonymous_answers_are_not_stored_either(path: str) -> None:
    assert "no-store" in Client().get(path).headers["Cache-Control"]
