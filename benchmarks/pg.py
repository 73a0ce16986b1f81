"""What several benchmarks share: finding (or creating) their PostgreSQL database."""

from __future__ import annotations

import subprocess
from urllib.parse import urlparse


def postgres_ready(url: str) -> bool:
    """Whether PostgreSQL answers at ``url``; creates the database with psql when only it is missing."""
    try:
        import psycopg  # noqa: PLC0415
    except ImportError:
        return False
    try:
        psycopg.connect(url, connect_timeout=3).close()
        return True
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            return False
    parts = urlparse(url)
    admin = parts._replace(path="/postgres").geturl()
    try:
        subprocess.run(  # noqa: S603 — fixed arguments, the benchmark's own database
            ["psql", admin, "-c", f'CREATE DATABASE "{parts.path.lstrip("/")}"'],  # noqa: S607
            check=True,
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return True
