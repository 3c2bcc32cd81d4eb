"""``rights.enforce`` picks the paths a rule can cover out of an op's leaves by scans that
run in C: against the plain definition (every written path looked at, as written before
that), over the project's rules and rules hypothesis makes (``*``, dotted prefixes,
dotted transition paths, computed fields), any role, a new or a stored record and any
writes, it raises the same error (code, message, details) or passes exactly when it does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sync.errors import FieldsyncError, Forbidden, InvalidTransition
from sync.rights import SYSTEM, Rules, _check_frozen, _check_requires, _text, covers, enforce
from sync.schema import load
from tests.support.budget import examples


def plain_enforce(rules: Rules, role: str, stored: Mapping[str, Any] | None,
                  writes: Mapping[str, Any], *, delete: bool = False,
                  merged: Mapping[str, Any] | None = None) -> None:
    """``enforce`` as it was written first: each path of the op looked at in turn."""
    before: Mapping[str, Any] = stored or {}
    if rules.computed:
        for path in writes:
            if path.partition(".")[0] in rules.computed:
                raise Forbidden(f"{path}: computed by the server, cannot be set",
                                details={"path": path, "reason": "computed"})
    if role == SYSTEM:
        return
    if stored is not None and rules.frozen:
        _check_frozen(rules, before, writes, delete)
    if not (rules.writers or rules.values or rules.transitions):
        changed: dict[str, Any] = {}
    else:
        changed = {p: v for p, v in writes.items() if stored is None or before.get(p) != v}
    ruled = rules.ruled
    for path, value in changed.items():
        if ruled is not None and path.partition(".")[0] not in ruled and path not in rules.transitions:
            continue
        if not rules.may_write(role, path):
            allowed = sorted(set().union(*(roles for prefix, roles in rules.writers.items()
                                           if covers(prefix, path))))
            raise Forbidden(f"{path}: role {role} may not set this field",
                            details={"path": path, "role": role, "roles": allowed})
        if not rules.may_set(role, path, value):
            allowed = sorted(set().union(*(by_value[value] for prefix, by_value
                                           in rules.values.items()
                                           if covers(prefix, path) and value in by_value)))
            raise Forbidden(f"{path}: role {role} may not set it to {value!r}",
                            details={"path": path, "value": value, "role": role,
                                     "roles": allowed})
        table = rules.transitions.get(path)
        if table is not None:
            src, dst = _text(before.get(path)), _text(value)
            allowed_to = table.get(src, ())
            if dst not in allowed_to:
                raise InvalidTransition(
                    f"{path}: cannot go from {src or '(new)'} to {dst or '(empty)'}",
                    details={"path": path, "from": src, "to": dst, "allowed": list(allowed_to)})
    if merged is not None and not delete and rules.requires:
        _check_requires(rules, writes, merged)


ROLES = st.sampled_from(["field", "centre", "inspector", "supervisor", "admin", SYSTEM])
NAMES = ["status", "review", "reviews", "score", "a", "a.b", "items", "*"]
PATHS = st.sampled_from(["status", "status2", "status.x", "review", "review.comment", "reviews.r1.by",
                         "reviewer", "score", "score.x", "sections", "items.e1.count", "a", "a.b", "a.b.c",
                         "a.bc", "ab", "b", "extension.days", "notes", "signature"])
VALUES = st.sampled_from([None, "", "draft", "submitted", "returned", "approved", "published", 1, True, "x"])
TO = st.lists(st.sampled_from(["draft", "submitted", "returned", "approved", "x"]), max_size=2).map(tuple)
ROLE_SETS = st.frozensets(st.sampled_from(["field", "inspector", "supervisor", "admin"]), max_size=3)


@st.composite
def made_rules(draw: st.DrawFn) -> Rules:
    heads = st.sampled_from(NAMES)
    values = ["draft", "submitted", "returned", "approved", "x"]
    return Rules(
        writers=draw(st.dictionaries(heads, ROLE_SETS, max_size=3)),
        values=draw(st.dictionaries(heads, st.dictionaries(st.sampled_from(values), ROLE_SETS, max_size=2),
                                    max_size=2)),
        transitions=draw(st.dictionaries(st.sampled_from(["status", "a.b", "review.decision"]),
                                         st.dictionaries(st.sampled_from(["", *values]), TO, max_size=3),
                                         max_size=2)),
        computed=draw(st.frozensets(st.sampled_from(["score", "sections", "x"]), max_size=2)))


RULES = st.one_of(st.sampled_from([c.rules for c in load().collections.values()]), made_rules())


def verdict(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        fn(*args, **kwargs)
    except FieldsyncError as err:
        return (type(err).__name__, err.code, err.message, err.details)
    return "ok"


@settings(max_examples=examples(1500), deadline=None)
@given(RULES, ROLES, st.one_of(st.none(), st.dictionaries(PATHS, VALUES, max_size=5)),
       st.dictionaries(PATHS, VALUES, min_size=1, max_size=6), st.booleans())
@example(load().collection("inspections").rules, "field", None,
         {"items.e1.count": 1, "status": "approved"}, False)
@example(load().collection("inspections").rules, "field", {"status": "draft"},
         {"review.comment": "x", "status": "draft"}, False)
@example(load().collection("inspections").rules, "field", None, {"status": "draft", "score.x": 1}, False)
def test_rights_enforce_scans_as_the_plain_definition(rules: Rules, role: str, stored: dict[str, Any] | None,
                                                      writes: dict[str, Any], delete: bool) -> None:
    merged = {**(stored or {}), **writes}
    assert (verdict(enforce, rules, role, stored, writes, delete=delete, merged=merged)
            == verdict(plain_enforce, rules, role, stored, writes, delete=delete, merged=merged))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(PATHS, VALUES, min_size=1, max_size=6), min_size=1, max_size=8),
       st.frozensets(st.sampled_from(["score", "sections", "a", "x"]), min_size=1, max_size=2))
def test_rights_enforce_paths_known_to_pass_computed_stay_judged_alike(ops: list[dict[str, Any]],
                                                                       computed: frozenset[str]) -> None:
    """The paths that passed the computed-field rule are kept per ``Rules``: one ``Rules``
    judging op after op (a push) gives each the verdict a fresh one gives it."""
    rules = Rules(computed=computed)
    for writes in ops:
        assert (verdict(enforce, rules, "field", None, writes)
                == verdict(enforce, Rules(computed=computed), "field", None, writes)
                == verdict(plain_enforce, rules, "field", None, writes))
    assert all(p.partition(".")[0] not in computed for p in rules._not_computed)
