"""The demo county's inspections and rectifications (pure, deterministic from the builder's
random generator): monthly window-standardisation inspections and a few 最美政务大厅 and
special inspections over the demo's months, in every state (draft, submitted, returned with
comments pinned to items, approved after a return, vetoed), and rectifications open, overdue,
responded, verified and failed, each verdict after a re-inspection of only its items.

Answers follow each item's rule (``sync/rubric.py``); scores are left to the server, which
computes them when the records are written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

# The builder and its centres are server.demo.data's (which calls this module): typed Any
# here so the two modules do not import each other.
_Builder = Any
_Centre = Any

DAY_MS = 86_400_000
_CST = dt.timezone(dt.timedelta(hours=8))


def _day_of(ms: int) -> dt.date:
    return dt.datetime.fromtimestamp(ms / 1000, _CST).date()
RETURN_COMMENTS = ("照片不清，请补拍现场照片后重新提交", "扣分项未写明具体情况，请补充说明",
                   "否决项证据不足，请核实后更正", "满意度评价缺少抽样说明")
RESPONSES = ("已制作一次性告知单并张贴于窗口", "已对窗口人员开展服务规范培训",
             "已完成大厅卫生整治并建立日常检查制度", "已补齐办事指南并在网上同步更新")
ORDERS = "请对下列问题限期整改，整改完成后上传整改照片并说明整改情况。"


def _answer(b: _Builder, item: dict[str, Any], lapse: float) -> dict[str, Any]:
    """An answer to one item; ``lapse`` is how likely a problem is found."""
    r = b.rng
    rule = item["rule"]
    if rule in ("deduct_each", "deduct_per_incident"):
        return {"count": r.choice((1, 1, 2)) if r.random() < lapse else 0}
    if rule == "proportional":
        target = item["target"]
        share = 1.0 if r.random() > lapse else r.uniform(0.8, 0.99)
        return {"value": round(target * share, 2)}
    if rule == "rating":
        return {"rating": b.rating()}
    if rule == "bonus":
        if "tiers" in item:
            return {"value": r.choice((0, 800, 1600, 5200))}
        return {"count": r.choice((0, 0, 1, 2))}
    return {"vetoed": False}


def _answers(b: _Builder, template: dict[str, Any], lapse: float,
             only: list[str] | None = None) -> dict[str, Any]:
    items = [it for s in template["sections"] for it in s["items"]]
    return {it["id"]: _answer(b, it, lapse) for it in items if only is None or it["id"] in only}


def _lapsed(template: dict[str, Any], answers: dict[str, Any]) -> list[str]:
    out = []
    for s in template["sections"]:
        for it in s["items"]:
            a = answers.get(it["id"], {})
            counted = it["rule"] in ("deduct_each", "deduct_per_incident") and a.get("count", 0) > 0
            if counted or (it["rule"] == "veto" and a.get("vetoed")):
                out.append(it["id"])
    return out


def build_inspections(b: _Builder, templates: dict[str, dict[str, Any]]) -> None:
    """Add the inspections and rectifications of the demo's months to the builder."""
    r = b.rng
    inspectors = [u.id for u in b.users if u.role == "inspector"]
    supervisors = [u.id for u in b.users if u.role == "supervisor"]
    if not inspectors:  # a county without inspectors: its supervisors inspect in pairs
        inspectors = supervisors[:1]
    start, today = _day_of(b.start), _day_of(b.now)
    month = dt.date(start.year, start.month, 1)
    n = 0
    while month <= today:
        for c in b.centres:
            day = month + dt.timedelta(days=r.randint(2, 16))
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
            if not (start < day <= today):
                continue
            n += 1
            tid = "tpl-window-standard"
            if n % 9 == 0:
                tid = "tpl-hall-best"
            elif n % 13 == 0:
                tid = "tpl-township-special"
            _inspection(b, c, tid, templates[tid], day, n, inspectors, supervisors)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    # This week's and last week's work: drafts being walked, submitted ones waiting for
    # review, returned ones waiting for the inspector.
    states = ("draft", "submitted", "returned", "submitted", "draft", "returned", "submitted", "returned")
    for k, (c, state) in enumerate(zip(b.centres, states, strict=False)):
        day, back = today, k // 2
        while back > 0 or day.weekday() >= 5:
            day -= dt.timedelta(days=1)
            if day.weekday() < 5:
                back -= 1
        if day > start:
            n += 1
            _inspection(b, c, "tpl-window-standard", templates["tpl-window-standard"], day, n,
                        inspectors, supervisors, state=state)


