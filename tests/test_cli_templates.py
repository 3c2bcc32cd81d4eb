"""``fieldsync templates import``: a county loads its own rubric from a JSON file; a bad
file or template is refused with a message naming the problem, and nothing is written."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from server.cli import main
from server.demo.data import rubrics


def templates(db: str) -> dict[str, dict[str, object]]:
    with closing(sqlite3.connect(db)) as conn:
        return {rid: json.loads(data) for rid, data in conn.execute(
            "SELECT id, data FROM records WHERE collection='templates'")}


def test_cli_templates_import_loads_a_county_rubric(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "x.db")
    main(["init", "--db", db])
    rubric_file = tmp_path / "hall.json"
    rubric_file.write_text(json.dumps(rubrics()["tpl-hall-best"], ensure_ascii=False), "utf-8")
    assert main(["templates", "import", "--db", db, "--file", str(rubric_file), "--county", "k1"]) == 0
    assert "tpl-hall-v1" in capsys.readouterr().out
    stored = templates(db)["tpl-hall-v1"]
    assert stored["county_id"] == "k1" and stored["sections"] == rubrics()["tpl-hall-best"]["sections"]
    # the same id again is refused (a new version is a new record)
    assert main(["templates", "import", "--db", db, "--file", str(rubric_file), "--county", "k1"]) == 1
    assert "exists" in capsys.readouterr().err


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "cannot read"),
    ("[1, 2]", "JSON object"),
    (json.dumps({"name": "x", "county_id": "k1", "sections": [{"id": "S", "name": "s", "mode": "deduct",
                 "points": 5, "items": [{"id": "a", "text": "t", "rule": "deduct_all"}]}]}),
     "sections.0.items.0.rule"),
    (json.dumps({"name": "x", "sections": []}), "county_id"),
])
def test_cli_templates_import_refuses_bad_files(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                content: str, message: str) -> None:
    db = str(tmp_path / "x.db")
    main(["init", "--db", db])
    bad = tmp_path / "bad.json"
    bad.write_text(content, "utf-8")
    capsys.readouterr()
    assert main(["templates", "import", "--db", db, "--file", str(bad)]) == 1
    assert message in capsys.readouterr().err
    assert templates(db) == {}
