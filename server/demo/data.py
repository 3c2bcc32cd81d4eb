"""A deterministic demo county: 12 township centres and twelve months of their work.

Pure: no I/O and no database. ``build_demo`` returns plain data that the ``fieldsync demo``
command writes through the normal store. Every record satisfies ``sync/schemas.json`` and
leaves the server-computed fields (``due_at``, ``overdue``, ``points``, ``reply_due``) out.

Times are Asia/Shanghai (UTC+8) office hours on China's official working days (the
project's calendar, ``sync.calendar``: public holidays off, 调休 weekend days worked; a few
appointment cases on free Saturdays); the only timestamps after ``now_ms`` are
``planned_at`` of still-planned visits (at most a week ahead). Everything is relative to
``now_ms``, so a demo built today is about the twelve months to today.

The twelve townships differ on purpose (``QUALITY``): a well-run hall finishes nearly every
case on time, is rated well at call-backs and scores 90+ in its monthly window
standardisation inspections; a struggling one finishes more cases late (each late one
answered for by an accountability record), is rated worse and scores lower, so the
overview, the rankings, the trends and the monthly assessment have something to say.

Rubric templates are the seed rubrics transcribed in ``server/demo/rubrics/*.json``
(record id ``tpl-<file stem>``), scored as ``RUBRICS.md`` says (``sync/rubric.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import uuid
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sync.deadlines import add_working_days, is_workday

from .. import clock
from .awards import AwardPlan, plan_awards
from .inspections import build_inspections
from .tables import (
    CENTRES,
    FAMILY_NAMES,
    GIVEN_NAMES,
    MATTERS,
    VILLAGES,
    WINDOWS,
    Matter,
)

DEMO_PASSWORD = "demo1234"
COUNTY_ID = "county-qingshan"
COUNTY_NAME = "青山县"
REGION_CODE = "360925"  # the county's 6-digit division code in ID numbers
#: why a case was returned (退办), as its notice prints it
RETURN_REASONS = ("经审查申请材料与实际情况不符，不符合办理条件",
                  "申请人主动撤回申请，原件已全部退还",
                  "经现场踏勘不具备办理条件，已一次性说明理由",
                  "该事项须由县级部门办理，已告知申请途径")
COUNTY_LAT, COUNTY_LON = 28.8612, 115.3347
MIN_MS, HOUR_MS, DAY_MS = 60_000, 3_600_000, 86_400_000
_CST = dt.timezone(dt.timedelta(hours=8))
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RATINGS = ("very_satisfied", "satisfied", "fairly_satisfied", "average", "dissatisfied")
_GOOD = (70, 21, 5, 2.5, 1.5)
_WEAK = (22, 30, 20, 16, 12)
_POOR = (20, 20, 20, 20, 20)
#: how well each township's hall is run, c01..c12 (0..1): late completions, ratings at
#: call-backs and inspection lapses follow it. 城关镇 (c01) and 高桥镇 (c06) lead; 黄土岭乡
#: (c07) struggles.
QUALITY = (0.97, 0.8, 0.45, 0.7, 0.55, 0.95, 0.15, 0.65, 0.75, 0.5, 0.6, 0.88)


@dataclass(frozen=True)
class DemoUser:
    """A demo login; all share ``DEMO_PASSWORD``."""

    username: str
    password: str
    name: str
    role: str  # field | centre | inspector | supervisor | admin
    centre_ids: tuple[str, ...]
    county_id: str | None

    @property
    def id(self) -> str:
        """The user's id, fixed in advance: records name staff by it (``staff_ids``,
        ``handler_id``), as the app does with the logged-in user's id."""
        return f"u-{self.username}"


@dataclass(frozen=True)
class DemoRecord:
    """One record to store; ``at`` is when it was (notionally) last edited, epoch ms."""

    collection: str
    id: str
    data: dict[str, Any]
    at: int


@dataclass(frozen=True)
class DemoOp:
    """One op a demo user sends (a phone's or the workspace's), as it reaches the server:
    who in which role, at which corrected time, and the paths it sets."""

    id: str
    user_id: str
    role: str
    at: int
    collection: str
    record: str
    set: dict[str, Any]
    #: the code the server refuses it with (it is then quarantined); None: it is applied
    refused: str | None = None

    def op(self) -> dict[str, Any]:
        """The op as its device sends it (without ``base`` and ``at``, which the sender adds)."""
        return {"id": self.id, "collection": self.collection, "record": self.record, "set": self.set}


