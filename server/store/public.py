"""What a centre's public page may show: the centre's own record and its county's active
matters. Reference data only: nothing of applicants or staff is read here."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .sqlite import json_field


def centre_with_matters(conn: sqlite3.Connection,
                        centre_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The centre's data and its county's matters (not switched off, each with its ``id``),
    by name; None if no such live centre."""
    row = conn.execute("SELECT county_id, data FROM records WHERE collection='centres' AND id=?"
                       " AND deleted=0", (centre_id,)).fetchone()
    if row is None:
        return None
    county, data = row
    # Each matter carries its record id under "id" (a window's matter_ids name them).
    matters = [{**json.loads(d), "id": mid} for (mid, d) in conn.execute(
        "SELECT id, data FROM records WHERE collection='matters' AND county_id=? AND deleted=0"
        f" AND coalesce({json_field('data', 'active')}, 1) <> 0"
        f" ORDER BY {json_field('data', 'name')}", (county,))]
    return json.loads(data), matters
