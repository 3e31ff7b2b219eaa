"""`nightwatch report --config FILE --shift YYYY-MM-DD [--out DIR]`: one night's shift report.

Writes DIR/report.json (every figure), DIR/report.html and DIR/report.pdf. A shift without
alerts is an empty report (exit 0). Exit 2: a bad --shift or configuration; 1: the store
cannot be opened or the report cannot be drawn.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from config.errors import EXIT_CONFIG

EXIT_FAILED = 1


def add_report_command(commands: argparse._SubParsersAction[Any]) -> None:
    """Add `report` to the `nightwatch` command's subparsers."""
    report = commands.add_parser(
        "report", help="one night's shift report: report.json, report.html and report.pdf"
    )
    report.add_argument("--config", required=True, help="YAML configuration file")
    report.add_argument(
        "--shift",
        required=True,
        metavar="YYYY-MM-DD",
        help="the date the shift starts on (site.shift in site.timezone)",
    )
    report.add_argument(
        "--out", type=Path, help="folder for the three files (default <data_dir>/reports/<date>)"
    )
    report.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace) -> int:
    from alerts.report.shift import ShiftDateError, parse_shift_date
    from alerts.store import StoreUnavailableError, open_configured_store
    from config.loader import load_config
    from nightwatch.report.build import build_report, reports_folder, shift_of
    from nightwatch.report.charts import FontMissingError

    try:
        day = parse_shift_date(args.shift)
    except ShiftDateError as error:
        print(f"nightwatch report: --shift: {error}", file=sys.stderr)
        return EXIT_CONFIG
    config = load_config(args.config).config
    folder = args.out if args.out is not None else reports_folder(config.storage, day)
    try:
        store = open_configured_store(config.storage, create=False)
    except StoreUnavailableError as error:
        print(
            f"nightwatch report: {error}; check storage in {args.config} (the report reads "
            "the store nightwatch run writes)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    shift = shift_of(config, day)
    try:
        built = build_report(config, store, shift, folder, datetime.now(UTC))
    except FontMissingError as error:
        print(f"nightwatch report: {error}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        store.close()
    report = built.report
    print(
        f"shift {shift.label} {shift.window} ({shift.timezone}): {report.totals.alerts} "
        f"alert(s), {report.totals.dispatches} dispatch(es), "
        f"{report.escalations.total} escalation(s)"
    )
    for path in (built.files.json, built.files.html, built.files.pdf):
        print(f"wrote {path}")
    return 0
