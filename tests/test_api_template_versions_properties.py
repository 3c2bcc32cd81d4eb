"""Property: whatever supervisors draft and publish, in whatever order and batching, a
template's published versions form one line: every published version is superseded by at most
one published version, each one numbered one more than the version it supersedes, and a
published version's sections never change."""

from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import closing
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.budget import examples
from tests.support.rubrics import load

V1 = {**load("rubric-vectors.json")["template"], "county_id": "k1", "status": "published", "version": 1}

#: An action: ("draft", index of the version it supersedes) or ("publish", index of a draft),
#: or ("edit", index of any version); indexes wrap around what exists.
ACTIONS = st.lists(st.tuples(st.sampled_from(["draft", "publish", "edit"]), st.integers(0, 20)),
                   min_size=1, max_size=14)


@settings(max_examples=examples(25), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS, batch=st.booleans())
def test_template_versions_stay_one_line(device: Any, county_db: str, actions: list[tuple[str, int]],
                                        batch: bool) -> None:
    sup = device("sup1")
    root = f"t-{uuid.uuid4().hex[:8]}"
    assert sup.sync([sup.op("templates", root, V1)])["results"][0]["status"] == "applied"
    known: dict[str, dict[str, Any]] = {root: dict(V1)}  # what the supervisor believes
    pending: list[dict[str, Any]] = []

    def push() -> None:
        if pending:
            sup.sync(list(pending))
            pending.clear()

    for kind, n in actions:
        ids = sorted(known)
        pick = ids[n % len(ids)]
        if kind == "draft":
            rid = f"{root}-{uuid.uuid4().hex[:6]}"
            data = {**V1, "status": "draft", "supersedes": pick,
                    "version": int(known[pick]["version"]) + 1}
            known[rid] = data
            pending.append(sup.op("templates", rid, data))
        elif kind == "publish":
            pending.append(sup.op("templates", pick, {"status": "published"}))
        else:
            sections = json.loads(json.dumps(V1["sections"]))
            sections[0]["items"][0]["per"] = n + 1
            pending.append(sup.op("templates", pick, {"sections": sections}))
        if not batch:
            push()
    push()

    with closing(sqlite3.connect(county_db)) as conn:
        rows = {rid: json.loads(data) for rid, data in conn.execute(
            "SELECT id, data FROM records WHERE collection='templates' AND id LIKE ?", (f"{root}%",))}
    published = {rid: d for rid, d in rows.items() if d.get("status") == "published"}
    for rid, d in published.items():
        successors = [o for o, od in published.items() if od.get("supersedes") == rid]
        assert len(successors) <= 1, (rid, successors)
        if d.get("supersedes") is not None:
            before = rows[d["supersedes"]]
            assert before.get("status") == "published" and d["version"] == before["version"] + 1
    # the root was published before any edit: its sections are the original ones
    assert rows[root]["sections"] == V1["sections"]
