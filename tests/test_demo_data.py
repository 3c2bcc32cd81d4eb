"""The demo county generator: deterministic, large enough, and valid against schemas.json."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from server.demo.data import DemoCounty, build_demo

NOW = 1_763_798_400_000  # 2025-11-22 16:00 China time
DAY = 86_400_000
SCHEMAS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "sync" / "schemas.json").read_text("utf-8"))
MS_FIELDS = ("accepted_at", "completed_at", "planned_at", "started_at", "ended_at", "at",
             "received_at", "replied_at")
CST = dt.timezone(dt.timedelta(hours=8))


@cache
def demo() -> DemoCounty:
    return build_demo(seed=20261122, now_ms=NOW)


def _resolve(spec: dict[str, Any]) -> dict[str, Any]:
    while spec["type"] in SCHEMAS["types"]:
        spec = {**SCHEMAS["types"][spec["type"]], **{k: v for k, v in spec.items() if k != "type"}}
    return spec


def check(spec: dict[str, Any], value: Any, path: str) -> None:
    """A small independent walker of the schemas.json type language."""
    spec = _resolve(spec)
    kind = spec["type"]
    assert value is not None, f"{path}: null"
    if kind == "string":
        assert isinstance(value, str), path
        assert len(value) <= spec.get("max", 10_000), path
        assert "enum" not in spec or value in spec["enum"], f"{path}: {value!r} not in enum"
        assert "pattern" not in spec or re.match(spec["pattern"], value), f"{path}: {value!r}"
    elif kind in ("integer", "number"):
        allowed = int if kind == "integer" else (int, float)
        assert isinstance(value, allowed) and not isinstance(value, bool), path
        assert spec.get("min", value) <= value <= spec.get("max", value), f"{path}: {value}"
    elif kind == "boolean":
        assert isinstance(value, bool), path
    elif kind == "array":
        assert isinstance(value, list) and len(value) <= spec.get("max", 1000), path
        for i, item in enumerate(value):
            check(spec["items"], item, f"{path}.{i}")
    elif kind == "object":
        assert isinstance(value, dict), path
        for key, sub in value.items():
            assert key in spec["fields"], f"{path}.{key}: unknown field"
            check(spec["fields"][key], sub, f"{path}.{key}")
    elif kind == "map":
        assert isinstance(value, dict), path
        for key, sub in value.items():
            assert re.match(r"^[A-Za-z0-9_-]{1,64}$", key), f"{path}: bad key {key!r}"
            check(spec["values"], sub, f"{path}.{key}")
    else:
        pytest.fail(f"{path}: unknown type {kind}")


def check_record(collection: str, data: dict[str, Any]) -> None:
    coll = SCHEMAS["collections"][collection]
    check({"type": "object", "fields": coll["fields"]}, data, collection)
    for name in coll["required"]:
        assert data.get(name) is not None, f"{collection}.{name}: required"


def test_demo_data_is_deterministic_for_a_seed() -> None:
    again = build_demo(seed=20261122, now_ms=NOW)
    assert again == demo()
    other = build_demo(seed=7, now_ms=NOW)
    assert [r.id for r in other.records] != [r.id for r in demo().records]


def test_demo_data_has_at_least_5000_records_in_every_collection_kind() -> None:
    counts = Counter(r.collection for r in demo().records)
    assert sum(counts.values()) >= 5000
    assert counts["centres"] == 12 and counts["templates"] >= 1 and counts["matters"] >= 35
    assert counts["cases"] >= 3000 and counts["visits"] >= 500
    assert counts["evaluations"] >= 400 and counts["complaints"] >= 30
    assert len({(r.collection, r.id) for r in demo().records}) == len(demo().records)


def test_demo_data_has_12_centres_with_distinct_chinese_names() -> None:
    centres = [r for r in demo().records if r.collection == "centres"]
    assert [c.id for c in centres] == [f"c{i:02d}" for i in range(1, 13)]
    names = {c.data["name"] for c in centres}
    assert len(names) == 12
    assert all(re.fullmatch(r"[\u4e00-\u9fff]+", n) for n in names)
    assert all(4 <= len(c.data["windows"]) <= 8 for c in centres)


def test_demo_data_id_numbers_have_valid_check_digits() -> None:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    seen = 0
    for r in demo().records:
        for key in ("applicant", "complainant"):
            number = r.data.get(key, {}).get("id_number")
            if number is None:
                continue
            total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
            assert number[17] == "10X98765432"[total % 11], number
            dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))  # a real date
            seen += 1
    assert seen >= 3000


def test_demo_data_records_conform_to_schemas() -> None:
    try:
        from sync.schema import validate_record
    except ImportError:  # pragma: no cover - the project validator is optional here
        validate_record = None
    for r in demo().records:
        check_record(r.collection, r.data)
        if validate_record is not None:
            validate_record(r.collection, r.data)


def test_demo_data_has_no_computed_fields() -> None:
    for r in demo().records:
        computed = SCHEMAS["collections"][r.collection].get("computed", [])
        assert not set(computed) & set(r.data), (r.collection, r.id)


def test_demo_data_references_resolve() -> None:
    county = demo()
    by = {(r.collection, r.id): r.data for r in county.records}
    centres = {i for c, i in by if c == "centres"}
    user_ids = {u.id for u in county.users}
    for r in county.records:
        if SCHEMAS["collections"][r.collection]["scope"] == "centre":
            assert r.data["centre_id"] in centres
        else:
            assert r.data["county_id"] == county.county_id
        if r.collection == "cases":
            assert ("matters", r.data["matter_id"]) in by
            centre = by[("centres", r.data["centre_id"])]
            assert r.data["window_id"] in centre["windows"]
            assert r.data["handler_id"] in user_ids
        if "case_id" in r.data:
            assert by[("cases", r.data["case_id"])]["centre_id"] == r.data["centre_id"]
        if "visit_id" in r.data:
            assert ("visits", r.data["visit_id"]) in by
        for staff in r.data.get("staff_ids", []):
            assert staff in user_ids


def test_demo_data_timestamps_fall_in_the_window_and_working_hours() -> None:
    county = demo()
    start = NOW - 13 * 31 * DAY  # the first of the month twelve months back
    hours: Counter[bool] = Counter()
    weekdays: Counter[bool] = Counter()
    for r in county.records:
        assert start <= r.at <= NOW
        for key in MS_FIELDS:
            value = r.data.get(key)
            if value is None:
                continue
            late = NOW + 7 * DAY if (key == "planned_at" and r.data["status"] == "planned") else NOW
            assert start <= value <= late, (r.collection, key, value)
        if r.collection == "cases" and "accepted_at" in r.data:
            local = dt.datetime.fromtimestamp(r.data["accepted_at"] / 1000, CST)
            hours[8 <= local.hour < 18] += 1
            weekdays[local.weekday() < 5] += 1
    assert hours[False] == 0
    assert weekdays[True] > 20 * weekdays[False]
    rest = [r.at for r in county.records if r.collection not in ("centres", "matters", "templates")]
    assert rest == sorted(rest)


def test_demo_data_case_statuses_match_their_times() -> None:
    statuses: Counter[str] = Counter()
    for r in demo().records:
        if r.collection != "cases":
            continue
        d = r.data
        statuses[d["status"]] += 1
        assert ("accepted_at" in d) == (d["status"] not in ("consulted", "refused"))
        assert ("completed_at" in d) == (d["status"] == "completed")
        if "completed_at" in d:
            assert d["accepted_at"] <= d["completed_at"]
        assert ("refusal_reason" in d) == (d["status"] == "refused")
        assert ("missing_materials" in d) == (d["status"] == "supplement")
    assert statuses["completed"] > 0.8 * sum(statuses.values())
    assert {"refused", "supplement", "handling", "consulted"} <= set(statuses)


def test_demo_data_users_cover_every_role_and_centre() -> None:
    users = demo().users
    assert len({u.username for u in users}) == len(users)
    roles = Counter(u.role for u in users)
    assert roles["admin"] == 1 and roles["supervisor"] == 2 and roles["inspector"] == 2
    assert roles["centre"] == 12 and roles["field"] == 25
    assert any(len(u.centre_ids) == 2 for u in users if u.role == "field")
    assert all(re.fullmatch(r"[a-z0-9-]+", u.username) for u in users)
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", u.name) for u in users)


def test_demo_data_every_field_worker_has_visits_today() -> None:
    """A demo login opens on a 今日 screen with work: home-service visits planned for today,
    for a case of the worker's own centre, already started or done if their time has passed."""
    county = demo()
    today = dt.datetime.fromtimestamp(NOW / 1000, CST).date()
    cases = {r.id: r.data for r in county.records if r.collection == "cases"}
    field = [u for u in county.users if u.role == "field" and len(u.centre_ids) == 1]
    for user in field:
        visits = [r.data for r in county.records if r.collection == "visits"
                  and r.data["staff_ids"][0] == user.id
                  and dt.datetime.fromtimestamp(r.data["planned_at"] / 1000, CST).date() == today]
        assert visits, user.username
        for v in visits:
            assert cases[v["case_id"]]["centre_id"] == v["centre_id"] == user.centre_ids[0]
            assert v["status"] == ("planned" if v["planned_at"] > NOW else v["status"])
    todays = [r.data for r in county.records if r.collection == "visits"
              and dt.datetime.fromtimestamp(r.data["planned_at"] / 1000, CST).date() == today]
    statuses = Counter(v["status"] for v in todays)
    # NOW is 16:00: each centre's 10:00 visit is done; the 15:00 ones done or still going.
    assert set(statuses) <= {"planned", "in_progress", "done"} and statuses["done"] >= len(field) // 2