@dataclass(frozen=True)
class DemoCounty:
    """The whole demo: reference records first, then the rest in time order."""

    county_id: str
    county_name: str
    users: tuple[DemoUser, ...]
    records: tuple[DemoRecord, ...]
    #: the award flows, applied as their people after the records (``server.demo.awards``)
    awards: tuple[AwardPlan, ...] = ()
    #: open rectification orders long past due that a supervisor marks ``overdue``
    overdue_orders: tuple[str, ...] = ()
    #: what its people did from their phones and the workspace, applied as them through
    #: the store before the sweep runs (send-backs, dismissals, a reopening, a late intake)
    activity: tuple[DemoOp, ...] = ()
    #: ops its people sent that the server refuses (``DemoOp.refused``): they wait in the
    #: supervisor's quarantine queue, applied last
    refusals: tuple[DemoOp, ...] = ()


def id_check_digit(body: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a 17-digit resident ID body."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def sub_weekdays(day: dt.date, n: int) -> dt.date:
    """The date ``n`` official working days before ``day`` (the project's calendar)."""
    while n > 0:
        day -= dt.timedelta(days=1)
        if is_workday(day):
            n -= 1
    return day


def local_ms(day: dt.date, minutes: float) -> int:
    """Epoch ms of ``minutes`` after midnight of ``day`` in China time."""
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=_CST)
    return int(midnight.timestamp()) * 1000 + int(minutes * MIN_MS)


def _day_of(ms: int) -> dt.date:
    return dt.datetime.fromtimestamp(ms / 1000, _CST).date()


def add_weekdays(day: dt.date, n: int) -> dt.date:
    """The date ``n`` official working days after ``day`` (``n == 0``: the same day)."""
    return add_working_days(day, n)


@dataclass
class _Centre:
    id: str
    name: str
    weight: float
    lat: float
    lon: float
    windows: dict[str, dict[str, Any]]
    staff: list[str]
    villages: list[tuple[str, float, float]]
    quality: float = 0.8

    @property
    def late(self) -> float:
        """How likely a time-limited case of this centre is finished after its promise."""
        return 0.003 + 0.09 * float((1 - self.quality) ** 1.5)

    @property
    def ratings(self) -> tuple[float, ...]:
        """Rating weights (very satisfied … dissatisfied) of this centre's applicants."""
        q = self.quality
        return tuple(q * g + (1 - q) * w for g, w in zip(_GOOD, _WEAK, strict=True))


