"""Simulated field devices for fieldsync: offline edits, skewed clocks, bad networks.

A :class:`SimDevice` logs in, keeps a synced copy ``{(collection, record): change}`` and
an outbox of pending ops, makes random offline edits, and :meth:`SimDevice.sync` does one
push+pull round trip (paging until ``more`` is false), exactly as the HTTP contract in
``DESIGN.md`` describes. Fault knobs (:class:`Faults`) lose responses, duplicate and replay
pushes, shuffle ops and gzip bodies. :func:`run_fleet` drives several devices at random and
then lets them settle. Used by ``tests/test_convergence.py`` and ``scripts/bench.py``.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

Json = dict[str, Any]
Key = tuple[str, str]
API = "/api/v1"
APP_VERSION = "2026.11.1"
SCOPED = ("visits", "cases", "complaints")
NAMESPACE = uuid.UUID("6f1c2a4e-2b7d-4c55-9f0e-5d1e0c0ffee0")



def _w(words: str) -> list[str]:
    return words.split()


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董潘袁蔡蒋"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彬斌辉鹏建国"
TOWNS = _w("城关镇 河口乡 石桥镇 柳林乡 白马镇 青山乡 龙泉镇 双河乡 新店镇 黄土岭乡 大坪镇 桃园乡")
VILLAGES = _w("东村 西坪村 王家湾村 李家庄村 上河村 下寨村 新华社区 红旗村 高桥村 杨柳村 三合村")
MATTERS = _w("城乡居民基本养老保险参保登记 农村宅基地建房审批 残疾人两项补贴申请 最低生活保障申请"
             " 临时救助申请 高龄津贴申请 医疗救助申请 个体工商户设立登记 食品经营许可 林木采伐许可"
             " 生育登记服务 退役军人优待证申领 农村危房改造补助 新生儿落户登记")
REASONS = _w("年老体弱行动不便 长期卧病在床 肢体残疾无法出行 家中无人陪同 居住地距中心四十余公里"
             " 需现场核实房屋情况 材料较多需当面指导 农忙季节无法离开")
MATERIALS = _w("身份证 户口簿 不动产权证 残疾人证 医院诊断证明 银行卡复印件 村委会证明 房屋现状照片"
               " 营业场所证明 承诺书")
SENTENCES = """{date}，{staff}与{staff2}驱车前往{town}{village}，为{name}办理{matter}。
申请人{name}今年{age}岁，{reason}，经电话预约后安排上门服务。
现场核对了{m1}、{m2}和{m3}，材料齐全，当场受理并出具受理通知书。
经核实还缺少{m1}，已按一次性告知制度开具补件清单，约定{n}个工作日内补齐。
{name}在工作人员手机上签字确认，现场采集照片{n}张，定位精度约{acc}米。
往返路程约{km}公里，用时{h}小时，村干部{staff2}全程陪同并协助说明情况。
申请人对服务表示满意，回访时评价为很满意，并提出希望{town}增设代办点。
现场踏勘发现房屋东侧墙体有裂缝约{n}处，需住建部门进一步鉴定后再作结论。
按照首问负责制，由{staff}全程代办，预计{n}个工作日内办结，办结后送达到户。
{village}共有{n}户需办理{matter}，本次集中办理{k}户，其余户另行预约。
群众反映窗口办理时间较长，已向中心负责人{staff}报告并记录整改意见。
因网络信号较弱，照片和签字先保存在手机上，返回中心后再同步上传。
核查{m1}原件后退还，复印件由{staff}签字留存，归入{matter}档案。
建议下一步由{town}民政办跟进落实，并于{date}前电话回访办理结果。""".splitlines()


def matter_ids(n: int = 3) -> list[str]:
    """Fixed ids of the county's matters that simulated cases refer to."""
    return [str(uuid.uuid5(NAMESPACE, f"matter-{i}")) for i in range(1, n + 1)]