def test_demo_data_inspections_in_every_state() -> None:
    county = demo()
    ins = {r.id: r.data for r in county.records if r.collection == "inspections"}
    statuses = Counter(d["status"] for d in ins.values())
    assert {"draft", "submitted", "returned", "approved"} <= set(statuses)
    returned = [d for d in ins.values() if d["status"] == "returned"]
    assert all(d["review"]["comment"] and d["review"]["item_ids"] for d in returned)
    assert any(len(d.get("reviews", {})) == 2 for d in ins.values())  # returned once, then approved
    assert any(a.get("vetoed") for d in ins.values() for a in d["items"].values())
    rects = [r for r in county.records if r.collection == "rectifications"]
    assert {"open", "responded", "verified", "failed"} <= {r.data["status"] for r in rects}
    for r in rects:
        if r.data["status"] in ("verified", "failed"):
            redo = ins[r.data["reinspection_id"]]
            assert sorted(redo["item_ids"]) == sorted(r.data["item_ids"])
    # an open order long past its ten working days: the sweep marks it overdue
    assert any(r.data["status"] == "open" and r.at < NOW - 30 * DAY for r in rects)


def test_demo_data_peoples_ops_are_theirs_and_in_time() -> None:
    """What the demo's people send (``activity``, applied; ``refusals``, refused) are ops a
    device of theirs could send: unique ids, a demo user in their own role, a record of the
    demo (or a new complaint: the late intake, created by the op), paths the schemas know, at
    a time before ``now`` and after the record was last written, in order for each record."""
    from sync.ops import check_op
    from sync.schema import load

    county = demo()
    users = {u.id: u for u in county.users}
    written = {(r.collection, r.id): r.at for r in county.records}
    ops = [*county.activity, *county.refusals]
    assert len({s.id for s in ops}) == len(ops)
    assert all(s.refused is None for s in county.activity)
    assert {s.refused for s in county.refusals} == {"invalid_transition", "invalid"}
    last: dict[tuple[str, str], int] = {}
    for s in ops:
        assert users[s.user_id].role == s.role, s
        key = (s.collection, s.record)
        if key not in written:  # a complaint entered at the window
            assert s.collection == "complaints" and s.set["status"] == "open", s
            written[key] = s.at
            assert s.set["received_at"] < s.at
        assert written[key] <= last.get(key, written[key]) <= s.at <= NOW, s
        last[key] = s.at
        checked = check_op({"id": s.id, "collection": s.collection, "record": s.record,
                            "base": 0, "at": s.at, "set": s.set}, load())
        assert checked.error is None, (s, checked.error)
