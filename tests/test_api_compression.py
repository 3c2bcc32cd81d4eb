"""Compression both ways: gzip request bodies in, zstd/br/gzip responses out as the client
accepts them, checked on the raw bytes."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import brotli
import pytest
import zstandard
from starlette.testclient import TestClient

from server.app import create_app
from server.config import Config
from tests.conftest import Device, visit

SYNC = "/api/v1/sync"
DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "zstd": lambda raw: zstandard.ZstdDecompressor().decompressobj().decompress(raw),
    "br": brotli.decompress,
    "gzip": gzip.decompress,
}


@pytest.fixture(scope="module")
def world(county_copy: Callable[[Path | None], str]
          ) -> Iterator[tuple[TestClient, Device, Device]]:
    """An app where f1's first sync is large (40 visits in c1) and f2's is small (c2 is empty)."""
    path = county_copy(None)
    with TestClient(create_app(Config(db=str(path)))) as client:
        f1, f2 = Device(client, "f1"), Device(client, "f2")
        ops = [f1.op("visits", f"v-{i}", visit(notes=f"第{i}次上门服务，群众反映情况良好。" * 3))
               for i in range(40)]
        assert {r["status"] for r in f1.sync(ops)["results"]} == {"applied"}
        yield client, f1, f2


def raw_post(client: TestClient, url: str, body: bytes, headers: dict[str, str],
             drop: tuple[str, ...] = ()) -> tuple[int, dict[str, str], bytes]:
    """POST and return status, headers and the body exactly as sent (not decoded)."""
    request = client.build_request("POST", url, content=body, headers=headers)
    for name in drop:
        del request.headers[name]
    response = client.send(request, stream=True)
    try:
        raw = b"".join(response.iter_raw())
    finally:
        response.close()
    return response.status_code, dict(response.headers), raw


def raw_get(client: TestClient, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    with client.stream("GET", url, headers=headers) as response:
        return response.status_code, dict(response.headers), b"".join(response.iter_raw())


FIRST_SYNC = json.dumps({"cursor": None, "ops": []}).encode()


def plain_doc(client: TestClient, d: Device) -> Any:
    status, headers, raw = raw_post(client, SYNC, FIRST_SYNC,
                                    {**d.headers, "Accept-Encoding": "identity",
                                     "Content-Type": "application/json"})
    assert status == 200 and "content-encoding" not in headers
    assert len(raw) > 4096  # large enough that compression is worth it
    return json.loads(raw)


@pytest.mark.parametrize(("accept", "expected"), [
    ("zstd", "zstd"), ("br", "br"), ("gzip", "gzip"),
    ("gzip, deflate, br, zstd", "zstd"), ("gzip, br", "br"), ("GZIP", "gzip"),
    ("br;q=0, gzip", "gzip"), ("zstd;q=0, br;q=0, gzip;q=0.5", "gzip"), ("zstd;q=0.1, gzip", "zstd"),
])
def test_compression_response_uses_the_accepted_encoding(world: tuple[TestClient, Device, Device],
                                                         accept: str, expected: str) -> None:
    client, f1, _ = world
    plain = plain_doc(client, f1)
    status, headers, raw = raw_post(client, SYNC, FIRST_SYNC,
                                    {**f1.headers, "Accept-Encoding": accept,
                                     "Content-Type": "application/json"})
    assert status == 200
    assert headers.get("content-encoding") == expected
    assert "accept-encoding" in headers.get("vary", "").lower()
    assert int(headers["content-length"]) == len(raw)
    assert not raw.startswith(b"{")
    assert json.loads(DECODERS[expected](raw)) == plain
    assert len(raw) < len(json.dumps(plain, ensure_ascii=False).encode()) / 2


@pytest.mark.parametrize("accept", ["identity", "deflate", "", "compress", "gzip;q=0", "*;q=0"])
def test_compression_none_when_no_supported_encoding_is_accepted(
        world: tuple[TestClient, Device, Device], accept: str) -> None:
    client, f1, _ = world
    status, headers, raw = raw_post(client, SYNC, FIRST_SYNC,
                                    {**f1.headers, "Accept-Encoding": accept,
                                     "Content-Type": "application/json"})
    assert status == 200
    assert "content-encoding" not in headers
    assert json.loads(raw) == plain_doc(client, f1)


def test_compression_none_without_accept_encoding_header(world: tuple[TestClient, Device, Device]) -> None:
    client, f1, _ = world
    status, headers, raw = raw_post(client, SYNC, FIRST_SYNC,
                                    {**f1.headers, "Content-Type": "application/json"},
                                    drop=("accept-encoding",))
    assert status == 200
    assert "content-encoding" not in headers
    assert json.loads(raw)["changes"]


def test_compression_small_bodies_are_not_compressed(world: tuple[TestClient, Device, Device]) -> None:
    client, _, f2 = world
    accept = {"Accept-Encoding": "zstd, br, gzip", "Content-Type": "application/json"}
    status, headers, raw = raw_post(client, SYNC, FIRST_SYNC, {**f2.headers, **accept})
    assert status == 200 and len(raw) < 1024
    assert "content-encoding" not in headers
    assert json.loads(raw)["changes"]  # the two k1 centres
    # nor small errors, nor small GETs
    status, headers, raw = raw_post(client, SYNC, b"{", {**f2.headers, **accept})
    assert status == 400 and "content-encoding" not in headers and json.loads(raw)["error"]
    status, headers, raw = raw_get(client, "/healthz", accept)
    assert status == 200 and "content-encoding" not in headers and json.loads(raw)["ok"] is True


@pytest.mark.parametrize("encoding", ["br", "gzip", "zstd"])
@pytest.mark.parametrize("url", ["/api/v1/schemas", "/api/v1/openapi.json"])
def test_compression_applies_to_other_large_responses(world: tuple[TestClient, Device, Device],
                                                      encoding: str, url: str) -> None:
    client, f1, _ = world
    status, plain_headers, plain = raw_get(client, url, {**f1.headers, "Accept-Encoding": "identity"})
    assert status == 200 and "content-encoding" not in plain_headers and len(plain) > 1024
    status, headers, raw = raw_get(client, url, {**f1.headers, "Accept-Encoding": encoding})
    assert status == 200 and headers.get("content-encoding") == encoding
    assert json.loads(DECODERS[encoding](raw)) == json.loads(plain)


@pytest.mark.parametrize("content_encoding", ["gzip", "GZIP", " gzip "])
def test_compression_gzip_request_body_is_accepted(world: tuple[TestClient, Device, Device],
                                                   content_encoding: str) -> None:
    client, f1, _ = world
    op = f1.op("visits", f"v-gz-{uuid.uuid4().hex[:8]}", visit(notes="压缩上传的记录" * 50))
    body = gzip.compress(json.dumps({"cursor": f1.cursor, "clock": f1.clock(), "ops": [op]},
                                    ensure_ascii=False).encode())
    status, _, raw = raw_post(client, SYNC, body,
                              {**f1.headers, "Content-Encoding": content_encoding,
                               "Content-Type": "application/json", "Accept-Encoding": "identity"})
    assert status == 200, raw
    doc = json.loads(raw)
    assert doc["results"] == [{"op": op["id"], "status": "applied", "version": doc["results"][0]["version"]}]
    [change] = [c for c in doc["changes"] if c["record"] == op["record"]]
    assert change["data"]["notes"] == "压缩上传的记录" * 50
    f1.cursor = doc["cursor"]


def test_compression_gzip_in_zstd_out_in_one_round_trip(world: tuple[TestClient, Device, Device]) -> None:
    """The design case on a 2G link: a compressed push and a compressed pull in one request."""
    client, _, _ = world
    d = Device(client, "f1")
    ops = [d.op("visits", f"v-rt-{i}", visit(notes="离线录入" * 20)) for i in range(10)]
    body = gzip.compress(json.dumps({"cursor": None, "clock": d.clock(), "ops": ops},
                                    ensure_ascii=False).encode())
    status, headers, raw = raw_post(client, SYNC, body,
                                    {**d.headers, "Content-Encoding": "gzip",
                                     "Content-Type": "application/json", "Accept-Encoding": "zstd"})
    assert status == 200 and headers["content-encoding"] == "zstd"
    doc = json.loads(DECODERS["zstd"](raw))
    assert [r["status"] for r in doc["results"]] == ["applied"] * 10
    assert {f"v-rt-{i}" for i in range(10)} <= {c["record"] for c in doc["changes"]}
