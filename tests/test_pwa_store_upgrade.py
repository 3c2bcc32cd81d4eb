"""A phone that ran an older app version (IndexedDB schema 1: records, outbox, blobs,
uploads, meta; schema 2: plus `packs`, without list summaries; schema 3: packs with summaries,
without the `lists` store; schema 4: list rows without their day, no `agenda` index; schema 5:
rows without a call-back's deadline) opens a newer one: its synced records are still listed
(packed, with summaries and list rows, during the upgrade), in order, 今日 shows its visit due
today and the visit whose call-back is due, and its unsent op still reaches the server."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.support.pwa import db_rows, idb, login, new_context, sync_now, wait_controlled, wait_ready
from tests.support.server import PASSWORD

pytestmark = pytest.mark.browser

# What an older app version left on the device, written with that version's store layout
# (version 3's packs by the app's own pack builder, which has not changed since).
MAKE_OLD = """async ([session, synced, op, version]) => {
  const { packAll } = await import('/app/store/packs.js');
  const { listRow, countsKey } = await import('/app/store/lists.js');
  const db = await new Promise((resolve, reject) => {
    const r = indexedDB.open('fieldsync', version);
    r.onupgradeneeded = () => {
      const d = r.result;
      if (version >= 2) d.createObjectStore('packs', {keyPath: 'k'});
      if (version >= 4) {
        const lists = d.createObjectStore('lists', {keyPath: 'key'});
        lists.createIndex('order', 'order', {multiEntry: true});
        if (version >= 5) lists.createIndex('agenda', 'agenda', {multiEntry: true});
      }
      d.createObjectStore('records', {keyPath: 'key'}).createIndex('collection', 'collection');
      d.createObjectStore('outbox', {keyPath: 'seq', autoIncrement: true}).createIndex('key', 'key');
      d.createObjectStore('blobs', {keyPath: 'sha'});
      d.createObjectStore('uploads', {keyPath: 'sha'});
      d.createObjectStore('meta', {keyPath: 'k'});
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const stores = ['records', 'outbox', 'meta'];
  const more = version >= 4 ? ['packs', 'lists'] : version >= 2 ? ['packs'] : [];
  const t = db.transaction([...stores, ...more], 'readwrite');
  for (const rec of synced) t.objectStore('records').put(rec);
  // Versions 3 and 4 kept packs with summaries (version 2's packs are rebuilt by the upgrade).
  if (version >= 3) packAll(t);
  if (version >= 4) { // list rows as version 4 wrote them (no `agenda`) or 5 (no call-back key)
    const scopes = new Map();
    for (const rec of synced) {
      const row = listRow(rec);
      if (version === 4) delete row.agenda;
      else row.agenda = row.agenda.filter((k) => k[1] !== 0);
      t.objectStore('lists').put(row);
      for (const k of row.order) scopes.set(k[1], (scopes.get(k[1]) || 0) + 1);
    }
    t.objectStore('lists').put({key: countsKey('visits'), counts: [...scopes]});
  }
  t.objectStore('outbox').add(op);
  t.objectStore('meta').put({k: 'session', v: session});
  await new Promise((resolve) => { t.oncomplete = resolve; });
  db.close();
}"""


@pytest.mark.parametrize("version", [1, 2, 3, 4, 5])
def test_pwa_store_upgrade_keeps_records_and_outbox(chromium: Browser, pwa_server: Any, version: int) -> None:
    base = pwa_server.base_url
    answer = httpx.post(f"{base}/api/v1/auth/login",
                       json={"username": "field1", "password": PASSWORD, "device_name": "v1"}).json()
    session = {"token": answer["token"], "device_id": answer["device_id"], "user": answer["user"],
               "username": "field1", "at": int(time.time() * 1000)}
    me = answer["user"]["id"]
    synced = [{"key": f"visits/old-{i}", "collection": "visits", "id": f"old-{i}", "version": 0,
               "deleted": False,
               "data": {"centre_id": "c-shiqiao", "kind": "home_service", "status": "done", "staff_ids": [me],
                        "notes": f"旧版本同步下来的走访 {i}", "planned_at": 1_700_000_000_000 + i},
               "conflicts": []} for i in range(30)]
    # One ended visit the server gave a call-back deadline: on 今日's 待回访 after the upgrade.
    synced[3]["data"] |= {"applicant": {"name": "旧版本待回访"},
                          "callback_due": int(time.time() * 1000) + 86_400_000}
    # One planned for an hour ago: on 今日, read from the `agenda` index the upgrade builds.
    due = {"key": "visits/old-due", "collection": "visits", "id": "old-due", "version": 0, "deleted": False,
           "data": {"centre_id": "c-shiqiao", "kind": "home_service", "status": "planned", "staff_ids": [me],
                    "applicant": {"name": "旧版本今天到期"},
                    "planned_at": int(time.time() * 1000) - 3_600_000},
           "conflicts": []}
    notes = f"旧版本未发送的走访 {uuid.uuid4().hex[:6]}"
    record = str(uuid.uuid4())
    op = {"id": str(uuid.uuid4()), "collection": "visits", "record": record, "base": 0,
          "at": int(time.time() * 1000), "set": {"centre_id": "c-shiqiao", "kind": "home_service",
                                                 "staff_ids": [me], "notes": notes},
          "delete": False, "key": f"visits/{record}", "state": "pending", "error": None}

    ctx = new_context(chromium)
    page = ctx.new_page()
    page.goto(base + "/manifest.webmanifest")  # the app's origin, without running the app
    page.evaluate(MAKE_OLD, [session, [*synced, due], op, version])

    # No sync until the upgraded store has been read: a pull would add the visits earlier
    # cases of this test sent to the module's server (the count and order below are the
    # device's own). The phone is simply without a link for a moment.
    ctx.route("**/api/v1/sync", lambda route: route.abort())
    page.goto(base + "/#/visits")
    wait_ready(page)
    listed = idb(page, "return (await store.list('visits')).map(v => v.id);")
    assert {f"old-{i}" for i in range(30)} <= set(listed), listed
    # Lists read the summaries made during the upgrade: the fields rows show, nothing else.
    summary = idb(page, "return (await store.listSummaries('visits')).find(v => v.id === 'old-7').data;")
    assert summary == {"kind": "home_service", "status": "done", "staff_ids": [me],
                       "notes": "旧版本同步下来的走访 7", "planned_at": 1_700_000_000_007}
    expect(page.get_by_text("旧版本同步下来的走访 7", exact=True)).to_be_visible()
    # The list rows were built too: every record counted, the newest first (old-due, then
    # old-29), the unsent visit (no time) last.
    expect(page.get_by_text("共 32 条")).to_be_visible()
    hrefs = page.locator("ul.list > li > a").evaluate_all("(as) => as.map((a) => a.getAttribute('href'))")
    old_ones = [f"#/visit/old-{i}" for i in range(29, -1, -1)]
    assert hrefs == ["#/visit/old-due", *old_ones, f"#/visit/{record}"], hrefs
    keys = idb(page, "const db = await store.db(); return await new Promise((resolve) => {"
                     " const r = db.transaction('lists').objectStore('lists').getAllKeys();"
                     " r.onsuccess = () => resolve(r.result); });")
    assert {f"visits/old-{i}" for i in range(30)} <= set(keys), keys
    # 今日: the visit due today and the unsent one (no time: due), none of the old done ones
    page.goto(base + "/#/today")
    today = page.get_by_role("list", name="我的走访")
    expect(today.get_by_text("旧版本今天到期")).to_be_visible()
    links = today.locator(":scope > li > a")
    hrefs = set(links.evaluate_all("(as) => as.map((a) => a.getAttribute('href'))"))
    assert {"#/visit/old-due", f"#/visit/{record}"} <= hrefs, hrefs
    assert not hrefs & {f"#/visit/old-{i}" for i in range(30)}, hrefs
    expect(page.get_by_role("list", name="待回访").get_by_role("link", name=re.compile("旧版本待回访"))
           ).to_have_attribute("href", "#/callback?visit=old-3")
    # The op made under version 1 goes out once the link is back.
    ctx.unroute("**/api/v1/sync")
    sync_now(page)
    expect(page.get_by_role("status")).to_contain_text("待同步 0", timeout=30_000)
    rows = db_rows(pwa_server.db, "SELECT data FROM records WHERE collection='visits' AND id=?", record)
    assert [json.loads(r[0])["notes"] for r in rows] == [notes]
    ctx.close()


def test_pwa_stale_schema_rejections_go_out_again_after_update(chromium: Browser, pwa_server: Any) -> None:
    """An op the server refused as `stale_schema` (sent by an older app whose schema it no
    longer takes) is sent again, as a new op, once a version with a newer schema starts."""
    base = pwa_server.base_url
    ctx = new_context(chromium)
    page = ctx.new_page()
    page.goto(base + "/")
    wait_ready(page)
    login(page, base, "field1", PASSWORD)
    wait_controlled(page)
    record = str(uuid.uuid4())
    notes = f"旧版本被退回的走访 {uuid.uuid4().hex[:6]}"
    # What an older version left: the op, refused, marked with that version's schema (0).
    idb(page, f"""const db = await store.db();
        await new Promise((resolve, reject) => {{
          const t = db.transaction('outbox', 'readwrite');
          t.objectStore('outbox').add({{id: 'old-op-1', collection: 'visits', record: '{record}', base: 0,
            at: Date.now(), set: {{centre_id: 'c-shiqiao', kind: 'home_service', notes: '{notes}'}},
            delete: false, key: 'visits/{record}', state: 'rejected', rejectedSchema: 0,
            error: {{code: 'stale_schema', message: 'schema too old', details: {{}}}}}});
          t.oncomplete = resolve; t.onerror = () => reject(t.error); }});""")
    page.reload()
    wait_ready(page)
    expect(page.get_by_role("status")).to_contain_text("待同步 0", timeout=30_000)
    rows = db_rows(pwa_server.db, "SELECT data FROM records WHERE collection='visits' AND id=?", record)
    assert [json.loads(r[0])["notes"] for r in rows] == [notes]
    ctx.close()
