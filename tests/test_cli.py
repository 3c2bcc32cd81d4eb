"""The ``fieldsync`` CLI: the command forms outside tests rely on."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from server.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_cli_init_centre_user_then_login_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "x.db")
    assert main(["init", "--db", db]) == 0
    assert main(["centre", "add", "--db", db, "--id", "c01", "--name", "城关镇", "--county", "k1"]) == 0
    assert main(["user", "add", "--db", db, "--username", "a", "--password", "pass1234", "--role", "field",
                 "--centre", "c01"]) == 0
    assert main(["user", "add", "--db", db, "--username", "s", "--password", "pass1234", "--role",
                 "supervisor", "--county", "k1"]) == 0
    conn = sqlite3.connect(db)
    name = conn.execute("SELECT json_extract(data, '$.name') FROM records WHERE id='c01'").fetchone()
    assert name == ("城关镇",)
    roles = conn.execute("SELECT role FROM users ORDER BY username").fetchall()
    assert roles == [("field",), ("supervisor",)]


@pytest.mark.parametrize("args, message", [
    (["user", "add", "--username", "a", "--password", "pass1234", "--role", "field"], "at least one centre"),
    (["user", "add", "--username", "a", "--password", "pass1234", "--role", "field", "--centre", "nope"],
     "unknown centre"),
    (["user", "add", "--username", "s", "--password", "pass1234", "--role", "supervisor"], "county"),
    (["centre", "add", "--id", "c01", "--name", "又一个", "--county", "k1"], "exists"),
    (["user", "add", "--username", "a", "--password", "1", "--role", "field", "--centre", "c01"],
     "8 to 200 characters"),
    (["user", "add", "--username", "a", "--password", "abcdefghij", "--role", "field",
      "--centre", "c01"], "at least one letter and one digit"),
    (["user", "add", "--username", "s", "--password", "pass1234", "--role", "supervisor",
      "--county", "k9"], "unknown county 'k9'"),
    (["user", "add", "--username", "s", "--password", "pass1234", "--role", "inspector"],
     "county"),
])
def test_cli_refuses_bad_input_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              args: list[str], message: str) -> None:
    db = str(tmp_path / "x.db")
    main(["init", "--db", db])
    main(["centre", "add", "--db", db, "--id", "c01", "--name", "城关镇", "--county", "k1"])
    capsys.readouterr()
    assert main([*args[:2], "--db", db, *args[2:]]) == 1
    assert message in capsys.readouterr().err


def test_cli_duplicate_username_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "x.db")
    main(["init", "--db", db])
    main(["centre", "add", "--db", db, "--id", "c01", "--name", "城关镇", "--county", "k1"])
    base = ["user", "add", "--db", db, "--username", "a", "--password", "pass1234", "--role", "field",
            "--centre", "c01"]
    assert main(base) == 0
    assert main(base) == 1
    assert "taken" in capsys.readouterr().err


def test_cli_demo_seed_only_builds_a_realistic_county_once(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    run = subprocess.run([sys.executable, "-m", "server.cli", "demo", "--db", db, "--seed-only"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "http://127.0.0.1:8000/" in run.stdout and "demo1234" in run.stdout
    conn = sqlite3.connect(db)
    total = conn.execute("SELECT count(*) FROM records").fetchone()[0]
    assert total >= 5000
    names = [r[0] for r in conn.execute("SELECT json_extract(data,'$.name') FROM records"
                                        " WHERE collection='centres'")]
    assert len(names) == 12 and all(re.search(r"[\u4e00-\u9fff]", n) for n in names)
    roles = {r[0] for r in conn.execute("SELECT role FROM users")}
    assert roles == {"field", "centre", "inspector", "supervisor", "admin"}
    assert re.search(r"^\s+inspector\s+demo1234\s+inspector", run.stdout, re.M)  # printed by scripts/demo
    colls = dict(conn.execute("SELECT collection, count(*) FROM records GROUP BY 1").fetchall())
    assert colls["cases"] > 1000 and colls["visits"] > 100 and colls["evaluations"] > 100
    assert colls["complaints"] > 10 and colls["matters"] > 20
    assert colls["inspections"] > 50 and colls["rectifications"] > 10
    assert conn.execute("SELECT count(*) FROM records WHERE collection='cases'"
                        " AND json_extract(data,'$.due_at') IS NOT NULL").fetchone()[0] > 1000
    # Records name their staff by user id, as the app does: a field login sees "my visits".
    user_ids = {r[0] for r in conn.execute("SELECT id FROM users")}
    staff = {r[0] for r in conn.execute("SELECT s.value FROM records,"
                                        " json_each(records.data, '$.staff_ids') s"
                                        " WHERE collection='visits'")}
    handlers = {r[0] for r in conn.execute("SELECT json_extract(data,'$.handler_id') FROM records"
                                           " WHERE collection='cases'")}
    assert staff and staff <= user_ids and handlers <= user_ids
    mine = conn.execute("SELECT count(*) FROM records, json_each(records.data, '$.staff_ids') s"
                        " WHERE collection='visits' AND s.value = (SELECT id FROM users"
                        " WHERE username='c01-field1')").fetchone()[0]
    assert mine > 0
    conn.close()
    again = subprocess.run([sys.executable, "-m", "server.cli", "demo", "--db", db, "--seed-only"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "exists" in again.stdout
    assert sqlite3.connect(db).execute("SELECT count(*) FROM records").fetchone()[0] == total


def test_cli_fixed_user_id_is_kept_and_never_reused(county_db: str) -> None:
    """The demo seeds users with fixed ids; a taken id is refused like a taken username."""
    from server.auth import add_user
    from server.errors import Conflict
    from server.writer import Writer

    writer = Writer(county_db)
    try:
        made = writer.run(lambda conn: add_user(conn, username="fixed", password="pass1234", role="admin",
                                                user_id="u-fixed"))
        assert made == "u-fixed"
        with pytest.raises(Conflict):
            writer.run(lambda conn: add_user(conn, username="other", password="pass1234", role="admin",
                                             user_id="u-fixed"))
        assert sqlite3.connect(county_db).execute("SELECT count(*) FROM users WHERE username='other'"
                                                  ).fetchone()[0] == 0
    finally:
        writer.close()


@pytest.mark.parametrize("args", [
    ["serve", "--port", "1"],
    ["user", "add", "--username", "a", "--password", "pass1234", "--role", "admin"],
    ["centre", "add", "--id", "c01", "--name", "城关镇", "--county", "k1"],
])
def test_cli_commands_other_than_init_need_a_database(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    db = tmp_path / "typo.db"
    assert main([*args[:2], "--db", str(db), *args[2:]] if args[0] != "serve"
                else [args[0], "--db", str(db), *args[1:]]) == 1
    err = capsys.readouterr().err
    assert f"fieldsync init --db {db}" in err and "no fieldsync database" in err
    assert not db.exists()  # nothing was created
    db.write_bytes(b"")  # an empty file is not a database either
    assert main([*args[:2], "--db", str(db), *args[2:]] if args[0] != "serve"
                else [args[0], "--db", str(db), *args[1:]]) == 1
    assert db.read_bytes() == b""


def test_cli_help_states_the_password_rule() -> None:
    run = subprocess.run([sys.executable, "-m", "server.cli", "user", "add", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert "at least one letter and one digit" in " ".join(run.stdout.split())
