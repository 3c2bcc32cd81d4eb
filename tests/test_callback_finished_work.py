"""A call-back (回访) rates finished work: the server refuses one of a case still in hand or
a visit not done (it would count in the centre's satisfaction rate), and one about nothing."""

from __future__ import annotations

from typing import Any

from tests.support.records import current


def _rate(dev: Any, rid: str, **about: Any) -> dict[str, Any]:
    [res] = dev.sync([dev.op("evaluations", rid, {"centre_id": "c1", "source": "callback",
                                                  "rating": "dissatisfied", **about})])["results"]
    return dict(res)


def test_callback_only_of_a_completed_case_or_a_done_visit(device: Any) -> None:
    f1 = device("f1")
    res = f1.sync([f1.op("cases", "cb-open", {"centre_id": "c1", "matter_id": "m1", "status": "accepted"}),
                   f1.op("visits", "cb-visit", {"centre_id": "c1", "kind": "home_service",
                                                "status": "in_progress"})])
    assert [r["status"] for r in res["results"]] == ["applied", "applied"], res
    for rid, about, path in (("e-open", {"case_id": "cb-open"}, "case_id"),
                             ("e-visit", {"visit_id": "cb-visit"}, "visit_id"),
                             ("e-none", {}, "case_id"),
                             ("e-ghost", {"case_id": "cb-nowhere"}, "case_id")):
        res = _rate(f1, rid, **about)
        assert (res["status"], res["code"], res["details"]["path"]) == ("rejected", "invalid", path), res
        assert current(f1, rid) == {}
    # Finished: the case completed and the visit done, in the same push as the call-backs.
    res = f1.sync([f1.op("cases", "cb-open", {"status": "completed"}),
                   f1.op("visits", "cb-visit", {"status": "done"}),
                   f1.op("evaluations", "e-case", {"centre_id": "c1", "source": "callback",
                                                   "case_id": "cb-open", "rating": "satisfied"}),
                   f1.op("evaluations", "e-v", {"centre_id": "c1", "source": "callback",
                                                "visit_id": "cb-visit", "rating": "satisfied"})])
    assert [r["status"] for r in res["results"]] == ["applied"] * 4, res
    # Evaluations of other sources are not call-backs: not judged so.
    [res] = f1.sync([f1.op("evaluations", "e-window", {"centre_id": "c1", "source": "evaluator",
                                                       "rating": "satisfied"})])["results"]
    assert res["status"] == "applied", res


def test_callback_of_a_visit_done_while_its_case_is_in_hand(device: Any) -> None:
    """A site survey done is called back though its case is still being handled: the phone
    sends the visit and its case; the visit is what is judged."""
    f1 = device("f1")
    res = f1.sync([f1.op("cases", "cb-hand", {"centre_id": "c1", "matter_id": "m1", "status": "accepted"}),
                   f1.op("visits", "cb-survey", {"centre_id": "c1", "kind": "site_survey", "status": "done",
                                                 "case_id": "cb-hand"})])
    assert [r["status"] for r in res["results"]] == ["applied", "applied"], res
    res = _rate(f1, "e-survey", visit_id="cb-survey", case_id="cb-hand")
    assert res["status"] == "applied", res


def test_callback_rule_holds_when_an_evaluation_is_edited(device: Any) -> None:
    """An evaluation of another source turned into a call-back later is judged the same."""
    f1 = device("f1")
    res = f1.sync([f1.op("cases", "cb-later", {"centre_id": "c1", "matter_id": "m1", "status": "accepted"}),
                   f1.op("evaluations", "e-later", {"centre_id": "c1", "source": "evaluator",
                                                    "case_id": "cb-later", "rating": "satisfied"})])
    assert [r["status"] for r in res["results"]] == ["applied", "applied"], res
    [res] = f1.sync([f1.op("evaluations", "e-later", {"source": "callback"})])["results"]
    assert (res["status"], res["code"], res["details"]["path"]) == ("rejected", "invalid", "case_id"), res
    assert current(f1, "e-later")["source"] == "evaluator"
