"""fieldsync inspections benchmark: pushing inspections against visits, and the inspection
screen on a 120-item rubric in Chromium with the main thread throttled.

a) **push**: ``--ops`` create ops of inspections (30 answered items, 3 photos referenced
   each, scored by the server on every write) against as many visit ops (~2.4 KB each),
   pushed in batches of ``--batch`` to a real server on a fresh database (``scripts.bench.push``);
   ops/s of each and their ratio (target ≥ 0.8);
b) **open offline**: an inspector's phone logs in, syncs once and holds the inspection
   pack; the server is stopped and the browser set offline; a 120-item inspection
   draft (119 items answered) is made through the
   app's own store; then, at ``--throttle`` x CPU, the walk (``#/inspection/ID/walk``) is opened
   from another screen: time from the hash change until the live score is on the screen
   (target ≤ 300 ms);
a'') **push as the phone sends** (beside a): the same kind of inspections, each as the ops
   the PWA's views make of it (one op per change: the create with its header, the position,
   each item's answer, note and each photo as taken, the signature with 提交; ``tap_ops``):
   ops/s, their ratio to visits (a visit is one op: the visit form saves it whole) and
   inspections per second;
a') **cpu** (``--cpu``): the same pushes run in this process through the server's own
   functions (parse, the writer's batch, the pull page and its encoding; no HTTP, no
   client): CPU ms per op of each kind (``getrusage``, steadier than ops/s on a shared
   machine), their ratio, and the stored bytes per record (data and path clocks);
c) **a tap**: at the same throttling, a click on an item's + button until the bar shows the new
   total (the handler, the rescore of all 120 items and the redraw run before the click
   returns; the save to IndexedDB follows): target ≤ 16 ms.

Run with ``scripts/bench --inspections`` or ``python -m scripts.inspect_bench --help``.
The machine is shared: figures vary with its load (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
import uuid
from pathlib import Path
from statistics import median
from typing import Any

from playwright.sync_api import sync_playwright

from scripts.bench import make_ops, push, user_id
from scripts.pwa_bench import throttle
from tests.support.county import COUNTY
from tests.support.inspections import INSPECTOR, county_users, seed_template
from tests.support.pwa import persistent, poll, wait_controlled, wait_inspection_pack, wait_ready
from tests.support.server import PASSWORD, running_server

CENTRE = "c-shiqiao"
Json = dict[str, Any]


def big_template(n_items: int = 120) -> Json:
    """A published template of ``n_items`` items in 8 sections: deduction sections (each
    lapse, capped; a veto) and earning ones (ratings, measured values)."""
    sections = []
    per = n_items // 8
    for s in range(8):
        items: list[Json] = []
        for i in range(per):
            iid = f"s{s}i{i}"
            if s % 2 == 0:
                items.append({"id": iid, "text": f"否决 {s}-{i}", "rule": "veto"} if i % 5 == 4 else
                             {"id": iid, "text": f"检查项 {s}-{i}", "rule": "deduct_each",
                              "per": 0.5, "cap": 2})
            elif i % 2:
                items.append({"id": iid, "text": f"满意度 {s}-{i}", "rule": "rating", "points": 1})
            else:
                items.append({"id": iid, "text": f"实测 {s}-{i}", "rule": "proportional",
                              "points": 1, "target": 100})
        earn = sum(it.get("points", 0) for it in items)
        sections.append({"id": f"S{s}", "name": f"第{s + 1}部分", "mode": "earn" if s % 2 else "deduct",
                         "points": earn if s % 2 else 12.5, "items": items})
    return {"name": "120 项考评", "county_id": COUNTY, "version": 1, "status": "published",
            "sections": sections}


def answer(item: Json, rng: random.Random) -> Json:
    rule = item["rule"]
    if rule == "deduct_each":
        return {"count": rng.choice((0, 0, 1))}
    if rule == "rating":
        return {"rating": rng.choice(("very_satisfied", "satisfied", "average"))}
    if rule == "proportional":
        return {"value": rng.randint(80, 100)}
    return {"vetoed": False}


def inspection_ops(rng: random.Random, n: int, template: Json, tid: str) -> list[Json]:
    """``n`` create ops of inspections: 30 answered items with a note and 3 photo hashes each."""
    items = [it for s in template["sections"] for it in s["items"]][:30]
    now = int(time.time() * 1000)
    ops = []
    for _ in range(n):
        data: Json = {"centre_id": CENTRE, "template_id": tid, "template_version": 1, "status": "submitted",
                      "started_at": now - 3_600_000, "submitted_at": now, "inspector_ids": ["u-bench"]}
        for it in items:
            for k, v in {**answer(it, rng), "note": "现场抽查情况记录",
                         "photos": [f"{rng.getrandbits(256):064x}" for _ in range(3)]}.items():
                data[f"items.{it['id']}.{k}"] = v
        ops.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "collection": "inspections",
                    "record": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "base": 0, "at": now,
                    "delete": False, "set": data})
    return ops


def tap_ops(rng: random.Random, n: int, template: Json, tid: str, inspector: str) -> list[Json]:
    """Ops of whole inspections (at least ``n`` ops) as the phone makes them: one op per change,
    the way ``pwa/app/views/inspections.js`` and ``inspection-walk.js`` send them.

    Per inspection: the create with its header (``inspectionNewView``: centre, template and
    version, ``draft``, start time, the inspector, ``target.kind``); the position as its own
    change (``location.*``); for each of 30 items in the walk's (template) order, its answer
    (one tap: ``无问题``/``+`` on a counter, a rating, a measured value, ``未发现`` on a veto
    item), its note, and each of 3 photos as taken (the ``photos`` array as it grows); then
    提交 (the signature with ``status`` and ``submitted_at``, one op). ``base`` 0 throughout:
    the walk is made offline, before the phone ever pulled the record (``outbox.edit``)."""
    items = [it for s in template["sections"] for it in s["items"]][:30]
    start = int(time.time() * 1000) - 3_600_000
    ops: list[Json] = []

    def op(record: str, at: int, values: Json) -> None:
        ops.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "collection": "inspections",
                    "record": record, "base": 0, "at": at, "set": values, "delete": False})

    while len(ops) < n:
        rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        at = start + len(ops) * 1000
        op(rid, at, {"centre_id": CENTRE, "template_id": tid, "template_version": template["version"],
                     "status": "draft", "started_at": at, "inspector_ids": [inspector],
                     "target.kind": "centre"})
        op(rid, at + 500, {"location.lat": round(30 + rng.random(), 6),
                           "location.lon": round(120 + rng.random(), 6),
                           "location.accuracy": rng.randint(5, 40)})
        for k, it in enumerate(items):
            t = at + 1000 * (k + 1)
            (key, value), = answer(it, rng).items()
            base = f"items.{it['id']}"
            op(rid, t, {f"{base}.{key}": value})
            op(rid, t + 100, {f"{base}.note": "现场抽查情况记录"})
            photos: list[str] = []
            for j in range(3):
                photos = [*photos, f"{rng.getrandbits(256):064x}"]
                op(rid, t + 200 + j * 100, {f"{base}.photos": photos})
        end = at + 1000 * (len(items) + 1)
        op(rid, end, {"signature": f"{rng.getrandbits(256):064x}", "status": "submitted",
                      "submitted_at": end})
    return ops


def per_inspection(ops: list[Json]) -> int:
    """Ops per inspection of a ``tap_ops`` stream."""
    return len(ops) // len({o["record"] for o in ops})


def thirds(ops: list[Json]) -> list[list[Json]]:
    """``ops`` in three parts of whole records, each record's ops in their order."""
    records = list(dict.fromkeys(o["record"] for o in ops))
    parts = [set(records[i::3]) for i in range(3)]
    return [[o for o in ops if o["record"] in part] for part in parts]


