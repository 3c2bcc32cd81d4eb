"""Records, the change log, ops, conflicts and quarantine: the merge engine's storage.

``Batch.run`` runs inside the writer's transaction: it dedupes by op id, loads the
touched records, lets ``sync.merge`` decide, and writes records, the change log,
conflicts, the idempotency table and the quarantine in a few ``executemany`` calls.
``Batch.create`` writes new records the server makes (accountability, notifications) the
same way without the merge; ``Batch.refresh`` rewrites computed fields time has changed.
Every batch write brings the report facts of what it wrote up to date from the documents
in hand (``sqlite.write_facts``); nothing else writes ``records``.
The path clocks are stored by ``clocks``; pull pages are read by ``pages``.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sync import cases, inspections, merge, notify, paths, rights, templates
from sync.computed import Context, Passed, check, check_write, compute
from sync.errors import FieldsyncError, Invalid
from sync.merge import DELETED, Op, RecordState
from sync.ops import CheckedOp, check_new, check_stored
from sync.schema import Schemas, load

from .. import jsoncodec
from ..scope import Scope
from . import audit, awards, clocks, notices, notifications, sqlite
from .holidays import load_calendar
from .rubrics import Templates

_dumps = jsoncodec.dumps
_dumps_bytes = jsoncodec.dumps_bytes
_TEXT = sqlite.text_param()  # a parameter given as UTF-8 bytes, stored as TEXT
_CHUNK = 900


@dataclass(frozen=True)
class Actor:
    """Who is writing: a device of a user with a scope, or the system (scope None: no limits)."""

    user_id: str
    device_id: str
    role: str
    scope: Scope | None


SYSTEM = Actor(user_id="system", device_id="system", role="system", scope=None)


@dataclass
class Stored:
    """A loaded record row: engine state plus its scope columns."""

    state: RecordState
    centre_id: str | None
    county_id: str | None
    created_version: int
    kept: dict[str, Any] = field(default_factory=dict)  # server-kept history (sync.cases)
    owner_id: str | None = None  # a person-scoped record's user (notifications)
    doc: dict[str, Any] | None = None  # the stored document as loaded (computed fields too)


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


#: Collections only the server makes, never merged on creation: ``Batch.create`` writes
#: their new records in bulk (no computed fields that need the batch's reference data).
BULK = frozenset({"accountability", "notifications"})


def _existing(conn: sqlite3.Connection, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which ``(collection, id)`` of ``keys`` are stored (tombstones too)."""
    found: set[tuple[str, str]] = set()
    by_coll: dict[str, list[str]] = {}
    for coll, rid in keys:
        by_coll.setdefault(coll, []).append(rid)
    for coll, ids in by_coll.items():
        for part in _chunks(ids):
            found.update((coll, rid) for (rid,) in conn.execute(
                f"SELECT id FROM records WHERE collection=? AND id IN ({','.join('?' * len(part))})",
                (coll, *part)))
    return found


def current_version(conn: sqlite3.Connection) -> int:
    """The newest version in the change log (0 for an empty database)."""
    row = conn.execute("SELECT max(version) FROM changes").fetchone()
    return int(row[0] or 0)


def load_records(conn: sqlite3.Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Stored]:
    """Load records by ``(collection, id)`` into engine states."""
    out: dict[tuple[str, str], Stored] = {}
    by_coll: dict[str, list[str]] = {}
    for coll, rid in set(keys):
        by_coll.setdefault(coll, []).append(rid)
    for coll, ids in by_coll.items():
        for part in _chunks(ids):
            q = ("SELECT id, centre_id, county_id, version, deleted, data, meta, created_version,"
                 f" owner_id FROM records WHERE collection=? AND id IN ({','.join('?' * len(part))})")
            for rid, centre, county, version, deleted, data, meta, created, owner in conn.execute(
                    q, (coll, *part)):
                doc = jsoncodec.loads(data)  # decoded once: state, kept history, refresh
                out[(coll, rid)] = Stored(clocks.state(coll, rid, version, deleted, doc, meta),
                                          centre, county, created, _kept(coll, doc), owner, doc)
    return out


