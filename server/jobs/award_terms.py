"""Award terms (评优称号的有效期): part of the sweep (``server.jobs.sweep``).

A title lasts two years from ``awarded_at`` (or from its last passed re-check, which renews
it: ``sync.computed``), with a re-check reminder (``recheck_due``) from 60 days before expiry.
Time alone changes both, so the sweep:

1. recomputes awarded titles whose reminder is due but not yet stored (a new version that
   syncs, so the board ``/boards/awards-recheck`` and the phones show it), and notifies
   ``recheck`` for every title whose reminder is on to the county's supervisors and the
   centre's staff (once per term: the expiry is the notification's key, so a title already
   due when it was written is told of too, and a sweep run again makes nothing new);
2. withdraws titles still ``awarded`` once ``expires_at`` has passed without a passing
   re-check: an op by the system (status ``withdrawn`` with the reason), based on the version
   read in the same transaction and with an id made from the title and its expiry, so two
   sweeps at once, or a sweep run again after a kill, withdraw it once. A re-check recorded
   as failed withdraws the title at once (the award rules, ``server/store/awards.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Sequence
from typing import Any

from sync.computed import RECHECK_NOTICE_MS
from sync.notify import Trigger
from sync.ops import check_op
from sync.schema import load

from ..store import award_terms as store
from ..store.notifications import deliver
from ..store.records import Actor, Batch

CST = dt.timezone(dt.timedelta(hours=8))


def withdraw_op_id(record: str, expires_at: int) -> str:
    """The one op id that withdraws this title for this expiry."""
    return "sweep-expire-" + hashlib.sha256(f"{record}|{expires_at}".encode()).hexdigest()[:40]


def reason(expires_at: int) -> str:
    """Why the sweep withdrew a title (Chinese, for people)."""
    day = dt.datetime.fromtimestamp(expires_at / 1000, CST).strftime("%Y-%m-%d")
    return f"称号有效期已于 {day} 届满，未通过复查，自动撤销"


def mark_recheck(actor: Actor, ids: Sequence[str], now: int) -> Any:
    """A writer job: recompute these titles at ``now`` (their reminder turns on)."""
    def run(conn: sqlite3.Connection) -> int:
        return len(Batch(conn, actor, now).refresh("awards", ids))
    return run


def remind(actor: Actor, now: int) -> Any:
    """A writer job: the ``recheck`` notifications of every title whose reminder is on
    (made once: a notification's id is fixed by title, person and expiry); how many new."""
    def run(conn: sqlite3.Connection) -> int:
        due = store.reminded(conn)
        if not due:
            return 0
        supervisors = store.county_supervisors(conn, sorted({c for _r, c, _e in due}))
        tell = [Trigger("recheck", "awards", rid, uid, centre, str(expires))
                for rid, centre, expires in due for uid in (None, *supervisors[centre])]
        return deliver(conn, Batch(conn, actor, now).as_system(), tell, now)
    return run


def withdraw(actor: Actor, now: int) -> Any:
    """A writer job: withdraw every title expired at ``now`` (judged in this transaction)."""
    def run(conn: sqlite3.Connection) -> int:
        rows = store.expired(conn, now)
        if not rows:
            return 0
        schemas = load()
        ops = [check_op({"id": withdraw_op_id(rid, expires), "collection": "awards", "record": rid,
                         "base": version, "at": now,
                         "set": {"status": "withdrawn", "withdrawn_reason": reason(expires)}}, schemas)
               for rid, version, expires in rows]
        results = Batch(conn, actor, now).run(ops, [now] * len(ops))
        return sum(1 for r in results if r["status"] == "applied")
    return run


def find_recheck(conn: sqlite3.Connection, now: int) -> list[str]:
    """Titles whose reminder is due at ``now`` but not stored yet (a read query)."""
    return store.recheck_unmarked(conn, now, RECHECK_NOTICE_MS)


def find_expired(conn: sqlite3.Connection, now: int) -> bool:
    """Whether some title is past its expiry at ``now`` (a read query)."""
    return bool(store.expired(conn, now))


def find_reminded(conn: sqlite3.Connection) -> bool:
    """Whether some title's reminder is on (a read query)."""
    return bool(store.reminded(conn))
