"""The deadline sweep: time passing turns open work overdue, and overdue work is answered for.

``sweep(writer, now)`` (``fieldsync sweep``, and the server every few minutes):

1. Open cases, complaints and rectifications whose due time has passed get their
   computed fields recomputed at ``now`` and written with a new version, so the change
   reaches every phone like any edit; each subject then overdue gets its ``accountability``
   record (问责) in the same transaction. A chunk is planned on a read connection of the
   sweep's own thread (``sweep_plan.Planner``: what ``Batch.refresh`` and ``Batch.create``
   would write) while the writer writes the chunk before it set-based
   (``server.store.bulk``), so the writer holds its lock only for SQL. A plan that no longer
   holds when its turn comes (a phone edited a record, another sweep got there first) writes
   nothing, and the chunk is refreshed row by row (``Batch.refresh``).
2. Every overdue subject still without an accountability record gets one (turned overdue by
   an edit, left out of a plan, or left by a sweep killed between two chunks). Its id is made
   from the subject (``acc-<collection>-<record>``) and the write is an op with an id made
   the same way, checked for existence in the same transaction: two sweeps at once, or a
   sweep killed half way and run again, cannot make a second one, nor reopen one the centre
   has explained or the supervisor closed. A subject late again on a later deadline (its
   record answered for an earlier one) keeps that record; its people get ``overdue_again``,
   once per such deadline.

3. Open work due within one working day gets a ``due_soon`` notification for the person
   answering for it (``sync.notify``; the deadline is part of its id, so once per deadline).
   The accountability records notify ``overdue`` the same way. Both are grouped: one
   notification (and one push) per person per chunk, naming the first subject and counting
   the rest (``server.store.notifications``); the subjects come by centre, so a centre's
   people are told once each rather than once per chunk.

4. Award titles (``server.jobs.award_terms``): the two-year re-check reminder turns on, and a
   title past its expiry without a passing re-check is withdrawn, once.

Work goes in chunks, one transaction each, so a kill loses at most the chunk in hand.
The accountability records and notifications are new records the server makes: written
set-based (``bulk``) or by the store's bulk path (``Batch.create``), they have the same
rows, versions, change-log entries and op rows as an op would write, without the merge.

They keep their ``ops`` rows, though their deterministic record ids alone would make them
"never two": an op id seen before is a ``duplicate`` in ``Batch.create``/``run`` (without the
row, the same op sent again would reach the merge as an edit of the stored record); a
``due_soon`` subject folded into a group is remembered only by its op row; the audit view
lists op rows as the system's writes.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from functools import partial
from typing import Any, TypeVar

from sync.deadlines import due_ms
from sync.made import Maker
from sync.notify import Trigger
from sync.schema import load

from ..clock import now_ms
from ..store import bulk, sqlite
from ..store import sweep as store
from ..store.holidays import load_calendar
from ..store.notifications import deliver
from ..store.records import Batch
from ..writer import Writer
from . import award_terms
from .sweep_plan import DUE_FIELD, KINDS, SWEEPER, Planner, accountability, accountability_id

__all__ = ["DUE_FIELD", "KINDS", "accountability_id", "run_forever", "sweep"]

log = logging.getLogger("fieldsync.sweep")
T = TypeVar("T")

CHUNK = 5000
# The first chunk is planned while the writer waits, so it is small. (Its end is one more
# chunk boundary: a person with subjects on both sides of it gets two grouped notifications.)
FIRST = 1000


def _chunks(items: Sequence[Any], size: int, first: int | None = None) -> list[Sequence[Any]]:
    size = max(1, size)
    head = min(size, max(1, first)) if first is not None else size
    return [items[:head]] + [items[i:i + size] for i in range(head, len(items), size)] \
        if items else []


def _mark(plan: bulk.Plan, rest: Sequence[str], ids: Sequence[str], now: int) -> Any:
    """Write a planned chunk (``bulk.apply``) and refresh its ``rest`` row by row; or, when
    the plan no longer holds, refresh the whole chunk ``ids`` row by row."""
    payload = plan.payload()  # made here, in the planning thread: not in the writer's time

    def run(conn: Any) -> tuple[int, int]:
        if (plan.marks or plan.made) and not bulk.apply(
                conn, plan, payload, now, Batch(conn, SWEEPER, now).as_system()):
            return len(Batch(conn, SWEEPER, now).refresh(plan.collection, ids)), 0
        turned = len(plan.marks)
        if rest:
            turned += len(Batch(conn, SWEEPER, now).refresh(plan.collection, rest))
        return turned, len(plan.made)
    return run


def _turn(writer: Writer, collection: str, ids: Sequence[str], now: int,
          chunk: int, planned: bool = True) -> tuple[int, int]:
    """Turn ``ids`` overdue in chunks, each planned on a read connection of this thread
    while the writer writes the one before (``server.jobs.sweep_plan``); return how many
    turned and how many accountability records were made with them."""
    turned = made = 0
    pending: Future[tuple[int, int]] | None = None
    conn = sqlite.connect(writer.path, readonly=True)
    try:
        planner: Planner | None = None
        for part in _chunks(ids, chunk, FIRST):
            conn.execute("BEGIN")  # a snapshot with the chunks before it written
            try:
                # A matter, centre or holiday schedule written meanwhile: plan from it (the
                # plans made before it no longer hold, and go row by row).
                if planner is None or planner.mark != bulk.reference_mark(conn):
                    planner = Planner(conn, now)
                plan, rest = planner.plan(collection, part) if planned \
                    else (bulk.Plan(collection), list(part))
            finally:
                conn.execute("COMMIT")
            if pending is not None:
                turned, made = _add((turned, made), pending.result())
                pending = None
            pending = writer.submit(_mark(plan, rest, part, now))
        if pending is not None:
            turned, made = _add((turned, made), pending.result())
            pending = None
    finally:
        if pending is not None:  # leaving on an error: the chunk in hand finishes first
            pending.exception()
        conn.close()
    return turned, made


def _add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return a[0] + b[0], a[1] + b[1]


def _account(collection: str, subjects: Sequence[tuple[str, str, dict[str, Any]]], now: int) -> Any:
    def run(conn: Any) -> int:
        ids = {rid: accountability_id(collection, rid) for rid, _c, _d in subjects}
        # Checked inside the transaction that writes: the guard against a concurrent sweep.
        have = store.existing_ids(conn, "accountability", list(ids.values()))
        make = Maker(load()).op
        ops = [make(f"sweep-{ids[rid]}", "accountability", ids[rid], now,
                    accountability(collection, rid, centre, data, now))
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


def _tell(kind: str, collection: str, rows: Sequence[tuple[str, str | None, int, str | None]],
          now: int) -> Any:
    """Tell ``rows`` (``(id, centre, due, staff)``) of ``kind``: due_soon, overdue_again."""
    def run(conn: Any) -> int:
        # The deadline is in the key: told once per deadline (a deadline moved by an
        # extension, or a later one missed, is told again), never once per sweep.
        told = [Trigger(kind, collection, rid, staff, centre, str(due), now)
                for rid, centre, due, staff in rows]
        return deliver(conn, Batch(conn, SWEEPER, now).as_system(), told, now)
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
          timings: dict[str, float] | None = None, planned: bool = True) -> dict[str, int]:
    """Run the sweep once at ``now``, ``chunk`` records per transaction; return how many
    records turned overdue and how many accountability records were made. ``timings``,
    when given, receives each step's wall seconds and, as ``"<step> cpu"``, the process's
    CPU seconds in it (``scripts/bench --sweep``). ``planned=False`` writes every chunk
    the row-by-row way the planned one falls back to (the reference the tests hold the
    planned writes to)."""
    when = now_ms() if now is None else now
    clock = (time.perf_counter(), time.process_time())

    def step(name: str) -> None:
        nonlocal clock
        if timings is not None:
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - clock[0]
            timings[f"{name} cpu"] = timings.get(f"{name} cpu", 0.0) + time.process_time() - clock[1]
        clock = (time.perf_counter(), time.process_time())

    turned = made = 0
    for collection in KINDS:
        ids = _read(writer, partial(store.overdue_candidates, collection=collection,
                                    due_field=DUE_FIELD[collection], now=when))
        turned, made = _add((turned, made), _turn(writer, collection, ids, when, chunk, planned))
    step("overdue")
    for collection in KINDS:
        subjects = _read(writer, partial(store.unaccounted, collection=collection,
                                         prefix=accountability_id(collection, "")))
        for part in _chunks(subjects, chunk):
            made += writer.run(_account(collection, part, when))
    # Late again on a later deadline: the one record stays, its people are told again.
    again = 0
    for collection in KINDS:
        rows = _read(writer, partial(store.late_again, collection=collection,
                                     prefix=accountability_id(collection, "")))
        for part in _chunks(rows, chunk):
            again += writer.run(_tell("overdue_again", collection, part, when))
    step("accountability")
    # A deadline one working day away: its person (or the centre's staff) is told, once.
    horizon = due_ms(when, 1, _read(writer, load_calendar))
    warned = 0
    for collection in KINDS:
        rows = _read(writer, partial(store.due_within, collection=collection,
                                     due_field=DUE_FIELD[collection], start=when, end=horizon))
        for part in _chunks(rows, chunk):
            warned += writer.run(_tell("due_soon", collection, part, when))
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
    return {"overdue": turned, "accountability": made, "overdue_again": again, "due_soon": warned,
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