def _lexicon(size: int = 5000) -> tuple[list[str], list[float]]:
    """Zipf-weighted words: domain terms and function words first, then 1-3 character words
    drawn from GB2312 level-1 characters, so notes compress like real prose, not like a
    handful of repeated sentences."""
    rng = random.Random(2026)
    chars = [bytes([a, b]).decode("gb2312") for a in range(0xB0, 0xD8) for b in range(0xA1, 0xFF)
             if (a, b) < (0xD7, 0xFA)]
    rng.shuffle(chars)
    head = [*"的了在是和对已与将按经由并及向于不有为等", *MATERIALS, *REASONS, *TOWNS, *VILLAGES,
            "申请人", "工作人员", "群众", "窗口", "材料", "办理", "受理", "核实", "现场", "签字", "回访"]
    cum = list(itertools.accumulate(1 / (rank + 30) for rank in range(len(chars))))
    words = head + ["".join(rng.choices(chars, cum_weights=cum, k=rng.choice((1, 2, 2, 2, 3))))
                    for _ in range(size - len(head))]
    return words, list(itertools.accumulate(1 / (rank + 3) for rank in range(len(words))))


LEXICON = _lexicon()


def chinese_text(rng: random.Random, nbytes: int, max_chars: int = 1990) -> str:
    """Plausible, varied Chinese work notes of about ``nbytes`` UTF-8 bytes: domain sentences
    with random slots, interleaved with Zipf-distributed free text."""
    out: list[str] = []
    size = 0
    while size < nbytes:
        if rng.random() < 0.25:
            slots = {
                "date": f"{rng.randint(2024, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
                "staff": person_name(rng), "staff2": person_name(rng), "name": person_name(rng),
                "town": rng.choice(TOWNS), "village": rng.choice(VILLAGES),
                "matter": rng.choice(MATTERS), "age": rng.randint(60, 96),
                "reason": rng.choice(REASONS), "n": rng.randint(2, 20), "k": rng.randint(1, 9),
                "acc": rng.randint(3, 60), "km": rng.randint(8, 110), "h": rng.randint(1, 6),
                "m1": rng.choice(MATERIALS), "m2": rng.choice(MATERIALS),
                "m3": rng.choice(MATERIALS)}
            s = rng.choice(SENTENCES).format(**slots)
        else:
            words = rng.choices(LEXICON[0], cum_weights=LEXICON[1], k=rng.randint(4, 14))
            s = "".join(words) + rng.choice("，，，。。；")
        out.append(s)
        size += len(s.encode())
    return "".join(out)[:max_chars]