def push_part(a: argparse.Namespace, tmp: Path) -> None:
    rng = random.Random(a.seed)
    template = big_template()
    with running_server(tmp / "push") as server:
        seed_template(server.base_url, template=template, record="t-big")
        visits = make_ops(rng, a.ops, CENTRE, ("visits",))
        inspections = inspection_ops(rng, a.ops, template, "t-big")
        taps = tap_ops(rng, a.ops, template, "t-big", user_id(server.base_url, "field1"))
        v = [push(server.base_url, "field1", visits[i::3], a.batch) for i in range(3)]
        ins = [push(server.base_url, "field1", inspections[i::3], a.batch) for i in range(3)]
        tap = [push(server.base_url, "field1", part, a.batch) for part in thirds(taps)]
    each = per_inspection(taps)
    print(f"push, {a.ops} ops each in thirds, batches of {a.batch}: visits {median(v):,.0f} ops/s, "
          f"inspections (30 items, 3 photos each) {median(ins):,.0f} ops/s, "
          f"ratio {median(ins) / median(v):.2f}"
          " (target ≥ 0.8)")
    print(f"push, the same inspections as the phone sends them (one op per change, {each} ops an"
          f" inspection, {len(taps)} ops): {median(tap):,.0f} ops/s, ratio {median(tap) / median(v):.2f}"
          f" to visits, {median(tap) / each:,.1f} inspections/s")