class _Builder:
    def __init__(self, seed: int, now: int, months: int) -> None:
        self.rng = random.Random(seed)
        self.returned = 0  # returned cases so far (their reasons are taken in turn)
        self.now = now
        # From the first of the month ``months`` months back: every one of the last
        # ``months`` whole months is complete, plus this month so far.
        today = _day_of(now)
        first = dt.date(today.year - (months - today.month + 12) // 12,
                        (today.month - months - 1) % 12 + 1, 1)
        self.start = local_ms(first, 0)
        self.records: list[DemoRecord] = []
        self.users: list[DemoUser] = []
        self.centres: list[_Centre] = []
        self.matters: dict[str, Matter] = {}
        self.used_names: set[str] = set()
        #: approved inspections as the server will score them: (centre, window or None,
        #: day started, score, vetoed), for the award plans (``server.demo.awards``)
        self.approved: list[tuple[str, str | None, dt.date, float | None, bool]] = []
        self.overdue_orders: list[str] = []
        #: replied complaints the supervisor sends back recently: (id, the reason)
        self.sent_back: list[tuple[str, str]] = []
        #: build_deadlines' open cases, by (centre, "past" | "soon")
        self.deadline_cases: dict[tuple[str, str], str] = {}
        self.activity: list[DemoOp] = []
        self.refusals: list[DemoOp] = []

    # -- helpers ------------------------------------------------------------------------

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def add(self, collection: str, rid: str, data: dict[str, Any], at: int) -> None:
        self.records.append(DemoRecord(collection, rid, data, min(at, self.now)))

    def worktime(self, day: dt.date) -> int:
        """A moment in office hours (8:30-12:00, 14:00-17:30) of ``day``."""
        r = self.rng
        minutes = r.uniform(510, 720) if r.random() < 0.62 else r.uniform(840, 1050)
        return local_ms(day, minutes)

    def rating(self, weights: tuple[float, ...] = _GOOD) -> str:
        return self.rng.choices(_RATINGS, weights)[0]

    def name(self, female: bool, born: int) -> str:
        era = 0 if born < 1965 else 1 if born < 1990 else 2
        return self.rng.choice(FAMILY_NAMES) + self.rng.choice(GIVEN_NAMES[female][era])

    def person(self, age: tuple[int, int], at: int, phone: bool = True) -> dict[str, Any]:
        r = self.rng
        female = r.random() < 0.5
        birth = _day_of(at) - dt.timedelta(days=r.randint(age[0] * 365 + 1, age[1] * 365 + 300))
        region = REGION_CODE if r.random() < 0.9 else r.choice(("360902", "360921", "360983"))
        order = f"{r.randint(0, 99):02d}{r.choice('02468' if female else '13579')}"
        body = f"{region}{birth:%Y%m%d}{order}"
        out = {"name": self.name(female, birth.year), "id_number": body + id_check_digit(body)}
        if phone:
            out["phone"] = self.phone()
        return out

    def phone(self) -> str:
        head = self.rng.choice(("13", "15", "18", "17", "19", "13", "15"))
        return head + str(self.rng.randint(0, 9) if head != "17" else 7) + "".join(
            str(self.rng.randint(0, 9)) for _ in range(8))

    def staff_name(self) -> str:
        while True:
            female = self.rng.random() < 0.5
            name = self.name(female, self.rng.randint(1968, 1998))
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    def near(self, lat: float, lon: float, spread: float) -> tuple[float, float]:
        r = self.rng
        return lat + r.uniform(-spread, spread), lon + r.uniform(-spread, spread) * 1.15

    # -- reference data -----------------------------------------------------------------

    def build_reference(self) -> None:
        r = self.rng
        for i, (name, road, weight) in enumerate(CENTRES, start=1):
            cid = f"c{i:02d}"
            lat, lon = (COUNTY_LAT, COUNTY_LON) if i == 1 else self.near(
                COUNTY_LAT, COUNTY_LON, 0.22)
            extra = r.sample(range(4, len(WINDOWS)), r.randint(0, 4) if i > 1 else 4)
            picked = [WINDOWS[k] for k in sorted([0, 1, 2, 3, *extra])]
            windows = {f"w{n}": {"name": w, "unit": u, "active": True}
                       for n, (w, u) in enumerate(picked, start=1)}
            villages = [(v, *self.near(lat, lon, 0.06)) for v in r.sample(VILLAGES, 7)]
            centre = _Centre(cid, name, weight, lat, lon, windows, [], villages,
                             QUALITY[(i - 1) % len(QUALITY)])
            self.centres.append(centre)
            self.add("centres", cid, {
                "name": f"{name}便民服务中心", "county_id": COUNTY_ID,
                "code": f"{REGION_CODE}{100 + i:03d}",
                "address": f"{COUNTY_NAME}{name}{road}{r.randint(1, 180)}号",
                "phone": f"0795-{r.randint(4, 8)}{r.randint(100000, 999999)}",
                "hours": "周一至周五 8:30-12:00, 14:00-17:30;周六上午预约服务;午间延时服务",
                "windows": windows}, self.start)
        for i, m in enumerate(MATTERS, start=1):
            mid = f"m{i:03d}"
            self.matters[mid] = m
            data: dict[str, Any] = {
                "name": m.name, "county_id": COUNTY_ID, "code": f"QS-{m.dept_code}-{i:03d}",
                "kind": m.kind, "time_limit_days": m.days, "department": m.dept,
                "materials": list(m.materials), "fee": m.fee,
                "home_service": "h" in m.flags, "active": True}
            if m.basis:
                data["legal_basis"] = m.basis
            self.add("matters", mid, data, self.start)
        for tid, template in rubrics().items():
            self.add("templates", tid, {**template, "county_id": COUNTY_ID}, self.start)

    def build_users(self) -> None:
        def user(username: str, role: str, centres: tuple[str, ...] = (),
                 county: str | None = COUNTY_ID) -> None:
            self.users.append(DemoUser(username, DEMO_PASSWORD, self.staff_name(), role,
                                       centres, county))

        user("admin", "admin", county=None)
        user("supervisor", "supervisor")
        user("supervisor2", "supervisor")
        user("inspector", "inspector")
        user("inspector2", "inspector")
        for c in self.centres:
            for username, role in ((f"{c.id}-centre", "centre"), (f"{c.id}-field1", "field"),
                                   (f"{c.id}-field2", "field")):
                user(username, role, (c.id,))
                c.staff.append(self.users[-1].id)
        user("shared-field", "field", ("c11", "c12"))
        for c in self.centres[10:12]:
            c.staff.append(self.users[-1].id)

    # -- activity -----------------------------------------------------------------------

    def build_activity(self) -> None:
        r = self.rng
        ids = list(self.matters)
        day = _day_of(self.start)
        today = _day_of(self.now)
        cases: list[tuple[str, _Centre, int, dict[str, Any]]] = []
        while day <= today:
            weights = [m.weight * (4 if "i" in m.flags and day.month >= 9 else 1)
                       for m in self.matters.values()]
            # Official working days (holidays off, 调休 weekends worked); appointments on a
            # Saturday after an ordinary working Friday (not in a holiday).
            open_day = is_workday(day)
            saturday = day.weekday() == 5 and is_workday(day - dt.timedelta(days=1))
            for c in self.centres:
                lam = 2.65 * c.weight if open_day else (0.3 if saturday else 0.0)
                for _ in range(_poisson(r, lam)):
                    mid = r.choices(ids, weights)[0]
                    case = self.case(c, mid, day, saturday=not open_day)
                    if case:
                        cases.append(case)
            day += dt.timedelta(days=1)
        # Complaints come more from the halls run worse.
        made = 0
        while made < 90:
            pick = r.choice(cases)
            if r.random() < pick[1].quality * 0.7:
                continue
            self.complaint(*pick)
            made += 1
        self.build_today(cases)
        self.build_deadlines()
        build_inspections(self, rubrics())
        # Last: its draws from the generator change nothing made before.
        self.build_replies_owed()

    def build_today(self, cases: list[tuple[str, _Centre, int, dict[str, Any]]]) -> None:
        """Each field worker's home-service visits of today (10:00 and 15:00, for recent
        cases of their centre): a demo login opens on a 今日 screen with work on it."""
        r = self.rng
        today = _day_of(self.now)
        for c in self.centres:
            recent = [x for x in cases if x[1] is c and x[2] >= self.now - 20 * DAY_MS][-12:]
            field = [u.id for u in self.users if u.role == "field" and c.id in u.centre_ids]
            for lead, minutes in zip(field, (600, 900), strict=False):
                if not recent:
                    break
                cid, _c, _t0, case = r.choice(recent)
                self.visit(c, cid, case, "home_service", local_ms(today, minutes + r.randint(0, 30)), lead,
                           planned_from=max(self.start, self.now - 2 * DAY_MS))

    def build_deadlines(self) -> None:
        """Work against the clock in six centres: an open case past its promise (the sweep
        turns it overdue and opens accountability), one due by the end of the next working
        day, one waiting for materials, one returned with its reason, and an unanswered
        complaint older than five working days; in two of them a complaint whose reply the
        supervisor sends back."""
        r = self.rng
        today = _day_of(self.now)
        timed = [m for m in self.matters.values() if m.days >= 3]
        for c in self.centres[:6]:
            m = r.choice(timed)
            mid = next(k for k, v in self.matters.items() if v is m)
            handler = r.choice(c.staff)
            for kind, back in (("past", m.days + 3), ("soon", m.days - 1), ("supplement", 2),
                               ("returned", 4)):
                day = sub_weekdays(today, back)
                t0 = min(self.worktime(day), self.now - 1)
                data: dict[str, Any] = {
                    "centre_id": c.id, "matter_id": mid, "applicant": self.person(m.ages, t0),
                    "channel": "window", "handler_id": handler, "first_asked_by": handler,
                    "window_id": next((k for k, w in c.windows.items() if w["unit"] == m.unit), "w1"),
                    "accepted_at": t0, "status": "handling"}
                if kind == "supplement":
                    data.update(status="supplement",
                                missing_materials=list(m.materials[:2]) or ["身份证复印件"],
                                notes="已一次性告知补齐材料，出具补件清单")
                elif kind == "returned":
                    data.update(status="returned",
                                return_reason="申请人要求撤回申请，材料已全部退还")
                cid = self.uid()
                if kind in ("past", "soon"):
                    self.deadline_cases[(c.id, kind)] = cid
                self.add("cases", cid, data, t0 + r.randint(5, 60) * MIN_MS)
            received = min(self.worktime(sub_weekdays(today, 8)), self.now - 1)
            self.add("complaints", self.uid(), {
                "centre_id": c.id, "content": f"反映办理{m.name}超过承诺时限仍未办结",
                "received_at": received, "channel": "hotline", "status": "open",
                "complainant": {"name": self.person(m.ages, received)["name"], "phone": self.phone()}},
                received)
            if len(self.sent_back) < 2:
                got = min(self.worktime(sub_weekdays(today, 4)), self.now - 1)
                replied = min(self.worktime(sub_weekdays(today, 2)), self.now - 1)
                rid = self.uid()
                self.add("complaints", rid, {
                    "centre_id": c.id, "content": f"反映办理{m.name}时多次补材料，未一次性告知",
                    "received_at": got, "channel": "phone", "status": "replied",
                    "replied_at": replied, "reply": "已提醒窗口人员注意服务态度",
                    "complainant": {"name": self.person(m.ages, got)["name"], "phone": self.phone()}},
                    replied)
                self.sent_back.append((rid, "答复未说明一次性告知制度的落实和整改措施，请补充后重新答复"))
        # The struggling township finished a case late on the last working day of last month
        # (so last month's on-time rates always differ; the sweep answers it for accountability).
        worst = min(self.centres, key=lambda x: x.quality)
        m = r.choice(timed)
        mid = next(k for k, v in self.matters.items() if v is m)
        done_day = today.replace(day=1) - dt.timedelta(days=1)
        while not is_workday(done_day):
            done_day -= dt.timedelta(days=1)
        accepted = self.worktime(sub_weekdays(done_day, m.days + 2))
        done = local_ms(done_day, r.uniform(900, 1020))
        handler = r.choice(worst.staff)
        self.add("cases", self.uid(), {
            "centre_id": worst.id, "matter_id": mid, "applicant": self.person(m.ages, accepted),
            "channel": "window", "handler_id": handler, "first_asked_by": handler,
            "window_id": next((k for k, w in worst.windows.items() if w["unit"] == m.unit), "w1"),
            "accepted_at": accepted, "status": "completed", "completed_at": done,
            "notes": "联办部门会签超时，超期办结"}, done)

    def at_work(self, back: int) -> int:
        """A moment in office hours ``back`` working days before today (before now)."""
        return min(self.worktime(sub_weekdays(_day_of(self.now), back)), self.now - 1)

    def op(self, user: str, role: str, at: int, collection: str, record: str,
           values: dict[str, Any], refused: str | None = None) -> DemoOp:
        made = DemoOp(f"demo-{len(self.activity) + len(self.refusals) + 1:03d}-{record}",
                      f"u-{user}", role, at, collection, record, values, refused)
        (self.refusals if refused else self.activity).append(made)
        return made

    def build_replies_owed(self) -> None:
        """Complaints as the phones and the workspace leave them, each applied as its person
        through the store: replies the supervisor sent back, recently (the new reply not yet
        due) and seven working days ago in 城关镇 (c01, the first centre login) and 黄土岭乡 (c07)
        (the new reply five working days late: the sweep turns it overdue and opens its one
        accountability record); in c01 a dismissal (不予受理) with its reason as the reply, a
        dismissal the centre reopened that waits for a new reply, and a letter entered three
        working days after it came in (its reply due from ``received_at``). Then two ops the
        server refuses, for the supervisor's quarantine queue: a field worker's 不予受理 of a
        case already being handled (``invalid_transition``) and a supervisor's extension of a
        case already past its deadline (``invalid`` at ``extension``)."""
        r = self.rng
        m = self.matters
        for rid, reason in self.sent_back:
            self.op("supervisor", "supervisor", self.at_work(1), "complaints", rid,
                    self.send_back(reason))
        for c in (self.centres[0], self.centres[6]):
            got, replied = self.at_work(14), self.at_work(11)
            rid = self.uid()
            self.add("complaints", rid, {
                "centre_id": c.id, "content": "反映午休时间窗口无人值守，未落实延时服务",
                "received_at": got, "channel": "hotline", "status": "replied",
                "replied_at": replied, "reply": "已要求窗口落实午间轮岗",
                "complainant": {"name": self.person((25, 70), got)["name"], "phone": self.phone()}},
                replied)
            self.op("supervisor", "supervisor", self.at_work(7), "complaints", rid, self.send_back(
                "答复未说明午间轮岗的具体安排和监督措施，投诉人回访仍不满意，请核实后重新答复"))
        c01 = self.centres[0]
        got = self.at_work(3)
        rid = self.uid()
        self.add("complaints", rid, {
            "centre_id": c01.id, "content": "反映邻居建房占用村道，要求中心处理",
            "received_at": got, "channel": "phone", "status": "open",
            "complainant": {"name": self.person((30, 70), got)["name"], "phone": self.phone()}}, got)
        self.op(f"{c01.id}-centre", "centre", self.at_work(2), "complaints", rid, {
            "status": "dismissed", "reply": "反映的是村民建房和道路管理问题，不属于便民服务中心受理范围，"
            "已告知投诉人向镇自然资源所和村委会反映，并提供了联系电话"})
        got = self.at_work(6)
        rid = self.uid()
        matter = r.choice([x for x in m.values() if x.days >= 3])
        self.add("complaints", rid, {
            "centre_id": c01.id, "content": f"反映办理{matter.name}时被要求提供与事项无关的证明材料",
            "received_at": got, "channel": "window", "status": "open",
            "complainant": {"name": self.person(matter.ages, got)["name"], "phone": self.phone()}},
            got)
        self.op(f"{c01.id}-centre", "centre", self.at_work(5), "complaints", rid, {
            "status": "dismissed", "reply": "所需材料系县级主管部门规定，不属于本中心可以调整的事项，"
            "已告知投诉人向县主管部门反映"})
        self.op(f"{c01.id}-centre", "centre", self.at_work(1), "complaints", rid,
                {"status": "open"})  # 重新受理: the material is not on the matter's list
        letter = self.at_work(4)
        self.op(f"{c01.id}-centre", "centre", self.at_work(1), "complaints", self.uid(), {
            "centre_id": c01.id, "content": "来信反映村便民代办点代办员长期不在岗，代办事项无人跑办",
            "channel": "letter", "status": "open", "received_at": letter,
            "complainant.name": self.person((40, 80), letter)["name"],
            "complainant.phone": self.phone()})
        soon = self.deadline_cases[(c01.id, "soon")]
        self.op(f"{c01.id}-field1", "field", self.at_work(0), "cases", soon, {
            "status": "refused", "refusal_reason": "申请人户籍不在本镇，不符合申请条件"},
            refused="invalid_transition")
        self.op("supervisor", "supervisor", self.at_work(0), "cases",
                self.deadline_cases[(c01.id, "past")],
                {"extension": {"days": 5, "reason": "需补充现场核查，申请延长办理时限"}},
                refused="invalid")

    def send_back(self, reason: str) -> dict[str, Any]:
        """The supervisor's send-back of a reply (replied → open), as the workspace sends it
        (``verification.at`` is the server's: the op's corrected time)."""
        return {"status": "open", "verification.by": "u-supervisor", "verification.at": self.now,
                "verification.passed": False, "verification.comment": reason}

    def case(self, c: _Centre, mid: str, day: dt.date,
             saturday: bool) -> tuple[str, _Centre, int, dict[str, Any]] | None:
        r, m = self.rng, self.matters[mid]
        t0 = self.worktime(day) if not saturday else local_ms(day, r.uniform(540, 690))
        if t0 > self.now:
            return None
        handler = r.choice(c.staff)
        if "h" in m.flags and r.random() < 0.3:
            channel = "home"
        elif saturday:
            channel = "appointment"
        elif "g" in m.flags and r.random() < 0.3:
            channel = "green"
        else:
            channel = r.choices(("window", "appointment", "agency", "green"),
                                (80, 9, 9 if m.kind != "immediate" else 3, 1))[0]
        window = next((k for k, w in c.windows.items() if w["unit"] == m.unit), "w1")
        applicant = self.person(m.ages, t0)
        cid = self.uid()
        data: dict[str, Any] = {
            "centre_id": c.id, "matter_id": mid, "applicant": applicant, "channel": channel,
            "window_id": window, "handler_id": handler,
            "first_asked_by": handler if r.random() < 0.75 else r.choice(c.staff)}
        if channel == "agency":
            data["notes"] = "全程代办：由代办员代为收件、跑办并送达结果"
        elif channel == "green":
            data["notes"] = "绿色通道：急难事项优先受理、优先办理"
        roll, refuse = r.random(), (0.045 if m.kind == "immediate" else 0.065)
        if roll < refuse and channel != "appointment":
            data["channel"] = "window"  # consulted or refused at the window
            data.pop("notes", None)
        if roll < 0.03:
            data["status"] = "consulted"
            data["notes"] = f"咨询办理流程，已一次性告知所需材料：{'、'.join(m.materials)}"
            self.add("cases", cid, data, t0 + r.randint(3, 15) * MIN_MS)
            return cid, c, t0, data
        if roll < refuse:
            data["status"] = "refused"
            data["refusal_reason"] = r.choice(m.refusals or (
                "申请事项不属于本中心受理范围，已告知向县级相关部门申请",
                "申请人不符合申请条件，已出具不予受理通知书并告知理由"))
            self.add("cases", cid, data, t0 + r.randint(10, 40) * MIN_MS)
            return cid, c, t0, data
        data["accepted_at"] = t0
        late = m.days > 0 and r.random() < c.late
        if m.days == 0:
            done = t0 + r.randint(5, 40) * MIN_MS
        else:
            k = m.days + r.randint(1, 12) if late else max(1, round(m.days * r.uniform(0.3, 0.9)))
            done = self.worktime(add_weekdays(day, k))
        if channel == "home":
            self.visit(c, cid, data, "home_service", t0 - r.randint(20, 50) * MIN_MS, handler)
        if "s" in m.flags:
            survey = add_weekdays(day, 1)
            while survey.weekday() != 3:  # 现场踏勘日: Thursdays
                survey = add_weekdays(survey, 1)
            started = local_ms(survey, r.uniform(540, 630))
            self.visit(c, cid, data, "site_survey", started, handler, planned_from=t0)
            after = add_weekdays(survey, r.randint(1, 3))
            if not late:  # keep the promise: finish by the deadline, after the survey
                after = min(after, max(add_weekdays(day, m.days), survey))
            done = max(done, local_ms(after, r.uniform(840, 1050)))
        if done <= self.now:
            if m.days and r.random() < 0.015:
                data["status"] = "returned"
                # The reason the 退办通知书 prints (taken in turn: the demo's random stream,
                # and so the rest of the county, stays as it was).
                self.returned += 1
                data["return_reason"] = RETURN_REASONS[self.returned % len(RETURN_REASONS)]
                data["notes"] = "经审查不符合办理条件，已出具退办通知书并一次性说明理由"
            else:
                data["status"] = "completed"
                data["completed_at"] = done
                self.after_completion(c, cid, data, done, m)
            self.add("cases", cid, data, done)
            return cid, c, t0, data
        if m.days and r.random() < 0.15:
            data["status"] = "supplement"
            data["missing_materials"] = r.sample(m.materials[1:] or m.materials,
                                                 min(2, len(m.materials) - 1) or 1)
            data["notes"] = "已一次性告知补齐材料，出具补件清单"
        else:
            data["status"] = "accepted" if self.now - t0 < DAY_MS else "handling"
        self.add("cases", cid, data, t0 + r.randint(5, 90) * MIN_MS)
        return cid, c, t0, data

    def after_completion(self, c: _Centre, cid: str, case: dict[str, Any], done: int,
                         m: Matter) -> None:
        r, handler = self.rng, case["handler_id"]
        if case["channel"] != "home" and r.random() < 0.085:
            self.evaluation(c, {"case_id": cid, "source": "evaluator", "staff_id": handler},
                            done + r.randint(0, 3) * MIN_MS, None)
        if r.random() < 0.12:
            when = self.worktime(add_weekdays(_day_of(done), r.randint(1, 5)))
            if when <= self.now:
                self.evaluation(c, {"case_id": cid, "source": "callback", "staff_id": handler},
                                when, "电话回访:")
        if r.random() < 0.004:
            when = self.worktime(add_weekdays(_day_of(done), r.randint(1, 10)))
            if when <= self.now:
                self.evaluation(c, {"case_id": cid, "source": "hotline", "staff_id": handler},
                                when, "12345热线转办:", _POOR)
        if "f" in m.flags and r.random() < 0.15:
            when = local_ms(add_weekdays(_day_of(done), r.randint(5, 25)), r.uniform(540, 960))
            if when <= self.now + 7 * DAY_MS:
                self.visit(c, cid, case, "follow_up", when, case["handler_id"],
                           planned_from=done)

    def visit(self, c: _Centre, case_id: str, case: dict[str, Any], kind: str, start: int,
              lead: str, planned_from: int | None = None) -> None:
        r = self.rng
        village, vlat, vlon = r.choice(c.villages)
        lat, lon = self.near(vlat, vlon, 0.004)
        others = [s for s in c.staff if s != lead]
        staff = [lead, *r.sample(others, 1 if kind != "site_survey" else min(2, len(others)))]
        m = self.matters[case["matter_id"]]
        reason, outcome = {
            "home_service": (f"{self.home_reason(case)},预约上门受理{m.name}",
                             "已现场核对材料、采集信息，申请人在工作人员手机上签字确认"),
            "site_survey": (f"{m.name}现场踏勘(现场踏勘日，多部门联合)",
                            "已现场核实，各部门在踏勘意见上签字，符合条件"),
            "follow_up": (f"{m.name}办结后走访，了解政策落实和生活情况",
                          "待遇已按时发放，群众表示满意，无其他诉求"),
        }[kind]
        data: dict[str, Any] = {
            "centre_id": c.id, "kind": kind, "case_id": case_id, "staff_ids": staff,
            "applicant": dict(case["applicant"]), "reason": reason,
            "address": f"{COUNTY_NAME}{c.name}{village}村{r.randint(1, 12)}组{r.randint(1, 60)}号",
            "planned_at": start - start % (30 * MIN_MS)}
        if kind == "home_service" and r.random() < 0.25:
            data["notes"] = r.choice(("往返约60公里山路", "申请人卧床，由家属协助签字",
                                      "同时宣传了医保参保政策"))
        created = planned_from if planned_from is not None else start - DAY_MS
        ended = start + r.randint(25, 110) * MIN_MS
        if start > self.now:
            data["status"] = "planned"
            at = min(created + r.randint(10, 60) * MIN_MS, self.now)
        elif kind != "home_service" and r.random() < 0.03:
            data["status"] = "cancelled"
            data["notes"] = "申请人外出未归，已电话联系另约时间"
            at = data["planned_at"]
        else:
            data["started_at"] = start
            accuracy = r.uniform(4, 40) if r.random() < 0.85 else r.uniform(40, 300)
            data["location"] = {"lat": round(lat, 6), "lon": round(lon, 6),
                                "accuracy": round(accuracy, 1)}
            if ended > self.now:
                data["status"] = "in_progress"
                at = start
            else:
                data["status"] = "done"
                data["ended_at"] = ended
                data["outcome"] = outcome
                at = ended
        vid = self.uid()
        self.add("visits", vid, data, at)
        if data["status"] == "done" and kind == "home_service" and r.random() < 0.25:
            self.evaluation(c, {"case_id": case_id, "visit_id": vid, "source": "good_bad",
                                "staff_id": lead}, ended + r.randint(0, 2) * MIN_MS, None)

    def home_reason(self, case: dict[str, Any]) -> str:
        born = int(case["applicant"]["id_number"][6:10])
        if _day_of(self.now).year - born >= 70:
            return "申请人年老体弱、行动不便"
        return self.rng.choice(("申请人患病卧床、行动不便", "申请人残疾，出行困难",
                                "申请材料较多，需现场核实"))

    def evaluation(self, c: _Centre, data: dict[str, Any], at: int, prefix: str | None,
                   weights: tuple[float, ...] | None = None) -> None:
        rating = self.rating(weights or c.ratings)
        data = {"centre_id": c.id, **data, "rating": rating, "at": at}
        good = rating in ("very_satisfied", "satisfied")
        if prefix is not None or self.rng.random() < 0.35:
            data["comment"] = (prefix or "") + self.rng.choice(
                ("办事效率高，态度热情", "一次就办好了，不用来回跑", "工作人员讲解很耐心",
                 "上门服务很贴心，感谢") if good else (
                "等候时间较长", "材料要求没有一次讲清楚", "办理进度告知不及时"))
        self.add("evaluations", self.uid(), data, at)

    def complaint(self, case_id: str, c: _Centre, t0: int, case: dict[str, Any]) -> None:
        r, m = self.rng, self.matters[case["matter_id"]]
        received = self.worktime(add_weekdays(_day_of(t0), r.randint(1, 4)))
        if received > self.now:
            received = t0 + (self.now - t0) // 2
        content = r.choice((
            f"反映办理{m.name}时窗口工作人员态度生硬",
            f"反映{m.name}超过承诺时限仍未办结" if m.days else "反映即办事项未能当场办结",
            "反映午休时间窗口无人值守，未落实延时服务", f"反映办理{m.name}多次补材料，未一次性告知",
            "反映工作人员上班时间玩手机、串岗聊天", "反映大厅叫号系统故障，排队时间过长"))
        data: dict[str, Any] = {
            "centre_id": c.id, "content": content, "received_at": received,
            "channel": r.choices(("phone", "hotline", "window", "letter", "online"),
                                 (30, 35, 15, 5, 15))[0],
            "complainant": {"name": case["applicant"]["name"],
                            "phone": case["applicant"].get("phone") or self.phone()}}
        if r.random() < 0.7:
            data["case_id"] = case_id
        days = r.randint(1, 4) if r.random() < 0.9 else r.randint(6, 8)
        replied = self.worktime(add_weekdays(_day_of(received), days))
        if replied > self.now or r.random() < 0.05:
            data["status"] = "open"
            at = received
        else:
            data["replied_at"] = at = replied
            data["status"] = r.choices(("replied", "verified", "dismissed"), (50, 30, 20))[0]
            data["reply"] = {
                "replied": "已督促窗口单位整改，并电话告知投诉人处理情况",
                "verified": "经核查情况属实，已对相关工作人员批评教育并向投诉人致歉，限期整改",
                "dismissed": "经调查核实，反映情况不属实，已按规定办理并向投诉人解释说明",
            }[data["status"]]
            if data["status"] != "replied":
                data["verified"] = data["status"] == "verified"
        self.add("complaints", self.uid(), data, at)


