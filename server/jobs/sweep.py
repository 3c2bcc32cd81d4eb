"""The deadline sweep: time passing turns open work overdue, and overdue work is answered for.

``sweep(writer, now)`` (``fieldsync sweep``, and the server every few minutes):

1. Open cases, complaints and rectifications whose due time has passed get their
   computed fields recomputed at ``now`` and written with a new version through the
   store (``Batch.refresh``), so the change reaches every phone like any edit.
2. Every overdue subject gets one ``accountability`` record (问责). Its id is made from
   the subject (``acc-<collection>-<record>``) and the write is an op with an id made the
   same way, checked for existence in the same transaction: two sweeps at once, or a
   sweep killed half way and run again, cannot make a second one, nor reopen one the
   centre has explained or the supervisor closed. Which subjects have none is asked of
   ``facts`` by id alone (``store.unaccounted_ids``); what a record needs of the subjects step
   1 has just turned overdue is taken from the documents it wrote, and only the others (turned
   overdue by an edit, or left by a sweep killed between the steps) are read from the records.

3. Open work due within one working day gets a ``due_soon`` notification for the person
   answering for it (``sync.notify``; the deadline is part of its id, so once per deadline).
   Step 2's accountability records notify ``overdue`` the same way. Both are grouped: one
   notification (and one push) per person per chunk, naming the first subject and counting
   the rest (``server.store.notifications``); the subjects come by centre, so a centre's
   people are told once each rather than once per chunk.

4. Award titles (``server.jobs.award_terms``): the two-year re-check reminder turns on, and a
   title past its expiry without a passing re-check is withdrawn, once.

Work goes in chunks, one transaction each, so a kill loses at most the chunk in hand.
The accountability records and notifications are new records the server makes: they are
written by the store's bulk path (``Batch.create``: the same rows, versions, change-log
entries and op rows as an op would write, without the per-op merge).

They keep their ``ops`` rows, though their deterministic record ids alone would make them
"never two": an op id seen before is a ``duplicate`` in ``Batch.create``/``run`` (without the
row, the same op sent again would reach the merge as an edit of the stored record); a
``due_soon`` subject folded into a group is remembered only by its op row; the audit view
lists op rows as the system's writes. Leaving out the 22,000 accountability op rows of
``scripts/bench --sweep`` changed its CPU by less than the noise of two A/B pairs.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from sync.deadlines import due_ms
from sync.made import Maker
from sync.notify import Trigger
from sync.schema import load

from ..clock import now_ms
from ..store import sqlite
from ..store import sweep as store
from ..store.holidays import load_calendar
from ..store.notifications import deliver
from ..store.records import Actor, Batch
from ..writer import Writer
from . import award_terms

log = logging.getLogger("fieldsync.sweep")
T = TypeVar("T")

SWEEPER = Actor(user_id="system", device_id="system", role="system", scope=None)
CHUNK = 5000
KINDS = {"cases": "overdue_case", "complaints": "overdue_complaint",
         "rectifications": "overdue_rectification"}
DUE_FIELD = {"cases": "due_at", "complaints": "reply_due", "rectifications": "due_at"}
STAFF_FIELDS = ("handler_id", "first_asked_by", "staff_id")


def accountability_id(collection: str, record: str) -> str:
    """The one accountability record id a subject can ever have (≤ 100 characters).

    ``accountability_id(collection, "")`` is the prefix of the plain form."""
    plain = f"acc-{collection}-{record}"
    if len(plain) <= 100:
        return plain
    return f"acc-{collection}-h{hashlib.sha256(record.encode()).hexdigest()[:48]}"


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i:i + size] for i in range(0, len(items), max(1, size))]


def _accountability(collection: str, rid: str, centre: str, data: dict[str, Any],
                    now: int) -> dict[str, Any]:
    # Leaf paths, not a nested subject: every value but the subject's id and deadline is
    # then the same from one record to the next, and is checked once (``sync.made``).
    doc: dict[str, Any] = {"centre_id": centre, "subject.collection": collection,
                           "subject.record": rid, "kind": KINDS[collection],
                           "detected_at": now, "status": "open"}
    due = data.get(DUE_FIELD[collection])
    if isinstance(due, int):
        doc["due_at"] = due
    for f in STAFF_FIELDS:  # the first that names someone (a loop: no generator per record)
        staff = data.get(f)
        if isinstance(staff, str):
            doc["staff_id"] = staff
            break
    return doc


Fields = dict[str, tuple[str | None, dict[str, Any]]]  # id -> what store.unaccounted reads


def _mark(collection: str, ids: Sequence[str], now: int) -> Any:
    def run(conn: Any) -> tuple[list[str], Fields]:
        written: dict[str, tuple[str | None, dict[str, Any]]] = {}
        touched = Batch(conn, SWEEPER, now).refresh(collection, ids, written)
        return touched, {rid: store.subject_fields(collection, centre, doc)
                         for rid, (centre, doc) in written.items()}
    return run


def _unaccounted(conn: sqlite3.Connection, collection: str,
                 known: Fields) -> list[tuple[str, str | None, dict[str, Any]]]:
    """``store.unaccounted``: the same subjects, fields and order, the fields of those in
    ``known`` (records this sweep has just written, from their documents) not read again."""
    ids = store.unaccounted_ids(conn, collection, accountability_id(collection, ""))
    rows = [(rid, *known[rid]) for rid in ids if rid in known]
    rows += store.subjects(conn, collection, [rid for rid in ids if rid not in known])
    rows.sort(key=lambda r: (r[1] is not None, r[1] or "", r[0]))
    return rows


def _account(collection: str, subjects: Sequence[tuple[str, str, dict[str, Any]]], now: int) -> Any:
    def run(conn: Any) -> int:
        ids = {rid: accountability_id(collection, rid) for rid, _c, _d in subjects}
        # Checked inside the transaction that writes: the guard against a concurrent sweep.
        have = store.existing_ids(conn, "accountability", list(ids.values()))
        make = Maker(load()).op
        ops = [make(f"sweep-{ids[rid]}", "accountability", ids[rid], now,
                    _accountability(collection, rid, centre, data, now))
               for rid, centre, data in subjects if ids[rid] not in have]
        if not ops:
            return 0
        results = Batch(conn, SWEEPER, now).create(ops)  # new records, in bulk
        made = sum(1 for r in results if r["status"] == "applied")
        for res in results:
            if res["status"] == "rejected":
                log.error("sweep could not record accountability %s: %s", res["op"], res["message"])
        return made
    return run


def _warn(collection: str, rows: Sequence[tuple[str, str | None, int, str | None]],
          now: int) -> Any:
    def run(conn: Any) -> int:
        # The deadline is in the key: a deadline moved (an extension) is warned of again.
        warn = [Trigger("due_soon", collection, rid, staff, centre, str(due))
                for rid, centre, due, staff in rows]
        return deliver(conn, Batch(conn, SWEEPER, now).as_system(), warn, now)
    return run


def _read(writer: Writer, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Run a finding query on a read connection of its own: the scans over every open
    record must not hold the write lock that phones' syncs wait for. What they find is
    judged again inside the writing transactions."""
    conn = sqlite.connect(writer.path, readonly=True)
    try:
        conn.execute("BEGIN")
        return fn(conn)
    finally:
        conn.close()


