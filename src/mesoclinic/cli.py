"""The ``mesoclinic`` console script.

``mesoclinic screen`` screens a patient against a protocol without Django or a database (unless the
protocol is named by its catalog slug). ``mesoclinic plan-series`` plans a treatment series from a JSON
request, without Django. ``mesoclinic analyze`` measures skin metrics on a photo and ``mesoclinic compare`` a
follow-up against its baseline, without Django. Every other command is handed to Django's management commands.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from mesoclinic.safety.rules import (
    ProtocolSpec,
    Screening,
    ScreeningInputError,
    parse_iso_date,
    patient_from_json,
    protocol_from_json,
    screen,
)
from mesoclinic.scheduling.engine import Plan, PlanInputError, plan_request_from_json, plan_series

__all__ = ["main"]

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
_CATALOG_PACKAGE = "mesoclinic.catalog"
_CATALOG_RESOURCE = "data/default_catalog.json"
_USAGE_ERROR = 2


class CommandError(Exception):
    """Bad input to ``mesoclinic screen`` or ``plan-series``; the message is printed as one line on stderr."""


def main(argv: list[str] | None = None) -> int:
    """Run the ``mesoclinic`` command line.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name; None reads ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status: 0 on success, 2 on a usage error or bad input to ``screen``, ``plan-series``,
        ``analyze`` or ``compare``.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] not in {"screen", "plan-series", "analyze", "compare", "-h", "--help"}:
        return _run_django(args)
    parser = _build_parser()
    if not args:
        parser.print_help()
        return 0
    try:
        options = parser.parse_args(args)
    except SystemExit as exc:  # argparse has printed help or a usage error
        return exc.code if isinstance(exc.code, int) else _USAGE_ERROR
    commands = {"plan-series": _plan_series_command, "analyze": _analyze_command, "compare": _compare_command}
    if options.command in commands:
        return commands[options.command](options)
    try:
        screening = _screen(options)
    except CommandError as exc:
        print(f"mesoclinic screen: error: {exc}", file=sys.stderr)
        return _USAGE_ERROR
    print(json.dumps(screening.as_dict()))
    return 0


