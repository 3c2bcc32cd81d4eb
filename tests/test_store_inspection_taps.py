"""An inspection walked on a phone arrives as one op per tap, many in one push: ``Batch``
checks each op after the first only by the answers it touches and scores the record once,
at the flush. Against the plain definition (each op alone in its own batch: checked whole
and scored), hypothesis draws op sequences (valid taps, answers the rubric refuses, unknown
items, a template version changed, a delete and a restore, a second device's edits unseen)
and the results, the quarantine, the stored rows (data with the scores, path clocks,
versions) and the change log must be identical."""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.store import clocks
from server.store.records import Actor, Batch
from server.store.sqlite import connect
from sync.ops import check_op
from sync.schema import load
from tests.support.budget import examples
from tests.support.inspections import TEMPLATE, TEMPLATE_ID
from tests.support.server import make_db

NOW = 1_790_000_000_000
RID = "ins-taps"
INSPECTOR = Actor("u-insp", "d-phone", "inspector", None)
OTHER = Actor("u-other", "d-other", "inspector", None)
COMPUTED = load().collection("inspections").computed


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("taps") / "seed.db"
    make_db(db)
    with closing(connect(db)) as conn:
        run(conn, Actor("system", "system", "system", None), [
            {"id": "op-template", "collection": "templates", "record": TEMPLATE_ID, "base": 0, "at": NOW,
             "set": TEMPLATE}])
    return db


def run(conn: sqlite3.Connection, actor: Actor, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    conn.execute("BEGIN IMMEDIATE")
    results = Batch(conn, actor, NOW).run([check_op(o, load()) for o in ops], [o["at"] for o in ops])
    conn.execute("COMMIT")
    return results


CREATE = {"centre_id": "c-shiqiao", "template_id": TEMPLATE_ID, "template_version": 1, "status": "draft",
          "started_at": NOW, "inspector_ids": ["u-insp"], "target.kind": "centre"}
TAPS: list[dict[str, Any]] = [
    {"items.e1.count": 0}, {"items.e1.count": 1}, {"items.e1.count": 2}, {"items.e2.count": 7},
    {"items.e2.na": True}, {"items.e1.note": "现场记录"}, {"items.e1.photos": ["a" * 64]},
    {"items.e1.photos": ["a" * 64, "b" * 64]}, {"items.r1.rating": "satisfied"},
    {"items.r1.rating": "average"}, {"items.q1.value": 93}, {"items.q1.value": 120},
    {"items.v1.vetoed": False}, {"items.v1.vetoed": True}, {"items.e1.count": None},
    {"location.lat": 30.1, "location.lon": 120.2, "location.accuracy": 12},
    {"signature": "c" * 64, "status": "submitted", "submitted_at": NOW + 9},
    # refused by the rubric: another rule's field, N/A on a rating, an unknown item
    {"items.e1.rating": "satisfied"}, {"items.r1.na": True}, {"items.zz.count": 1},
    {"items.q1.count": 2, "items.e2.count": 1},
    # the whole record judged again: a version the template is not
    {"template_version": 2}, {"template_version": 1},
]


@st.composite
def streams(draw: st.DrawFn) -> list[tuple[str, dict[str, Any]]]:
    """``(who, op)``: the inspector's taps after the create, sometimes another device's edit
    (made without seeing the record) or a delete and a restore."""
    out: list[tuple[str, dict[str, Any]]] = [("me", {"set": CREATE})]
    for _ in range(draw(st.integers(1, 30))):
        kind = draw(st.sampled_from(["tap"] * 10 + ["other", "delete", "restore"]))
        if kind == "tap":
            out.append(("me", {"set": draw(st.sampled_from(TAPS))}))
        elif kind == "other":
            out.append(("other", {"set": draw(st.sampled_from(TAPS[:16]))}))
        else:
            out.append(("me", {"set": {}, "delete": kind == "delete"}))
    return out


def as_ops(stream: list[tuple[str, dict[str, Any]]]) -> list[tuple[Actor, dict[str, Any]]]:
    return [(INSPECTOR if who == "me" else OTHER,
             {"id": f"op-{i}", "collection": "inspections", "record": RID, "base": 0, "at": NOW + i,
              "delete": False, **body}) for i, (who, body) in enumerate(stream)]


def stored(conn: sqlite3.Connection) -> list[Any]:
    # The path clocks as decoded: a record stored whole and read again lists its paths in
    # its document's order, not in the order its op wrote them (the text may differ).
    return [[(version, deleted, data, clocks.decode(meta, json.loads(data), COMPUTED))
             for version, deleted, data, meta in conn.execute(
                 "SELECT version, deleted, data, meta FROM records WHERE collection='inspections'"
                 " AND id=?", (RID,))],
            conn.execute("SELECT version, record, op, device FROM changes WHERE collection='inspections'"
                         " ORDER BY version").fetchall(),
            conn.execute("SELECT op_id, code, message FROM quarantine ORDER BY op_id").fetchall(),
            conn.execute("SELECT id, status, version FROM ops WHERE collection='inspections'"
                         " ORDER BY id").fetchall(),
            conn.execute("SELECT path, value, device, op FROM conflicts ORDER BY path, op").fetchall()]


@settings(max_examples=examples(40), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(streams())
def test_store_inspection_taps_in_one_batch_are_each_op_alone(
        seeded: Path, tmp_path: Path, stream: list[tuple[str, dict[str, Any]]]) -> None:
    ops = as_ops(stream)
    alone_db, batched_db = tmp_path / "alone.db", tmp_path / "batched.db"
    shutil.copyfile(seeded, alone_db)
    shutil.copyfile(seeded, batched_db)
    with closing(connect(alone_db)) as conn:
        alone = [run(conn, actor, [op])[0] for actor, op in ops]
        want = stored(conn)
    with closing(connect(batched_db)) as conn:
        batched: list[dict[str, Any]] = []
        # runs of one device's ops in one batch each (a push), in order
        i = 0
        while i < len(ops):
            j = i
            while j < len(ops) and ops[j][0] is ops[i][0]:
                j += 1
            batched += run(conn, ops[i][0], [op for _, op in ops[i:j]])
            i = j
        got = stored(conn)
    assert batched == alone
    assert got == want
    assert want[0], "the record was stored"


def test_store_inspection_taps_score_once_and_refuse_what_the_rubric_refuses(seeded: Path,
                                                                             tmp_path: Path) -> None:
    db = tmp_path / "one.db"
    shutil.copyfile(seeded, db)
    stream = [("me", {"set": CREATE}), ("me", {"set": {"items.e1.count": 2}}),
              ("me", {"set": {"items.e1.rating": "satisfied"}}),
              ("me", {"set": {"items.r1.rating": "average"}}),
              ("me", {"set": {"items.q1.value": 50}}), ("me", {"set": {"items.v1.vetoed": False}})]
    with closing(connect(db)) as conn:
        results = run(conn, INSPECTOR, [op for _, op in as_ops(stream)])
        data = conn.execute("SELECT json(data) FROM records WHERE id=?", (RID,)).fetchone()[0]
    assert [r["status"] for r in results] == ["applied", "applied", "rejected", *["applied"] * 3]
    assert results[2]["code"] == "invalid" and "items.e1.rating" in results[2]["message"]
    doc = json.loads(data)
    # 10 − 2×2 = 6; rating "average" = 10 of 20 points; 50 % of 10 = 5
    assert (doc["score"], doc["sections"], doc["unanswered"]) == (21.0, {"S1": 6.0, "S2": 10.0, "S3": 5.0,
                                                                         "V": 0.0}, ["e2"])
