"""Notice numbers (受理通知书, 不予受理通知书, 补件清单, 退办通知书): one sequence per centre,
year (China time) and kind, in table ``notice_counters``, advanced in the writer's
transaction so no two cases ever share a number.

A number reads ``<centre>-<year>-<seq>`` with a kind mark, e.g. ``城关镇-受-2026-0001``:
the centre's ``code`` when it has one, else its name.
"""

from __future__ import annotations

import json
import sqlite3

from sync.deadlines import local_date

MARKS = {"acceptance": "受", "refusal": "不予受", "supplement": "补", "return": "退"}


def _centre_label(conn: sqlite3.Connection, centre_id: str) -> str:
    row = conn.execute("SELECT data FROM records WHERE collection='centres' AND id=?",
                       (centre_id,)).fetchone()
    doc = json.loads(row[0]) if row else {}
    label = doc.get("code") or doc.get("name") or centre_id
    return str(label)[:60]


def allocate(conn: sqlite3.Connection, centre_id: str, kind: str, stamp: int) -> str:
    """The next number of ``kind`` for ``centre_id`` in the year of ``stamp``."""
    year = local_date(stamp).year
    (seq,) = conn.execute(
        "INSERT INTO notice_counters (centre_id, year, kind, last) VALUES (?,?,?,1)"
        " ON CONFLICT (centre_id, year, kind) DO UPDATE SET last = last + 1 RETURNING last",
        (centre_id, year, kind)).fetchone()
    return f"{_centre_label(conn, centre_id)}-{MARKS[kind]}-{year}-{int(seq):04d}"
