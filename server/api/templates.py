"""``POST /api/v1/templates/{id}/preview``: score a sample of answers by a stored template
(a draft before it is published, or any version), exactly as inspections are scored.

Body ``{"items": {item id: answer}, "item_ids": [...]}`` (``item_ids`` optional: a
re-inspection's subset) → ``{"template_id", "version", "status", "total", "score", "vetoed",
"sections", "unanswered"}``; ``total`` is what the scored items are out of: the template's
total, or with ``item_ids`` the most those items can reach (``rubric.most``). A malformed
template or answer is 422 ``invalid`` with the path; a template out of the caller's county is
404. Nothing is stored.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sync import rubric

from ..errors import NotFound
from ..http import json_response, read_json
from ..state import principal, state
from ..store.records import record_data

LIMIT = 1024 * 1024


async def preview(request: Request) -> Response:
    """Score sample answers by a stored template."""
    who = await principal(request)
    tid = request.path_params["template_id"]
    body = await read_json(request, LIMIT, LIMIT)

    def load(conn: sqlite3.Connection) -> tuple[str | None, dict[str, Any]] | None:
        return record_data(conn, "templates", tid)

    found = await state(request).readers.run(load)
    if found is None or not who.scope.can_read_county(found[0]):
        raise NotFound(f"no template {tid}", details={"template_id": tid})
    template = found[1]
    items = body.get("items")
    subset = body.get("item_ids")
    if subset is None:
        result = rubric.score(template, items)
        most = rubric.total(template)
    else:
        result = rubric.score_subset(template, items, subset)
        # Out of what the chosen items can reach (the template reduced to them, as a
        # re-inspection of them is scored), as the phone shows it: not the whole template's.
        most = rubric.most(rubric.subset(template, subset))
    return json_response(request, {"template_id": tid, "version": template.get("version"),
                                   "status": template.get("status", "published"),
                                   "total": float(most), **result})
