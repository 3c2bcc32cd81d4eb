"""``notify.triggers`` returns at once for a collection no rule names and skips the
assignment diff when nobody is named: against the plain definition (every rule looked at
for every write, as written before that), over every collection, new and stored records
and any people, statuses and subjects, it calls for the same notifications in the same order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.notify import Trigger, _ids, triggers
from sync.schema import load


def plain_triggers(collection: str, record: str, op_id: str, before: Mapping[str, Any] | None,
                   after: Mapping[str, Any], at: int | None = None) -> list[Trigger]:
    """``triggers`` as it was written first."""
    centre = after.get("centre_id")
    centre_id = centre if isinstance(centre, str) else None
    out: list[Trigger] = []
    people = {"visits": "staff_ids", "inspections": "inspector_ids"}.get(collection)
    if people is not None:
        had = set(_ids(before, people))
        out += [Trigger("assigned", collection, record, uid, centre_id, at=at)
                for uid in dict.fromkeys(_ids(after, people)) if uid not in had]
    if (collection == "cases" and before is not None and isinstance(after.get("handler_id"), str)
            and after.get("handler_id") != before.get("handler_id")):
        out.append(Trigger("assigned", collection, record, after["handler_id"], centre_id, at=at))
    if (collection == "cases" and before is not None and after.get("extension.days") is not None
            and before.get("extension.days") is None):
        owner = after.get("handler_id") if isinstance(after.get("handler_id"), str) \
            else after.get("first_asked_by")
        out.append(Trigger("extended", collection, record, owner if isinstance(owner, str) else None,
                           centre_id, at=at))
    if (collection == "inspections" and after.get("status") == "returned"
            and (before or {}).get("status") != "returned"):
        out += [Trigger("returned", collection, record, uid, centre_id, op_id, at)
                for uid in dict.fromkeys(_ids(after, "inspector_ids"))]
    if collection == "rectifications" and before is None and not after.get("_deleted"):
        out.append(Trigger("ordered", collection, record, None, centre_id, at=at))
    if (collection == "complaints" and after.get("status") == "open"
            and (before or {}).get("status") == "replied"):
        out.append(Trigger("reopened", collection, record, None, centre_id, op_id, at))
    if (collection == "accountability" and before is None
            and after.get("status") == "open"):
        subject_coll, subject = after.get("subject.collection"), after.get("subject.record")
        if isinstance(subject_coll, str) and isinstance(subject, str):
            staff = after.get("staff_id")
            out.append(Trigger("overdue", subject_coll, subject,
                               staff if isinstance(staff, str) else None, centre_id, at=at))
    return out


PEOPLE = st.one_of(st.none(), st.integers(), st.lists(st.sampled_from(["u1", "u2", "u3", 4]), max_size=4))
LEAVES = st.fixed_dictionaries({}, optional={
    "staff_ids": PEOPLE, "inspector_ids": PEOPLE, "centre_id": st.sampled_from(["c1", None, 3]),
    "handler_id": st.sampled_from(["u1", "u2", None, 5]), "first_asked_by": st.sampled_from(["u3", None]),
    "extension.days": st.sampled_from([None, 5]),
    "status": st.sampled_from(["open", "replied", "returned", "draft", None]),
    "_deleted": st.booleans(), "subject.collection": st.sampled_from(["cases", None]),
    "subject.record": st.sampled_from(["k1", None]), "staff_id": st.sampled_from(["u1", None])})
COLLECTIONS = st.sampled_from(sorted({*load().collections, "elsewhere"}))


@settings(max_examples=1000, deadline=None)
@given(COLLECTIONS, st.one_of(st.none(), LEAVES), LEAVES, st.one_of(st.none(), st.integers(0, 9)))
def test_notifications_triggers_as_the_plain_definition(collection: str, before: dict[str, Any] | None,
                                                         after: dict[str, Any], at: int | None) -> None:
    assert (triggers(collection, "r1", "op1", before, after, at)
            == plain_triggers(collection, "r1", "op1", before, after, at))
