"""`nightwatch users …`: create, list and disable the console's users.

There is no default account and no default password: `users add` prints a one-time password
and an API token, once. Exit codes: 0 done, 1 refused (name taken, unknown user, no database).
"""

from __future__ import annotations

import argparse
import getpass
import socket
import sys
from typing import Any

from config.loader import load_config
from config.storage import StorageConfig
from console.accounts.records import ROLES

EXIT_OK = 0
EXIT_FAILED = 1


def add_users_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add `users add`, `users list` and `users disable` to the main parser."""
    users = subparsers.add_parser("users", help="console users: add, list, disable")
    commands = users.add_subparsers(required=True, metavar="USERS_COMMAND")

    add = commands.add_parser("add", help="create a user; prints a one-time password and token")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=ROLES, help="what the user may do")
    add.add_argument("--team", help="patrol team (required for --role patrol)")
    add_config_option(add)
    add.set_defaults(handler=add_command)

    listing = commands.add_parser("list", help="list users with role, team and state")
    add_config_option(listing)
    listing.set_defaults(handler=list_command)

    disable = commands.add_parser("disable", help="disable a user: sessions and tokens end")
    disable.add_argument("name", metavar="NAME")
    add_config_option(disable)
    disable.set_defaults(handler=disable_command)


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        help="YAML configuration; its storage: section says where the users are kept "
        "(default: ./data/nightwatch.db)",
    )


def storage_of(args: argparse.Namespace) -> StorageConfig:
    return StorageConfig() if args.config is None else load_config(args.config).config.storage


def _actor() -> tuple[str, str]:
    return f"cli:{getpass.getuser()}", f"cli@{socket.gethostname()}"


def add_command(args: argparse.Namespace) -> int:
    from alerts.store import StoreError, open_configured_store
    from console.accounts.records import NewUser
    from console.accounts.repository import open_accounts
    from console.security import TOKEN_PREFIX, digest, hash_password, new_password, new_secret

    password, token = new_password(), new_secret(TOKEN_PREFIX)
    actor, source = _actor()
    try:
        store = open_configured_store(storage_of(args))
        try:
            users = open_accounts(store.database)
            new = NewUser(args.name, args.role, args.team, hash_password(password))
            user = users.add_user(new, actor, source)
            users.add_token(user.name, digest(token), "created", actor, source)
        finally:
            store.close()
    except StoreError as error:
        print(f"users add: {error}", file=sys.stderr)
        return EXIT_FAILED
    team = f", team {user.team}" if user.team else ""
    print(f"user {user.name} created (role {user.role}{team})")
    print(f"one-time password: {password}")
    print(f"API token:         {token}")
    print("Both are shown this once only; the password can be changed after signing in.")
    return EXIT_OK


def list_command(args: argparse.Namespace) -> int:
    from alerts.store import StoreError, open_configured_store
    from console.accounts.repository import open_accounts

    try:
        store = open_configured_store(storage_of(args), create=False)
        try:
            found = open_accounts(store.database).list_users()
        finally:
            store.close()
    except StoreError as error:
        print(f"users list: {error}", file=sys.stderr)
        return EXIT_FAILED
    for user in found:
        state = "disabled" if user.disabled else "active"
        print(f"{user.name:<24} {user.role:<9} {user.team or '-':<16} {state}")
    if not found:
        print("no users yet: nightwatch users add NAME --role ROLE")
    return EXIT_OK


def disable_command(args: argparse.Namespace) -> int:
    from alerts.store import StoreError, open_configured_store
    from console.accounts.repository import open_accounts

    actor, source = _actor()
    try:
        store = open_configured_store(storage_of(args), create=False)
        try:
            open_accounts(store.database).disable(args.name, actor, source)
        finally:
            store.close()
    except StoreError as error:
        print(f"users disable: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"user {args.name} disabled; their sessions and API tokens no longer work")
    return EXIT_OK
