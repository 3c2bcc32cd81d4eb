"""``check_write`` (an op of the walk checks only the answers it touches) against the plain
definition, ``check`` of the whole record after every op (hypothesis): over random templates
(some invalid, some another county's, another version) and random op sequences (answers valid
or not, unknown items and fields, header paths, a template switched, ``item_ids``), each op is
refused with exactly ``check``'s error or passes exactly when ``check`` passes, and what it
scores is ``check``'s score."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync import rubric
from sync.computed import Context, Passed, check, check_write, compute
from sync.errors import Invalid
from tests.support.budget import examples
from tests.support.rubrics import random_template

COUNTY = "county-a"
FIELDS = (*rubric.ANSWER_KEYS, "bogus")
VALUES: tuple[Any, ...] = (None, 0, 1, 3, -1, 2.5, 20_000, 1e7, "satisfied", "average", "bad", "",
                           True, False, ["a" * 64], [], {"x": 1})


def _templates(seed: int) -> dict[str, dict[str, Any]]:
    r = random.Random(seed)
    main = random_template(r, faults=0.0)
    main.update(version=1, county_id=COUNTY)
    other = random_template(r, faults=0.0)
    other.update(version=2, county_id=COUNTY)
    return {"t1": main, "t2": other, "t-bad": random_template(r, faults=0.5),
            "t-far": {**random_template(r, faults=0.0), "county_id": "county-b"}}


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    templates = _templates(draw(st.integers(0, 10_000)))
    ids = [it.get("id") for t in ("t1", "t2") for s in templates[t].get("sections", [])
           for it in s.get("items", []) if isinstance(it.get("id"), str)] + ["zz"]
    fitting = {"count": st.integers(0, 4), "value": st.integers(0, 120), "na": st.booleans(),
               "rating": st.sampled_from(sorted(rubric.RATINGS)), "vetoed": st.booleans(),
               "note": st.just("现场记录"), "photos": st.just(["0" * 64, "1" * 64])}
    # Mostly answers of the shape their field takes (some still wrong for their item's rule),
    # sometimes anything.
    # the field each item of t1 is scored by, and the ones any item takes
    keyed = [(it["id"], rubric._answer_key(it)) for s in templates["t1"]["sections"]
             for it in s["items"]] or [("zz", "count")]
    keyed += [(iid, key) for iid, _ in keyed for key in ("note", "photos")]
    answer = st.one_of(
        st.sampled_from(keyed).flatmap(
            lambda pair: fitting[pair[1]].map(lambda v: (f"items.{pair[0]}.{pair[1]}", v))),
        st.tuples(st.sampled_from(ids), st.sampled_from(sorted(fitting))).flatmap(
            lambda pair: fitting[pair[1]].map(lambda v: (f"items.{pair[0]}.{pair[1]}", v))),
        st.tuples(st.builds(lambda iid, f: f"items.{iid}.{f}", st.sampled_from(ids),
                            st.sampled_from(FIELDS)), st.sampled_from(VALUES)))
    header = st.sampled_from([
        ("template_id", "t1"), ("template_id", "t1"), ("template_id", "t2"), ("template_id", "t-bad"),
        ("template_id", "t-far"), ("template_id", "t-none"), ("template_version", 1),
        ("template_version", 2), ("item_ids", ids[:2]), ("item_ids", ["zz"]), ("item_ids", None),
        ("status", "submitted"), ("status", "draft"), ("signature", "0" * 64)])
    one = st.one_of(*[answer] * 8, header)
    ops = draw(st.lists(st.lists(one, min_size=1, max_size=4).map(dict), min_size=5, max_size=30))
    return templates, ops


def _verdict(fn: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    try:
        return "ok", fn(*args, **kwargs)
    except Invalid as err:
        return "invalid", (err.message, err.path, err.details)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_computed_check_write_is_check_op_by_op(
        scenario: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    templates, ops = scenario
    rubrics = {tid: rubric.check_template(t) for tid, t in templates.items()}
    ctx = Context(now=0, templates=templates, rubrics=rubrics)
    leaves: dict[str, Any] = {"centre_id": "c1", "template_id": "t1", "template_version": 1}
    passed: Passed | None = None
    incremental = 0
    for op in ops:
        after = {**leaves, **op}
        want = _verdict(check, "inspections", after, ctx, county=COUNTY)
        got = _verdict(check_write, "inspections", after, ctx, county=COUNTY, written=op, before=passed)
        assert got[0] == want[0], (op, got, want)
        if want[0] == "invalid":
            assert got[1] == want[1]
            continue  # refused: the record stays as it was
        scored, passed = got[1]
        if scored is None and passed is not None:
            incremental += 1  # judged by the answers the op touched; scored at the flush
        else:
            assert scored == want[1]
        assert (passed is None) == (want[1] is None)
        if want[1] is not None:
            assert compute("inspections", after, ctx) == want[1]
            assert passed is not None and passed.leaves is after and passed.county == COUNTY
        leaves = after
    seen["incremental"] += incremental
    seen["ops"] += len(ops)


seen = {"incremental": 0, "ops": 0}


def test_computed_check_write_judged_many_ops_by_their_items() -> None:
    """The property above ran (the test just before this one) and a good share of its ops
    were judged by their items (a good share): it compared the shortcut, not only the fallback."""
    if seen["ops"] == 0:  # run alone: run the property here
        test_computed_check_write_is_check_op_by_op()
    assert seen["incremental"] > seen["ops"] // 20, seen


def test_computed_check_write_touches_only_the_items_an_op_writes() -> None:
    template = {"county_id": COUNTY, "version": 1, "sections": [
        {"id": "S", "name": "s", "mode": "deduct", "points": 10, "items": [
            {"id": f"e{i}", "text": "t", "rule": "deduct_each", "per": 1} for i in range(50)]}]}
    checked = rubric.check_template(template)
    ctx = Context(now=0, templates={"t1": template}, rubrics={"t1": checked})
    leaves: dict[str, Any] = {"template_id": "t1", "template_version": 1,
                              **{f"items.e{i}.count": 0 for i in range(50)}}
    scored, passed = check_write("inspections", leaves, ctx, county=COUNTY)
    assert scored is not None and scored["score"] == 10 and passed is not None
    # A later op writes one answer: judged alone (not scored), and refused as check refuses it.
    after = {**leaves, "items.e3.count": 2}
    scored, again = check_write("inspections", after, ctx, county=COUNTY, before=passed,
                                written={"items.e3.count": 2})
    assert scored is None and again is not None and again.leaves is after
    bad = {**after, "items.e4.rating": "satisfied"}
    for before in (again, None):
        try:
            check_write("inspections", bad, ctx, county=COUNTY, before=before,
                        written={"items.e4.rating": "satisfied"})
        except Invalid as err:
            assert err.path == "items.e4.rating"
        else:
            raise AssertionError("a rating on a deduction item passed")
    # Another county's inspection is checked whole, even after the same template passed.
    try:
        check_write("inspections", after, ctx, county="county-b", before=passed,
                    written={"items.e3.count": 2})
    except Invalid as err:
        assert err.path == "template_id"
    else:
        raise AssertionError("another county's template passed")