def _build_parser() -> argparse.ArgumentParser:
    """Build the parser of ``mesoclinic`` and its ``screen``, ``plan-series`` and ``analyze`` subcommands."""
    parser = argparse.ArgumentParser(
        prog="mesoclinic",
        description="MesoClinic command line.",
        epilog=(
            "Any other command is a Django management command, run with "
            "DJANGO_SETTINGS_MODULE=mesoclinic.settings unless set (e.g. 'mesoclinic migrate', "
            "'mesoclinic runserver'); 'mesoclinic help' lists them."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub = commands.add_parser(
        "screen",
        help="screen a patient's history against a protocol and print the result as JSON",
        description="Screen a patient's history against a protocol; print the screening as JSON.",
    )
    sub.add_argument("--patient", required=True, metavar="PATIENT.json", help="the patient's history (JSON)")
    sub.add_argument(
        "--protocol",
        required=True,
        metavar="PROTOCOL",
        help="a protocol JSON file, or the slug of a catalog protocol (read from the database)",
    )
    sub.add_argument("--on", metavar="YYYY-MM-DD", help="day of the treatment (default: today)")
    sub.add_argument("--clinic", metavar="SLUG", help="clinic whose catalog holds the protocol slug")
    plan = commands.add_parser(
        "plan-series",
        help="plan a treatment series (sessions, practitioner, room, device) and print it as JSON",
        description=(
            "Plan a treatment series from a JSON request (time zone, slot grid, horizon, resources with "
            "weekly hours and busy times, and the series); print the plan as JSON. The plan has the "
            "earliest first session, then the smallest total deviation from the interval, then the "
            "earliest starts; ties go to the smallest resource ids. Sessions do not run past midnight."
        ),
    )
    plan.add_argument(
        "--input", required=True, metavar="REQUEST.json", help="the request (JSON); '-' reads standard input"
    )
    analyze = commands.add_parser(
        "analyze",
        help="measure skin metrics (spots, wrinkles, colour, redness, texture) on a photo",
        description=(
            "Check a photo's quality and measure skin metrics per region: the nine face regions (forehead, "
            "glabella, periorbital, cheeks and nasolabial left/right, chin; left and right are the patient's), "
            "or the whole photo as one region for a close-up. Method and limits: docs/analysis.md."
        ),
    )
    analyze.add_argument("photo", metavar="PHOTO", help="a JPEG, PNG, WebP or TIFF photo")
    analyze.add_argument(
        "--region",
        choices=("face", "whole"),
        default="face",
        help="face regions (default) or the whole photo",
    )
    analyze.add_argument("--json", action="store_true", help="print JSON instead of a table")
    compare = commands.add_parser(
        "compare",
        help="measure a follow-up photo against its baseline, on the same regions",
        description=(
            "Register the follow-up onto the baseline (face landmarks refined on the skin; the residual is "
            "checked), measure both on the baseline's regions and say, per region and metric, whether the change "
            "is beyond the method's repeatability (1.96·√2 times the test–retest SD). Exit 2 with one line on "
            "stderr for a bad file, a photo without a usable face or a failed registration."
        ),
    )
    compare.add_argument("baseline", metavar="BASELINE", help="the baseline photo")
    compare.add_argument("follow_up", metavar="FOLLOWUP", help="the follow-up photo of the same view")
    compare.add_argument(
        "--region",
        choices=("face", "whole"),
        default="face",
        help="face regions (default) or the whole photo",
    )
    compare.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def _analyze_command(options: argparse.Namespace) -> int:
    """Run ``analyze``: print the metrics (exit 0) or one error line on stderr (exit 2)."""
    # the imaging stack (numpy, OpenCV, scikit-image, MediaPipe) loads only for this command
    from mesoclinic.outcomes.analysis import analyze, load_image  # noqa: PLC0415

    try:
        result = analyze(load_image(options.photo), region=options.region).as_dict()
    except ValueError as exc:  # ImageLoadError, FaceNotFoundError and bad input are all ValueErrors
        print(f"mesoclinic analyze: error: {options.photo}: {_one_line(exc)}", file=sys.stderr)
        return _USAGE_ERROR
    print(json.dumps(result) if options.json else _analysis_table(result))
    return 0


def _compare_command(options: argparse.Namespace) -> int:
    """Run ``compare``: print before, after, change and beyond-repeatability (exit 0) or one error line (2)."""
    from mesoclinic.outcomes.analysis import compare, load_image  # noqa: PLC0415
    from mesoclinic.outcomes.analysis.repeatability import comparison_report  # noqa: PLC0415

    photos = {}
    for name in ("baseline", "follow_up"):
        path = getattr(options, name)
        try:
            photos[name] = load_image(path)
        except ValueError as exc:
            print(f"mesoclinic compare: error: {path}: {_one_line(exc)}", file=sys.stderr)
            return _USAGE_ERROR
    try:
        comparison = compare(photos["baseline"], photos["follow_up"], region=options.region)
    except ValueError as exc:  # no usable face, or a failed registration: both are ValueErrors
        print(f"mesoclinic compare: error: {_one_line(exc)}", file=sys.stderr)
        return _USAGE_ERROR
    report = comparison_report(comparison)
    print(json.dumps(report) if options.json else _comparison_table(report))
    return 0


def _comparison_table(report: dict[str, Any]) -> str:
    """The comparison as plain text: the registration, then one line per region and metric."""
    registration = report["registration"]
    residual = registration["residual_px"]
    lines = [
        f"registration: {registration['method']}"
        + ("" if residual is None else f", residual {residual:.2f} px"),
        "",
    ]
    for region, metrics in report["regions"].items():
        for metric, row in metrics.items():
            flag = "beyond repeatability" if row["beyond_repeatability"] else "within repeatability"
            lines.append(
                f"{region:18} {metric:24} {row['before']:>10.4g} → {row['after']:<10.4g} "
                f"change {row['change']:+.4g}  {flag}"
            )
    return "\n".join(lines)


_TABLE_COLUMNS = (
    ("spot_count", "spots", "{:.1f}"),
    ("spot_area_fraction", "spot %", "{:.2%}"),
    ("pore_count", "pores", "{:.1f}"),
    ("wrinkle_area_fraction", "wrinkle %", "{:.2%}"),
    ("wrinkle_length_density", "wr. len/px", "{:.5f}"),
    ("lab_l_mean", "L*", "{:.1f}"),
    ("lab_a_mean", "a*", "{:.1f}"),
    ("lab_b_mean", "b*", "{:.1f}"),
    ("ita_deg", "ITA°", "{:.1f}"),
    ("redness_area_fraction", "red %", "{:.2%}"),
    ("texture_roughness", "texture", "{:.2f}"),
)


def _analysis_table(result: dict[str, Any]) -> str:
    """The analysis as a plain-text table: the photo and its quality, then one row per region."""
    quality = result["quality"]
    lines = [
        f"photo: {result['image']['width']}×{result['image']['height']} px",
        f"quality: {'passed' if quality['passed'] else 'check the warnings'} "
        f"(sharpness {quality['blur_laplacian_var']:.0f}, mean L* {quality['mean_luminance_l']:.1f}, "
        f"highlights {quality['highlights_fraction']:.1%}, shadows {quality['shadows_fraction']:.1%})",
        *(f"warning: {warning}" for warning in quality["warnings"]),
        "",
    ]
    rows = [["region", *(label for _, label, _ in _TABLE_COLUMNS)]]
    for name, metrics in result["regions"].items():
        rows.append([name, *(fmt.format(metrics[key]) for key, _, fmt in _TABLE_COLUMNS)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        lines.append(
            "  ".join(
                [row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))]
            )
        )
    return "\n".join(lines)


def _plan_series_command(options: argparse.Namespace) -> int:
    """Run ``plan-series``: print the plan as JSON (exit 0) or one error line on stderr (exit 2)."""
    try:
        plan = _plan_series(options.input)
    except CommandError as exc:
        print(f"mesoclinic plan-series: error: {_one_line(exc)}", file=sys.stderr)
        return _USAGE_ERROR
    print(json.dumps(plan.as_dict()))
    return 0


def _plan_series(source: str) -> Plan:
    """Read the request named by ``--input`` and plan it; input problems raise :class:`CommandError`."""
    if source == "-":
        label, data = "<stdin>", _decode_json(sys.stdin.read(), "<stdin>")
    else:
        label, data = source, _read_json(Path(source))
    try:
        request = plan_request_from_json(data)
    except PlanInputError as exc:
        raise CommandError(f"{label}: {exc}") from None
    try:
        return plan_series(request.clinic, request.series)
    except ValueError as exc:
        raise CommandError(f"{label}: {exc}") from None


def _screen(options: argparse.Namespace) -> Screening:
    """Read the inputs named by ``options`` and screen them; input problems raise :class:`CommandError`."""
    on = _parse_on(options.on)
    known = _known_ingredients()
    patient_path = Path(options.patient)
    try:
        patient = patient_from_json(_read_json(patient_path), known_ingredients=known)
    except ScreeningInputError as exc:
        raise CommandError(f"{patient_path}: {exc}") from None
    protocol = _protocol(options.protocol, options.clinic, known)
    try:
        return screen(patient, protocol, on=on)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def _parse_on(value: str | None) -> date:
    """Return the ``--on`` day, or today's local date when absent."""
    if value is None:
        return datetime.now(UTC).astimezone().date()
    try:
        return parse_iso_date(value, "--on")
    except ScreeningInputError as exc:
        raise CommandError(str(exc)) from None


def _protocol(value: str, clinic: str | None, known: frozenset[str] | None) -> ProtocolSpec:
    """Read ``--protocol``: a JSON file, or a catalog protocol slug looked up in the database."""
    path = Path(value)
    if value.endswith(".json") or path.is_file():
        if clinic is not None:
            raise CommandError("--clinic applies only to a catalog protocol slug, not to a JSON file")
        try:
            return protocol_from_json(_read_json(path), known_ingredients=known)
        except ScreeningInputError as exc:
            raise CommandError(f"{path}: {exc}") from None
    if _SLUG.fullmatch(value):
        return _catalog_protocol(value, clinic)
    raise CommandError(f"--protocol: {value!r} is neither an existing JSON file nor a protocol slug")


def _catalog_protocol(slug: str, clinic: str | None) -> ProtocolSpec:
    """Look a protocol up in the database by slug; Django is imported only on this path."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesoclinic.settings")
    from mesoclinic.safety.catalog_lookup import protocol_spec_for_slug  # noqa: PLC0415 - keeps Django lazy

    try:
        return protocol_spec_for_slug(slug, clinic)
    except LookupError as exc:
        raise CommandError(_one_line(exc.args[0] if exc.args else f"protocol {slug!r} not found")) from None


def _read_json(path: Path) -> object:
    """Read and decode a JSON file; say which file and line when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot read ({_one_line(exc)})") from None
    return _decode_json(text, str(path))


def _decode_json(text: str, label: str) -> object:
    """Decode JSON text; say where (``label``, line, column) when it is malformed."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{label}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None


def _known_ingredients(
    package: str = _CATALOG_PACKAGE, resource: str = _CATALOG_RESOURCE
) -> frozenset[str] | None:
    """Return the ingredient codes of the default catalog, or None when it is not installed."""
    try:
        text = resources.files(package).joinpath(resource).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return None
    try:
        return frozenset(item["code"] for item in json.loads(text)["ingredients"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CommandError(f"catalog {package}:{resource} is malformed ({_one_line(exc)})") from None


def _one_line(value: object) -> str:
    """Collapse ``value``'s text to one line."""
    return " ".join(str(value).split())


def _run_django(args: Sequence[str]) -> int:
    """Hand ``args`` to Django's management commands."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesoclinic.settings")
    from django.core.management import execute_from_command_line  # noqa: PLC0415 - screen never loads Django

    execute_from_command_line(["mesoclinic", *args])
    return 0
