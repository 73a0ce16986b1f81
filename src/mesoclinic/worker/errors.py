"""A failed job described without personal data: the exception's type and where it was raised.

An exception's message may quote whatever the task handled (a name, an address), so it is never stored,
logged or shown; the type and the innermost frame are enough to find the fault.
"""

from __future__ import annotations

import traceback
from pathlib import PurePath

MAX_LENGTH = 300


def describe_error(exc: BaseException) -> str:
    """``package.ExceptionType at mesoclinic/app/module.py:42 in function``, at most 300 characters."""
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return name[:MAX_LENGTH]
    frame = frames[-1]
    parts = PurePath(frame.filename).parts
    where = "/".join(parts[parts.index("mesoclinic") :] if "mesoclinic" in parts else parts[-2:])
    return f"{name} at {where}:{frame.lineno} in {frame.name}"[:MAX_LENGTH]


class JobFailedError(Exception):
    """Raised to huey in place of a task's own exception, so its message never reaches the worker's log."""
