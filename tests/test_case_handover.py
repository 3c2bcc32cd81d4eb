"""首问负责 on the server: a case changes hands only by an explicit hand-over (``handler_id``
and one new ``handed_to`` entry from its owner to a colleague of its centre, in one op), and
who was asked first is never rewritten. Anything else is refused and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import now_ms
from tests.support.records import current


def _case(dev: Any, rid: str) -> None:
    [res] = dev.sync([dev.op("cases", rid, {"centre_id": "c1", "matter_id": "m1",
                                            "status": "accepted"})])["results"]
    assert res["status"] == "applied", res


def _handover(frm: str, to: str, key: str = "h1", **extra: Any) -> dict[str, Any]:
    return {"handler_id": to, f"handed_to.{key}.from": frm, f"handed_to.{key}.to": to,
            f"handed_to.{key}.at": now_ms(), **extra}


def _refused(dev: Any, rid: str, values: dict[str, Any]) -> dict[str, Any]:
    before = current(dev, rid)
    [res] = dev.sync([dev.op("cases", rid, values)])["results"]
    assert res["status"] == "rejected", res
    assert current(dev, rid) == before  # nothing changed
    return dict(res)


def test_case_handover_explicit_to_a_colleague_is_applied_and_chains(device: Any) -> None:
    f1, f1b, ctr = device("f1"), device("f1b"), device("ctr1")
    _case(f1, "ho-1")
    me, other, centre = f1.user["id"], f1b.user["id"], ctr.user["id"]
    note = {"handed_to.h1.note": "休假"}
    [res] = f1.sync([f1.op("cases", "ho-1", _handover(me, other, **note))])["results"]
    assert res["status"] == "applied", res
    f1b.sync_all()
    # The new owner hands it on in turn: from them, not from who was asked first.
    [res] = f1b.sync([f1b.op("cases", "ho-1", _handover(other, centre, "h2"))])["results"]
    assert res["status"] == "applied", res
    data = current(ctr, "ho-1")
    assert data["handler_id"] == centre and data["first_asked_by"] == me
    assert [data["handed_to"][k]["to"] for k in ("h1", "h2")] == [other, centre]


@pytest.mark.parametrize("case", ["no_entry", "entry_only", "two_entries", "wrong_from",
                                  "wrong_to", "no_time"])
def test_case_handover_without_its_entry_is_invalid(device: Any, case: str) -> None:
    f1, f1b, ctr = device("f1"), device("f1b"), device("ctr1")
    rid = f"ho-{case}"
    _case(f1, rid)
    me, other = f1.user["id"], f1b.user["id"]
    values = {
        "no_entry": {"handler_id": other},  # the owner changed silently
        "entry_only": {k: v for k, v in _handover(me, other).items() if k != "handler_id"},
        "two_entries": {**_handover(me, other), **{k.replace("h1", "h2"): v
                                                   for k, v in _handover(me, other).items()
                                                   if k != "handler_id"}},
        "wrong_from": _handover(ctr.user["id"], other),  # not the owner's to give
        "wrong_to": {**_handover(me, other), "handed_to.h1.to": ctr.user["id"]},
        "no_time": {k: v for k, v in _handover(me, other).items() if not k.endswith(".at")},
    }[case]
    res = _refused(f1, rid, values)
    assert res["code"] == "invalid", res
    assert res["details"]["path"] in ("handler_id", "handed_to", "handed_to.h1", "handed_to.h2")


def test_case_handover_only_to_a_colleague_of_the_centre(device: Any) -> None:
    f1, f2 = device("f1"), device("f2")  # f2 works at c2
    _case(f1, "ho-away")
    res = _refused(f1, "ho-away", _handover(f1.user["id"], f2.user["id"]))
    assert (res["code"], res["details"]["path"]) == ("invalid", "handler_id"), res
    res = _refused(f1, "ho-away", _handover(f1.user["id"], "u-nobody"))
    assert (res["code"], res["details"]["path"]) == ("invalid", "handler_id"), res


def test_case_handover_first_asked_stays(device: Any) -> None:
    f1, f1b = device("f1"), device("f1b")
    _case(f1, "ho-first")
    res = _refused(f1b, "ho-first", {"first_asked_by": f1b.user["id"]})
    assert (res["code"], res["details"]["path"]) == ("immutable", "first_asked_by"), res
    # Sent again as it stands, with another change, it is no change.
    [res] = f1.sync([f1.op("cases", "ho-first", {"first_asked_by": f1.user["id"],
                                                 "notes": "已电话联系"})])["results"]
    assert res["status"] == "applied", res


def test_case_handover_tells_the_new_handler(device: Any) -> None:
    f1, f1b = device("f1"), device("f1b")
    _case(f1, "ho-told")
    [res] = f1.sync([f1.op("cases", "ho-told", _handover(f1.user["id"], f1b.user["id"]))])["results"]
    assert res["status"] == "applied", res
    told = [ch["data"] for page in f1b.sync_all() for ch in page["changes"]
            if ch["collection"] == "notifications"]
    assert [(n["kind"], n["subject"]["record"]) for n in told] == [("assigned", "ho-told")]
    # The giver is not told of their own hand-over.
    mine = [ch for page in f1.sync_all() for ch in page["changes"] if ch["collection"] == "notifications"]
    assert mine == []


def test_case_handover_history_stands(device: Any) -> None:
    f1, f1b, ctr = device("f1"), device("f1b"), device("ctr1")
    _case(f1, "ho-hist")
    [res] = f1.sync([f1.op("cases", "ho-hist", _handover(f1.user["id"], f1b.user["id"]))])["results"]
    assert res["status"] == "applied", res
    for values in ({"handed_to.h1.from": ctr.user["id"]}, {"handed_to.h1.note": "改写"}):
        res = _refused(ctr, "ho-hist", values)
        assert (res["code"], res["details"]["path"]) == ("immutable", next(iter(values))), res
    # The same entry sent again as it stands is no change.
    entry = current(ctr, "ho-hist")["handed_to"]["h1"]
    again = {"handed_to.h1.from": entry["from"], "notes": "已联系"}
    [res] = ctr.sync([ctr.op("cases", "ho-hist", again)])["results"]
    assert res["status"] == "applied", res
