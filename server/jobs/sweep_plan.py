"""Planning the sweep's chunks on a read connection, outside the writer (``server.store.bulk``).

For each record of a chunk, ``Planner.plan`` does what ``Batch.refresh`` does inside the
writer (the computed fields at ``now``, the new document, its facts) and, for a record that
is then overdue, what the sweep's accountability step would make of it (``accountability``):
the record, its facts and the notification it calls for. The writer then only checks that
the plan still holds and writes it set-based, while this thread plans the next chunk.

A new accountability record is planned only when ``Batch.create`` would apply its op as it
is: the first record of each shape of op (which optional fields it has) goes through the
store's own checks (``Batch.new_row``); later ones differ from it only in the centre, the
subject's id, its deadline and its staff member, and each such value is checked by its
leaf's rules (``Schemas.leaf_test``) and the centre for its county. Anything else (an id too
long for the plain form, a value a rule refuses, a computed field that will not travel in
JSON) is left out of the plan: the record is refreshed row by row, and the accountability
step finds the subject without a record as before.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from sync import notify, paths
from sync.computed import Context, compute
from sync.errors import FieldsyncError
from sync.made import Maker
from sync.notify import Trigger
from sync.ops import RECORD_ID
from sync.schema import check_name, load

from .. import jsoncodec
from ..store import bulk, sqlite
from ..store.holidays import load_calendar
from ..store.records import Actor, Batch, _kept, centre_counties, matter_days

SWEEPER = Actor(user_id="system", device_id="system", role="system", scope=None)
KINDS = {"cases": "overdue_case", "complaints": "overdue_complaint",
         "rectifications": "overdue_rectification"}
DUE_FIELD = {"cases": "due_at", "complaints": "reply_due", "rectifications": "due_at"}
STAFF_FIELDS = ("handler_id", "first_asked_by", "staff_id")
#: the paths of an accountability op whose values differ from one subject to the next
VARYING = ("centre_id", "subject.record", "due_at", "staff_id")
_OVERDUE = sqlite.FACT_COLUMNS.index("overdue")
_UNSEEN = object()
# Stored text SQLite's ``json_set`` might keep otherwise than orjson writes it (SQLite keeps
# each token as it was): whitespace between tokens, an escape, a number with a fraction or
# exponent, -0, NaN. Any of these anywhere, strings included, and the document is written out
# by Python instead (the stored text is orjson's, so this is rare). Byte searches first: a
# regular expression over every document cost 10 µs each.
_FOLD = bytes.maketrans(b"123456789\n\r\t", b"000000000   ")  # digits to 0, whitespace to space
_SPACED = re.compile(rb"[\n\r\t]|[:,\[{] |\s[:,\]}]")
_MINUS_ZERO = re.compile(rb"[:,\[]-0[,\]}]")


def _kept_as_written(data: bytes) -> bool:
    """Whether ``json_set`` on the stored text ``data`` gives what orjson writes of it."""
    folded = data.translate(_FOLD)
    if (b"0." in folded or b"0e" in folded or b"0E" in folded or b"\\" in folded
            or b"NaN" in folded or b"Infinity" in folded):
        return False
    if b" " in folded and _SPACED.search(data):
        return False
    negative = b":-0" in folded or b",-0" in folded or b"[-0" in folded  # a negative number
    return not (negative and _MINUS_ZERO.search(data))


def _same_kinds(doc: dict[str, Any], fresh: dict[str, Any]) -> bool:
    """Whether every computed field is stored, each as the kind of value computed (equal is
    not enough: ``1.0 == 1`` and ``0 == False``, but the text differs)."""
    return all(k in doc and type(doc[k]) is type(v) for k, v in fresh.items())


def accountability_id(collection: str, record: str) -> str:
    """The one accountability record id a subject can ever have (≤ 100 characters).

    ``accountability_id(collection, "")`` is the prefix of the plain form."""
    plain = f"acc-{collection}-{record}"
    if len(plain) <= 100:
        return plain
    return f"acc-{collection}-h{hashlib.sha256(record.encode()).hexdigest()[:48]}"


def accountability(collection: str, rid: str, centre: str | None, data: dict[str, Any],
                   now: int) -> dict[str, Any]:
    """The leaves of the accountability op for subject ``rid`` (its stored document ``data``)."""
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


def _plain_subject(collection: str, data: dict[str, Any]) -> bool:
    """Whether the subject's deadline and staff fields are of the kinds they are written as
    (an integer; text), so the Python values ``accountability`` takes are what the
    accountability step's ``json_extract`` reads (a list read there is its JSON text, true
    is 1)."""
    due = data.get(DUE_FIELD[collection])
    if due is not None and type(due) is not int:
        return False
    for f in STAFF_FIELDS:
        staff = data.get(f)
        if staff is not None:
            return type(staff) is str
    return True


class Planner:
    """Plans chunks at ``now`` from the read connection ``conn`` (in a read transaction)."""

    def __init__(self, conn: sqlite3.Connection, now: int) -> None:
        self.conn, self.now = conn, now
        self.mark = bulk.reference_mark(conn)
        self.ctx = Context(now=now, matter_days=matter_days(conn), calendar=load_calendar(conn))
        self.counties = centre_counties(conn)
        self.schemas = load()
        self._maker = Maker(self.schemas)
        tests = {p: self.schemas.leaf_test("accountability", p) for p in VARYING}
        self._tests: dict[str, Callable[[Any], bool]] = {
            p: found[1] for p, found in tests.items() if found is not None}
        self._shapes: dict[tuple[str, str, tuple[str, ...]], bool] = {}
        self._common: dict[tuple[Any, ...], Any] = {}

    def plan(self, collection: str, ids: Sequence[str]) -> tuple[bulk.Plan, list[str]]:
        """The plan of the live records ``ids`` of ``collection`` (those whose computed fields
        change), and the ids left to the row-by-row way."""
        plan = bulk.Plan(collection, mark=self.mark)
        rest: list[str] = []
        notes: list[tuple[str, Trigger]] = []  # (subject id, what its record calls for)
        computed = self.schemas.collection(collection).computed
        ctx, conn = self.ctx, self.conn
        fact_values, travels, dumps = sqlite.fact_values, bulk.travels, jsoncodec.dumps
        indexed = sqlite.INDEXED_FACTS
        for row, rid, version, centre, data in bulk.live_rows(conn, collection, ids):
            doc = jsoncodec.loads(data)
            fresh = compute(collection, paths.leaves_of(doc, computed), ctx, _kept(collection, doc))
            changed = [k for k, v in fresh.items() if doc.get(k) != v]
            if not changed:
                continue  # nothing to write (Batch.refresh writes nothing either)
            new = {**doc, **fresh}
            facts = fact_values(collection, centre, new)
            if not travels(facts):
                rest.append(rid)
                continue
            read = sqlite.facts_read(collection, changed)
            which = bulk.INDEXED if not read.isdisjoint(indexed) else bulk.PLAIN if read else 0
            # The usual change, only ``overdue`` turning true, is made by SQLite in the stored
            # text (``bulk.OVERDUE``): the same bytes as this document's, not written here.
            text = None if (changed == ["overdue"] and new["overdue"] is True
                            and _same_kinds(doc, fresh) and _kept_as_written(data)
                            ) else dumps(new)
            plan.marks.append((row, version, rid, text, which, *facts))
            if facts[_OVERDUE] == 1:
                self._account(plan, notes, collection, rid, centre, new)
        # In the order asked for (by centre, then id): the versions, and the notifications'
        # grouping, follow it as they would row by row.
        order = {rid: i for i, rid in enumerate(ids)}
        plan.marks.sort(key=lambda m: order[m[2]])
        # A subject answered for already (a record, or an op of the id, from before) keeps
        # what it has: the accountability step would find it so too.
        taken = bulk.taken(conn, [(m[0], m[1]) for m in plan.made])
        told = {m[0] for m in plan.made if m[0] not in taken}
        plan.made = [m[:-1] for m in sorted(plan.made, key=lambda m: order[m[-1]])
                     if m[0] in told]
        notes.sort(key=lambda n: order[n[0]])
        plan.notes = [n for rid, n in notes if accountability_id(collection, rid) in told]
        rest.sort(key=order.__getitem__)
        return plan, rest

    def _account(self, plan: bulk.Plan, notes: list[tuple[str, Trigger]], collection: str,
                 rid: str, centre: str | None, data: dict[str, Any]) -> None:
        """Plan ``rid``'s accountability record, when ``Batch.create`` would make it as it is."""
        if not _plain_subject(collection, data):
            return  # read as the accountability step reads it (json_extract), it may differ
        leaves = accountability(collection, rid, centre, data, self.now)
        record = f"acc-{collection}-{rid}"
        if not self._record_ok(record, rid):
            return  # the accountability step makes it (a hashed id), or refuses it, its own way
        due, staff = leaves.get("due_at"), leaves.get("staff_id")
        # All but the subject's id is shared by many subjects (a centre, its staff, a day's
        # deadline): judged, and its facts found, once for each.
        key = (collection, centre, type(due), due, staff)
        common = self._common.get(key, _UNSEEN)
        if common is _UNSEEN:
            common = self._common[key] = self._judge(collection, record, centre, leaves)
        if common is None:
            return
        county, facts = common
        op_id = f"sweep-{record}"
        doc: dict[str, Any] = {"centre_id": centre, "detected_at": self.now}
        if due is not None:
            doc["due_at"] = due
        doc["kind"] = leaves["kind"]
        if staff is not None:
            doc["staff_id"] = staff
        doc["status"] = "open"
        doc["subject"] = {"collection": collection, "record": rid}
        plan.made.append((record, op_id, centre, county, jsoncodec.dumps(doc), *facts, rid))
        notes.extend((rid, n) for n in notify.triggers(
            "accountability", record, op_id, None, leaves, self.now))

    def _record_ok(self, record: str, rid: str) -> bool:
        """Whether the plain accountability id ``record`` and the subject id ``rid`` pass
        the checks of an op's record id and of ``subject.record``."""
        test = self._tests.get("subject.record")
        if len(record) > 100 or RECORD_ID.match(record) is None or test is None or not test(rid):
            return False
        try:
            check_name(record, "record")
        except FieldsyncError:
            return False
        return True

    def _judge(self, collection: str, record: str, centre: str | None,
               leaves: dict[str, Any]) -> tuple[str, tuple[Any, ...]] | None:
        """``(county, facts)`` of accountability records with these values but the subject's
        id, when ``Batch.create`` would apply such an op as it is; else None."""
        county = self.counties.get(centre) if isinstance(centre, str) else None
        if county is None:
            return None
        for path in VARYING:
            value = leaves.get(path)
            test = self._tests.get(path)
            if path != "subject.record" and value is not None and (test is None or not test(value)):
                return None
        shape = (collection, leaves["kind"], tuple(leaves))
        passed = self._shapes.get(shape)
        if passed is None:
            passed = self._shapes[shape] = self._passes(record, leaves)
        if not passed:
            return None
        # The facts of the first such record (a test holds them equal to each one's: none of
        # them reads the subject).
        facts = sqlite.fact_values("accountability", centre, paths.unflatten_whole(leaves)[0])
        return (county, facts) if bulk.travels(facts) else None

    def _passes(self, record: str, leaves: dict[str, Any]) -> bool:
        """The store's own checks of a new accountability record (``Batch.new_row``), and
        whether its document alone gives its leaves back (its path clocks are then one)."""
        op = self._maker.op(f"sweep-{record}", "accountability", record, self.now, dict(leaves))
        if op.error is not None:
            return False
        try:
            row = Batch(self.conn, SWEEPER, self.now, self.schemas).new_row(op)
        except FieldsyncError:
            return False
        return bool(row[6])
