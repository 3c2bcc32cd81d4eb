"""The award terms sweep's queries (``server.jobs.award_terms``): awarded titles whose
two-year re-check reminder is due but not yet shown, and titles past their expiry."""

from __future__ import annotations

import sqlite3

from . import sqlite

_STATUS = sqlite.json_field("data", "status")
_EXPIRES = sqlite.json_field("data", "expires_at")
_DUE = sqlite.json_field("data", "recheck_due")


def recheck_unmarked(conn: sqlite3.Connection, now: int, notice_ms: int) -> list[str]:
    """Awarded titles expiring within ``notice_ms`` of ``now`` (or expired) whose stored
    ``recheck_due`` is not yet true, by id."""
    return [rid for (rid,) in conn.execute(
        "SELECT id FROM records WHERE collection = 'awards' AND deleted = 0"
        f" AND {_STATUS} = 'awarded' AND {_EXPIRES} <= ? AND coalesce({_DUE}, 0) = 0"
        " ORDER BY id", (now + notice_ms,))]


def reminded(conn: sqlite3.Connection) -> list[tuple[str, str, int]]:
    """Titles still ``awarded`` whose stored ``recheck_due`` is true: ``(id, centre_id,
    expires_at)``, by id."""
    return [(rid, centre, int(expires)) for rid, centre, expires in conn.execute(
        f"SELECT id, centre_id, {_EXPIRES} FROM records WHERE collection = 'awards'"
        f" AND deleted = 0 AND {_STATUS} = 'awarded' AND {_DUE} = 1 ORDER BY id")]


def county_supervisors(conn: sqlite3.Connection, centre_ids: list[str]) -> dict[str, list[str]]:
    """The enabled supervisors of each centre's county, by centre."""
    out: dict[str, list[str]] = {c: [] for c in centre_ids}
    for centre in centre_ids:
        out[centre] = [uid for (uid,) in conn.execute(
            "SELECT u.id FROM users u JOIN records c ON c.collection = 'centres' AND c.id = ?"
            " WHERE u.role = 'supervisor' AND u.disabled = 0 AND u.county_id = c.county_id"
            " ORDER BY u.id", (centre,))]
    return out


def expired(conn: sqlite3.Connection, now: int) -> list[tuple[str, int, int]]:
    """Titles still ``awarded`` whose ``expires_at`` has passed: ``(id, version,
    expires_at)``, by id."""
    return [(rid, int(version), int(expires)) for rid, version, expires in conn.execute(
        f"SELECT id, version, {_EXPIRES} FROM records WHERE collection = 'awards'"
        f" AND deleted = 0 AND {_STATUS} = 'awarded' AND {_EXPIRES} <= ? ORDER BY id", (now,))]
