"""sync/rights.py: per-path writer roles, per-value roles, transitions, requires, frozen
and computed fields, read from schemas.json (unit and property tests)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.errors import Forbidden, Immutable, Invalid, InvalidTransition
from sync.rights import SYSTEM, Rules, covers, enforce
from sync.schema import load
from tests.support.budget import examples

ROLES = ["field", "centre", "inspector", "supervisor", "admin"]
REVIEWERS = {"supervisor", "admin"}


def rules(collection: str) -> Rules:
    return load().collection(collection).rules


INSPECTION = {"centre_id": "c1", "template_id": "t1", "template_version": 1}


def test_rights_covers_matches_on_dot_boundaries() -> None:
    assert covers("review", "review")
    assert covers("review", "review.comment")
    assert not covers("review", "reviewer")
    assert not covers("review.comment", "review")
    assert covers("*", "anything.at.all")


@pytest.mark.parametrize("role", ["field", "centre", "inspector"])
def test_rights_field_roles_cannot_approve_return_or_review(role: str) -> None:
    stored = {**INSPECTION, "status": "submitted"}
    for writes in ({"status": "approved"}, {"status": "returned", "review.comment": "x"},
                   {"review.comment": "looks fine"}, {"review.by": "u1"}):
        with pytest.raises(Forbidden) as err:
            enforce(rules("inspections"), role, stored, writes)
        assert err.value.code == "forbidden"
        assert set(err.value.details["roles"]) == REVIEWERS


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_rights_reviewers_approve_and_return(role: str) -> None:
    stored = {**INSPECTION, "status": "submitted"}
    enforce(rules("inspections"), role, stored, {"status": "approved", "review.by": "u9"})
    writes = {"status": "returned", "review.comment": "photo of item A3 missing"}
    enforce(rules("inspections"), role, stored, writes, merged={**stored, **writes})


def test_rights_return_needs_a_review_comment() -> None:
    stored = {**INSPECTION, "status": "submitted"}
    with pytest.raises(Invalid) as err:
        enforce(rules("inspections"), "supervisor", stored, {"status": "returned"},
                merged={**stored, "status": "returned"})
    assert err.value.details["path"] == "review.comment"


def test_rights_inspection_transitions_name_the_allowed_next_states() -> None:
    with pytest.raises(InvalidTransition) as err:
        enforce(rules("inspections"), "supervisor", {**INSPECTION, "status": "draft"},
                {"status": "approved"})
    assert err.value.code == "invalid_transition"
    assert err.value.details == {"path": "status", "from": "draft", "to": "approved",
                                 "allowed": ["submitted"]}
    with pytest.raises(InvalidTransition) as err:
        enforce(rules("inspections"), "supervisor", None, {**INSPECTION, "status": "returned"})
    assert err.value.details["from"] == ""
    enforce(rules("inspections"), "field", {**INSPECTION, "status": "returned"},
            {"status": "submitted"})


def test_rights_approved_inspection_is_immutable_for_everyone() -> None:
    stored = {**INSPECTION, "status": "approved", "score": 90}
    for role in ROLES:
        with pytest.raises(Immutable) as err:
            enforce(rules("inspections"), role, stored, {"items.A1.count": 2})
        assert err.value.code == "immutable"
        with pytest.raises(Immutable):
            enforce(rules("inspections"), role, stored, {}, delete=True)


def test_rights_computed_fields_are_forbidden_even_to_admins_and_the_server() -> None:
    schemas = load()
    for name, coll in schemas.collections.items():
        for path in coll.computed:
            for role in [*ROLES, SYSTEM]:
                with pytest.raises(Forbidden) as err:
                    enforce(coll.rules, role, None, {path: 1})
                assert err.value.details == {"path": path, "reason": "computed"}, name


def test_rights_rectification_verified_and_failed_by_supervisors_only() -> None:
    stored = {"centre_id": "c1", "inspection_id": "i1", "status": "responded",
              "responses.r1.note": "fixed"}
    for value in ("verified", "failed"):
        for role in ("field", "centre", "inspector"):
            with pytest.raises(Forbidden):
                enforce(rules("rectifications"), role, stored, {"status": value})
        writes = {"status": value, "reinspection_id": "i2"}
        enforce(rules("rectifications"), "supervisor", stored, writes, merged={**stored, **writes})
    with pytest.raises(Invalid) as err:
        enforce(rules("rectifications"), "supervisor", stored, {"status": "verified"},
                merged={**stored, "status": "verified"})
    assert err.value.details["path"] == "reinspection_id"


def test_rights_rectification_response_needs_a_responses_entry() -> None:
    stored = {"centre_id": "c1", "inspection_id": "i1", "status": "open"}
    with pytest.raises(Invalid):
        enforce(rules("rectifications"), "centre", stored, {"status": "responded"},
                merged={**stored, "status": "responded"})
    writes = {"status": "responded", "responses.r1.note": "new sign put up"}
    enforce(rules("rectifications"), "centre", stored, writes, merged={**stored, **writes})
    with pytest.raises(InvalidTransition):  # a verdict is final; a new order is a new record
        enforce(rules("rectifications"), "supervisor", {**stored, "status": "responded"},
                {"status": "open"})


def test_rights_complaint_verified_by_supervisors_only() -> None:
    stored = {"centre_id": "c1", "content": "x", "received_at": 1, "status": "replied"}
    for role in ("field", "centre"):
        with pytest.raises(Forbidden):
            enforce(rules("complaints"), role, stored, {"verified": True})
        with pytest.raises(Forbidden):
            enforce(rules("complaints"), role, stored, {"status": "verified"})
    enforce(rules("complaints"), "supervisor", stored, {"verified": True, "status": "verified"})


def test_rights_complaint_sent_back_by_supervisors_only() -> None:
    """replied → open (sent back for a new reply) is the county's move; open itself is not
    (a new complaint starts open, a dismissed one is reopened by the centre)."""
    stored = {"centre_id": "c1", "content": "x", "received_at": 1, "reply": "r", "status": "replied"}
    for role in ("field", "centre", "inspector"):
        with pytest.raises(Forbidden) as err:
            enforce(rules("complaints"), role, stored, {"status": "open"})
        assert err.value.details == {"path": "status", "from": "replied", "value": "open",
                                     "role": role, "roles": ["admin", "supervisor"]}
    for role in REVIEWERS:
        enforce(rules("complaints"), role, stored, {"status": "open"})
    enforce(rules("complaints"), "centre", None, {**stored, "status": "open"})
    enforce(rules("complaints"), "centre", {**stored, "status": "dismissed"}, {"status": "open"})
    enforce(rules("complaints"), "centre", {**stored, "status": "open"}, {"status": "open"})  # no move


def test_rights_from_rule_judges_only_its_move() -> None:
    r = Rules.from_json({"rights": {"s": {"from": {"a": {"b": ["admin"]}}}},
                         "transitions": {"s": {"": ["a", "b"], "a": ["b"], "c": ["b"]}}})
    assert not r.may_move("field", "s", "a", "b") and r.may_move("admin", "s", "a", "b")
    assert r.may_move("field", "s", "c", "b") and r.may_move("field", "s", None, "b")
    assert r.may_move(SYSTEM, "s", "a", "b")
    assert r.ruled == frozenset({"s"})
    with pytest.raises(Forbidden):
        enforce(r, "field", {"s": "a"}, {"s": "b"})
    enforce(r, "field", {"s": "c"}, {"s": "b"})
    enforce(r, "field", None, {"s": "b"})
    enforce(r, SYSTEM, {"s": "a"}, {"s": "b"})


CASE_FLOW = {
    "": {"consulted", "accepted", "refused", "completed"},
    "consulted": {"accepted", "refused"},
    "accepted": {"supplement", "handling", "completed", "returned"},
    "supplement": {"handling", "returned"},
    "handling": {"supplement", "completed", "returned"},
    "completed": set(), "refused": set(), "returned": set(),
}
CASE_STATES = ["consulted", "accepted", "supplement", "handling", "completed", "refused",
               "returned"]
REASONS = {"refusal_reason": "材料不属于本中心受理范围", "return_reason": "申请人撤回",
           "missing_materials": ["身份证复印件"]}


@given(src=st.sampled_from(["", *CASE_STATES]), dst=st.sampled_from(CASE_STATES),
       role=st.sampled_from(ROLES))
def test_rights_case_transitions_follow_the_design_table(src: str, dst: str, role: str) -> None:
    stored = None if src == "" else {"centre_id": "c1", "matter_id": "m1", "status": src,
                                     **REASONS}
    writes: dict[str, Any] = {"status": dst} if stored else {
        "centre_id": "c1", "matter_id": "m1", "status": dst, **REASONS}
    merged = {**(stored or {}), **writes}
    if dst == src or dst in CASE_FLOW[src]:
        enforce(rules("cases"), role, stored, writes, merged=merged)
    else:
        with pytest.raises(InvalidTransition) as err:
            enforce(rules("cases"), role, stored, writes, merged=merged)
        assert set(err.value.details["allowed"]) == CASE_FLOW[src]


@pytest.mark.parametrize(("status", "need"), [("refused", "refusal_reason"),
                                              ("returned", "return_reason"),
                                              ("supplement", "missing_materials")])
def test_rights_case_states_need_their_reason(status: str, need: str) -> None:
    src = "consulted" if status == "refused" else "accepted"
    stored = {"centre_id": "c1", "matter_id": "m1", "status": src}
    for empty in (None, "", [], "   ", "\u3000\n", [" ", ""]):  # blank says nothing either
        writes = {"status": status, need: empty}
        with pytest.raises(Invalid) as err:
            enforce(rules("cases"), "centre", stored, writes, merged={**stored, **writes})
        assert err.value.details["path"] == need
    writes = {"status": status, need: REASONS[need]}
    enforce(rules("cases"), "centre", stored, writes, merged={**stored, **writes})


def test_rights_requires_do_not_block_unrelated_edits_of_old_records() -> None:
    stored = {"centre_id": "c1", "matter_id": "m1", "status": "refused"}  # from before the rule
    enforce(rules("cases"), "field", stored, {"notes": "called back"},
            merged={**stored, "notes": "called back"})


def test_rights_resending_the_stored_value_is_not_judged() -> None:
    stored = {**INSPECTION, "status": "returned", "review.comment": "redo A3"}
    enforce(rules("inspections"), "field", stored,
            {"status": "returned", "review.comment": "redo A3", "items.A3.count": 1})


def test_rights_system_writes_are_trusted_except_computed() -> None:
    enforce(rules("inspections"), SYSTEM, None, {**INSPECTION, "status": "approved",
                                                 "review.comment": "ok"})


def test_rights_rules_from_json_reads_the_brief_format() -> None:
    r = Rules.from_json({
        "rights": {"a": {"writers": ["admin"]}, "s": {"values": {"x": ["admin"]}}},
        "transitions": {"s": {"": ["x", "y"], "y": ["x"]}},
        "requires": {"s": {"x": ["a.b"]}},
        "frozen": [{"when": {"s": ["x"]}, "paths": ["a"]}],
        "computed": ["c"]})
    assert not r.may_write("field", "a.b") and r.may_write("admin", "a.b")
    assert not r.may_set("field", "s", "x") and r.may_set("field", "s", "y")
    enforce(r, "field", {"s": "x"}, {"other": 1})  # frozen only covers "a"
    with pytest.raises(Immutable):
        enforce(r, "admin", {"s": "x"}, {"a.b": 1})
    assert r.computed == frozenset({"c"})


paths = st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3).map(".".join)


# (None where the record has nothing is no change, so not judged: left out here)
@settings(max_examples=examples(200))
@given(role=st.sampled_from(ROLES), path=paths, value=st.one_of(st.text(max_size=3),
                                                                st.integers()))
def test_rights_review_subtree_is_never_writable_by_non_reviewers(role: str, path: str,
                                                                  value: Any) -> None:
    stored = {**INSPECTION, "status": "submitted"}
    full = f"review.{path}"
    if role in REVIEWERS:
        enforce(rules("inspections"), role, stored, {full: value})
    else:
        with pytest.raises(Forbidden):
            enforce(rules("inspections"), role, stored, {full: value})


@settings(max_examples=examples(200))
@given(role=st.sampled_from(ROLES),
       writes=st.dictionaries(st.sampled_from(["notes", "items.A1.count", "status", "target.kind",
                                               "review.comment", "inspector_ids"]),
                              st.sampled_from(["draft", "submitted", 1, None, "x"]),
                              min_size=1, max_size=4))
def test_rights_nothing_touches_an_approved_inspection(role: str, writes: dict[str, Any]) -> None:
    with pytest.raises(Immutable):
        enforce(rules("inspections"), role, {**INSPECTION, "status": "approved"}, writes)


@settings(max_examples=examples(300))
@given(role=st.sampled_from(ROLES), src=st.sampled_from(["", "draft", "submitted", "returned"]),
       dst=st.sampled_from(["draft", "submitted", "returned", "approved"]))
def test_rights_an_accepted_status_change_is_allowed_for_the_role(role: str, src: str,
                                                                 dst: str) -> None:
    stored = None if src == "" else {**INSPECTION, "status": src, "review.comment": "c"}
    writes: dict[str, Any] = {"status": dst} if stored else {**INSPECTION, "status": dst}
    try:
        enforce(rules("inspections"), role, stored, writes)
    except (Forbidden, InvalidTransition):
        ok = False
    else:
        ok = True
    table = {"": {"draft", "submitted"}, "draft": {"submitted"},
             "submitted": {"returned", "approved"}, "returned": {"submitted"}}
    expected = dst == src or (dst in table[src] and
                              (dst not in ("returned", "approved") or role in REVIEWERS))
    assert ok == expected


RULE_PREFIXES = st.sampled_from(["*", "status", "review", "review.comment", "items", "items.e1",
                            "items.e1.count", "statusx", "a.b"])
ANY_ROLE = st.sampled_from(["field", "centre", "inspector", "supervisor", "admin", SYSTEM])
SOME_PATHS = st.sampled_from(["status", "review", "review.comment", "reviewer", "items.e1.count",
                              "items.e10.count", "items.e1", "statusx", "a.b.c", "a", "*"])


@settings(max_examples=examples(400), deadline=None)
@given(st.dictionaries(RULE_PREFIXES, st.frozensets(ANY_ROLE, max_size=3), max_size=5),
       st.dictionaries(RULE_PREFIXES, st.dictionaries(st.sampled_from(["approved", "x", ""]),
                                                 st.frozensets(ANY_ROLE, max_size=3), max_size=2),
                       max_size=4),
       ANY_ROLE, SOME_PATHS, st.one_of(st.sampled_from(["approved", "x", ""]), st.integers(0, 2)))
def test_rights_rule_lookup_by_first_segment_matches_every_rule_scanned(
        writers: dict[str, frozenset[str]], values: dict[str, dict[str, frozenset[str]]],
        role: str, path: str, value: Any) -> None:
    """The rules are looked up by the path's first segment: the same answer as checking
    every rule of the collection with ``covers`` (the definition)."""
    rules = Rules(writers=writers, values=values)
    scanned_write = role == SYSTEM or all(role in roles for prefix, roles in writers.items()
                                          if covers(prefix, path))
    scanned_set = role == SYSTEM or not isinstance(value, str) or all(
        role in by_value[value] for prefix, by_value in values.items()
        if covers(prefix, path) and value in by_value)
    assert rules.may_write(role, path) == scanned_write
    assert rules.may_set(role, path, value) == scanned_set
    if rules.ruled is not None and path.partition(".")[0] not in rules.ruled:
        # enforce skips such a path's writers and values checks: they must all pass
        assert scanned_write and scanned_set


@pytest.mark.parametrize(("status", "path", "value"), [
    ("refused", "refusal_reason", "改过的理由"), ("returned", "return_reason", "改过的理由"),
    ("supplement", "missing_materials", ["户口簿", "身份证", "结婚证"])])
def test_rights_case_decision_texts_stand_once_given(status: str, path: str, value: Any) -> None:
    """A refusal's or a return's reason and the one-time list of missing materials (一次性告知)
    are printed on a numbered notice: once the case is in that status they cannot change,
    though sending them again as they stand (with another change) is no change."""
    stored = {"centre_id": "c1", "matter_id": "m1", "status": status, path: REASONS[path]}
    for role in ("field", "centre", "supervisor", "admin"):
        with pytest.raises(Immutable) as err:
            enforce(rules("cases"), role, stored, {path: value}, merged={**stored, path: value})
        assert err.value.details["path"] == path
    enforce(rules("cases"), "centre", stored, {path: REASONS[path], "notes": "已电话告知"},
            merged={**stored, "notes": "已电话告知"})
    # Another supplement request later (handling → supplement) gives a new list.
    if status == "supplement":
        handling = {**stored, "status": "handling"}
        writes = {"status": "supplement", path: value}
        enforce(rules("cases"), "centre", handling, writes, merged={**handling, **writes})