def _live_leaves(conn: sqlite3.Connection, collection: str, ids: Sequence[str]
                 ) -> Iterator[tuple[str, int, str | None, dict[str, Any], dict[str, Any]]]:
    """``(id, row id, centre, stored document, leaves)`` of the live records among ``ids``, in their order:
    the leaves read from the document (all but its computed fields), not from the path
    clocks, which a refresh of computed fields neither needs nor changes (they are the
    larger half of a row: decoding them was a third of the sweep's reading)."""
    computed = load().collection(collection).computed
    found: dict[str, tuple[int, str | None, dict[str, Any], dict[str, Any]]] = {}
    for part in _chunks(list(ids)):
        for rid, row, centre, data in conn.execute(
                f"SELECT id, rid, centre_id, {sqlite.text_bytes('data')} FROM records"
                " WHERE collection=? AND deleted=0"
                f" AND id IN ({','.join('?' * len(part))})", (collection, *part)):
            doc = jsoncodec.loads(data)
            found[rid] = (row, centre, doc, paths.leaves_of(doc, computed))
    for rid in ids:
        if rid in found:
            yield rid, *found[rid]


def _kept(coll: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The history the server keeps op by op beside a record's leaves (a case's pauses, a
    complaint's reopening and the reply it owes since: ``sync.cases.track_reply``)."""
    if coll == "complaints":
        reopened = doc.get("reopened_at")
        if isinstance(reopened, int):
            return {"reopened_at": reopened, "answered_at": doc.get("answered_at")}
        verification = doc.get("verification")
        if "reopened_at" not in doc and doc.get("status") == "open" \
                and isinstance(verification, dict) and verification.get("passed") is False \
                and isinstance(verification.get("at"), int):
            # Sent back before the server kept ``reopened_at``: the send-back's time.
            return {"reopened_at": verification["at"], "answered_at": None}
        return {}
    if coll != "cases":
        return {}
    pauses, numbers, dates = doc.get("pauses"), doc.get("notice_numbers"), doc.get("notice_dates")
    kept: dict[str, Any] = {"pauses": pauses} if isinstance(pauses, list) else {}
    if isinstance(numbers, dict):
        kept["notice_numbers"] = numbers
    if isinstance(dates, dict):
        kept["notice_dates"] = dates
    return kept


#: an evaluation's paths that make it a call-back of some work (judged whenever written)
CALLBACK_PATHS = frozenset({"source", "case_id", "visit_id"})


def matter_days(conn: sqlite3.Connection) -> dict[str, int]:
    """Promised time limits (working days) of every matter, for case deadlines."""
    return {rid: int(days) for rid, days in conn.execute(
        f"SELECT id, {sqlite.json_field('data', 'time_limit_days')} FROM records"
        " WHERE collection='matters'") if days is not None}


def centre_counties(conn: sqlite3.Connection) -> dict[str, str]:
    """Every centre's county."""
    return {rid: county for rid, county in conn.execute(
        "SELECT id, county_id FROM records WHERE collection='centres'")}


def _pending_of(batch: weakref.ReferenceType[Batch]) -> Callable[[], Mapping[tuple[str, str], Stored]]:
    """The records written so far by the batch ``batch`` refers to (none once it is gone)."""
    def pending() -> Mapping[tuple[str, str], Stored]:
        found = batch()
        return found.records if found is not None else {}
    return pending


class Batch:
    """One transaction's worth of ops: applies them in order and writes the rows."""

    def __init__(self, conn: sqlite3.Connection, actor: Actor, now: int,
                 schemas: Schemas | None = None) -> None:
        self.conn, self.actor, self.now = conn, actor, now
        self.schemas = schemas or load()
        self.version = current_version(conn)
        self.start = self.version  # records created by this batch get versions above it (run)
        self.records: dict[tuple[str, str], Stored] = {}
        self.dirty: set[tuple[str, str]] = set()
        self.changes: list[tuple[Any, ...]] = []
        self.op_rows: list[tuple[Any, ...]] = []
        self.conflicts: list[tuple[Any, ...]] = []
        self.quarantine: list[tuple[Any, ...]] = []
        self._ctx: Context | None = None
        self._now_ctx: Context | None = None  # the moment alone (checks of new records)
        self._write_ctx: Context | None = None  # the moment and the templates (_apply's checks)
        # The templates see this batch's records through a weak reference: a closure over
        # ``self`` would make every batch a reference cycle, so its records (hundreds of
        # documents and path clocks) would wait for the cyclic collector instead of going
        # when the request ends; its full collections then cost the push ~10 % more.
        self.templates = Templates(conn, _pending_of(weakref.ref(self)))
        #: computed fields ``check`` produced, by record, with the leaves they are of
        self.scored: dict[tuple[str, str], tuple[Mapping[str, Any], dict[str, Any]]] = {}
        #: inspections as they passed ``check`` in this batch: the next op on one checks only
        #: the answers it touches (``check_write``); it is scored once, at the flush
        self.passed: dict[tuple[str, str], Passed] = {}
        self._counties: dict[str, str] | None = None
        #: notifications the ops of this batch call for (``sync.notify``), written after them
        self.notes: list[notify.Trigger] = []

    # -- reference lookups, loaded only when a batch needs them --------------------------
    def ctx(self) -> Context:
        if self._ctx is None:
            days = matter_days(self.conn)
            for (coll, rid), st in self.records.items():  # matters written in this batch
                limit = st.state.leaves.get("time_limit_days")
                if coll == "matters" and isinstance(limit, int):
                    days[rid] = limit
            self._ctx = Context(now=self.now, matter_days=days, templates=self.templates,
                                rubrics=self.templates.rubrics, calendar=load_calendar(self.conn))
        return self._ctx

    def _deadline(self, stored: Stored) -> int | None:
        """A stored case's deadline (its computed ``due_at``) as it stands before an op."""
        cached = self._ctx
        due = compute("cases", stored.state.leaves, self.ctx(), stored.kept).get("due_at")
        self._ctx = cached  # taken again at the flush: matters a later op writes count there
        return due if isinstance(due, int) else None

    def _check_colleague(self, user_id: Any, centre: str | None) -> None:
        """A case is handed over only to an enabled staff member of its centre."""
        if user_id is not None and (centre is None or user_id not in
                                    notifications.centre_staff(self.conn, [centre])[centre]):
            raise Invalid("handler_id: a case is handed over to a colleague of its centre",
                          path="handler_id", details={"centre_id": centre})

    def county_of(self, centre_id: str | None) -> str | None:
        if centre_id is None:
            return None
        pending = self.records.get(("centres", centre_id))  # a centre made in this batch
        if pending is not None and isinstance(pending.state.leaves.get("county_id"), str):
            return str(pending.state.leaves["county_id"])
        if self._counties is None:
            self._counties = centre_counties(self.conn)
        return self._counties.get(centre_id)

    # -- the work ---------------------------------------------------------------------
    def run(self, ops: Sequence[CheckedOp], stamps: Sequence[int]) -> list[dict[str, Any]]:
        """Apply ``ops`` (with their corrected stamps); return per-op results.

        An op carrying an ``error`` is quarantined; an op id seen before is a duplicate.
        """
        seen = self._known([o.id for o in ops])
        self.start = self.version  # what this run creates gets a version above; the rest is stored
        self.records = load_records(self.conn, [(o.collection, o.record) for o in ops
                                                if o.id not in seen and o.error is None])
        results: list[dict[str, Any]] = []
        for raw, stamp in zip(ops, stamps, strict=True):
            if raw.id in seen:
                results.append({"op": raw.id, "status": "duplicate", "version": seen[raw.id]})
                continue
            try:
                result = self._apply(raw, stamp)
            except FieldsyncError as err:
                result = self._reject(raw, err, stamp)
            else:
                seen[raw.id] = result["version"]
            results.append(result)
        self._flush()
        if self.notes:
            notes, self.notes = self.notes, []
            # Nobody is told about what they did themselves.
            notifications.deliver(self.conn, self.as_system(), notes, self.now,
                                  exclude=self.actor.user_id)
        return results

    def refresh(self, collection: str, ids: Sequence[str],
                written: dict[str, tuple[str | None, dict[str, Any]]] | None = None) -> list[str]:
        """Recompute the computed fields of records at ``self.now``; write those that changed.

        Time alone can change a computed field (a case turns overdue); such a record gets
        a new version and a change-log entry like any edit, so every phone pulls it.
        ``written``, when given, receives each record written: id -> (centre, its document).
        """
        touched, rows = [], []
        facts: list[tuple[int, str | None, dict[str, Any], dict[str, Any]]] = []
        ctx = self.ctx()
        for rid, row, centre, doc, leaves in _live_leaves(self.conn, collection, ids):
            fresh = compute(collection, leaves, ctx, _kept(collection, doc))
            if all(doc.get(k) == v for k, v in fresh.items()):
                continue
            self.version += 1
            # Only computed fields change: the stored document takes them as they are, and
            # the path clocks (meta) stay, so neither is rebuilt from the leaves.
            new = {**doc, **fresh}
            rows.append((self.version, _dumps_bytes(new), row))
            facts.append((row, centre, doc, new))
            if written is not None:
                written[rid] = (centre, new)
            self.changes.append((self.version, collection, rid, None, self.actor.device_id,
                                 self.actor.user_id, self.now))
            touched.append(rid)
        # By row id, read above: a (collection, id) lookup per row was a quarter of the update.
        self.conn.executemany(f"UPDATE records SET version=?, data={_TEXT} WHERE rid=?", rows)
        # From the documents before and after, in hand: the facts rows are not read back.
        sqlite.rewrite_facts(self.conn, collection, facts)
        self._flush()
        return touched

    def _leaves(self, collection: str, rid: str) -> dict[str, Any] | None:
        """A live record's leaves: written in this batch, else as stored."""
        key = (collection, rid)
        if key not in self.records:
            self.records.update(load_records(self.conn, [key]))
        st = self.records.get(key)
        return None if st is None or st.state.deleted else dict(st.state.leaves)

    def _check_publish(self, rid: str, leaves: Mapping[str, Any]) -> None:
        """A template version about to be published: complete, and its predecessor not
        already superseded by another published version (stored or in this batch)."""
        sid = leaves.get("supersedes")
        old = self._leaves("templates", sid) if isinstance(sid, str) else None
        others: list[str] = []
        if isinstance(sid, str):
            others = [other for (other,) in self.conn.execute(
                "SELECT id FROM records WHERE collection='templates' AND deleted=0 AND id<>?"
                f" AND {sqlite.json_field('data', 'supersedes')}=?"
                f" AND {sqlite.json_field('data', 'status')}='published'", (rid, sid))]
            others += [key[1] for key, st in self.records.items()
                       if key[0] == "templates" and key[1] != rid and not st.state.deleted
                       and st.state.leaves.get("supersedes") == sid
                       and st.state.leaves.get("status") == "published" and key[1] not in others]
        templates.check_publish(leaves, old, sorted(others))

    def as_system(self) -> notifications.Apply:
        """Apply ops as the system, in this transaction, after this batch's writes."""
        def apply(ops: list[CheckedOp]) -> list[dict[str, Any]]:
            return Batch(self.conn, SYSTEM, self.now, self.schemas).create(ops)
        return apply

    def create(self, ops: Sequence[CheckedOp]) -> list[dict[str, Any]]:
        """Write records the server makes (accountability records, notifications), stamped
        ``now``, in bulk; return per-op results as ``run`` does.

        A new record of a ``BULK`` collection written by the system is judged by the same
        checks as in ``run`` (scope fields, rights, required fields) and written as ``run``
        writes it (the same record row, path clocks, version, change-log entry, op row and
        notifications), without the merge: a new record merges to exactly its op. Any other
        op (a duplicate op id, a record already stored, a rejected op, another collection)
        goes through ``run`` after them.
        """
        seen = self._known([o.id for o in ops])
        stored = _existing(self.conn, [(o.collection, o.record) for o in ops])
        results: dict[int, dict[str, Any]] = {}
        rest: list[int] = []
        rows: list[tuple[Any, ...]] = []
        # The facts of the records inserted here (all new, live), by the row ids given them:
        # max(rid) + 1 on, as SQLite would give them (this is the writer's transaction), so
        # their facts need no lookup of the row ids afterwards.
        facts: dict[str, list[tuple[int, str, str | None, dict[str, Any]]]] = {}
        row_id = sqlite.next_rid(self.conn) - 1
        auto = row_id > sqlite.LAST_ROWID - len(ops)  # the last row id taken: SQLite picks free ones
        device, user, now = self.actor.device_id, self.actor.user_id, self.now
        for i, raw in enumerate(ops):
            key = (raw.collection, raw.record)
            if (self.actor.scope is not None or raw.collection not in BULK or raw.error is not None
                    or raw.id in seen or key in stored or raw.delete or raw.restore):
                rest.append(i)
                continue
            stored.add(key)  # a second op of the same record in this call merges: run()
            try:
                row = self.new_row(raw)
            except FieldsyncError as err:
                results[i] = self._reject(raw, err, now)
                continue
            self.version += 1
            version = self.version
            row_id += 1
            rows.append((None if auto else row_id, *row[:4], version, 0, _dumps_bytes(row[4]),
                         clocks.encode_one(raw.set, (version, now, device, raw.id), whole=row[6]),
                         version, row[5]))
            facts.setdefault(raw.collection, []).append((row_id, raw.record, row[2], row[4]))
            self.changes.append((version, raw.collection, raw.record, raw.id, device, user, now))
            self.op_rows.append((raw.id, device, user, raw.collection, raw.record, "applied",
                                 version, now))
            self.notes.extend(notify.triggers(raw.collection, raw.record, raw.id, None,
                                              raw.set, now))
            results[i] = {"op": raw.id, "status": "applied", "version": version}
        self.conn.executemany("INSERT INTO records (rid, collection, id, centre_id, county_id,"
                              " version, deleted, data, meta, created_version, owner_id)"
                              f" VALUES (?,?,?,?,?,?,?,{_TEXT},?,?,?)", rows)
        for coll, made in facts.items():
            sqlite.facts_of_new(self.conn, coll, made, looked_up=auto)
        self._flush()
        if self.notes:
            notes, self.notes = self.notes, []
            notifications.deliver(self.conn, self.as_system(), notes, now, exclude=user)
            self.version = current_version(self.conn)  # the notifications took versions
        if rest:
            results.update(zip(rest, self.run([ops[i] for i in rest], [now] * len(rest)),
                               strict=True))
        return [results[i] for i in range(len(ops))]

    def _scope_of(self, scope: str, stored: Stored | None,
                  leaves: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
        """``(centre, county, owner)`` of a record: from the stored record, or for a new one
        from what its op sets; ``Invalid`` when the scope's key is missing or unknown."""
        if scope == "person":
            owner = stored.owner_id if stored else leaves.get("user_id")
            if not isinstance(owner, str):
                raise Invalid("user_id: required", path="user_id")
            return None, None, owner
        if scope == "centre":
            centre = stored.centre_id if stored else leaves.get("centre_id")
            if not isinstance(centre, str):
                raise Invalid("centre_id: required", path="centre_id")
            county = self.county_of(centre)
            if county is None:
                raise Invalid(f"centre_id: unknown centre {centre!r}", path="centre_id")
            return centre, county, None
        county = stored.county_id if stored else leaves.get("county_id")
        if not isinstance(county, str):
            raise Invalid("county_id: required", path="county_id")
        return None, county, None

    def new_row(self, raw: CheckedOp) -> tuple[Any, ...]:
        """``(collection, id, centre, county, data, owner, whole)`` of a new server-made record
        (``whole``: its document gives its leaves back, ``clocks.encode_one``), after
        the checks ``_apply`` makes of it (a new record's leaves are its op's ``set``)."""
        coll = self.schemas.collection(raw.collection)
        leaves = dict(raw.set)
        check_new(raw)
        centre, county, owner = self._scope_of(coll.scope, None, leaves)
        rights.enforce(coll.rules, self.actor.role, None, leaves, delete=False, merged=leaves)
        self.schemas.check_required(raw.collection, leaves)
        if self._now_ctx is None:
            self._now_ctx = Context(now=self.now)
        check(raw.collection, leaves, self._now_ctx, county=county)
        data, whole = paths.unflatten_whole(leaves)
        fresh = compute(raw.collection, leaves, self.ctx(), {})
        # whether the stored document alone gives the leaves back (clocks.encode_one), known
        # here from the one unflatten rather than found again by a second
        whole = whole and clocks.own(raw.collection, data, fresh)
        data.update(fresh)
        return (raw.collection, raw.record, centre, county, data, owner, whole)

    def _known(self, ids: Sequence[str]) -> dict[str, int]:
        known: dict[str, int] = {}
        for part in _chunks(list(set(ids))):
            known.update(self.conn.execute(
                f"SELECT id, version FROM ops WHERE id IN ({','.join('?' * len(part))})", part))
        return known

    def _apply(self, raw: CheckedOp, stamp: int) -> dict[str, Any]:
        if raw.error is not None:
            raise raw.error
        coll = self.schemas.collection(raw.collection)
        leaves = dict(raw.set)
        key = (raw.collection, raw.record)
        stored = self.records.get(key)
        if stored is None:
            check_new(raw)
        centre, county, owner = self._scope_of(coll.scope, stored, leaves)
        if self.actor.scope is not None:
            self.actor.scope.check_write(coll, centre, county)
        if stored is not None:
            check_stored(raw, stored.state.leaves)

        if raw.collection == "cases" and not raw.delete and not raw.restore:
            due = self._deadline(stored) if stored and paths.touches(leaves, "extension") else None
            leaves = cases.prepare(stored.state.leaves if stored else None, leaves, stamp=stamp,
                                   user_id=None if self.actor.role == "system"
                                   else self.actor.user_id, due_at=due)
            if stored is not None and self.actor.role != "system" and "handler_id" in leaves \
                    and leaves["handler_id"] != stored.state.leaves.get("handler_id"):
                self._check_colleague(leaves["handler_id"], centre)
        if raw.collection == "complaints" and not raw.delete and not raw.restore:
            leaves = cases.complaint_times(stored.state.leaves if stored else None, leaves, stamp=stamp)
        if raw.collection == "rectifications" and stored is None and not raw.delete:
            leaves = cases.order_time(leaves, stamp=stamp)
        passed: Passed | None = None
        op = Op(raw.id, raw.collection, raw.record, raw.base, stamp, self.actor.device_id,
                leaves, True if raw.delete else (False if raw.restore else None))
        outcome = merge.apply(stored.state if stored else None, op, self.version + 1)
        state = outcome.state
        # The one place every op meets the per-path rights and state rules (sync/rights.py).
        rights.enforce(coll.rules, self.actor.role, stored.state.leaves if stored else None,
                       leaves, delete=bool(raw.delete), merged=state.leaves)
        if not state.deleted:
            self.schemas.check_required(raw.collection, state.leaves)
            # rubric templates and answers (not self.ctx(): that is taken once all ops are in)
            before = self.passed.get(key)
            if self._write_ctx is None:  # the same for every op of the batch: made once
                self._write_ctx = Context(now=self.now, templates=self.templates,
                                          rubrics=self.templates.rubrics)
            scored, passed = check_write(
                raw.collection, state.leaves, self._write_ctx,
                county=county, written=leaves,
                before=before if stored is not None and before is not None
                and before.leaves is stored.state.leaves else None)
            if scored is not None:  # kept for the flush: an inspection is scored once
                self.scored[key] = (state.leaves, scored)
            if raw.collection == "awards":  # rules needing the assessment and the calendar
                when = Context(now=self.now, calendar=load_calendar(self.conn))
                awards.check(self.conn, stored.state.leaves if stored else None, state.leaves,
                             compute("awards", state.leaves, when, {}), self.now)
            if raw.collection == "inspections" and self.actor.role != "system":
                inspections.check_reviewer(state.leaves, leaves, self.actor.user_id)
            if raw.collection == "templates" and ("supersedes" in leaves or "version" in leaves):
                sid = state.leaves.get("supersedes")
                templates.check_supersedes(state.leaves, self._leaves("templates", sid)
                                           if isinstance(sid, str) else None)
            if raw.collection == "templates" and leaves.get("status") == "published" and (
                    stored is None or stored.state.leaves.get("status") != "published"):
                self._check_publish(raw.record, state.leaves)
            if raw.collection == "accountability" and stored is not None and self.actor.role != "system":
                cases.check_send_back(stored.state.leaves, leaves)
            if raw.collection == "evaluations" and (stored is None or not CALLBACK_PATHS.isdisjoint(leaves)):
                cid, vid = state.leaves.get("case_id"), state.leaves.get("visit_id")
                cases.check_callback(state.leaves,
                                     self._leaves("cases", cid) if isinstance(cid, str) else None,
                                     self._leaves("visits", vid) if isinstance(vid, str) else None)
            if raw.collection == "rectifications" and ("reinspection_id" in leaves or "item_ids" in leaves):
                rid = state.leaves.get("reinspection_id")
                inspections.check_reinspection(state.leaves, self._leaves("inspections", rid)
                                               if isinstance(rid, str) else None)
        kept = stored.kept if stored else {}
        if raw.collection == "complaints" and outcome.changed:
            kept = cases.track_reply(kept, stored.state.leaves.get("status") if stored else None,
                                     state.leaves.get("status"), stamp)
        if raw.collection == "cases":
            before = stored.state.leaves.get("status") if stored else None
            after = state.leaves.get("status")
            numbers = dict(kept.get("notice_numbers") or {})
            dates = dict(kept.get("notice_dates") or {})
            for kind in cases.notices_due(numbers, before, after) if outcome.changed else ():
                if isinstance(centre, str):
                    # Numbered in this (the writer's) transaction: no two cases share one. A
                    # notice is dated by the decision it records (this op's corrected time).
                    numbers[kind] = notices.allocate(self.conn, centre, kind, stamp)
                    accepted = state.leaves.get("accepted_at")
                    # An acceptance entered after the fact is dated by its accepted_at.
                    dates[kind] = accepted if kind == "acceptance" and isinstance(accepted, int) \
                        else stamp
            if after == cases.WAITING and before != cases.WAITING and outcome.changed \
                    and "supplement" in numbers:
                dates["supplement"] = stamp  # a later request's list is dated by that request
            kept = {"pauses": cases.track_pauses(kept.get("pauses") or [], before, after, stamp)}
            if numbers:
                kept["notice_numbers"] = numbers
            if dates:
                kept["notice_dates"] = dates
            if "extension.days" in leaves and outcome.changed:
                audit.record(self.conn, at=self.now, action="case_extended", outcome="ok",
                             user_id=self.actor.user_id, device_id=self.actor.device_id,
                             county_id=county, target=f"cases/{raw.record}",
                             details={"days": leaves["extension.days"],
                                      "reason": leaves.get("extension.reason")})
        if outcome.changed:
            if raw.collection == "templates":
                self.scored.clear()  # inspections scored before are scored again by it at the flush
                self.passed.clear()  # and checked whole by the next op on them
            elif passed is not None:
                self.passed[key] = passed
            self.version += 1
            self.records[key] = Stored(state, centre, county,
                                       stored.created_version if stored else self.version, kept,
                                       owner)
            self.notes.extend(notify.triggers(raw.collection, raw.record, raw.id,
                                              stored.state.leaves if stored else None,
                                              state.leaves, stamp))
            self.dirty.add(key)
            self.changes.append((self.version, raw.collection, raw.record, raw.id,
                                 self.actor.device_id, self.actor.user_id, self.now))
        version = state.version
        for loser in outcome.losers:
            self.conflicts.append((uuid.uuid4().hex, raw.collection, raw.record, loser.path,
                                   _dumps(loser.value), loser.device, loser.op, loser.stamp,
                                   version))
        self.op_rows.append((raw.id, self.actor.device_id, self.actor.user_id, raw.collection,
                             raw.record, outcome.status, version, self.now))
        return {"op": raw.id, "status": outcome.status, "version": version}

    def _reject(self, raw: CheckedOp, err: FieldsyncError, stamp: int | None = None) -> dict[str, Any]:
        scope = self.actor.scope
        # Filed under the sender's county: its supervisors review it (an admin sees all).
        county = next(iter(scope.county_ids)) if scope and len(scope.county_ids) == 1 else None
        self.quarantine.append((raw.id, self.actor.device_id, self.actor.user_id,
                                raw.collection[:100], raw.record[:100], err.code,
                                err.message, _dumps(dict(raw.sent)), self.now, county, stamp,
                                _dumps(err.details) if err.details else None))
        result: dict[str, Any] = {"op": raw.id, "status": "rejected", "code": err.code,
                                  "message": err.message}
        if err.details:
            result["details"] = err.details
        return result

    def _flush(self) -> None:
        conn = self.conn
        rows = []
        # Records created by this batch (none is stored yet: each is a plain INSERT) are given
        # their row ids here, from the newest stored one on, as SQLite would give them: this is
        # the writer's transaction, so no other insert comes between. Their facts rows are
        # then inserted without looking the ids up (or for a facts row: they have none yet).
        inserts: list[tuple[Any, ...]] = []
        row_id: int | None = None  # the last row id given
        docs: dict[str, dict[str, dict[str, Any]]] = {}
        made: dict[str, list[tuple[int, str, str | None, dict[str, Any]]]] = {}  # new and live
        for key in self.dirty:
            st = self.records[key]
            state = st.state
            data, whole = paths.unflatten_whole(state.data())
            if not state.deleted:
                done = self.scored.get(key)
                # Scored by check() of these very leaves (the last op that wrote them)?
                fields = (done[1] if done is not None and done[0] is state.leaves
                          else compute(state.collection, state.leaves, self.ctx(), st.kept))
                whole = whole and clocks.own(state.collection, data, fields)
                data.update(fields)
            row = (state.collection, state.id, st.centre_id, st.county_id, state.version,
                   int(state.deleted), _dumps_bytes(data), clocks.meta(state, whole),
                   st.created_version, st.owner_id)
            if st.created_version > self.start:
                row_id = sqlite.next_rid(conn) if row_id is None else row_id + 1
                inserts.append((row_id, *row))
                if not state.deleted:  # (one made and deleted in this batch has no facts)
                    made.setdefault(state.collection, []).append((row_id, state.id, st.centre_id, data))
            else:
                rows.append(row)
                docs.setdefault(state.collection, {})[state.id] = data
        lookup = row_id is not None and row_id > sqlite.LAST_ROWID  # SQLite picks free ids then
        if lookup:
            inserts = [(None, *r[1:]) for r in inserts]
        # The document goes in as the UTF-8 orjson wrote, stored as the TEXT its str would be:
        # not decoded to a str here for the sqlite3 module to encode it again.
        conn.executemany("INSERT INTO records (rid, collection, id, centre_id, county_id, version,"
                         " deleted, data, meta, created_version, owner_id)"
                         f" VALUES (?,?,?,?,?,?,?,{_TEXT},?,?,?)", inserts)
        conn.executemany("INSERT INTO records (collection, id, centre_id, county_id, version,"
                         " deleted, data, meta, created_version, owner_id)"
                         f" VALUES (?,?,?,?,?,?,{_TEXT},?,?,?) ON CONFLICT (collection, id) DO UPDATE"
                         " SET version=excluded.version, deleted=excluded.deleted,"
                         " data=excluded.data, meta=excluded.meta", rows)
        for coll, new in made.items():
            sqlite.facts_of_new(conn, coll, new, looked_up=lookup)
        for coll, written in docs.items():
            sqlite.write_facts(conn, coll, written)
        conn.executemany("INSERT INTO changes (version, collection, record, op, device, user_id,"
                         " at) VALUES (?,?,?,?,?,?,?)", self.changes)
        conn.executemany("INSERT INTO ops (id, device, user_id, collection, record, status,"
                         " version, received_at) VALUES (?,?,?,?,?,?,?,?)", self.op_rows)
        conn.executemany("INSERT INTO conflicts (id, collection, record, path, value, device, op,"
                         " at, version) VALUES (?,?,?,?,?,?,?,?,?)", self.conflicts)
        # A resent op is the same op: one row, counted, with its latest reason (a dropped
        # one stays dropped: a supervisor decided).
        conn.executemany(
            "INSERT INTO quarantine (op_id, device, user_id, collection, record, code, message,"
            " op, received_at, county_id, stamp, details) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(op_id) DO UPDATE SET attempts = attempts + 1, code = excluded.code,"
            " message = excluded.message, details = excluded.details,"
            " received_at = excluded.received_at,"
            " stamp = coalesce(excluded.stamp, stamp)", self.quarantine)
        self.dirty.clear()
        self.scored.clear()
        self.passed.clear()
        for rows_done in (self.changes, self.op_rows, self.conflicts, self.quarantine):
            rows_done.clear()


def record_scope(conn: sqlite3.Connection, collection: str,
                 record: str) -> tuple[str | None, str | None] | None:
    """``(centre_id, county_id)`` of a stored record, or None if there is none."""
    row = conn.execute("SELECT centre_id, county_id FROM records WHERE collection=? AND id=?",
                       (collection, record)).fetchone()
    return None if row is None else (row[0], row[1])


def current_value(conn: sqlite3.Connection, collection: str, record: str, path: str) -> tuple[int, Any]:
    """A stored record's version and the value at ``path`` (``_deleted``: whether deleted)."""
    version, data, deleted = conn.execute(
        "SELECT version, data, deleted FROM records WHERE collection=? AND id=?",
        (collection, record)).fetchone()
    return int(version), bool(deleted) if path == DELETED else paths.get(json.loads(data), path)


def touch(conn: sqlite3.Connection, collection: str, record: str, op_id: str, actor: Actor,
          now: int) -> int:
    """Give a record a new version (and a change-log entry) without changing its data, so
    devices pull it again; returns the version."""
    version = current_version(conn) + 1
    conn.execute("UPDATE records SET version=? WHERE collection=? AND id=?",
                 (version, collection, record))
    conn.execute("INSERT INTO changes (version, collection, record, op, device, user_id, at)"
                 " VALUES (?,?,?,?,?,?,?)",
                 (version, collection, record, op_id, actor.device_id, actor.user_id, now))
    return version


def centre_exists(conn: sqlite3.Connection, centre_id: str) -> bool:
    """Whether a centres record with this id is stored."""
    return record_exists(conn, "centres", centre_id)


def record_exists(conn: sqlite3.Connection, collection: str, record_id: str) -> bool:
    """Whether a record of ``collection`` with this id is stored (deleted or not)."""
    return conn.execute("SELECT 1 FROM records WHERE collection=? AND id=?",
                        (collection, record_id)).fetchone() is not None


def record_data(conn: sqlite3.Connection, collection: str,
                record: str) -> tuple[str | None, dict[str, Any]] | None:
    """``(county_id, data)`` of a live stored record, or None."""
    row = conn.execute("SELECT county_id, data FROM records WHERE collection=? AND id=? AND deleted=0",
                       (collection, record)).fetchone()
    return None if row is None else (row[0], json.loads(row[1]))
