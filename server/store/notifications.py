"""Writing notifications (``sync.notify`` says which): records first, then a Web Push.

Each notification is a ``notifications`` record written by the system in the caller's
transaction, with an id and an op id made from what it is about: a trigger seen again
finds its op already applied (``duplicate``) and neither a second record nor a second
push is made. A newly made one queues a Web Push to each of its person's subscriptions
(kind, subject and a fixed title only). The SMS webhook reads new notifications from the
change log on its own (``server.jobs.webhook``).

The sweep's kinds (``sync.notify.GROUPED``) are folded, per call, into one notification per
person, kind and collection: the first subject's (its id, op id and subject), with ``count``,
the ids of the first ``SUBJECTS`` (``subjects``, so the phone lists exactly them) and a title
that counts them (``group_title``); one push. Why that is still "never two":

- ``overdue`` is triggered by the making of a subject's accountability record, in the same
  transaction, and that record is made once per subject ever: no subject comes twice.
- ``due_soon`` is triggered again by every sweep while the deadline is ahead. Each subject
  folded into a group leaves the op row its own notification would have left (``op-`` + the
  id it would have had, pointing at the group's record), and a subject whose op row exists is
  left out before grouping: a sweep run again, or two at once (each call's check and writes
  are one transaction of the one writer), tells nobody twice of one deadline.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sync.made import Maker
from sync.notify import GROUPED, Trigger, group_title, notification_id
from sync.ops import CheckedOp
from sync.schema import Schemas, load

from . import push as push_store

#: applies ops as the system in the caller's transaction (``records.Batch.run``)
Apply = Callable[[list[CheckedOp]], list[dict[str, Any]]]
STAFF_ROLES = ("centre", "field")
#: kinds that go to the centre's staff when the person named is no enabled user
FALL_BACK = frozenset({"due_soon", "overdue", "overdue_again", "extended"})
#: kinds the centre explains (its centre-role staff are told too, whoever is named)
EXPLAINED = frozenset({"overdue", "overdue_again"})
#: grouped kinds a later sweep triggers again for the same subject (see the module's text)
RECURRING = frozenset({"due_soon"})
_CHUNK = 900
#: the most subjects a group lists by id (``count`` counts them all)
SUBJECTS = 100


@dataclass
class Planned:
    """One notification to write: its op, the trigger it is of (a group's first), the
    person, how many other subjects a group folds in and, for a recurring kind, their op ids
    (what a later sweep looks for)."""

    op: CheckedOp
    trigger: Trigger
    user_id: str
    members: list[str] = field(default_factory=list)
    folded: int = 0


def centre_staff(conn: sqlite3.Connection, centre_ids: Sequence[str],
                 roles: Sequence[str] = STAFF_ROLES) -> dict[str, list[str]]:
    """Enabled users of ``roles`` (centre and field staff) of each centre, by centre."""
    out: dict[str, list[str]] = {c: [] for c in centre_ids}
    if not centre_ids:
        return out
    marks, kinds = ",".join("?" * len(centre_ids)), ",".join("?" * len(roles))
    for centre, uid in conn.execute(
            "SELECT uc.centre_id, u.id FROM user_centres uc JOIN users u ON u.id = uc.user_id"
            f" WHERE uc.centre_id IN ({marks}) AND u.disabled = 0 AND u.role IN ({kinds})"
            " ORDER BY u.id", (*centre_ids, *roles)):
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


def _known_ops(conn: sqlite3.Connection, op_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(op_ids), _CHUNK):
        part = op_ids[i:i + _CHUNK]
        found.update(oid for (oid,) in conn.execute(
            f"SELECT id FROM ops WHERE id IN ({','.join('?' * len(part))})", part))
    return found


def _ops(conn: sqlite3.Connection, triggers: Sequence[Trigger], now: int,
         exclude: str | None) -> list[Planned]:
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
    # Overdue work is explained by the centre (its centre-role staff write the 情况说明): they
    # hear of it too, whoever answers for it.
    heads = centre_staff(conn, sorted({t.centre_id for t in triggers
                                       if t.kind in EXPLAINED and t.centre_id}), ("centre",))
    # (trigger, person, for a recurring kind the op id its own notification would have)
    each: list[tuple[Trigger, str, str | None]] = []
    seen: set[tuple[str, str, str, str, str]] = set()
    for t in triggers:
        people = staff.get(t.centre_id or "", []) if to_centre(t) \
            else [t.user_id] if t.user_id in named else []
        if t.kind in EXPLAINED:
            people = [*people, *heads.get(t.centre_id or "", [])]
        for uid in people:
            # What its notification's id is made of: one per id. The id itself (a hash) is
            # made only where it is looked for: the sweep's 22,000 overdue subjects fold
            # into a few groups, each made under its first subject's id (notification_op).
            made_of = (t.kind, t.collection, t.record, uid, t.key)
            if made_of in seen or uid == exclude:
                continue
            seen.add(made_of)
            each.append((t, uid, "op-" + notification_id(*made_of) if t.kind in RECURRING
                         else None))
    # A recurring kind's subject already told (alone or in a group) is left out.
    told = _known_ops(conn, [oid for _t, _u, oid in each if oid is not None])
    # Each entry: one notification's subjects, its first named by it (a group: in the
    # order of its first subject; a kind not grouped: one subject each).
    planned: list[list[tuple[Trigger, str, str | None]]] = []
    groups: dict[tuple[str, str, str], list[tuple[Trigger, str, str | None]]] = {}
    for item in each:
        t, uid, oid = item
        if t.kind not in GROUPED:
            planned.append([item])
        elif oid is None or oid not in told:
            key = (uid, t.kind, t.collection)
            if key not in groups:
                groups[key] = []
                planned.append(groups[key])
            groups[key].append(item)
    schemas = load()
    maker = Maker(schemas)
    return [Planned(notification_op(first, uid, now, schemas, maker, count=1 + len(rest),
                                    others=[t.record for t, _u, _o in rest[:SUBJECTS - 1]]),
                    first, uid, [oid for _t, _u, oid in rest if oid is not None], len(rest))
            for (first, uid, _oid), *rest in planned]


def notification_op(t: Trigger, uid: str, now: int, schemas: Schemas,
                    maker: Maker | None = None, count: int = 1,
                    others: Sequence[str] = ()) -> CheckedOp:
    """The op that makes ``t``'s notification for ``uid``: ``check_op`` of it, made by the
    server's op maker (``sync.made``: each path's rules looked up once per batch). With
    ``count`` > 1 it is a group's, about ``t``'s subject and ``count - 1`` more, the first of
    which are ``others`` (its ``subjects``: ``t``'s and theirs, at most ``SUBJECTS``)."""
    nid = notification_id(t.kind, t.collection, t.record, uid, t.key)
    subject = {"collection": t.collection, "record": t.record}
    if t.centre_id:
        subject["centre_id"] = t.centre_id
    values: dict[str, Any] = {"user_id": uid, "kind": t.kind, "subject": subject,
                              "title": group_title(t.kind, count),
                              "at": t.at if t.at is not None else now}
    if count > 1:
        values["count"] = count
        values["subjects"] = [t.record, *others[:SUBJECTS - 1]]
    return (maker or Maker(schemas)).op("op-" + nid, "notifications", nid, now, values)


def deliver(conn: sqlite3.Connection, apply: Apply, triggers: Sequence[Trigger], now: int,
            exclude: str | None = None) -> int:
    """Write the notifications ``triggers`` call for (never to ``exclude``, the person who
    caused them, nor to an id that is no enabled user; the sweep's kinds grouped per person)
    and queue their pushes, in the caller's transaction; return how many subjects were told
    of something new (a group counts each of its subjects)."""
    planned = _ops(conn, triggers, now, exclude)
    if not planned:
        return 0
    results = apply([p.op for p in planned])
    subscribed = push_store.subscribed(conn, sorted({p.user_id for p in planned}))
    made = 0
    members: list[tuple[Any, ...]] = []
    for p, res in zip(planned, results, strict=True):
        if res["status"] != "applied":
            continue
        made += 1 + p.folded
        if p.trigger.kind in RECURRING:
            # The op rows the folded subjects' own notifications would have left, pointing
            # at the group's record: a later sweep finds them told.
            members += [(oid, "system", "system", "notifications", p.op.record, "applied",
                         res["version"], now) for oid in p.members]
        if p.user_id in subscribed:
            t = p.trigger
            push_store.enqueue(conn, [p.user_id], t.kind, t.collection, t.record, now,
                               title=p.op.set.get("title"))
    conn.executemany("INSERT OR IGNORE INTO ops (id, device, user_id, collection, record,"
                     " status, version, received_at) VALUES (?,?,?,?,?,?,?,?)", members)
    return made
