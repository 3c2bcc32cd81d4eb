"""``fieldsync user add --role inspector --county K``: an inspector of the county logs in,
reads the county's reference data, inspections and rectifications, and never receives
applicants' personal data (cases, visits)."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.cli import main
from server.config import Config


def test_cli_inspector_user_add_and_scope(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    assert main(["init", "--db", db]) == 0
    assert main(["centre", "add", "--db", db, "--id", "c01", "--name", "城关镇", "--county", "k1"]) == 0
    assert main(["user", "add", "--db", db, "--username", "f", "--password", "pass1234", "--role", "field",
                 "--centre", "c01"]) == 0
    assert main(["user", "add", "--db", db, "--username", "ins", "--password", "pass1234", "--role",
                 "inspector", "--county", "k1"]) == 0
    with TestClient(create_app(Config(db=db))) as client:
        def login(username: str) -> tuple[dict[str, str], dict[str, object]]:
            r = client.post("/api/v1/auth/login", json={"username": username, "password": "pass1234",
                                                        "device_name": "t"})
            assert r.status_code == 200, r.text
            return {"Authorization": f"Bearer {r.json()['token']}"}, r.json()["user"]

        fh, _ = login("f")
        ih, user = login("ins")
        assert user["role"] == "inspector" and user["county_id"] == "k1"
        ops = [{"id": "o1", "collection": "visits", "record": "v1", "base": 0, "at": 1, "delete": False,
                "set": {"centre_id": "c01", "kind": "home_service", "applicant.name": "李桂兰"}},
               {"id": "o2", "collection": "rectifications", "record": "r1", "base": 0, "at": 1,
                "delete": False, "set": {"centre_id": "c01", "inspection_id": "i1", "status": "open",
                                         "item_ids": ["e1"]}}]
        r = client.post("/api/v1/sync", headers=fh, json={"cursor": None, "clock": 1, "ops": ops})
        assert [x["status"] for x in r.json()["results"]] == ["applied", "applied"]
        r = client.post("/api/v1/sync", headers=ih, json={"cursor": None, "clock": 1, "ops": []})
        got = {c["collection"] for c in r.json()["changes"]}
        assert {"centres", "rectifications"} <= got and "visits" not in got
        r = client.post("/api/v1/sync", headers=ih, json={"cursor": None, "clock": 1, "ops": [
            {"id": "o3", "collection": "visits", "record": "v2", "base": 0, "at": 1, "delete": False,
             "set": {"centre_id": "c01", "kind": "home_service"}}]})
        assert r.json()["results"][0]["code"] == "forbidden"


@pytest.mark.parametrize("args", [["--county", "nope"], []])
def test_cli_inspector_needs_a_known_county(tmp_path: Path, args: list[str]) -> None:
    db = str(tmp_path / "x.db")
    assert main(["init", "--db", db]) == 0
    assert main(["centre", "add", "--db", db, "--id", "c01", "--name", "城关镇", "--county", "k1"]) == 0
    assert main(["user", "add", "--db", db, "--username", "ins", "--password", "pass1234", "--role",
                 "inspector", *args]) != 0
