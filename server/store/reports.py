"""The county workspace's figures: per centre and month, read from ``facts``.

``facts`` (kept by every write, see ``server.store.sqlite``) holds one narrow row per record of
the reported collections, so a month of a 200,000-case county is a few index range scans.
Every function takes the centres to report on (the caller's scope, checked by the edge)
and month bounds in epoch ms (China time is the edge's business).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from sync import rubric

from .sqlite import json_field
from .sqlite import unindexed as plain

OPEN_CASE = ("accepted", "supplement", "handling")
OPEN_RECTIFICATION = ("open", "responded", "overdue")
GOOD_RATINGS = ("very_satisfied", "satisfied", "fairly_satisfied")
FIGURES = ("cases_completed", "on_time_rate", "overdue_open", "home_visits", "satisfaction_rate",
           "inspection_score", "vetoed", "open_rectifications", "complaints_overdue")


def _in(values: Sequence[str]) -> str:
    return ",".join("?" * len(values))


def centres(conn: sqlite3.Connection, ids: Sequence[str]) -> list[tuple[str, str]]:
    """``(id, name)`` of the live centres among ``ids``, by id."""
    ids = sorted(ids)
    if not ids:
        return []
    return [(r[0], r[1] or r[0]) for r in conn.execute(
        f"SELECT id, {json_field('data', 'name')} FROM records WHERE collection='centres'"
        f" AND deleted=0 AND id IN ({_in(ids)}) ORDER BY id", ids)]


def _grouped(conn: sqlite3.Connection, sql: str, args: Sequence[Any]) -> dict[str, tuple[Any, ...]]:
    return {row[0]: tuple(row[1:]) for row in conn.execute(sql, args)}


def month_figures(conn: sqlite3.Connection, centre_ids: Sequence[str], start: int, end: int,
                  now: int) -> dict[str, dict[str, Any]]:
    """The contract's figures per centre for the month ``[start, end)`` as seen at ``now``.

    Stock figures (``overdue_open``, ``open_rectifications``) are taken at the month's end,
    or at ``now`` for a month not over yet.
    """
    ids = sorted(centre_ids)
    if not ids:
        return {}
    cutoff = min(end, now)
    # A scope is most of the county, so the month's time range (or a status) narrows the rows:
    # the planner must not walk the centre index instead (``plain``: no index for that column).
    by_centre = f"AND {plain('centre_id')} IN ({_in(ids)}) GROUP BY {plain('centre_id')}"
    done = _grouped(conn, (
        "SELECT centre_id, count(*), sum(CASE WHEN due IS NULL OR done <= due THEN 1 ELSE 0 END)"
        " FROM facts WHERE collection='cases' AND done >= ? AND done < ? AND status='completed'"
        f" {by_centre}"), [start, end, *ids])
    # Overdue and open at the cutoff: still open now with its due time passed, or completed
    # only after the cutoff although due before it ("due before the cutoff" is nearly every
    # case: the done range narrows).
    late_open = _grouped(conn, (
        "SELECT centre_id, count(*) FROM facts WHERE collection='cases'"
        f" AND status IN ({_in(OPEN_CASE)}) AND due < ? AND (at IS NULL OR at < ?) {by_centre}"),
        [*OPEN_CASE, cutoff, cutoff, *ids])
    late_then = _grouped(conn, (
        "SELECT centre_id, count(*) FROM facts WHERE collection='cases' AND done >= ?"
        f" AND {plain('due')} < ? {by_centre}"), [cutoff, cutoff, *ids]) if cutoff < now else {}
    visits = _grouped(conn, (
        "SELECT centre_id, count(*) FROM facts WHERE collection='visits' AND done >= ? AND done < ?"
        f" AND kind='home_service' AND status='done' {by_centre}"), [start, end, *ids])
    ratings = _grouped(conn, (
        f"SELECT centre_id, count(*), sum(CASE WHEN kind IN ({_in(GOOD_RATINGS)}) THEN 1 ELSE 0 END)"
        f" FROM facts WHERE collection='evaluations' AND at >= ? AND at < ? {by_centre}"),
        [*GOOD_RATINGS, start, end, *ids])
    approved: dict[str, list[dict[str, Any]]] = {}
    for found in approved_inspections(conn, ids, start, end):
        approved.setdefault(found["centre_id"], []).append(found)
    inspections: dict[str, tuple[float | None, bool]] = {}
    for cid, mine in approved.items():
        scores = [i["score"] for i in mine if i["score"] is not None]
        inspections[cid] = (sum(scores) / len(scores) if scores else None,
                            any(i["vetoed"] for i in mine))
    rectifications = _grouped(conn, (
        "SELECT centre_id, count(*) FROM facts WHERE collection='rectifications'"
        f" AND status IN ({_in(OPEN_RECTIFICATION)}) AND (at IS NULL OR at < ?) {by_centre}"),
        [*OPEN_RECTIFICATION, cutoff, *ids])
    complaints = _grouped(conn, (
        "SELECT centre_id, count(*) FROM facts WHERE collection='complaints'"
        " AND due >= ? AND due < ? AND due < ? AND (done IS NULL OR done > due)"
        f" AND coalesce(status, '') <> 'dismissed' {by_centre}"), [start, end, now, *ids])
    out: dict[str, dict[str, Any]] = {}
    for cid in ids:
        completed, on_time = done.get(cid, (0, 0))
        rated, good = ratings.get(cid, (0, 0))
        score, vetoed = inspections.get(cid, (None, None))
        out[cid] = {
            "cases_completed": completed,
            "on_time_rate": round(on_time / completed, 4) if completed else None,
            "overdue_open": late_open.get(cid, (0,))[0] + late_then.get(cid, (0,))[0],
            "home_visits": visits.get(cid, (0,))[0],
            "satisfaction_rate": round(good / rated, 4) if rated else None,
            "inspection_score": round(score, 2) if score is not None else None,
            "vetoed": bool(vetoed) if vetoed is not None else False,
            "open_rectifications": rectifications.get(cid, (0,))[0],
            "complaints_overdue": complaints.get(cid, (0,))[0],
        }
    return out


def approved_inspections(conn: sqlite3.Connection, centre_ids: Sequence[str], start: int,
                         end: int) -> list[dict[str, Any]]:
    """The approved inspections of ``[start, end)`` in the centres: id, centre, target
    window (None for the whole centre), score and veto."""
    ids = sorted(centre_ids)
    if not ids:
        return []
    window = json_field("r.data", "target")
    template = json_field("r.data", "template_id")
    rows = conn.execute(
        f"SELECT f.id, f.centre_id, {window}, f.score, f.vetoed, {template} FROM facts f"
        " JOIN records r ON r.rid = f.rid WHERE f.collection='inspections' AND f.at >= ?"
        f" AND f.at < ? AND f.status='approved' AND f.centre_id IN ({_in(ids)}) ORDER BY f.at",
        [start, end, *ids]).fetchall()
    unscored = _checklists(conn, {r[5] for r in rows if isinstance(r[5], str)})
    out = []
    for rid, centre, target, score, vetoed, template_id in rows:
        if template_id in unscored:
            continue
        tgt = json.loads(target) if isinstance(target, str) else {}
        out.append({"id": rid, "centre_id": centre,
                    "window_id": tgt.get("window_id") if tgt.get("kind") == "window" else None,
                    "score": score, "vetoed": bool(vetoed)})
    return out


def _checklists(conn: sqlite3.Connection, template_ids: set[str]) -> set[str]:
    """The templates among ``template_ids`` that score nothing (a checklist such as the
    township special inspection: every section worth 0 points). Their inspections record
    lapses, not a score, so a 0 from them must not pull a centre's monthly average down."""
    ids = sorted(template_ids)
    if not ids:
        return set()
    out = set()
    for tid, raw in conn.execute(
            f"SELECT id, data FROM records WHERE collection='templates' AND id IN ({_in(ids)})", ids):
        try:
            if rubric.total(json.loads(raw)) == 0:
                out.add(tid)
        except (KeyError, TypeError, ValueError, ArithmeticError):
            continue  # not a valid template: its inspections were never scored by it
    return out


def windows(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, dict[str, str]]:
    """Each centre's windows: centre id → window id → name."""
    ids = sorted(ids)
    if not ids:
        return {}
    out: dict[str, dict[str, str]] = {}
    for cid, raw in conn.execute(
            f"SELECT id, {json_field('data', 'windows')} FROM records WHERE collection='centres'"
            f" AND id IN ({_in(ids)})", ids):
        found = json.loads(raw) if isinstance(raw, str) else {}
        out[cid] = {wid: str((w or {}).get("name") or wid) for wid, w in found.items()}
    return out
