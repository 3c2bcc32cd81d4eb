"""Writing notifications (``sync.notify`` says which): records first, then a Web Push.

Each notification is a ``notifications`` record written by the system in the caller's
transaction, with an id and an op id made from what it is about: a trigger seen again
finds its op already applied (``duplicate``) and neither a second record nor a second
push is made. A newly made one queues a Web Push to each of its person's subscriptions
(kind, subject and a fixed title only). The SMS webhook reads new notifications from the
change log on its own (``server.jobs.webhook``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from sync.made import Maker
from sync.notify import TITLES, Trigger, notification_id
from sync.ops import CheckedOp
from sync.schema import Schemas, load

from . import push as push_store

#: applies ops as the system in the caller's transaction (``records.Batch.run``)
Apply = Callable[[list[CheckedOp]], list[dict[str, Any]]]
STAFF_ROLES = ("centre", "field")
#: kinds that go to the centre's staff when the person named is no enabled user
FALL_BACK = frozenset({"due_soon", "overdue"})


def centre_staff(conn: sqlite3.Connection, centre_ids: Sequence[str]) -> dict[str, list[str]]:
    """Enabled centre and field users of each centre, by centre."""
    out: dict[str, list[str]] = {c: [] for c in centre_ids}
    if not centre_ids:
        return out
    marks = ",".join("?" * len(centre_ids))
    for centre, uid in conn.execute(
            "SELECT uc.centre_id, u.id FROM user_centres uc JOIN users u ON u.id = uc.user_id"
            f" WHERE uc.centre_id IN ({marks}) AND u.disabled = 0 AND u.role IN (?, ?)"
            " ORDER BY u.id", (*centre_ids, *STAFF_ROLES)):
        out[centre].append(uid)
    return out


def enabled_users(conn: sqlite3.Connection, user_ids: Sequence[str]) -> set[str]:
    """Which of ``user_ids`` are users of this server and not disabled."""
    found: set[str] = set()
    for i in range(0, len(user_ids), 900):
        part = user_ids[i:i + 900]
        found.update(uid for (uid,) in conn.execute(
            f"SELECT id FROM users WHERE disabled = 0 AND id IN ({','.join('?' * len(part))})",
            part))
    return found


def _ops(conn: sqlite3.Connection, triggers: Sequence[Trigger], now: int,
         exclude: str | None) -> list[tuple[CheckedOp, Trigger, str]]:
    # A record may name anyone (a visit's staff_ids are what the phone sent): only people
    # who can sign in and read their inbox get a notification; one query per batch. Work
    # against the clock whose named person is no (enabled) user goes to the centre's staff,
    # as when nobody is named: someone must hear of it.
    named = enabled_users(conn, sorted({t.user_id for t in triggers
                                        if t.user_id and t.user_id != exclude}))

    def to_centre(t: Trigger) -> bool:
        return t.user_id is None or (t.kind in FALL_BACK and t.user_id not in named
                                     and t.user_id != exclude)
    staff = centre_staff(conn, sorted({t.centre_id for t in triggers if to_centre(t) and t.centre_id}))
    schemas = load()
    maker = Maker(schemas)
    out: list[tuple[CheckedOp, Trigger, str]] = []
    seen: set[str] = set()
    for t in triggers:
        people = staff.get(t.centre_id or "", []) if to_centre(t) \
            else [t.user_id] if t.user_id in named else []
        for uid in people:
            nid = notification_id(t.kind, t.collection, t.record, uid, t.key)
            if nid in seen or uid == exclude:
                continue
            seen.add(nid)
            out.append((notification_op(t, uid, now, schemas, maker), t, uid))
    return out


def notification_op(t: Trigger, uid: str, now: int, schemas: Schemas,
                    maker: Maker | None = None) -> CheckedOp:
    """The op that makes ``t``'s notification for ``uid``: ``check_op`` of it, made by the
    server's op maker (``sync.made``: each path's rules looked up once per batch)."""
    nid = notification_id(t.kind, t.collection, t.record, uid, t.key)
    subject = {"collection": t.collection, "record": t.record}
    if t.centre_id:
        subject["centre_id"] = t.centre_id
    return (maker or Maker(schemas)).op(
        "op-" + nid, "notifications", nid, now,
        {"user_id": uid, "kind": t.kind, "subject": subject, "title": TITLES[t.kind],
         "at": t.at if t.at is not None else now})


def deliver(conn: sqlite3.Connection, apply: Apply, triggers: Sequence[Trigger], now: int,
            exclude: str | None = None) -> int:
    """Write the notifications ``triggers`` call for (never to ``exclude``, the person who
    caused them, nor to an id that is no enabled user) and queue their pushes, in the
    caller's transaction; return how many were new."""
    planned = _ops(conn, triggers, now, exclude)
    if not planned:
        return 0
    results = apply([p[0] for p in planned])
    subscribed = push_store.subscribed(conn, sorted({uid for _o, _t, uid in planned}))
    made = 0
    for (_op, t, uid), res in zip(planned, results, strict=True):
        if res["status"] == "applied":
            made += 1
            if uid in subscribed:
                push_store.enqueue(conn, [uid], t.kind, t.collection, t.record, now)
    return made
