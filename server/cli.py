"""The ``fieldsync`` command: one entry point, with subcommands.

    fieldsync init   --db PATH
    fieldsync centre add --db PATH --id ID --name NAME --county COUNTY_ID
    fieldsync user add   --db PATH --username U --password P --role ROLE [--centre ID ...] [--county ID]
    fieldsync user list  --db PATH [--county ID]
    fieldsync user disable --db PATH --username U
    fieldsync user reset-password --db PATH --username U --password P
    fieldsync matters import --db PATH --county ID --file catalogue.xlsx|.csv
    fieldsync serve  --db PATH [--host 127.0.0.1] [--port 8000]
    fieldsync demo   [--db PATH] [--port 8000] [--seed-only] [--scale N]
    fieldsync templates import --db PATH --file F.json [--county K] [--id ID]
    fieldsync config [--db PATH]
    fieldsync holidays --db PATH --year Y --file F
    fieldsync sweep  --db PATH [--now ISO-8601]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence

from sync.deadlines import CST
from sync.errors import FieldsyncError, Invalid

from .auth import PASSWORD_RULE
from .clock import now_ms
from .config import Config, describe
from .holidays import load_holidays_cmd, read_calendar, warnings
from .scope import ROLES
from .system import (
    add_centre,
    add_user_cmd,
    disable_user_cmd,
    import_matters_cmd,
    import_template,
    init_db,
    list_users_cmd,
    require_db,
    reset_password_cmd,
)
from .writer import Writer


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

    ul = user.add_parser("list", help="list users (of one county)")
    ul.add_argument("--db", required=True)
    ul.add_argument("--county", help="only this county's users")
    ud = user.add_parser("disable", help="refuse a user's logins and revoke their devices")
    ud.add_argument("--db", required=True)
    ud.add_argument("--username", required=True)
    ur = user.add_parser("reset-password", help="set a new password and revoke their devices")
    ur.add_argument("--db", required=True)
    ur.add_argument("--username", required=True)
    ur.add_argument("--password", required=True)

    matters = sub.add_parser("matters", help="the matter catalogue").add_subparsers(
        dest="action", required=True)
    mi = matters.add_parser("import", help="import a catalogue sheet (.xlsx or .csv: name,"
                            " kind, time limit, basis, materials, fee)")
    mi.add_argument("--db", required=True)
    mi.add_argument("--county", required=True)
    mi.add_argument("--file", required=True)

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
    demo.add_argument("--scale", type=int, metavar="N",
                      help="instead of the demo county, a 30-centre benchmark county of N cases")

    templates = sub.add_parser("templates", help="manage rubric templates").add_subparsers(
        dest="action", required=True)
    ti = templates.add_parser("import", help="load a county's rubric template from a JSON file")
    ti.add_argument("--db", required=True)
    ti.add_argument("--file", required=True)
    ti.add_argument("--county", help="county id (default: the file's county_id)")
    ti.add_argument("--id", help="record id (default: tpl-<file stem>-v<version>)")


    config = sub.add_parser("config", help="list the FIELDSYNC_* settings (and warnings)")
    config.add_argument("--db", help="database to check (default: FIELDSYNC_DB)")

    sweep = sub.add_parser("sweep", help="mark overdue work and make accountability records, once")
    sweep.add_argument("--db", required=True)
    sweep.add_argument("--now", help="the time to sweep at, ISO-8601 (default: now)")

    hol = sub.add_parser("holidays", help="load a year's official holiday schedule (调休 included)")
    hol.add_argument("--db", required=True)
    hol.add_argument("--year", required=True, type=int)
    hol.add_argument("--file", required=True,
                     help='JSON {"year": Y, "holidays": ["Y-MM-DD", ...], "workdays": [...]}')
    return p


def parse_now(text: str | None) -> int | None:
    """``--now``: ISO-8601 (a time without a zone is China time) as epoch ms."""
    if text is None:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"--now: {text!r} is not an ISO-8601 time", path="now") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=CST)
    return int(when.timestamp() * 1000)


def run_sweep(db: str, now: int | None) -> dict[str, int]:
    """``fieldsync sweep``: one sweep with its own writer (beside a running server is fine)."""
    from .app import freeze_startup_heap
    from .jobs.sweep import sweep
    init_db(db)
    writer = Writer(db)
    # As the server's sweep runs: full collections do not walk the modules and schemas.
    freeze_startup_heap()
    try:
        return sweep(writer, now, Config.from_env().sweep_chunk)
    finally:
        writer.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``fieldsync`` console script."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "config":
            print(describe())
            calendar = read_calendar(Config.from_env(db=args.db).db)
            for line in warnings(calendar, now_ms()):
                print(line)
        elif args.command == "sweep":
            counts = run_sweep(args.db, parse_now(args.now))
            print(f"sweep: {counts['overdue']} turned overdue,"
                  f" {counts['accountability']} accountability records made")
        elif args.command == "holidays":
            loaded = load_holidays_cmd(args.db, args.year, args.file,
                                       Config.from_env(db=args.db).sweep_chunk)
            schedule = loaded.schedule
            print(f"holidays {schedule.year} loaded: {len(schedule.holidays)} days off,"
                  f" {len(schedule.workdays)} weekend days worked")
            print(f"deadlines corrected: {sum(loaded.corrected.values())} open records ("
                  + ", ".join(f"{n} {c}" for c, n in loaded.corrected.items()) + ")")
        elif args.command == "init":
            init_db(args.db)
            print(f"database ready: {args.db}")
        elif args.command == "centre":
            add_centre(args.db, args.id, args.name, args.county)
            print(f"centre {args.id} added")
        elif args.command == "user" and args.action == "list":
            for u in list_users_cmd(args.db, args.county):
                print(f"{u['username']:<16} {u['role']:<10} {'disabled' if u['disabled'] else 'active':<8}"
                      f" {u['county_id'] or '-':<16} {','.join(u['centre_ids']) or '-'}  {u['name']}")
        elif args.command == "user" and args.action == "disable":
            n = disable_user_cmd(args.db, args.username)
            print(f"user {args.username} disabled ({n} devices revoked)")
        elif args.command == "user" and args.action == "reset-password":
            n = reset_password_cmd(args.db, args.username, args.password)
            print(f"password of {args.username} reset ({n} devices revoked)")
        elif args.command == "matters":
            result = import_matters_cmd(args.db, args.county, args.file)
            print(f"{result['imported']} matters imported for {args.county}")
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
        elif args.command == "templates":
            rid = import_template(args.db, args.file, county=args.county, record_id=args.id)
            print(f"template {rid} imported")
        elif args.command == "demo":
            from .demo import run_demo
            run_demo(args.db, args.host, args.port, seed_only=args.seed_only, scale=args.scale)
    except FieldsyncError as err:
        print(f"fieldsync: {err.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
