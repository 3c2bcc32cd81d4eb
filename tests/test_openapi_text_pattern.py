"""The OpenAPI pattern for text the server strips (a user's name, a drop reason): any text
the schema allows, the server accepts. Schemathesis found the gap once: ``\\S`` let U+001C
through, which Python strips as whitespace, so a schema-valid name got a 400."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from server.app import create_app
from server.config import Config
from server.openapi import document
from server.openapi_workspace import VISIBLE
from tests.conftest import Device
from tests.support.budget import examples

#: ECMA-262's white space and line terminators: what ``\s`` means to a JSON Schema validator
#: (and to schemathesis' generator), unlike Python's ``\s``
ECMA_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def ecma(pattern: str) -> str:
    """The pattern with its whitespace classes spelled out as ECMA-262 reads them."""
    return pattern.replace(r"\S", f"[^{ECMA_SPACE}]").replace(r"\s", ECMA_SPACE)


def test_openapi_text_pattern_ecma_reading_differs_where_it_matters() -> None:
    assert re.search(ecma(r"\S"), "\x1c") and not re.search(r"\S", "\x1c")


@given(st.text(max_size=8))
@example("\x1c")
@example("\x85 \u3000")
@example(" 名 ")
@settings(max_examples=examples(2000))
def test_openapi_text_pattern_allows_only_what_survives_strip(text: str) -> None:
    for pattern in (VISIBLE, ecma(VISIBLE)):
        if re.search(pattern, text):
            assert text.strip(), (pattern, text)


def test_openapi_text_pattern_names_both_stripped_fields() -> None:
    doc = document("test")["paths"]
    users = doc["/api/v1/users"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    reason = doc["/api/v1/quarantine/{op_id}/drop"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]
    # one body shape per role, each naming the same text rule for the name
    assert {s["properties"]["name"]["pattern"] for s in users["oneOf"]} == {VISIBLE}
    assert reason["properties"]["reason"]["pattern"] == VISIBLE


def test_openapi_text_pattern_control_only_name_is_a_400(county_db: str) -> None:
    with TestClient(create_app(Config(db=county_db))) as c:
        token = Device(c, "sup1").token
        res = c.post("/api/v1/users", headers={"Authorization": f"Bearer {token}"},
                     json={"username": "ctl1", "password": "Test-pass-2026-long", "name": "\x1c",
                           "role": "field", "centre_ids": ["c1"]})
        assert res.status_code == 400 and res.json()["error"]["details"] == {"field": "name"}
        assert c.get("/api/v1/users?q=ctl1", headers={"Authorization": f"Bearer {token}"}
                     ).json()["items"] == []
