"""`nightwatch audit …`: verify the audit log and evidence, export and check evidence bundles.

Exit codes: 0 when everything matches, 1 when something does not (or cannot be done).
"""

from __future__ import annotations

import argparse
import getpass
import socket
import sys
from pathlib import Path
from typing import Any

from alerts.audit import VerifyReport
from config.loader import load_config
from config.storage import StorageConfig

EXIT_OK = 0
EXIT_FAILED = 1
_SHOWN_PROBLEMS = 20


def add_audit_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add `audit verify`, `audit export` and `audit verify-bundle` to the main parser."""
    audit = subparsers.add_parser("audit", help="check the audit log and evidence; export them")
    commands = audit.add_subparsers(required=True, metavar="AUDIT_COMMAND")

    verify = commands.add_parser(
        "verify", help="walk the audit hash chain and recompute every evidence file's SHA-256"
    )
    _add_config_option(verify)
    verify.set_defaults(handler=verify_command)

    export = commands.add_parser(
        "export", help="write one alert's evidence bundle (folder, or .zip) and audit it"
    )
    export.add_argument("alert_id", metavar="ALERT_ID")
    export.add_argument("--out", required=True, type=Path, help="new folder or FILE.zip")
    export.add_argument(
        "--actor", default=None, help="who exports, for the audit log (default: login name)"
    )
    _add_config_option(export)
    export.set_defaults(handler=export_command)

    bundle = commands.add_parser(
        "verify-bundle", help="check an exported bundle; needs no database"
    )
    bundle.add_argument("path", type=Path, metavar="PATH", help="bundle folder or .zip")
    bundle.set_defaults(handler=verify_bundle_command)


def _add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        help="YAML configuration; its storage: section says where the data is "
        "(default: ./data/nightwatch.db and ./data/media)",
    )


def _storage(args: argparse.Namespace) -> StorageConfig:
    if args.config is None:
        return StorageConfig()
    return load_config(args.config).config.storage


def verify_command(args: argparse.Namespace) -> int:
    """`nightwatch audit verify`: 0 when the chain and every evidence file match."""
    from alerts.store import StoreUnavailableError, open_configured_store
    from alerts.store.verify import verify_store

    try:
        store = open_configured_store(_storage(args), create=False)
    except StoreUnavailableError as error:
        print(f"audit verify: {error}", file=sys.stderr)
        return EXIT_FAILED
    try:
        report = verify_store(store)
        head_id, head_hash = store.audit.head()
    finally:
        store.close()
    if report.ok:
        print(
            f"audit log OK: {report.records_checked} records chain correctly, "
            f"{report.files_checked} evidence files match; chain head #{head_id} {head_hash}"
        )
        return EXIT_OK
    _print_problems("audit log FAILED", report)
    return EXIT_FAILED


def export_command(args: argparse.Namespace) -> int:
    """`nightwatch audit export ALERT_ID --out DIR_OR_ZIP`: write the bundle, audit the export."""
    from alerts.store import StoreError, open_configured_store
    from alerts.store.bundle import export_bundle

    actor = args.actor or getpass.getuser()
    try:
        store = open_configured_store(_storage(args), create=False)
        try:
            result = export_bundle(
                store, args.alert_id, args.out, actor, f"cli@{socket.gethostname()}"
            )
        finally:
            store.close()
    except (StoreError, OSError) as error:
        print(f"audit export: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"exported alert {args.alert_id} to {result.path}: {result.files} files; "
        f"manifest SHA-256 {result.manifest_sha256} (audit record #{result.audit_record.id})"
    )
    return EXIT_OK


def verify_bundle_command(args: argparse.Namespace) -> int:
    """`nightwatch audit verify-bundle PATH`: 0 when every file and record in it matches."""
    from alerts.store.bundle_check import verify_bundle

    if not args.path.exists():
        print(f"audit verify-bundle: {args.path} does not exist", file=sys.stderr)
        return EXIT_FAILED
    report = verify_bundle(args.path)
    if report.ok:
        print(
            f"bundle OK: {report.files_checked} files match the manifest, "
            f"{report.records_checked} audit records recompute to their hashes"
        )
        return EXIT_OK
    _print_problems("bundle FAILED", report)
    return EXIT_FAILED


def _print_problems(title: str, report: VerifyReport) -> None:
    count = len(report.problems)
    print(f"{title}: {count} problem(s), in log order", file=sys.stderr)
    for problem in report.problems[:_SHOWN_PROBLEMS]:
        print(f"  {problem}", file=sys.stderr)
    if count > _SHOWN_PROBLEMS:
        print(f"  … and {count - _SHOWN_PROBLEMS} more", file=sys.stderr)
