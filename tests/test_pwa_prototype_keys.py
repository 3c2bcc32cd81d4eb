"""Record data and paths named ``__proto__``, ``constructor`` or ``prototype`` stay data on
the phone: an old database row holding them (written before the server refused such keys)
syncs, shows, is edited and synced again without touching ``Object.prototype``."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.pwa import api_login, api_push, idb, new_op, phone, sync_now

pytestmark = pytest.mark.browser

POISON = {"polluted": "yes"}


def test_pwa_prototype_keys_from_an_old_row_pollute_nothing(chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    record = str(uuid.uuid4())
    applicant = f"孙桂芝{uuid.uuid4().hex[:4]}"
    api_push(base, api_login(base, "centre1"), [new_op("visits", record, {
        "centre_id": "c-shiqiao", "kind": "home_service", "status": "planned", "applicant.name": applicant})])
    # The old row, written straight into the server's SQLite file (no validation on the way).
    data = {"centre_id": "c-shiqiao", "kind": "home_service", "status": "planned",
            "applicant": {"name": applicant, "__proto__": POISON},
            "__proto__": POISON, "constructor": {"prototype": POISON}, "prototype": POISON}
    conn = sqlite3.connect(pwa_server.db, timeout=30)
    with conn:
        (version,) = conn.execute("SELECT version FROM records WHERE collection='visits' AND id=?",
                                  (record,)).fetchone()
        conn.execute("UPDATE records SET data=? WHERE collection='visits' AND id=?",
                     (json.dumps(data), record))
        conn.execute("INSERT INTO conflicts (id, collection, record, path, value, device, op, at, version)"
                     " VALUES (?,?,?,?,?,?,?,?,?)", (uuid.uuid4().hex, "visits", record, "__proto__.polluted",
                                                    json.dumps("yes"), "d-old", "op-old", 1, version))
    conn.close()

    ctx, page = phone(chromium, base, "field1")  # its first sync brings the old row
    clean = "() => ({}).polluted === undefined && Object.keys(Object.prototype).length === 0"
    page.goto(f"{base}/#/visit/{record}")
    expect(page.get_by_role("heading", name="上门服务")).to_be_visible()
    expect(page.get_by_role("region", name="冲突")).to_be_visible()  # reads the path __proto__.polluted
    assert page.evaluate(clean)

    # Edits through every such path: applied on the merged view, then settled by a sync.
    idb(page, f"""await store.edit('visits', {json.dumps(record)}, {{
        '__proto__.polluted': 'yes', 'constructor.prototype.polluted': 'yes', 'prototype.polluted': 'yes',
        'applicant.__proto__.polluted': 'yes', 'location.__proto__.polluted': 'yes', 'notes': '已核对'}});""")
    shown = idb(page, f"""const r = await store.get('visits', {json.dumps(record)});
        return {{proto: Object.getPrototypeOf(r.data) === Object.prototype,
                 applicant: Object.getPrototypeOf(r.data.applicant) === Object.prototype,
                 kept: store.getPath(r.data, 'location.__proto__.polluted'),
                 notes: r.data.notes, name: r.data.applicant.name}};""")
    assert shown == {"proto": True, "applicant": True, "kept": "yes", "notes": "已核对", "name": applicant}
    sync_now(page)
    page.goto(f"{base}/#/visits?all=1")
    expect(page.get_by_text(applicant)).to_be_visible()
    assert page.evaluate(clean)
    # The path helpers themselves: reads see own data only, writes never reach a prototype.
    assert idb(page, """const o = {};
        store.setPath(o, '__proto__.polluted', 1); store.setPath(o, 'constructor.prototype.polluted', 1);
        return store.getPath({}, 'constructor') === undefined && store.getPath({}, '__proto__') === undefined
          && Object.getPrototypeOf(o) === Object.prototype && store.getPath(o, '__proto__.polluted') === 1
          && Object.keys(store.flatten(JSON.parse('{"__proto__": {"polluted": 1}}')))[0]
             === '__proto__.polluted';""")
    assert page.evaluate(clean)
    ctx.close()