def rubrics() -> dict[str, dict[str, Any]]:
    """The seed rubric templates shipped in ``server/demo/rubrics``, by record id."""
    folder = resources.files("server.demo").joinpath("rubrics")
    return {f"tpl-{entry.name.removesuffix('.json')}": json.loads(entry.read_text("utf-8"))
            for entry in sorted(folder.iterdir(), key=lambda e: e.name)
            if entry.name.endswith(".json")}


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


_ORDER = {"centres": 0, "matters": 1, "templates": 2}


def build_demo(seed: int = 20261122, now_ms: int | None = None, months: int = 12) -> DemoCounty:
    """Build the demo county: users, reference data and ``months`` of activity to ``now_ms``.

    Deterministic: the same ``seed`` and ``now_ms`` give identical output. ``now_ms``
    defaults to the current time.
    """
    now = clock.now_ms() if now_ms is None else now_ms
    b = _Builder(seed, now, months)
    b.build_reference()
    b.build_users()
    b.build_activity()
    ref = [x for x in b.records if x.collection in _ORDER]
    rest = sorted((x for x in b.records if x.collection not in _ORDER),
                  key=lambda x: (x.at, x.collection, x.id))
    awards = plan_awards(b.approved, now, {c.id: f"u-{c.id}-centre" for c in b.centres},
                         [u.id for u in b.users if u.role == "supervisor"])
    return DemoCounty(COUNTY_ID, COUNTY_NAME, tuple(b.users), tuple(ref + rest), tuple(awards),
                      tuple(b.overdue_orders), tuple(b.activity), tuple(b.refusals))
