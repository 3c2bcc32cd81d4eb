"""The demo county's inspections and rectifications (pure, deterministic from the builder's
random generator): every centre's monthly window-standardisation inspection over the demo's
months, a 最美政务大厅 inspection now and then, and this week's work (including two special
inspections, a checklist that scores nothing and so is never part of a monthly score), in
every state (draft, submitted, returned with comments pinned to items, approved after a
return, vetoed), and rectifications open, overdue, responded, verified and failed, each
verdict after a re-inspection of only its items.

Answers follow each item's rule (``sync/rubric.py``) and the centre's ``quality``; the
server computes the scores when the records are written. The builder scores approved ones
with the same function (``rubric.score``) to plan awards only where the server will find
the centre eligible.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sync import rubric
from sync.deadlines import is_workday

# The builder and its centres are server.demo.data's (which calls this module): typed Any
# here so the two modules do not import each other.
_Builder = Any
_Centre = Any

DAY_MS = 86_400_000
_CST = dt.timezone(dt.timedelta(hours=8))


def _day_of(ms: int) -> dt.date:
    return dt.datetime.fromtimestamp(ms / 1000, _CST).date()
VETO_NOTES = ("现场发现窗口人员与群众发生争吵，造成不良影响", "工作时间窗口人员擅自离岗，群众等候超过半小时",
              "群众投诉窗口违规收取材料费，经查属实")
LAPSE_NOTES = ("窗口人员未佩戴工作牌", "一次性告知单未张贴", "大厅地面有杂物，卫生不到位",
               "办事指南与网上公布的不一致", "叫号系统故障未及时报修")
RETURN_COMMENTS = ("照片不清，请补拍现场照片后重新提交", "扣分项未写明具体情况，请补充说明",
                   "否决项证据不足，请核实后更正", "满意度评价缺少抽样说明")
RESPONSES = ("已制作一次性告知单并张贴于窗口", "已对窗口人员开展服务规范培训",
             "已完成大厅卫生整治并建立日常检查制度", "已补齐办事指南并在网上同步更新")
ORDERS = "请对下列问题限期整改，整改完成后上传整改照片并说明整改情况。"


def _answer(b: _Builder, c: _Centre, item: dict[str, Any], clean: bool) -> dict[str, Any]:
    """An answer to one item by the centre's ``quality``: a well-run hall has fewer lapses,
    better ratings, a higher measured satisfaction and more bonus points. ``clean``: an
    inspection with nothing found (a hall at its best)."""
    r, q = b.rng, (1.0 if clean else c.quality)
    rule = item["rule"]
    if rule in ("deduct_each", "deduct_per_incident"):
        # A heavy item (a safety accident: 10 points each) is rare even in a poor hall.
        rare = 0.1 if item.get("per", 0) >= 10 else 1.0
        return {"count": r.choice((1, 1, 2)) if r.random() < 0.4 * (1 - q) * rare else 0}
    if rule == "proportional":
        target = item["target"]
        return {"value": round(target * r.uniform(0.9 + 0.09 * q, 1.0), 1)}
    if rule == "rating":
        weights = (8 * q, 2, 3 * (1 - q), 1.5 * (1 - q), 0.3 * (1 - q))
        return {"rating": "very_satisfied" if clean else b.rating(weights)}
    if rule == "bonus":
        if "tiers" in item:  # the window's case volume
            return {"value": int(c.weight * r.uniform(1400, 3000))}
        return {"count": r.choice((1, 2)) if r.random() < 0.1 + 0.75 * q else 0}
    return {"vetoed": False}


def _answers(b: _Builder, c: _Centre, template: dict[str, Any], clean: bool = False) -> dict[str, Any]:
    return {it["id"]: _answer(b, c, it, clean) for s in template["sections"] for it in s["items"]}


def _lapsed(template: dict[str, Any], answers: dict[str, Any]) -> list[str]:
    out = []
    for s in template["sections"]:
        for it in s["items"]:
            a = answers.get(it["id"], {})
            counted = it["rule"] in ("deduct_each", "deduct_per_incident") and a.get("count", 0) > 0
            if counted or (it["rule"] == "veto" and a.get("vetoed")):
                out.append(it["id"])
    return out


def _workday_from(day: dt.date) -> dt.date:
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def build_inspections(b: _Builder, templates: dict[str, dict[str, Any]]) -> None:
    """Add the inspections and rectifications of the demo's months to the builder.

    Every centre has its monthly window standardisation inspection (标准化窗口考核) and a
    最美政务大厅 inspection each quarter. Last month, the best-run centre's hall was found
    clean (eligible for nomination) and the worst-run one had a veto (not eligible), so the
    monthly assessment always shows both.
    """
    r = b.rng
    inspectors = [u.id for u in b.users if u.role == "inspector"]
    supervisors = [u.id for u in b.users if u.role == "supervisor"]
    if not inspectors:  # a county without inspectors: its supervisors inspect in pairs
        inspectors = supervisors[:1]
    start, today = _day_of(b.start), _day_of(b.now)
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    best = max(b.centres, key=lambda c: c.quality)
    worst = min(b.centres, key=lambda c: c.quality)
    month = dt.date(start.year, start.month, 1)
    n = 0
    while month <= today:
        for c in b.centres:
            day = _workday_from(month + dt.timedelta(days=r.randint(2, 16)))
            if not (start <= day < today):
                continue
            n += 1
            forced = month == last_month and c in (best, worst)
            _inspection(b, c, "tpl-window-standard", templates["tpl-window-standard"], day, n,
                        inspectors, supervisors, clean=forced and c is best,
                        veto=(forced and c is worst) or (not forced and n % 17 == 0))
            if month.month % 3 == 0 and (n + month.month) % 4 == 0:
                later = _workday_from(day + dt.timedelta(days=r.randint(3, 9)))
                if later < today and later.month == month.month:
                    n += 1
                    _inspection(b, c, "tpl-hall-best", templates["tpl-hall-best"], later, n,
                                inspectors, supervisors, clean=forced and c is best,
                                veto=forced and c is worst)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    # This week's and last week's work: drafts being walked, submitted ones waiting for
    # review, returned ones waiting for the inspector; two special inspections (专项检查,
    # a checklist of lapses that scores nothing) submitted.
    states = ("draft", "submitted", "returned", "submitted", "draft", "returned", "submitted",
              "returned", "submitted", "draft")
    for k, (c, state) in enumerate(zip(b.centres, states, strict=False)):
        tid = "tpl-township-special" if k >= 8 else "tpl-window-standard"
        day = sub_workdays(today if is_workday(today) else sub_workdays(today, 1), k // 2)
        if day > start:
            n += 1
            _inspection(b, c, tid, templates[tid], day, n, inspectors, supervisors, state=state)


def sub_workdays(day: dt.date, n: int) -> dt.date:
    """The working day ``n`` working days before ``day``."""
    while n > 0:
        day -= dt.timedelta(days=1)
        if is_workday(day):
            n -= 1
    return day


def _inspection(b: _Builder, c: _Centre, tid: str, template: dict[str, Any], day: dt.date, n: int,
                inspectors: list[str], supervisors: list[str], state: str | None = None,
                clean: bool = False, veto: bool = False) -> None:
    """One inspection; ``state`` (draft, submitted, returned) for this week's, else by its age."""
    r = b.rng
    t0 = min(b.worktime(day), b.now - 4 * 3_600_000) if state else b.worktime(day)
    age = (b.now - t0) / DAY_MS
    who = [r.choice(inspectors)]
    reviewer = next((s for s in supervisors if s not in who), supervisors[0])
    answers = _answers(b, c, template, clean)
    if veto:
        found = [it["id"] for s in template["sections"] for it in s["items"] if it["rule"] == "veto"]
        if found:
            answers[r.choice(found)] = {"vetoed": True, "note": r.choice(VETO_NOTES)}
    iid = f"ins-{c.id}-{day.isoformat()}-{n}"
    windows = sorted(c.windows)
    data: dict[str, Any] = {
        "centre_id": c.id, "template_id": tid, "template_version": template["version"],
        "target": {"kind": "window", "window_id": r.choice(windows)}
        if windows and tid == "tpl-window-standard" else {"kind": "centre"},
        "inspector_ids": who, "started_at": t0, "items": answers,
        "location": {"lat": round(c.lat, 6), "lon": round(c.lon, 6), "accuracy": r.randint(5, 40)}}
    for iid_item, note in zip(_lapsed(template, answers), LAPSE_NOTES, strict=False):
        if not answers[iid_item].get("note"):
            answers[iid_item] = {**answers[iid_item], "note": note}
    first = next(iter(answers))
    if not answers[first].get("note"):
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
    # What the server will compute (the same scorer): the monthly assessment's input, which
    # the award plans read to nominate only eligible centres and windows.
    scored = rubric.score(template, answers)
    window = data["target"].get("window_id")
    b.approved.append((c.id, window, _day_of(t0), scored["score"], bool(scored["vetoed"])))
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
    if age < 12 or n % 7 in (0, 3):  # open: recent, or long past its time (the sweep flags it)
        b.add("rectifications", rid, data, at + 3_600_000)
        if age >= 25 and n % 7 == 3:  # and a supervisor has marked it overdue (逾期未整改)
            b.overdue_orders.append(rid)
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
