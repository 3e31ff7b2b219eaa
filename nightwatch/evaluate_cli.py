"""`nightwatch evaluate MANIFEST`: the rules and the detector on labelled footage.

Exit status: 0 when every entry meets its expectation, 1 when one falls short (a missed
event, a false alert, a wrong end, person precision or recall under its minimum), 2 when the
manifest, a configuration or a file it names cannot be used (the error names the entry, the
key, the bad value and the fix).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from nightwatch.evaluation.clips import default_cache


def add_evaluate_command(commands: argparse._SubParsersAction[Any]) -> None:
    """Add `evaluate` to the `nightwatch` command's subparsers."""
    evaluate = commands.add_parser(
        "evaluate", help="score the rules and the detector on labelled footage (a manifest)"
    )
    evaluate.add_argument("manifest", help="YAML manifest of labelled footage")
    evaluate.add_argument(
        "--out",
        default="evaluation",
        help="folder for report.json and the timelines (default ./evaluation)",
    )
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    evaluate.add_argument(
        "--entry", action="append", default=[], metavar="NAME", help="only this entry (repeatable)"
    )
    evaluate.add_argument(
        "--cache",
        help=f"folder for prepared clips (default {default_cache()}; never the repository)",
    )
    evaluate.add_argument("--no-progress", action="store_true", help="no progress bars")
    evaluate.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace) -> int:
    """Validate everything, run every entry, then write the report and print the table."""
    from nightwatch.evaluation.entries import resolve_entries
    from nightwatch.evaluation.loading import load_manifest
    from nightwatch.evaluation.report import exit_status, report_json, table
    from nightwatch.evaluation.run import RunSettings, evaluate

    started = time.perf_counter()
    manifest = load_manifest(Path(args.manifest))
    entries = resolve_entries(manifest, tuple(args.entry))
    out = Path(args.out)
    settings = RunSettings(
        out=out,
        cache=Path(args.cache) if args.cache else default_cache(),
        progress=not args.no_progress,
    )
    results = evaluate(manifest, entries, settings)
    report = report_json(str(manifest.path), results, time.perf_counter() - started)
    text = json.dumps(report, indent=2)
    (out / "report.json").write_text(text + "\n", encoding="utf-8")
    if args.json:
        print(text)
    else:
        print(table(results))
        print(f"report: {out / 'report.json'}; timelines: {out}/timeline-*.png")
    sys.stdout.flush()
    return exit_status(results)