def _principal(conn: Any, username: str) -> Any:
    """A new device's principal for ``username``, as the sync endpoint sees it."""
    from server.auth import authenticate, create_device
    from server.store import users
    user = users.get_user(conn, username)
    assert user is not None
    _, token = create_device(conn, user, "bench")
    return authenticate(conn, "Bearer " + token, idle_s=10**9, max_s=10**9)


def _push_in_process(conn: Any, who: Any, ops: list[Json], batch: int) -> None:
    """``ops`` pushed as the sync endpoint would: parsed, applied in one transaction per
    batch, the pull page read and encoded (the cursor carried)."""
    from server.api.sync import _push, parse_ops
    from server.store.pages import pull
    from server.wire import sync_body
    from sync.schema import load
    schemas = load()
    after = 0
    for i in range(0, len(ops), batch):
        checked = parse_ops(json.loads(json.dumps({"ops": ops[i:i + batch]}, ensure_ascii=False)),
                            1000, schemas)
        now = int(time.time() * 1000)
        conn.execute("BEGIN IMMEDIATE")
        results = _push(conn, who, checked, now, None, now, False)
        conn.execute("COMMIT")
        if any(r["status"] != "applied" for r in results):
            raise SystemExit(f"push: unexpected results {results[:3]}")
        page = pull(conn, who.scope.pull_scope(), after, batch, who.user_id)
        after = page.last_version
        sync_body(results, page, "cursor", False)


