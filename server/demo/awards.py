"""The demo county's awards (评优评先), one at each stage of the award flow.

Pure and deterministic: ``plan_awards`` reads the approved inspections the builder made
(scored by the server's own scorer) and returns, per award, the ops its people make in turn:
the centre nominates (申报) and its leader signs, the supervision section (督查科) and the
evaluation group (考评小组) review, the leadership meeting decides, the public notice (公示)
runs three working days, the title is awarded; one is rejected, one withdrawn after a failed
re-check. ``fieldsync demo`` applies the steps as those roles through the store
(``server.demo.seed``), so the transitions, rights, required fields, the eligibility check
(a monthly average of at least 90 and no veto) and the computed notice end are the
server's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sync.deadlines import add_working_days, is_workday

from ..assessment import standing

_CST = dt.timezone(dt.timedelta(hours=8))
HOUR_MS, DAY_MS = 3_600_000, 86_400_000

Approved = tuple[str, str | None, dt.date, float | None, bool]


@dataclass(frozen=True)
class AwardStep:
    """One op of an award's flow: who (user id and role) sets what, when."""

    user_id: str
    role: str
    at: int
    set: dict[str, Any]


@dataclass(frozen=True)
class AwardPlan:
    """One award record's life in the demo."""

    id: str
    centre_id: str
    steps: tuple[AwardStep, ...]


# The stage each planned award stops at, in the order candidates are handed out (the
# most recent eligible months go to the awards still in progress).
STAGES = ("group_reviewed", "nominated", "leader_signed", "supervision_reviewed", "notice",
          "decided", "rejected", "awarded", "awarded", "withdrawn")
_FLOW = ("nominated", "leader_signed", "supervision_reviewed", "group_reviewed", "decided",
         "notice", "awarded")
# How many months before last month an award stopping at a stage is about (at least).
_AGE = {"nominated": 0, "leader_signed": 0, "supervision_reviewed": 0, "group_reviewed": 0,
        "decided": 1, "rejected": 1, "notice": 1, "awarded": 2, "withdrawn": 6}
_KINDS = {"civilised_window": "月度文明窗口", "red_flag_window": "红旗窗口"}
DEEDS = (
    "窗口严格落实首问负责、一次性告知和限时办结制度，当月办件全部按时办结，群众满意率达99%以上。",
    "窗口人员主动延时服务、预约服务，为行动不便的老人上门办理，收到群众感谢信和锦旗。",
    "窗口推行“一窗受理、集成服务”，申请材料精简三分之一，群众办事“最多跑一次”。",
    "窗口工作人员业务熟练、态度热情，当月电话回访群众无一不满意，无投诉。",
)
OPINIONS = {
    "leader": "情况属实，同意推荐。",
    "supervision": "经督查科核实，该窗口当月考核成绩达标，无有效投诉，同意报考评小组评审。",
    "group": "经考评小组评审，符合评选条件，提请领导班子会议研究。",
    "decision": "经局领导班子会议研究决定，同意授予该称号，按程序进行公示。",
}
REJECTED = "经督查科核实，该窗口当月有一件办件超期办结，不符合评选条件。"
WITHDRAWN = "复查发现该窗口获评后被群众投诉并经查实，服务质量下滑，撤销称号。"
OBJECTION = ("反映该窗口有工作人员午休时间未落实延时服务",
             "经核查，当日为窗口轮休安排，已有人员值守，异议不成立。")


def _month_back(month: dt.date, n: int) -> dt.date:
    y, m = divmod(month.year * 12 + month.month - 1 - n, 12)
    return dt.date(y, m + 1, 1)


def _at(day: dt.date, hour: float) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=_CST).timestamp() * 1000
               + hour * HOUR_MS)


def _workday_on_or_after(day: dt.date) -> dt.date:
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def eligible_windows(approved: list[Approved]) -> list[tuple[dt.date, str, str, float]]:
    """``(month, centre, window, mean score)`` of every window eligible for a month, newest
    month first (the rule of ``server.assessment.standing``, on approved inspections)."""
    grouped: dict[tuple[dt.date, str, str], list[tuple[float | None, bool]]] = {}
    for centre, window, day, score, vetoed in approved:
        if window is not None:
            grouped.setdefault((day.replace(day=1), centre, window), []).append((score, vetoed))
    out = []
    for (month, centre, window), scores in grouped.items():
        result = standing(scores)
        if result["eligible"]:
            out.append((month, centre, window, float(result["score"])))
    return sorted(out, key=lambda x: (-x[0].toordinal(), -x[3], x[1], x[2]))


