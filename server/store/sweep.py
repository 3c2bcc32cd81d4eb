"""The deadline sweep's queries (``server.jobs.sweep``): which records time has made
overdue, which are overdue, which accountability records exist."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from . import sqlite

_CHUNK = 900
_DUE = {"cases": "due_at", "complaints": "reply_due", "rectifications": "due_at"}
_watch = sqlite.watch_where
_STAFF = ("handler_id", "first_asked_by", "staff_id")  # who answers for a subject, first named first
#: who answers for the record ``r`` (its document read for these fields only), or NULL
_WHO = "coalesce(" + ", ".join(sqlite.json_field("r.data", f) for f in _STAFF) + ")"


def _subject_fields(collection: str) -> tuple[str, ...]:
    """The fields an accountability record takes from its subject: the due time, the staff."""
    return (_DUE[collection], *_STAFF)


def _open_due(collection: str) -> str:
    """``facts`` (as ``f``) by its partial index of open work not yet overdue, by due time.

    Named: left to itself the planner may walk another index of ``facts`` (or sort by id
    first), reading every open record; INDEXED BY also fails loudly should the index not fit."""
    return f"facts AS f INDEXED BY facts_open_due_{collection}"


def _check_due(collection: str, due_field: str) -> None:
    if due_field != _DUE[collection]:
        raise ValueError(f"facts.due of {collection} is {_DUE[collection]}, not {due_field}")


def overdue_candidates(conn: sqlite3.Connection, collection: str, due_field: str,
                       now: int) -> list[str]:
    """Open records whose due time has passed but which are not yet marked overdue, by
    centre then id (as ``unaccounted``: the sweep makes their accountability records with
    them, and a centre's people are told in one notification each).

    ``due_field`` is the field ``facts.due`` holds for ``collection`` (checked)."""
    _check_due(collection, due_field)
    return [rid for (rid,) in conn.execute(
        f"SELECT f.id FROM {_open_due(collection)} WHERE {_watch(collection, 'f')}"
        " AND f.due < ? ORDER BY f.centre_id, f.id", (now,))]


def unaccounted(conn: sqlite3.Connection, collection: str,
                prefix: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Records marked overdue with no record ``prefix + id`` in ``accountability`` yet:
    ``(id, centre_id, {due field, staff fields})``, by centre then id: the sweep's chunks
    then hold each centre's subjects together, so its people are told in one notification
    each (``sync.notify.GROUPED``), not one per chunk. Ids too long for that form come back
    always (the caller checks them by their hashed id).

    The sweep makes most accountability records with the marks that turn their subjects
    overdue (``server.store.bulk``); this finds the rest: subjects turned overdue by an
    edit, left out of a plan, or left by a sweep killed between two chunks."""
    fields = _subject_fields(collection)
    # Only the few fields the record needs, not the whole document decoded in Python.
    picked = ", ".join(sqlite.json_field("r.data", f) for f in fields)
    # The overdue live records from their facts by index facts_overdue, not the JSON. Named:
    # left to itself the planner walks facts_centre to spare the sort by centre, reading the
    # facts row of every record of the collection (200,000 cases: 0.5 s, where this is 0.17).
    return [(rid, centre, {f: v for f, v in zip(fields, values, strict=True) if v is not None})
            for rid, centre, *values in conn.execute(
        f"SELECT r.id, r.centre_id, {picked} FROM facts AS f INDEXED BY facts_overdue"
        " JOIN records r ON r.rid = f.rid"
        " WHERE f.collection = ? AND f.overdue = 1"
        " AND (length(?) + length(r.id) > 100"
        " OR NOT EXISTS (SELECT 1 FROM records a WHERE a.collection = 'accountability'"
        " AND a.id = ? || r.id)) ORDER BY f.centre_id, f.id", (collection, prefix, prefix))]


def late_again(conn: sqlite3.Connection, collection: str,
               prefix: str) -> list[tuple[str, str | None, int, str | None]]:
    """Open records marked overdue whose accountability record (``prefix + id``) answered for
    an earlier deadline than theirs: late again on a later one (a complaint sent back and its
    new reply late, a rectification's extended term passed). ``(id, centre_id, due, staff
    member answering for it or None)``, by centre then id, as ``due_within``.

    Both deadlines from ``facts`` (the accountability record's ``due`` is its ``due_at``); the
    subject's document is read only for those found. The usual overdue subject's record holds
    its own deadline, so nothing is found; a subject whose id needs the hashed form (over 100
    characters with the prefix) is not looked at."""
    return [(rid, centre, int(due), who) for rid, centre, due, who in conn.execute(
        f"SELECT f.id, f.centre_id, f.due, {_WHO} FROM facts AS f INDEXED BY facts_overdue"
        " JOIN records a ON a.collection = 'accountability' AND a.id = ? || f.id"
        " JOIN facts AS fa ON fa.rid = a.rid"
        " JOIN records r ON r.rid = f.rid"
        f" WHERE f.collection = ? AND f.overdue = 1 AND {sqlite.open_where(collection, 'f')}"
        " AND a.deleted = 0 AND f.due > fa.due ORDER BY f.centre_id, f.id",
        (prefix, collection))]


def existing_ids(conn: sqlite3.Connection, collection: str, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` exist in ``collection`` (tombstones included)."""
    found: set[str] = set()
    for i in range(0, len(ids), _CHUNK):
        part = ids[i:i + _CHUNK]
        found.update(rid for (rid,) in conn.execute(
            f"SELECT id FROM records WHERE collection = ? AND id IN ({','.join('?' * len(part))})",
            (collection, *part)))
    return found


def due_within(conn: sqlite3.Connection, collection: str, due_field: str, start: int,
               end: int) -> list[tuple[str, str | None, int, str | None]]:
    """Open records not yet overdue whose due time falls in ``[start, end]``:
    ``(id, centre_id, due, staff member answering for it or None)``, by centre then id
    (as ``unaccounted``: a centre's people told in one notification each)."""
    _check_due(collection, due_field)
    # Due time and centre from facts; the record (by rid) only for who answers for it.
    return [(rid, centre, int(when), who) for rid, centre, when, who in conn.execute(
        f"SELECT f.id, f.centre_id, f.due, {_WHO} FROM {_open_due(collection)}"
        f" JOIN records r ON r.rid = f.rid WHERE {_watch(collection, 'f')}"
        " AND f.due BETWEEN ? AND ? ORDER BY f.centre_id, f.id", (start, end))]


def open_records(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Open accountability records: ``(id, centre_id)``, by id."""
    return conn.execute("SELECT id, centre_id FROM records WHERE collection = 'accountability'"
                        f" AND deleted = 0 AND {sqlite.json_field('data', 'status')} = 'open'"
                        " ORDER BY id").fetchall()