def sweep(writer: Writer, now: int | None = None, chunk: int = CHUNK,
          timings: dict[str, float] | None = None) -> dict[str, int]:
    """Run the sweep once at ``now``, ``chunk`` records per transaction; return how many
    records turned overdue and how many accountability records were made. ``timings``,
    when given, receives each step's wall seconds and, as ``"<step> cpu"``, the process's
    CPU seconds in it (``scripts/bench --sweep``)."""
    when = now_ms() if now is None else now
    clock = (time.perf_counter(), time.process_time())

    def step(name: str) -> None:
        nonlocal clock
        if timings is not None:
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - clock[0]
            timings[f"{name} cpu"] = timings.get(f"{name} cpu", 0.0) + time.process_time() - clock[1]
        clock = (time.perf_counter(), time.process_time())

    turned = made = 0
    # The records turned overdue, as written: step 2 takes what it records of them from
    # here, not from the records' JSON again (those it does not find here it reads).
    marked: dict[str, Fields] = {collection: {} for collection in KINDS}
    for collection in KINDS:
        ids = _read(writer, partial(store.overdue_candidates, collection=collection,
                                    due_field=DUE_FIELD[collection], now=when))
        for part in _chunks(ids, chunk):
            touched, written = writer.run(_mark(collection, part, when))
            turned += len(touched)
            marked[collection].update(written)
    step("overdue")
    for collection in KINDS:
        subjects = _read(writer, partial(_unaccounted, collection=collection,
                                         known=marked.pop(collection)))
        for part in _chunks(subjects, chunk):
            made += writer.run(_account(collection, part, when))
    step("accountability")
    # A deadline one working day away: its person (or the centre's staff) is told, once.
    horizon = due_ms(when, 1, _read(writer, load_calendar))
    warned = 0
    for collection in KINDS:
        rows = _read(writer, partial(store.due_within, collection=collection,
                                     due_field=DUE_FIELD[collection], start=when, end=horizon))
        for part in _chunks(rows, chunk):
            warned += writer.run(_warn(collection, part, when))
    step("due_soon")
    # Award titles: the two-year re-check reminder turns on; an expired title is withdrawn.
    reminded = 0
    for part in _chunks(_read(writer, partial(award_terms.find_recheck, now=when)), chunk):
        reminded += writer.run(award_terms.mark_recheck(SWEEPER, part, when))
    # Looked for on a read connection first: the usual sweep finds nothing and takes no lock.
    withdrawn = writer.run(award_terms.withdraw(SWEEPER, when)) \
        if _read(writer, partial(award_terms.find_expired, now=when)) else 0
    if _read(writer, award_terms.find_reminded):
        writer.run(award_terms.remind(SWEEPER, when))  # the titles still held
    step("awards")
    return {"overdue": turned, "accountability": made, "due_soon": warned,
            "recheck_due": reminded, "withdrawn": withdrawn}


async def run_forever(writer: Writer, interval_s: float, chunk: int = CHUNK) -> None:
    """The server's background loop: sweep every ``interval_s`` seconds."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            counts = await asyncio.to_thread(sweep, writer, None, chunk)
            if any(counts.values()):
                log.info("sweep: %s", counts)
        except Exception:  # keep sweeping later; nothing half-written stays (one tx per chunk)
            log.exception("sweep failed")
