"""``GET /api/v1/calendar``: whether this and next year's holiday schedules are known.

The supervisor's view warns when a year is unknown (its deadlines then count
Monday–Friday and miss holidays and 调休 days) until ``fieldsync holidays`` loads it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..clock import now_ms
from ..holidays import calendar_status
from ..http import json_response
from ..state import principal, state
from ..store.holidays import load_calendar


async def calendar(request: Request) -> Response:
    """This and next year: known (bundled or loaded) or reckoned Monday–Friday."""
    await principal(request)
    cal = await state(request).readers.run(load_calendar)
    return json_response(request, calendar_status(cal, now_ms()))
