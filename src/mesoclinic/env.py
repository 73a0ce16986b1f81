"""Strictly parsed settings from the environment (after healthchecks' ``envbool``/``envint``/``envsecret``)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean; anything other than a clear yes or no is a configuration error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, *, data_dir: Path) -> str:
    """Read a secret from ``NAME``, from the file named by ``NAME_FILE``, or from the data folder.

    The embedded default generates a random secret once and keeps it in ``data_dir`` (mode 0600),
    so a secret is never in the repository and survives restarts.
    """
    if (given := _given_secret(name)) is not None:
        return given
    stored = data_dir / name.lower()
    if stored.exists():
        return stored.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(50)
    stored.touch(mode=0o600)
    stored.write_text(value)
    return value


def env_optional_secret(name: str) -> str:
    """A secret that may be absent (an SMTP password, an SMS provider's key): ``NAME``, the file named by
    ``NAME_FILE``, or empty. Unlike ``env_secret`` it never generates one: a made-up key helps nobody."""
    return _given_secret(name) or ""


def _given_secret(name: str) -> str | None:
    """``NAME``, else the contents of the file named by ``NAME_FILE``, else ``None``."""
    if value := os.environ.get(name):
        return value
    if path := os.environ.get(f"{name}_FILE"):
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc.strerror}") from None
    return None
