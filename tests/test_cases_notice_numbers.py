"""Notice numbers: the server numbers a case's 受理通知书, 不予受理通知书, 补件清单 and
退办通知书 per centre, per year and per kind, in the writer's transaction (never shared,
even when phones sync at once), once per case; clients cannot write them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sync.deadlines import local_date
from tests.conftest import Device, now_ms

CASE = {"matter_id": "m1"}


def numbers(dev: Device) -> dict[str, dict[str, str]]:
    return {ch["record"]: ch["data"].get("notice_numbers") or {}
            for page in dev.sync_all() for ch in page["changes"] if ch["collection"] == "cases"}


def test_cases_notice_numbers_per_centre_year_kind(device: Any) -> None:
    f1, f2 = device("f1"), device("f2")
    year = local_date(now_ms()).year
    res = f1.sync([f1.op("cases", "a1", {**CASE, "centre_id": "c1", "status": "accepted"}),
                   f1.op("cases", "a2", {**CASE, "centre_id": "c1", "status": "accepted"}),
                   f1.op("cases", "x1", {**CASE, "centre_id": "c1", "status": "consulted"})])
    assert {r["status"] for r in res["results"]} == {"applied"}
    f2.sync([f2.op("cases", "b1", {**CASE, "centre_id": "c2", "status": "accepted"})])
    f1.sync([f1.op("cases", "x1", {"status": "refused", "refusal_reason": "不属于本中心受理范围"})])
    f1.sync([f1.op("cases", "a1", {"status": "supplement", "missing_materials": ["户口簿"]})])
    f1.sync([f1.op("cases", "a1", {"status": "handling"})])
    f1.sync([f1.op("cases", "a1", {"status": "supplement", "missing_materials": ["户口簿"]})])
    # multi works for c1 and c2 (a supervisor's device no longer syncs applicants' records)
    got = numbers(device("multi"))
    assert got["a1"] == {"acceptance": f"城关镇-受-{year}-0001", "supplement": f"城关镇-补-{year}-0001"}
    assert got["a2"] == {"acceptance": f"城关镇-受-{year}-0002"}
    assert got["x1"] == {"refusal": f"城关镇-不予受-{year}-0001"}
    assert got["b1"] == {"acceptance": f"石桥镇-受-{year}-0001"}  # its own centre's sequence


def test_cases_notice_numbers_never_shared_when_phones_sync_at_once(device: Any) -> None:
    phones = [device("f1"), device("f1b"), device("ctr1"), device("multi")]

    def work(i: int) -> None:
        dev = phones[i]
        for n in range(5):
            ops = [dev.op("cases", f"p{i}-{n}-{k}", {**CASE, "centre_id": "c1", "status": "accepted"})
                   for k in range(3)]
            assert {r["status"] for r in dev.sync(ops)["results"]} == {"applied"}

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(work, range(4)))
    got = [n["acceptance"] for n in numbers(device("multi")).values()]
    assert len(got) == 60 and len(set(got)) == 60
    assert sorted(int(n.rsplit("-", 1)[1]) for n in got) == list(range(1, 61))


def test_cases_notice_numbers_not_client_writable(device: Any) -> None:
    f1 = device("f1")
    res = f1.sync([f1.op("cases", "c9", {**CASE, "centre_id": "c1", "status": "accepted",
                                         "notice_numbers": {"acceptance": "城关镇-受-2026-9999"}})])
    assert res["results"][0]["status"] == "rejected"
    assert numbers(device("multi")) == {}


def test_cases_notice_numbers_acceptance_when_accepted_without_passing_accepted(device: Any) -> None:
    """A case completed on the spot (即办件: new → completed) is an accepted case: its
    受理通知书 gets a number once, as one that passed through ``accepted`` does."""
    f1 = device("f1")
    year = local_date(now_ms()).year
    res = f1.sync([f1.op("cases", "q1", {**CASE, "centre_id": "c1", "status": "completed"}),
                   f1.op("cases", "q2", {**CASE, "centre_id": "c1", "status": "refused",
                                         "refusal_reason": "不属于本中心受理范围"})])
    assert {r["status"] for r in res["results"]} == {"applied"}, res
    f1.sync([f1.op("cases", "q1", {"notes": "当场办结"})])
    got = numbers(device("multi"))
    assert got["q1"] == {"acceptance": f"城关镇-受-{year}-0001"}  # once, kept by the next edit
    assert got["q2"] == {"refusal": f"城关镇-不予受-{year}-0001"}  # a refusal is no acceptance


def test_cases_notice_dates_are_the_decisions_server_times(device: Any) -> None:
    """A notice is dated by the decision it records: the corrected time of the op that took
    its number (a phone whose clock runs a day fast does not move it), kept for good."""
    f1 = device("f1", skew_ms=86_400_000)
    before = now_ms()
    res = f1.sync([f1.op("cases", "d1", {**CASE, "centre_id": "c1", "status": "consulted"}),
                   f1.op("cases", "d1", {"status": "refused", "refusal_reason": "不属于本中心受理范围"})])
    after = now_ms()
    assert {r["status"] for r in res["results"]} == {"applied"}, res
    [doc] = [ch["data"] for page in device("multi").sync_all() for ch in page["changes"]
             if ch["record"] == "d1"]
    assert set(doc["notice_dates"]) == {"refusal"}
    assert before <= doc["notice_dates"]["refusal"] <= after
    f1.sync([f1.op("cases", "d1", {"notes": "已当面送达"})])
    [again] = [ch["data"] for page in device("multi").sync_all() for ch in page["changes"]
               if ch["record"] == "d1"]
    assert again["notice_dates"] == doc["notice_dates"]
    res = f1.sync([f1.op("cases", "d1", {"notice_dates": {"refusal": 1}})])
    assert res["results"][0]["status"] == "rejected"


def test_cases_notice_dates_a_second_supplement_request_is_dated_by_it(device: Any) -> None:
    """The list asked for again (handling → supplement) prints with that request's date."""
    f1 = device("f1")
    res = f1.sync([f1.op("cases", "d2", {**CASE, "centre_id": "c1", "status": "accepted"}),
                   f1.op("cases", "d2", {"status": "supplement", "missing_materials": ["户口簿"]}),
                   f1.op("cases", "d2", {"status": "handling"})])
    assert {r["status"] for r in res["results"]} == {"applied"}, res

    def dates() -> dict[str, int]:
        docs = [ch["data"] for page in device("multi").sync_all() for ch in page["changes"]
                if ch["record"] == "d2"]
        return dict(docs[-1]["notice_dates"])
    first = dates()["supplement"]
    before = now_ms()
    res = f1.sync([f1.op("cases", "d2", {"status": "supplement", "missing_materials": ["身份证复印件"]})])
    assert res["results"][0]["status"] == "applied", res
    again = dates()
    assert again["supplement"] >= before > first and again["acceptance"] <= first