def _inspection(b: _Builder, c: _Centre, tid: str, template: dict[str, Any], day: dt.date, n: int,
                inspectors: list[str], supervisors: list[str], state: str | None = None) -> None:
    """One inspection; ``state`` (draft, submitted, returned) for this week's, else by its age."""
    r = b.rng
    t0 = min(b.worktime(day), b.now - 4 * 3_600_000) if state else b.worktime(day)
    age = (b.now - t0) / DAY_MS
    who = [r.choice(inspectors)]
    reviewer = next((s for s in supervisors if s not in who), supervisors[0])
    answers = _answers(b, template, lapse=r.uniform(0.05, 0.35))
    vetoed = n % 17 == 0
    if vetoed:
        veto = [it["id"] for s in template["sections"] for it in s["items"] if it["rule"] == "veto"]
        if veto:
            answers[r.choice(veto)] = {"vetoed": True, "note": "现场发现与群众发生争吵"}
    iid = f"ins-{c.id}-{day.isoformat()}"
    windows = sorted(c.windows)
    data: dict[str, Any] = {
        "centre_id": c.id, "template_id": tid, "template_version": template["version"],
        "target": {"kind": "window", "window_id": r.choice(windows)}
        if windows and tid == "tpl-window-standard" else {"kind": "centre"},
        "inspector_ids": who, "started_at": t0, "items": answers,
        "location": {"lat": round(c.lat, 6), "lon": round(c.lon, 6), "accuracy": r.randint(5, 40)}}
    first = next(iter(answers))
    answers[first] = {**answers[first], "note": "现场抽查窗口服务情况"}
    if state == "draft" or (state is None and age < 2):  # still being walked
        b.add("inspections", iid, {**data, "status": "draft"}, t0 + 3_600_000)
        return
    submitted = min(t0 + 2 * 3_600_000, b.now)
    data.update(status="submitted", submitted_at=submitted)
    reviews: dict[str, Any] = {}
    if state or age < 6:  # waiting for review, or returned and not yet resubmitted
        if state == "returned" or (state is None and n % 3 == 0):
            pinned = r.sample(list(answers), 1)
            review = {"by": reviewer, "at": min(submitted + DAY_MS, b.now), "decision": "returned",
                      "comment": r.choice(RETURN_COMMENTS), "item_ids": pinned}
            data.update(status="returned", review=review, reviews={f"rv-{iid}-1": review})
        b.add("inspections", iid, data, min(submitted + DAY_MS, b.now))
        return
    at = submitted + DAY_MS
    if n % 4 == 0:  # returned once, corrected, then approved
        pinned = r.sample(list(answers), 1)
        reviews[f"rv-{iid}-1"] = {"by": reviewer, "at": at, "decision": "returned",
                                  "comment": r.choice(RETURN_COMMENTS), "item_ids": pinned}
        at += DAY_MS
        data["submitted_at"] = at
        at += DAY_MS
    review = {"by": reviewer, "at": at, "decision": "approved", "comment": "同意", "item_ids": []}
    reviews[f"rv-{iid}-{len(reviews) + 1}"] = review
    data.update(status="approved", review=review, reviews=reviews)
    b.add("inspections", iid, data, at)
    lapsed = _lapsed(template, answers)
    if lapsed:
        _rectification(b, c, iid, tid, template, data, lapsed[:3], at, n, who)


def _rectification(b: _Builder, c: _Centre, iid: str, tid: str, template: dict[str, Any],
                   inspection: dict[str, Any], items: list[str], at: int, n: int, who: list[str]) -> None:
    r = b.rng
    rid = f"rect-{iid.removeprefix('ins-')}"
    age = (b.now - at) / DAY_MS
    data: dict[str, Any] = {"centre_id": c.id, "inspection_id": iid, "item_ids": items, "order_text": ORDERS,
                            "due_days": 10, "status": "open"}
    if age < 12 or n % 7 == 0:  # open: recent, or long past its time (the sweep marks it overdue)
        b.add("rectifications", rid, data, at + 3_600_000)
        return
    answered = at + r.randint(3, 9) * DAY_MS
    staff = c.staff[0] if c.staff else who[0]
    data.update(status="responded", responses={
        i: {"at": answered, "by": staff, "note": r.choice(RESPONSES)} for i in items})
    if age < 40:  # answered, waiting for the re-inspection
        b.add("rectifications", rid, data, answered)
        return
    again = answered + 3 * DAY_MS
    redo = f"re-{iid.removeprefix('ins-')}"
    ok = n % 5 != 0
    answers = {i: ({"count": 0} if "count" in inspection["items"][i] else {"vetoed": False})
               if ok else inspection["items"][i] for i in items}
    b.add("inspections", redo, {
        "centre_id": c.id, "template_id": tid, "template_version": template["version"],
        "target": inspection["target"], "inspector_ids": who, "started_at": again,
        "submitted_at": again + 3_600_000, "item_ids": items, "items": answers,
        "status": "submitted"}, again + 3_600_000)
    data.update(reinspection_id=redo, status="verified" if ok else "failed")
    b.add("rectifications", rid, data, again + DAY_MS)
