"""Every ``# type: ignore`` names its error code and says why, after it (``# type: ignore[code]  # reason``)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = re.compile(r"#\s*type:\s*ignore")
EXPLAINED = re.compile(r"#\s*type:\s*ignore\[[a-z-]+(,\s*[a-z-]+)*\]  # \S")


def test_every_type_ignore_has_a_code_and_a_reason() -> None:
    bare = []
    for path in sorted([*ROOT.joinpath("src").rglob("*.py"), *ROOT.joinpath("tests").rglob("*.py")]):
        if "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if IGNORE.search(line) and not EXPLAINED.search(line) and "IGNORE = re.compile" not in line:
                bare.append(f"{path.relative_to(ROOT)}:{number}")
    assert bare == []
