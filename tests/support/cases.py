"""Cases made through the API for browser tests (the field county of ``tests/support/server.py``)."""

from __future__ import annotations

import uuid

from .pwa import api_push, new_op, user_login


def new_case(base_url: str, applicant: str, username: str = "centre1") -> tuple[str, str]:
    """A new accepted case at 石桥 (``c-shiqiao``) for ``applicant``, written by ``username``
    with one sync: (the case id, the writer's user id)."""
    token, user_id = user_login(base_url, username)
    case = f"case-{uuid.uuid4().hex[:8]}"
    made = api_push(base_url, token, [new_op("cases", case, {
        "centre_id": "c-shiqiao", "matter_id": "m-x", "status": "accepted",
        "applicant.name": applicant})])
    assert made["results"][0]["status"] == "applied", made
    return case, user_id