def person_name(rng: random.Random) -> str:
    """A random Chinese personal name."""
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def id_number(rng: random.Random) -> str:
    """A random 18-digit resident ID number with a valid GB 11643 check digit."""
    body = f"{rng.choice([430, 431, 511, 522])}{rng.randint(100, 999)}" \
           f"{rng.randint(1930, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" \
           f"{rng.randint(0, 999):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def flatten(data: Json, prefix: str = "") -> Json:
    """Nested objects to dotted leaf paths (arrays are leaves)."""
    out: Json = {}
    for k, v in data.items():
        if isinstance(v, dict) and v:
            out.update(flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def make_record(rng: random.Random, collection: str, centre_id: str, now: int,
                notes_bytes: int = 300) -> Json:
    """A realistic new record (nested data) for one of the scoped collections."""
    person = {"name": person_name(rng), "id_number": id_number(rng),
              "phone": f"1{rng.randint(3, 9)}{rng.randint(0, 10**9 - 1):09d}"}
    if collection == "visits":
        return {"centre_id": centre_id, "kind": rng.choice(["home_service", "site_survey", "follow_up"]),
                "status": "planned", "applicant": person, "staff_ids": [f"u{rng.randint(1, 40)}"],
                "address": f"{rng.choice(TOWNS)}{rng.choice(VILLAGES)}{rng.randint(1, 99)}组",
                "planned_at": now + rng.randint(0, 7 * 86_400_000), "reason": rng.choice(REASONS),
                "location": {"lat": round(rng.uniform(25, 30), 6), "lon": round(rng.uniform(105, 112), 6),
                             "accuracy": rng.randint(3, 80)},
                "notes": chinese_text(rng, notes_bytes)}
    if collection == "cases":
        return {"centre_id": centre_id, "matter_id": rng.choice(matter_ids()), "status": "accepted",
                "channel": rng.choice(["window", "home", "agency", "appointment"]), "applicant": person,
                "notes": chinese_text(rng, notes_bytes)}  # accepted_at: the server's
    return {"centre_id": centre_id, "content": chinese_text(rng, notes_bytes),  # received_at: the server's
            "channel": rng.choice(["window", "phone", "hotline"]), "complainant": person, "status": "open"}


def random_changes(rng: random.Random, collection: str) -> Json:
    """One to three leaf-path edits for an existing record (nested paths included)."""
    pool: dict[str, Any] = {
        "visits": {"location.lat": lambda: round(rng.uniform(25, 30), 6),
                   "location.lon": lambda: round(rng.uniform(105, 112), 6),
                   "location.accuracy": lambda: rng.randint(3, 80),
                   "applicant.phone": lambda: f"139{rng.randint(0, 10**8 - 1):08d}",
                   "applicant.name": lambda: person_name(rng),
                   "status": lambda: rng.choice(["in_progress", "done", "cancelled"]),
                   "outcome": lambda: chinese_text(rng, 60), "notes": lambda: chinese_text(rng, 200)},
        # No state changes: which of two racing devices' transitions is legal depends on arrival
        # order (sync/rights.py), and the fault tests compare runs that differ only in order.
        # No bare handler changes: a case changes hands only by a hand-over (sync/cases.py).
        "cases": {"window_id": lambda: f"w{rng.randint(1, 6)}",
                  "applicant.phone": lambda: f"138{rng.randint(0, 10**8 - 1):08d}",
                  "channel": lambda: rng.choice(["window", "home", "agency", "appointment", "green"]),
                  "notes": lambda: chinese_text(rng, 150)},
        # No status changes either (the complaint lifecycle is enforced like a case's).
        "complaints": {"reply": lambda: chinese_text(rng, 120),
                       "complainant.phone": lambda: f"137{rng.randint(0, 10**8 - 1):08d}"},
        "matters": {"fee": lambda: rng.choice(["不收费", "工本费10元"]),
                    "department": lambda: rng.choice(["民政办", "社保所", "自然资源所"])},
    }
    gens = pool.get(collection, {"notes": lambda: chinese_text(rng, 100)})
    paths = rng.sample(sorted(gens), k=min(len(gens), rng.randint(1, 3)))
    return {p: gens[p]() for p in paths}


@dataclass
class Faults:
    """Probabilities of network misbehaviour, per request (``gzip``/``shuffle``: always)."""

    drop_response: float = 0.0  # the server applies the push, the device never sees the answer
    duplicate: float = 0.0  # the same request body arrives twice
    replay: float = 0.0  # an older push arrives again after a newer one
    shuffle: bool = False  # ops for different records reordered within a batch
    gzip: bool = False  # request bodies sent with Content-Encoding: gzip


@dataclass
class SentOp:
    """An op the device sent, with every result the server reported for it."""

    op: Json
    sends: int = 0
    reports: list[Json] = field(default_factory=list)

    def _firm(self) -> Json | None:
        firm = [r for r in self.reports if r["status"] != "duplicate"]
        return firm[0] if firm else (self.reports[-1] if self.reports else None)

    @property
    def status(self) -> str | None:
        """The first definitive status (``duplicate`` only if nothing else was seen)."""
        return None if (r := self._firm()) is None else str(r["status"])

    @property
    def version(self) -> int | None:
        """The version reported with that status."""
        return None if (r := self._firm()) is None or r.get("version") is None else int(r["version"])


class SyncFailed(Exception):
    """The server answered a sync or login with an error status."""


@dataclass
class SimDevice:
    """One simulated phone: credentials, clock skew, faults, synced copy and outbox."""

    username: str
    password: str
    skew_ms: int = 0
    faults: Faults = field(default_factory=Faults)
    county_id: str | None = None
    batch: int = 500
    limit: int = 500
    accept_encoding: str | None = None
    seed: int | None = None
    bad_ops: float = 0.0  # share of random edits that are deliberately invalid
    trace: list[httpx.Response] | None = None  # if a list, every sync response is appended
    local: dict[Key, Json] = field(default_factory=dict)
    outbox: list[Json] = field(default_factory=list)
    sent: dict[str, SentOp] = field(default_factory=dict)
    cursor: str | None = None
    requests: int = 0
    bytes_up: int = 0
    bytes_down: int = 0

    def connect(self, base_url: str, client: httpx.Client | None = None) -> None:
        """Log in at ``base_url`` (``POST /api/v1/auth/login``) and remember the token."""
        self.rng = random.Random(self.seed)
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.Client(timeout=60.0)
        self.created: dict[Key, Json] = {}  # made here, not yet seen in a pull
        self.history: list[tuple[bytes, dict[str, str]]] = []  # recent pushes, for replays
        self.made: list[Json] = []  # every op made here, in order
        self.bad: set[str] = set()  # ids of deliberately invalid ops
        self.seen: dict[str, Json] = {}  # op id -> synced values of the paths it overwrote
        r = self.client.post(f"{self.base_url}{API}/auth/login", json={
            "username": self.username, "password": self.password, "device_name": f"sim-{self.username}"})
        if r.status_code != 200:
            raise SyncFailed(f"login {self.username}: {r.status_code} {r.text}")
        body = r.json()
        self.token, self.device_id, self.user = body["token"], body["device_id"], body["user"]
        self.centre_ids: list[str] = list(self.user.get("centre_ids") or [])

    def now(self) -> int:
        """The device's own (skewed) clock in ms."""
        return time.time_ns() // 1_000_000 + self.skew_ms

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _op(self, collection: str, record: str, changes: Json, delete: bool = False) -> Json:
        known = self.local.get((collection, record))
        base = int(known["version"]) if known else 0
        op_id = self._uuid()
        op = {"id": op_id, "collection": collection, "record": record, "base": base,
              "at": self.now(), "set": changes, "delete": delete}
        if known:  # what this edit overwrites, as the device saw it
            view = {**flatten(known["data"]), "_deleted": bool(known.get("deleted"))}
            self.seen[op_id] = {p: view.get(p) for p in [*changes, "_deleted"]}
        self.outbox.append(op)
        self.made.append(op)
        return op

    # -- edits made offline -------------------------------------------------------------------
    def update(self, collection: str, record: str, changes: Json) -> Json:
        """Queue an edit of leaf paths (dotted for nested keys) of a record."""
        return self._op(collection, record, changes)

    def delete(self, collection: str, record: str) -> Json:
        """Queue a delete (tombstone) of a record."""
        self.created.pop((collection, record), None)
        return self._op(collection, record, {}, delete=True)

    def create(self, collection: str, data: Json | None = None, record: str | None = None) -> Json:
        """Queue a new record (in one of the user's centres unless ``data`` says otherwise)."""
        centres = self.centre_ids or sorted(r for c, r in self.local if c == "centres")
        if data is None:
            centre = self.rng.choice(centres or ["c-none"])
            data = make_record(self.rng, collection, centre, self.now())
        rec = record or self._uuid()
        self.created[(collection, rec)] = data
        return self._op(collection, rec, flatten(data))

    def editable(self) -> list[Key]:
        """Records this device may edit: synced, not deleted, plus its own unsynced creates."""
        keys = {k for k, c in self.local.items() if not c.get("deleted") and k[0] in SCOPED}
        if self.user.get("role") in ("supervisor", "admin"):
            keys |= {k for k, c in self.local.items() if not c.get("deleted") and k[0] == "matters"}
        return sorted(keys | set(self.created))

    def bad_edit(self) -> Json:
        """An op the server must quarantine: invalid value, unknown collection, out of scope."""
        keys = [k for k in self.editable() if k[0] == "visits"]
        kind = self.rng.choice(["invalid", "collection", "scope" if self.centre_ids else "invalid"])
        if kind == "invalid" and keys:
            op = self.update(*self.rng.choice(keys), {"location.lat": 123.5})
        elif kind == "invalid":
            op = self.create("visits", {"centre_id": "c-x", "kind": "teleport"})
        elif kind == "collection":
            op = self._op("parcels", self._uuid(), {"centre_id": "c-x", "weight": 3})
        else:  # a real centre of the county that is not this user's, if one is known
            other = [r for c, r in self.local if c == "centres" and r not in self.centre_ids]
            centre = self.rng.choice(other or ["c-elsewhere"])
            op = self.create("visits", make_record(self.rng, "visits", centre, self.now()))
        self.created.pop((op["collection"], op["record"]), None)
        self.bad.add(op["id"])
        return op

    def random_edit(self) -> Json:
        """One random offline edit: create (40%), update (45%) or delete (15%).

        With probability ``bad_ops`` it is an op the server must reject instead.
        """
        if self.rng.random() < self.bad_ops:
            return self.bad_edit()
        keys = self.editable()
        roll = self.rng.random()
        if not keys or roll < 0.4:
            if self.user.get("role") in ("supervisor", "admin") and self.county_id and roll < 0.1:
                return self.create("matters", {
                    "name": self.rng.choice(MATTERS), "kind": "time_limited",
                    "county_id": self.county_id, "time_limit_days": self.rng.randint(1, 20)})
            return self.create(self.rng.choice(SCOPED))
        coll, rec = self.rng.choice(keys)
        if roll < 0.85 or coll == "matters":
            return self.update(coll, rec, random_changes(self.rng, coll))
        return self.delete(coll, rec)

    # -- the network --------------------------------------------------------------------------
    def _post(self, raw: bytes, headers: dict[str, str]) -> httpx.Response:
        r = self.client.post(f"{self.base_url}{API}/sync", content=raw, headers=headers)
        self.requests, self.bytes_up = self.requests + 1, self.bytes_up + len(raw)
        self.bytes_down += r.num_bytes_downloaded
        if self.trace is not None:
            self.trace.append(r)
        if r.status_code != 200:
            raise SyncFailed(f"sync {self.username}: {r.status_code} {r.text[:500]}")
        return r

    def _batch(self, skip: set[str]) -> list[Json]:
        ops = [op for op in self.outbox if op["id"] not in skip][: self.batch]
        if not self.faults.shuffle:
            return ops
        lanes: dict[Key, list[Json]] = {}
        for op in ops:
            lanes.setdefault((op["collection"], op["record"]), []).append(op)
        order = [k for k, lane in lanes.items() for _ in lane]
        self.rng.shuffle(order)  # per-record order is kept, records interleave at random
        return [lanes[k].pop(0) for k in order]

    def sync(self) -> Json:
        """One push+pull round trip, paging until ``more`` is false.

        Returns ``{"requests", "pushed", "changes", "dropped"}``. A lost response ends the
        round early; the ops stay in the outbox and are resent (same ids) next time.
        """
        f, tried = self.faults, set[str]()
        summary = {"requests": 0, "pushed": 0, "changes": 0, "dropped": False}
        while True:
            ops = self._batch(tried)
            body = {"cursor": self.cursor, "clock": self.now(), "ops": ops, "limit": self.limit,
                    "status": {"pending": len(self.outbox), "app_version": APP_VERSION,
                               "storage_bytes": 600 * len(self.local)}}
            raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
            headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
            if self.accept_encoding:
                headers["Accept-Encoding"] = self.accept_encoding
            if f.gzip:
                raw, headers["Content-Encoding"] = gzip.compress(raw, 6), "gzip"
            for op in ops:
                self.sent.setdefault(op["id"], SentOp(op)).sends += 1
            tried.update(op["id"] for op in ops)
            if self.rng.random() < f.duplicate:
                self._post(raw, headers)  # the first copy's answer is lost on the way back
                summary["requests"] += 1
            resp = self._post(raw, headers)
            summary["requests"] += 1
            if ops:
                self.history = [*self.history[-7:], (raw, headers)]
            if self.rng.random() < f.drop_response:
                summary["dropped"] = True
                return summary
            page = resp.json()
            self._absorb(page)
            summary["pushed"] += len(ops)
            summary["changes"] += len(page["changes"])
            if ops and len(self.history) > 1 and self.rng.random() < f.replay:
                self._post(*self.rng.choice(self.history[:-1]))  # late duplicate, answer unseen
                summary["requests"] += 1
            if not page.get("more") and not [op for op in self.outbox if op["id"] not in tried]:
                return summary

    def _absorb(self, page: Json) -> None:
        done = {}
        for res in page.get("results", []):
            done[res["op"]] = res
            if res["op"] in self.sent:
                sent = self.sent[res["op"]]
                sent.reports.append(res)
                if res["status"] == "rejected":
                    self.created.pop((sent.op["collection"], sent.op["record"]), None)
        self.outbox = [op for op in self.outbox if op["id"] not in done]
        if page.get("reset"):
            self.local.clear()
        for ch in page.get("changes", []):
            key = (ch["collection"], ch["record"])
            self.local[key] = ch
            self.created.pop(key, None)
        self.cursor = page.get("cursor", self.cursor)


def settle(devices: Sequence[SimDevice], max_rounds: int = 50) -> int:
    """Sync every device, faults off, until no one pushes or receives anything; rounds used."""
    saved = [d.faults for d in devices]
    try:
        for d in devices:
            d.faults = Faults(gzip=d.faults.gzip)
        for n in range(1, max_rounds + 1):
            busy = False
            for d in devices:
                s = d.sync()
                busy |= bool(s["pushed"] or s["changes"] or d.outbox)
            if not busy:
                return n
        raise RuntimeError(f"fleet did not settle in {max_rounds} rounds")
    finally:
        for d, f in zip(devices, saved, strict=True):
            d.faults = f


def run_fleet(base_url: str, devices: Sequence[SimDevice], steps: int, rng: random.Random,
              *, edit_share: float = 0.6, settle_after: bool = True) -> Json:
    """Drive ``devices`` for ``steps`` random steps (bursts of offline edits or a sync).

    Devices not yet connected log in first (their rng seeded from ``rng``). Ends with
    :func:`settle` unless ``settle_after`` is false. Returns counts of what happened.
    """
    for d in devices:
        if not hasattr(d, "token"):
            d.seed = rng.getrandbits(64) if d.seed is None else d.seed
            d.connect(base_url)
    stats = {"edits": 0, "syncs": 0, "dropped": 0, "requests": 0, "rounds": 0}
    for _ in range(steps):
        d = rng.choice(devices)
        if rng.random() < edit_share:
            for _ in range(rng.randint(1, 4)):
                d.random_edit()
                stats["edits"] += 1
        else:
            s = d.sync()
            stats["syncs"], stats["dropped"] = stats["syncs"] + 1, stats["dropped"] + int(s["dropped"])
            stats["requests"] += s["requests"]
    if settle_after:
        stats["rounds"] = settle(devices)
    return stats


def main(argv: list[str] | None = None) -> None:
    """CLI: run a fleet of simulated devices against a running server."""
    p = argparse.ArgumentParser(description="Run simulated fieldsync devices against a server.")
    p.add_argument("--url", default="http://127.0.0.1:8000", help="server base URL")
    p.add_argument("--device", action="append", required=True, metavar="USER:PASS[:SKEW_MS]",
                   help="a device to simulate (repeat); skew in ms, may be negative")
    p.add_argument("--county", help="county id (lets supervisors create matters)")
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--drop", type=float, default=0.0, help="P(response lost)")
    p.add_argument("--dup", type=float, default=0.0, help="P(push duplicated)")
    p.add_argument("--replay", type=float, default=0.0, help="P(older push replayed)")
    p.add_argument("--shuffle", action="store_true", help="shuffle ops across records")
    p.add_argument("--gzip", action="store_true", help="gzip request bodies")
    a = p.parse_args(argv)
    faults = Faults(a.drop, a.dup, a.replay, a.shuffle, a.gzip)
    devices = []
    for spec in a.device:
        user, pw, *rest = spec.split(":")
        devices.append(SimDevice(user, pw, int(rest[0]) if rest else 0, faults, a.county))
    stats = run_fleet(a.url, devices, a.steps, random.Random(a.seed))
    print(json.dumps(stats))
    for d in devices:
        print(f"{d.username}: {len(d.local)} records, {len(d.sent)} ops sent, "
              f"{d.requests} requests, {d.bytes_up} B up, {d.bytes_down} B down")


if __name__ == "__main__":
    main()