def _cpu_s() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def cpu_part(a: argparse.Namespace, tmp: Path) -> None:
    from server.store.sqlite import connect
    from tests.support.server import make_db
    rng = random.Random(a.seed)
    template = big_template()
    make_db(tmp / "cpu.db")
    conn = connect(tmp / "cpu.db")
    _push_in_process(conn, _principal(conn, "super1"), [{
        "id": str(uuid.uuid4()), "collection": "templates", "record": "t-big", "base": 0,
        "at": int(time.time() * 1000), "set": template}], 1)
    who = _principal(conn, "field1")
    ms: dict[str, float] = {}
    for _ in range(a.rounds):  # fresh records each round; the least CPU per op of each kind
        kinds = {"visits": make_ops(rng, a.ops, CENTRE, ("visits",)),
                 "inspections": inspection_ops(rng, a.ops, template, "t-big"),
                 "taps": tap_ops(rng, a.ops, template, "t-big", who.user_id)}
        for kind, ops in kinds.items():
            warm = min(a.batch, len(ops) // 5)  # caches filled, as on a running server
            _push_in_process(conn, who, ops[:warm], a.batch)
            start = _cpu_s()
            _push_in_process(conn, who, ops[warm:], a.batch)
            took = (_cpu_s() - start) / (len(ops) - warm) * 1000
            ms[kind] = min(ms.get(kind, took), took)
    sizes: dict[str, tuple[float, float]] = {}
    for kind, ops in kinds.items():
        ids = {o["record"] for o in ops}
        rows = [(d, m) for rid, d, m in conn.execute(
            "SELECT id, length(CAST(data AS BLOB)), length(CAST(meta AS BLOB)) FROM records"
            " WHERE collection=?", (ops[0]["collection"],)) if rid in ids]
        sizes[kind] = (sum(r[0] for r in rows) / len(rows), sum(r[1] for r in rows) / len(rows))
    conn.close()
    each = per_inspection(kinds["taps"])
    print(f"cpu, {a.ops} ops each, batches of {a.batch}, in process (least of {a.rounds} rounds):"
          f" visits {ms['visits']:.3f} ms/op,"
          f" inspections {ms['inspections']:.3f} ms/op, ratio {ms['visits'] / ms['inspections']:.2f};"
          f" as the phone sends them ({each} ops an inspection) {ms['taps']:.3f} ms/op, ratio"
          f" {ms['visits'] / ms['taps']:.2f}, {ms['taps'] * each:.1f} ms an inspection;"
          f" stored bytes per record (data + path clocks): visits {sizes['visits'][0]:,.0f} +"
          f" {sizes['visits'][1]:,.0f}, inspections {sizes['inspections'][0]:,.0f} +"
          f" {sizes['inspections'][1]:,.0f}, as the phone sends them {sizes['taps'][0]:,.0f} +"
          f" {sizes['taps'][1]:,.0f}")


MAKE = """async ([template, tid]) => {
  const s = await import('/app/store.js');
  const id = 'bench-' + Math.random().toString(36).slice(2);
  const set = {centre_id: 'c-shiqiao', template_id: tid, template_version: 1, status: 'draft',
               started_at: Date.now(), inspector_ids: ['me']};
  const items = template.sections.flatMap((x) => x.items);
  items.slice(1).forEach((it, i) => {
    const a = it.rule === 'deduct_each' ? {count: i % 3 === 0 ? 1 : 0}
      : it.rule === 'rating' ? {rating: 'satisfied'}
      : it.rule === 'proportional' ? {value: 90} : {vetoed: false};
    for (const [k, v] of Object.entries(a)) set[`items.${it.id}.${k}`] = v;
  });
  await s.edit('inspections', id, set);
  return id;
}"""

OPEN = """async (id) => {
  location.hash = '#/sync';
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  location.hash = `#/inspection/${id}/walk`;
  for (;;) {
    const el = document.querySelector('.scorebar .total');
    if (el && el.dataset.score) break;
    await new Promise((r) => setTimeout(r, 0));
  }
  const shown = performance.now() - t0;
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return [shown, performance.now() - t0];
}"""

TAP = """() => {
  const b = document.querySelectorAll('.counter .step')[1];
  const before = document.querySelector('.scorebar .total').dataset.score;
  const t0 = performance.now();
  b.click();
  const took = performance.now() - t0;
  return [took, before !== document.querySelector('.scorebar .total').dataset.score];
}"""


def browser_part(a: argparse.Namespace, tmp: Path) -> None:
    template = big_template()
    # An inspector's phone: it holds the inspection pack (a field phone never does, and
    # could not open the screen offline at all).
    with running_server(tmp / "pwa", users=county_users()) as server, sync_playwright() as pw:
        seed_template(server.base_url, template=template, record="t-big")
        ctx = persistent(pw, tmp / "profile")
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        page.goto(server.base_url + "/")
        wait_ready(page)
        page.get_by_label("用户名").fill(INSPECTOR)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("heading", level=1, name="检查考评").wait_for(timeout=15_000)
        wait_controlled(page)
        wait_inspection_pack(page)
        poll(page, "async () => { const s = await import('/app/store.js');"
                   " return (await s.list('templates')).length > 0; }", timeout=30)
        server.stop()
        ctx.set_offline(True)
        throttle(ctx, page, a.throttle)
        opens, taps = [], []
        for _ in range(a.runs):
            rid = page.evaluate(MAKE, [template, "t-big"])
            shown, frame = page.evaluate(OPEN, rid)
            opens.append((shown, frame))
            for _ in range(3):
                took, _changed = page.evaluate(TAP)
                taps.append(took)
                page.wait_for_timeout(150)  # the save settles between taps, as between thumbs
        ctx.close()
    print(f"open a 120-item inspection offline at {a.throttle:g}x: median "
          f"{median(o[0] for o in opens):.0f} ms to the score on screen, "
          f"{median(o[1] for o in opens):.0f} ms to the next frame "
          f"(runs {', '.join(f'{o[0]:.0f}' for o in opens)}; target ≤ 300 ms)")
    print(f"a tap on a 120-item rubric at {a.throttle:g}x: median {median(taps):.1f} ms, "
          f"max {max(taps):.1f} ms over {len(taps)} taps (target ≤ 16 ms)")


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark."""
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--ops", type=int, default=1500, help="ops of each kind pushed")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--throttle", type=float, default=4)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--skip-push", action="store_true")
    p.add_argument("--skip-browser", action="store_true")
    p.add_argument("--cpu", action="store_true",
                   help="also push in this process and print CPU ms per op and stored bytes")
    p.add_argument("--rounds", type=int, default=1,
                   help="--cpu: rounds of fresh ops; the least CPU per op of each kind is shown")
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if not a.skip_push:
            push_part(a, tmp)
        if a.cpu:
            cpu_part(a, tmp)
        if not a.skip_browser:
            browser_part(a, tmp)


if __name__ == "__main__":
    main()
