"""``sync.notify.triggers`` skips the work for a record naming no one (the usual new visit
of a push, and most edits): it answers what its plain form answers for any before/after."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.notify import Trigger, triggers


def plain_ids(leaves: Mapping[str, Any] | None, path: str) -> list[str]:
    value = (leaves or {}).get(path)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def plain_assigned(collection: str, record: str, before: Mapping[str, Any] | None,
                   after: Mapping[str, Any], at: int | None) -> list[Trigger]:
    """The ``assigned`` part of ``triggers`` as first written."""
    centre = after.get("centre_id")
    centre_id = centre if isinstance(centre, str) else None
    people = {"visits": "staff_ids", "inspections": "inspector_ids"}.get(collection)
    if people is None:
        return []
    had = set(plain_ids(before, people))
    return [Trigger("assigned", collection, record, uid, centre_id, at=at)
            for uid in dict.fromkeys(plain_ids(after, people)) if uid not in had]


PEOPLE = st.one_of(st.none(), st.just("u1"), st.lists(
    st.one_of(st.sampled_from(["u1", "u2", "u3"]), st.integers(0, 2), st.none()), max_size=4))
LEAVES = st.fixed_dictionaries({}, optional={
    "centre_id": st.sampled_from(["c1", None, 3]), "staff_ids": PEOPLE, "inspector_ids": PEOPLE,
    "status": st.sampled_from(["returned", "open", "draft"])})


@settings(max_examples=500, deadline=None)
@given(collection=st.sampled_from(["visits", "inspections", "cases", "rectifications"]),
       before=st.one_of(st.none(), LEAVES), after=LEAVES, at=st.one_of(st.none(), st.integers(0, 9)))
def test_notifications_triggers_plain_assigned_as_first_written(
        collection: str, before: dict[str, Any] | None, after: dict[str, Any], at: int | None) -> None:
    got = [t for t in triggers(collection, "r1", "op1", before, after, at) if t.kind == "assigned"]
    assert got == plain_assigned(collection, "r1", before, after, at)
