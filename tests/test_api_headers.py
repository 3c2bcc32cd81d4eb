"""Finding 5 of issue 9: PWA pages send Referrer-Policy; API JSON (personal data) is never
cached and never sniffed."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Device


@pytest.mark.parametrize("path", ["/", "/index.html", "/sw.js", "/app/labels.js"])
def test_headers_pwa_files_send_no_referrer(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["referrer-policy"] == "no-referrer"


def assert_private_json(r: object) -> None:
    headers = r.headers  # type: ignore[attr-defined]
    assert headers["content-type"].startswith("application/json")
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"


def test_headers_api_json_is_no_store_and_nosniff(client: TestClient) -> None:
    d = Device(client, "f1")  # the login reply itself is checked below
    r = client.post("/api/v1/auth/login", json={"username": "f1", "password": "x" * 9 + "1",
                                                "device_name": "x"})
    assert r.status_code == 401
    assert_private_json(r)
    r = client.post("/api/v1/sync", json={"cursor": None, "ops": []}, headers=d.headers,
                    )
    assert r.status_code == 200
    assert_private_json(r)
    for path in ("/api/v1/conflicts", "/api/v1/devices", "/api/v1/schemas", "/api/v1/nowhere"):
        assert_private_json(client.get(path, headers=d.headers))
    assert_private_json(client.get("/api/v1/sync"))  # 405 in the envelope


def test_headers_login_reply_is_no_store(client: TestClient) -> None:
    r = client.post("/api/v1/auth/login", json={"username": "f1", "password": PASSWORD,
                                                "device_name": "x"})
    assert r.status_code == 200 and "token" in r.json()
    assert_private_json(r)