def plan_awards(approved: list[Approved], now: int, centre_staff: dict[str, str],
                supervisors: list[str]) -> list[AwardPlan]:
    """The demo's awards: one per entry of ``STAGES`` that an eligible window can fill.

    ``centre_staff``: centre id -> the user id of its centre staff (who nominates and signs
    as the department's leader); ``supervisors``: the county's supervisors (the first
    reviews for the supervision section, the second for the evaluation group).
    """
    today = dt.datetime.fromtimestamp(now / 1000, _CST).date()
    last = _month_back(today.replace(day=1), 1)
    candidates = eligible_windows(approved)
    used: set[tuple[str, dt.date]] = set()
    plans: list[AwardPlan] = []
    sup = supervisors[0]
    group = supervisors[1] if len(supervisors) > 1 else sup
    for n, stage in enumerate(STAGES):
        newest = _month_back(last, _AGE[stage])
        fits = [c for c in candidates if c[0] <= newest and (c[1], c[0]) not in used
                and c[1] in centre_staff]
        if not fits:
            continue
        # The newest month that fits; in it, a centre without an award yet first.
        fits = [c for c in fits if c[0] == fits[0][0]]
        pick = next((c for c in fits if c[1] not in {u for u, _m in used}), fits[0])
        month, centre, window, score = pick
        used.add((centre, month))
        kind = "civilised_window" if n % 3 else "red_flag_window"
        plans.append(AwardPlan(f"award-{centre}-{month:%Y-%m}-{kind.split('_')[0]}", centre,
                               _steps(stage, n, month, centre, window, score, kind,
                                      centre_staff[centre], sup, group, now, today)))
    return plans


def _steps(stage: str, n: int, month: dt.date, centre: str, window: str, score: float,
           kind: str, staff: str, sup: str, group: str, now: int,
           today: dt.date) -> tuple[AwardStep, ...]:
    # Nominated in the first working days of the month after the period.
    start = _workday_on_or_after(_month_back(month, -1) + dt.timedelta(days=n % 3))
    first = min(_at(start, 9.5), now - 3 * HOUR_MS)
    stop = stage if stage in _FLOW else ("supervision_reviewed" if stage == "rejected" else "awarded")
    flow = _FLOW[:_FLOW.index(stop) + 1]
    # Two working days between steps; the public notice runs three working days and the
    # title is awarded the working day after it ends.
    times, day = [first], start
    for name in flow[1:]:
        day = add_working_days(day, 4 if name == "awarded" else 2)
        times.append(_at(day, 10 + len(times) % 5))
    if stage == "notice":  # still in its notice: it started this working day (or the last)
        begun = today if is_workday(today) and now >= _at(today, 9) else _previous_workday(today)
        times[-1] = min(_at(begun, 9), now - HOUR_MS)
    end = min(times[-1], now - HOUR_MS)
    if len(times) > 1 and (end != times[-1] or times != sorted(times)):
        # An award still in progress: its steps squeezed in between nomination and now.
        end = max(end, first + len(times) * 60_000)
        times = [first + (end - first) * k // (len(times) - 1) for k in range(len(times))]
    label = _KINDS[kind]
    steps: list[AwardStep] = []
    for name, at in zip(flow, times, strict=True):
        if name == "nominated":
            steps.append(AwardStep(staff, "centre", at, {
                "centre_id": centre, "kind": kind, "window_id": window, "period": f"{month:%Y-%m}",
                "score": score, "status": "nominated",
                "nomination": {"by": staff, "at": at, "deeds": DEEDS[n % len(DEEDS)],
                               "reason": f"{month.month}月窗口标准化考核平均{score:g}分，无否决事项，"
                                         f"申报{label}"}}))
        elif name == "leader_signed":
            steps.append(AwardStep(staff, "centre", at, {
                "status": name, "leader": {"by": staff, "at": at, "approved": True,
                                           "comment": OPINIONS["leader"]}}))
        elif name in ("supervision_reviewed", "group_reviewed", "decided"):
            key = {"supervision_reviewed": "supervision", "group_reviewed": "group",
                   "decided": "decision"}[name]
            who = group if key == "group" else sup
            steps.append(AwardStep(who, "supervisor", at, {
                "status": name, key: {"by": who, "at": at, "approved": True,
                                      "comment": OPINIONS[key]}}))
        elif name == "notice":
            steps.append(AwardStep(sup, "supervisor", at, {"status": "notice",
                                                           "notice_started_at": at}))
            if stage in ("notice", "awarded") and n % 2 == 0:  # an objection during the notice
                content, resolution = OBJECTION
                objection: dict[str, Any] = {"at": at + 5 * HOUR_MS, "content": content,
                                             "by_name": "匿名"}
                if stage == "awarded":
                    objection.update(resolution=resolution, upheld=False)
                if objection["at"] < now:
                    steps.append(AwardStep(sup, "supervisor", objection["at"],
                                           {"objections": {"o1": objection}}))
        elif name == "awarded":
            steps.append(AwardStep(sup, "supervisor", at, {"status": "awarded", "awarded_at": at}))
    if stage == "rejected":  # the supervision section turns it down instead
        steps[-1] = AwardStep(sup, "supervisor", steps[-1].at,
                              {"status": "rejected", "rejected_reason": REJECTED,
                               "supervision": {"by": sup, "at": steps[-1].at, "approved": False,
                                               "comment": REJECTED}})
    if stage == "withdrawn":
        at = min(steps[-1].at + 90 * DAY_MS, now - HOUR_MS)
        steps.append(AwardStep(sup, "supervisor", at, {
            "status": "withdrawn", "withdrawn_reason": WITHDRAWN,
            "recheck": {"by": sup, "at": at, "passed": False, "note": WITHDRAWN}}))
    return tuple(steps)


def _previous_workday(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while not is_workday(day):
        day -= dt.timedelta(days=1)
    return day
