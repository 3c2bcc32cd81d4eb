"""The ``fieldsync`` command: one entry point, with subcommands.

    fieldsync init   --db PATH
    fieldsync centre add --db PATH --id ID --name NAME --county COUNTY_ID
    fieldsync user add   --db PATH --username U --password P --role ROLE [--centre ID ...] [--county ID]
    fieldsync serve  --db PATH [--host 127.0.0.1] [--port 8000]
    fieldsync demo   [--db PATH] [--port 8000] [--seed-only]
    fieldsync config
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sync.errors import FieldsyncError

from .auth import PASSWORD_RULE
from .config import Config, describe
from .scope import ROLES
from .system import add_centre, add_user_cmd, init_db, require_db


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fieldsync", description="Offline-first records for"
                                " township service centres: server and admin commands.")
    sub = p.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", help="create (or upgrade) a database")
    init.add_argument("--db", required=True)

    centre = sub.add_parser("centre", help="manage centres").add_subparsers(
        dest="action", required=True)
    ca = centre.add_parser("add", help="add a township service centre")
    ca.add_argument("--db", required=True)
    ca.add_argument("--id", required=True)
    ca.add_argument("--name", required=True)
    ca.add_argument("--county", required=True)

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    ua = user.add_parser("add", help="add a user")
    ua.add_argument("--db", required=True)
    ua.add_argument("--username", required=True)
    ua.add_argument("--password", required=True, help=f"the password: {PASSWORD_RULE}")
    ua.add_argument("--role", required=True, choices=ROLES)
    ua.add_argument("--name", help="display name (default: the username)")
    ua.add_argument("--centre", action="append", default=[], help="a centre id (repeatable)")
    ua.add_argument("--county", help="county id (supervisors and inspectors); it must already"
                    " have a centre")

    serve = sub.add_parser("serve", help="serve the API and the PWA (the database must exist:"
                           " fieldsync init)")
    serve.add_argument("--db", required=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    demo = sub.add_parser("demo", help="seed a demo county (once) and serve it")
    demo.add_argument("--db", default="data/demo.db")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--seed-only", action="store_true", help="seed, print logins, then exit")

    sub.add_parser("config", help="list the FIELDSYNC_* settings")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``fieldsync`` console script."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "config":
            print(describe())
        elif args.command == "init":
            init_db(args.db)
            print(f"database ready: {args.db}")
        elif args.command == "centre":
            add_centre(args.db, args.id, args.name, args.county)
            print(f"centre {args.id} added")
        elif args.command == "user":
            uid = add_user_cmd(args.db, username=args.username, password=args.password,
                               role=args.role, name=args.name, centres=tuple(args.centre),
                               county=args.county)
            print(f"user {args.username} added ({uid})")
        elif args.command == "serve":
            require_db(args.db)
            init_db(args.db)  # upgrades an older database's tables
            print(f"fieldsync serving http://{args.host}:{args.port}/", flush=True)
            from .app import serve  # only now: the admin commands need no web stack
            serve(Config.from_env(db=args.db), args.host, args.port)
        elif args.command == "demo":
            from .demo import run_demo
            run_demo(args.db, args.host, args.port, seed_only=args.seed_only)
    except FieldsyncError as err:
        print(f"fieldsync: {err.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
