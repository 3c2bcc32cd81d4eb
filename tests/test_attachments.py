"""Attachments: content-addressed uploads (whole or in pieces, resumable), verified by
SHA-256, stored once, readable by the uploader and by whoever's scope refers to them."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from server import attachments as att
from server.api.attachments import usable_range
from tests.conftest import Device, visit

API = "/api/v1/attachments"
LIMIT = 20 * 1024 * 1024


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def photo(n: int = 600_000, seed: bytes = b"a") -> bytes:
    """``n`` bytes that look like a JPEG and differ per seed."""
    block = hashlib.sha256(seed).digest() * 64
    return (b"\xff\xd8\xff\xe0" + block * (n // len(block) + 1))[:n]


def put(client: TestClient, d: Device, data: bytes, *, name: str | None = None,
        piece: tuple[int, int, int] | None = None, ctype: str = "image/jpeg",
        **headers: str) -> httpx.Response:
    """PUT ``data`` (or its piece ``(first, last, total)``) as ``d``."""
    hdrs = {**d.headers, "Content-Type": ctype, **headers}
    body = data
    if piece is not None:
        first, last, total = piece
        hdrs["Content-Range"] = f"bytes {first}-{last}/{total}"
        body = data[first:last + 1]
    return client.put(f"{API}/{name or sha(data)}", content=body, headers=hdrs)


def status(client: TestClient, d: Device, name: str) -> dict[str, Any]:
    r = client.get(f"{API}/{name}/status", headers=d.headers)
    assert r.status_code == 200, r.text
    doc: dict[str, Any] = r.json()
    return doc


def files_dir(client: TestClient) -> Path:
    path: Path = client.app.state.fs.config.files_dir  # type: ignore[attr-defined]
    return path


def stored_files(client: TestClient) -> list[Path]:
    """Every file under the attachments folder (finished, partial or temporary)."""
    root = files_dir(client)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def db(client: TestClient) -> sqlite3.Connection:
    return sqlite3.connect(client.app.state.fs.config.db)  # type: ignore[attr-defined]


def raw_put(client: TestClient, path: str, headers: dict[str, str], chunks: Iterable[bytes], *,
            disconnect: bool = False) -> tuple[int, int]:
    """Drive the ASGI app directly, one body chunk per ``receive``, so the test sees how
    much of the body the server pulled and can drop the connection mid-body.
    Returns ``(status, chunks pulled)``."""
    it: Iterator[bytes] = iter(chunks)
    pulled = 0
    sent: list[dict[str, Any]] = []
    ended = False

    async def receive() -> dict[str, Any]:
        nonlocal pulled, ended
        if not ended:
            chunk = next(it, None)
            if chunk is not None:
                pulled += 1
                return {"type": "http.request", "body": chunk, "more_body": True}
            ended = True
            if not disconnect:
                return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "PUT",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "client": ("127.0.0.1", 1), "server": ("testserver", 80),
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(client.app(scope, receive, send))  # type: ignore[arg-type]
    return sent[0]["status"], pulled


def chunked(data: bytes, size: int = 64 * 1024) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


# --- uploading ---

def test_attachments_whole_upload(client: TestClient, device: Any) -> None:
    f1 = device("f1")
    data = photo()
    h = sha(data)
    r = put(client, f1, data)
    assert r.status_code == 201, r.text
    assert r.json() == {"sha256": h, "size": len(data), "complete": True}
    assert status(client, f1, h) == {"received": len(data), "complete": True}
    final = files_dir(client) / h[:2] / h[2:4] / h
    assert final.read_bytes() == data
    assert stored_files(client) == [final]  # no temporary or partial file left behind
    row = db(client).execute("SELECT size, content_type, complete FROM attachments WHERE sha256=?",
                             (h,)).fetchone()
    assert row == (len(data), "image/jpeg", 1)

    mtime = final.stat().st_mtime_ns
    again = put(client, f1, data)  # a retry after a lost reply: harmless, nothing rewritten
    assert again.status_code == 200 and again.json()["complete"] is True
    assert put(client, f1, data, piece=(0, 99, len(data))).status_code == 200
    assert final.stat().st_mtime_ns == mtime and stored_files(client) == [final]


def test_attachments_upload_in_three_pieces(client: TestClient, device: Any) -> None:
    f1 = device("f1")
    data = photo(700_001)
    h = sha(data)
    total = len(data)
    r1 = put(client, f1, data, piece=(0, 299_999, total))
    assert r1.status_code == 202 and r1.json() == {"received": 300_000}
    assert status(client, f1, h) == {"received": 300_000, "complete": False}
    r2 = put(client, f1, data, piece=(300_000, 599_999, total))
    assert r2.status_code == 202 and r2.json() == {"received": 600_000}
    r3 = put(client, f1, data, piece=(600_000, total - 1, total))
    assert r3.status_code == 201 and r3.json() == {"sha256": h, "size": total, "complete": True}
    assert client.get(f"{API}/{h}", headers=f1.headers).content == data
    assert [p.name for p in stored_files(client)] == [h]
    assert db(client).execute("SELECT count(*) FROM attachment_partials").fetchone() == (0,)


def test_attachments_overlapping_and_repeated_pieces(client: TestClient, device: Any) -> None:
    f1 = device("f1")
    data = photo(100_000)
    h, total = sha(data), len(data)
    steps = [((0, 39_999), 40_000), ((0, 39_999), 40_000),        # repeated
             ((70_000, 89_999), 40_000),                          # ahead: held, prefix unchanged
             ((30_000, 59_999), 60_000),                          # overlaps what is held
             ((55_000, 74_999), 90_000),                          # bridges into the held range
             ((70_000, 89_999), 90_000)]                          # repeated, all held: not read
    for (first, last), received in steps:
        r = put(client, f1, data, piece=(first, last, total))
        assert r.status_code == 202, r.text
        assert r.json() == {"received": received}
        assert status(client, f1, h)["received"] == received
    r = put(client, f1, data, piece=(80_000, total - 1, total))
    assert r.status_code == 201, r.text
    assert client.get(f"{API}/{h}", headers=f1.headers).content == data


def test_attachments_resume_after_dropped_connection(client: TestClient, device: Any) -> None:
    f1 = device("f1")
    data = photo(1_000_000)
    h, total = sha(data), len(data)
    assert put(client, f1, data, piece=(0, 249_999, total)).status_code == 202
    # The phone loses its signal halfway through the second piece: 150,000 of its 500,000
    # bytes arrive, then the connection drops.
    headers = {**f1.headers, "Content-Type": "image/jpeg",
               "Content-Range": f"bytes 250000-749999/{total}"}
    code, _ = raw_put(client, f"{API}/{h}", headers, chunked(data[250_000:400_000], 50_000),
                      disconnect=True)
    assert code == 400  # the reply goes nowhere; what arrived is kept
    # Back online: ask, then continue from ``received``.
    received = status(client, f1, h)["received"]
    assert received == 400_000
    r = put(client, f1, data, piece=(received, total - 1, total))
    assert r.status_code == 201, r.text
    assert client.get(f"{API}/{h}", headers=f1.headers).content == data


def test_attachments_piece_cut_short_keeps_what_arrived(client: TestClient, device: Any) -> None:
    f1 = device("f1")
    data = photo(50_000)
    h, total = sha(data), len(data)
    # A body without Content-Length that ends before its Content-Range does.
    r = client.put(f"{API}/{h}", content=iter([data[:20_000]]),
                   headers={**f1.headers, "Content-Range": f"bytes 0-29999/{total}"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "incomplete_body"
    assert r.json()["error"]["details"]["received"] == 20_000
    assert put(client, f1, data, piece=(20_000, total - 1, total)).status_code == 201


def test_attachments_wrong_hash_keeps_nothing(client: TestClient, device: Any) -> None:
    f1 = device("f1")
    data = photo(300_000)
    claimed = sha(b"something else")
    r = put(client, f1, data, name=claimed)
    assert r.status_code == 422 and r.json()["error"]["code"] == "hash_mismatch"
    assert status(client, f1, claimed) == {"received": 0, "complete": False}
    assert stored_files(client) == []

    total = len(data)
    assert put(client, f1, data, name=claimed, piece=(0, 99_999, total)).status_code == 202
    assert len(stored_files(client)) == 1  # the partial file
    r = put(client, f1, data, name=claimed, piece=(100_000, total - 1, total))
    assert r.status_code == 422 and r.json()["error"]["code"] == "hash_mismatch"
    assert status(client, f1, claimed) == {"received": 0, "complete": False}
    assert stored_files(client) == []
    conn = db(client)
    for table in ("attachments", "attachment_uploads", "attachment_partials"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
    assert client.get(f"{API}/{claimed}", headers=f1.headers).status_code == 404


def test_attachments_oversized_is_413(client: TestClient, device: Any) -> None:
    f1 = device("f1")
    h = sha(b"big")
    r = client.put(f"{API}/{h}", content=b"x" * 10,
                   headers={**f1.headers, "Content-Range": f"bytes 0-9/{LIMIT + 1}"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    # A declared Content-Length past the limit is refused before a byte is read.
    code, pulled = raw_put(client, f"{API}/{h}", {**f1.headers, "Content-Length": str(LIMIT + 1)},
                           iter(lambda: b"x" * 65_536, None))
    assert (code, pulled) == (413, 0)
    # A body with no Content-Length that streams past the limit: refused as soon as it does.
    code, pulled = raw_put(client, f"{API}/{h}", f1.headers, (b"x" * 65_536 for _ in range(1000)))
    assert code == 413
    assert pulled == LIMIT // 65_536 + 1
    # The same through an HTTP client (chunked transfer, no Content-Length).
    r = client.put(f"{API}/{h}", content=(b"y" * 1_048_576 for _ in range(21)), headers=f1.headers)
    assert r.status_code == 413
    # Exactly at the limit is fine.
    data = b"z" * LIMIT
    assert put(client, f1, data).status_code == 201
    assert stored_files(client) == [files_dir(client) / sha(data)[:2] / sha(data)[2:4] / sha(data)]


def test_attachments_bad_hash_is_400(client: TestClient, device: Any) -> None:
    f1 = device("f1")
    good = sha(b"x")
    for name in (good.upper(), good[:63], good + "0", "g" * 64, "abc", "..", "%2e%2e"):
        for method, path in (("PUT", f"{API}/{name}"), ("GET", f"{API}/{name}"),
                             ("GET", f"{API}/{name}/status")):
            r = client.request(method, path, content=b"x" if method == "PUT" else None,
                               headers=f1.headers)
            assert r.status_code in (400, 404), (name, r.status_code)
            if r.status_code == 400:
                assert r.json()["error"]["code"] == "bad_hash"
    assert client.put(f"{API}/{good.upper()}", content=b"x", headers=f1.headers).status_code == 400


def test_attachments_need_a_token(client: TestClient) -> None:
    h = sha(b"x")
    assert client.put(f"{API}/{h}", content=b"x").status_code == 401
    assert client.get(f"{API}/{h}").status_code == 401
    assert client.get(f"{API}/{h}/status").status_code == 401


# --- reading ---

def test_attachments_reading_is_scoped(client: TestClient, device: Any) -> None:
    f1, f1b, f2, f3 = device("f1"), device("f1b"), device("f2"), device("f3")
    sup1, sup2, admin = device("sup1"), device("sup2"), device("admin")
    data = photo(200_000, b"scoped")
    h = sha(data)
    assert put(client, f1, data).status_code == 201

    def code(d: Device) -> int:
        return client.get(f"{API}/{h}", headers=d.headers).status_code

    assert code(f1) == 200
    # Unreferenced: only the uploader, and others are told nothing exists.
    for other in (f1b, f2, f3, sup1, sup2, admin):
        assert code(other) == 404
        assert status(client, other, h) == {"received": 0, "complete": False}
    nothing = client.get(f"{API}/{sha(b'never sent')}", headers=f3.headers)
    assert nothing.status_code == 404 and nothing.json()["error"]["code"] == "not_found"

    # A visit of c1 refers to it: c1's people, k1's supervisor and the admin may read it.
    res = f1.sync([f1.op("visits", "v-photo", visit("c1", photos=[h]))])
    assert res["results"][0]["status"] == "applied"
    for reader in (f1b, sup1, admin):
        r = client.get(f"{API}/{h}", headers=reader.headers)
        assert r.status_code == 200 and r.content == data
        assert status(client, reader, h) == {"received": len(data), "complete": True}
    for outsider in (f2, f3, sup2):  # another centre, another county
        assert code(outsider) == 404
        assert status(client, outsider, h) == {"received": 0, "complete": False}

    # Once the visit is deleted nothing in scope refers to it any more.
    f1.sync([f1.op("visits", "v-photo", delete=True)])
    assert code(f1b) == 404 and code(sup1) == 404
    assert code(f1) == 200  # the uploader still may


def test_attachments_references_count_only_where_attachments_belong(client: TestClient,
                                                                    device: Any) -> None:
    f1, f1b = device("f1"), device("f1b")
    data = photo(10_000, b"notes")
    h = sha(data)
    assert put(client, f1, data).status_code == 201
    f1.sync([f1.op("visits", "v-notes", visit("c1", notes=h))])  # a hash in free text
    assert client.get(f"{API}/{h}", headers=f1b.headers).status_code == 404
    f1.sync([f1.op("visits", "v-sign", visit("c1", signature=h))])
    assert client.get(f"{API}/{h}", headers=f1b.headers).status_code == 200


def test_attachments_refers_paths() -> None:
    h = "a" * 64
    assert att.refers("visits", {"photos": ["b" * 64, h]}, h)
    assert att.refers("visits", {"signature": h}, h)
    assert not att.refers("visits", {"notes": h, "photos": h}, h)
    assert att.refers("inspections", {"items": {"A3": {"photos": [h]}}}, h)
    assert not att.refers("inspections", {"items": {"A3": {"note": h}}}, h)
    assert att.refers("rectifications", {"responses": {"r1": {"photos": [h]}}}, h)
    assert not att.refers("cases", {"photos": [h]}, h)
    assert not att.refers("visits", None, h)


def test_attachments_same_content_two_users_stored_once(client: TestClient, device: Any) -> None:
    f1, f3 = device("f1"), device("f3")
    data = photo(120_000, b"shared")
    h = sha(data)
    assert put(client, f1, data).status_code == 201
    # Another user in another county has the same bytes (the photo was forwarded): they send
    # it in pieces, it is verified, and they are recorded as an uploader; one file stays.
    assert put(client, f3, data, piece=(0, 59_999, len(data))).status_code == 202
    r = put(client, f3, data, piece=(60_000, len(data) - 1, len(data)))
    assert r.status_code == 201 and r.json()["complete"] is True
    assert [p.name for p in stored_files(client)] == [h]
    assert client.get(f"{API}/{h}", headers=f3.headers).content == data
    uploaders = db(client).execute("SELECT count(*) FROM attachment_uploads WHERE sha256=?",
                                   (h,)).fetchone()
    assert uploaders == (2,)


def test_attachments_knowing_the_hash_is_not_enough(client: TestClient, device: Any) -> None:
    f1, f3 = device("f1"), device("f3")
    data = photo(90_000, b"private")
    h = sha(data)
    assert put(client, f1, data).status_code == 201
    # f3 knows the hash and that JPEGs start with FF D8, but not the photo.
    r = put(client, f3, data, piece=(0, 1, len(data)))
    assert r.status_code == 202 and r.json() == {"received": 2}
    assert client.get(f"{API}/{h}", headers=f3.headers).status_code == 404
    r = put(client, f3, b"\xff\xd8" + b"\0" * (len(data) - 2), name=h)
    assert r.status_code == 422
    assert client.get(f"{API}/{h}", headers=f3.headers).status_code == 404
    final = files_dir(client).joinpath(h[:2], h[2:4], h)
    assert final.read_bytes() == data  # the stored file is untouched
    assert [p.name for p in stored_files(client) if p != final] == [f"{h}.{token(client, f3)}.part"]


def token(client: TestClient, d: Device) -> str:
    row = db(client).execute("SELECT token FROM attachment_partials WHERE user_id=?",
                             (d.user["id"],)).fetchone()
    return str(row[0])


def test_attachments_download_headers(client: TestClient, device: Any) -> None:
    f1 = device("f1")
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(5000)
    html = b"<script>alert(1)</script>"
    assert put(client, f1, png, ctype="image/png").status_code == 201
    assert put(client, f1, html, ctype="text/html").status_code == 201
    r = client.get(f"{API}/{sha(png)}", headers=f1.headers)
    assert r.status_code == 200 and r.content == png
    assert r.headers["content-type"] == "image/png"
    assert r.headers["etag"] == f'"{sha(png)}"'
    assert r.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert r.headers["x-content-type-options"] == "nosniff"
    r = client.get(f"{API}/{sha(html)}", headers=f1.headers)
    assert r.headers["content-type"] == "application/octet-stream"

    cached = client.get(f"{API}/{sha(png)}", headers={**f1.headers, "If-None-Match": f'"{sha(png)}"'})
    assert cached.status_code == 304 and cached.content == b""
    part = client.get(f"{API}/{sha(png)}", headers={**f1.headers, "Range": "bytes=0-7"})
    assert part.status_code == 206 and part.content == png[:8]
    for bad in ("bytes=9-2", "bytes=99999-", "lines=1-2", "bytes=-0", "bytes=x"):
        whole = client.get(f"{API}/{sha(png)}", headers={**f1.headers, "Range": bad})
        assert whole.status_code == 200 and whole.content == png, bad
    head = client.head(f"{API}/{sha(png)}", headers=f1.headers)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(png))


def test_attachments_usable_range() -> None:
    assert usable_range("bytes=0-9", 10) and usable_range("bytes=5-", 10)
    assert usable_range("bytes=-3", 10) and usable_range("bytes=0-0, 4-99", 10)
    for bad in ("bytes=10-", "bytes=3-2", "bytes=-0", "bytes=", "items=0-1", "bytes=0-1,", "bytes=a-b"):
        assert not usable_range(bad, 10), bad
    assert not usable_range("bytes=0-0", 0)


# --- bad input ---

def test_attachments_bad_ranges_are_clear_4xx(client: TestClient, device: Any) -> None:
    f1 = device("f1")
    data = photo(10_000)
    h = sha(data)
    url = f"{API}/{h}"

    def send(body: bytes, **headers: str | bytes) -> tuple[int, str]:
        r = client.put(url, content=body, headers={**f1.headers, **headers})
        return r.status_code, r.json()["error"]["code"] if r.status_code >= 400 else ""

    for header in ("bytes 0-9", "bytes=0-9/10000", "bytes 9-0/10000", "bytes 0-10000/10000",
                   "bytes -1-5/10000", "bytes 0-9/*", "items 0-9/10000", "bytes 0-9/10000 x",
                   "bytes ０-9/10000".encode(), "bytes 0-99999999999999999/99999999999999999999"):
        assert send(b"x" * 10, **{"Content-Range": header}) == (400, "bad_range"), header
    assert send(b"x" * 10, **{"Content-Range": "bytes 0-9/10000", "Content-Length": "11"})[0] == 400
    odd_length: dict[str, str | bytes] = {"Content-Range": "bytes 0-9/10000",
                                          "Content-Length": "²".encode("latin-1")}
    assert send(b"x" * 10, **odd_length)[0] == 400
    assert send(data[:20], **{"Content-Range": "bytes 0-9/10000"}) == (400, "bad_range")  # too long
    assert send(data[:10], **{"Content-Range": "bytes 0-9/10000", "Content-Encoding": "gzip"}) \
        == (415, "unsupported_media_type")
    assert send(data[:10], **{"Content-Range": "bytes 0-9/10000"}) == (202, "")
    assert send(data[10:20], **{"Content-Range": "bytes 10-19/20000"}) == (409, "total_mismatch")
    # Out-of-order pieces are held up to MAX_RANGES separate ranges, then refused (416)
    # with the offset the server expects next.
    for i in range(1, att.MAX_RANGES):
        first = 100 * i
        assert send(data[first:first + 10], **{"Content-Range": f"bytes {first}-{first + 9}/10000"}) \
            == (202, "")
    r = client.put(url, content=data[9000:9010],
                   headers={**f1.headers, "Content-Range": "bytes 9000-9009/10000"})
    assert r.status_code == 416 and r.json()["error"]["code"] == "range_not_satisfiable"
    assert r.json()["error"]["details"]["expected"] == 10
    # Filling the gaps merges them; the upload still completes.
    assert put(client, f1, data, piece=(0, len(data) - 1, len(data))).status_code == 201


@pytest.mark.parametrize("method", ["PUT", "GET", "DELETE"])
def test_attachments_garbage_never_500(client: TestClient, device: Any, method: str) -> None:
    f1 = device("f1")
    h = sha(b"garbage")
    header_sets: list[dict[str, str]] = [
        {}, {"Content-Range": "bytes 0-0/1"}, {"Content-Range": "bytes 0-0/0"},
        {"Content-Range": "bytes 5-4/3"}, {"Content-Range": "\x7f"}, {"Content-Range": ""},
        {"Content-Length": "-1"}, {"Content-Length": "abc"}, {"Content-Type": "image/jpeg; q=\x01"},
        {"Content-Encoding": "br"}, {"If-None-Match": "*"}, {"Range": "bytes=0-0"},
        {"Range": "bytes=" + "0-0," * 500}, {"Authorization": "Bearer nope"},
        {"Authorization": "Basic Zm9vOmJhcg=="}]
    for path in (f"{API}/{h}", f"{API}/{h}/status", f"{API}/{h.upper()}", f"{API}/", f"{API}/{h}/x",
                 f"{API}/{'f' * 5000}"):
        for extra in header_sets:
            for body in (b"", os.urandom(3000)):
                headers = {**f1.headers, **extra}
                if "Content-Length" in extra:
                    headers.pop("Content-Length")
                    try:
                        r = client.request(method, path, content=body, headers={
                            **headers, "Content-Length": extra["Content-Length"]})
                    except (httpx.HTTPError, ValueError):
                        continue  # the client itself refuses to send it
                else:
                    r = client.request(method, path, content=body if method != "GET" else None,
                                       headers=headers)
                assert r.status_code < 500, (method, path, extra, r.text)


def test_attachments_concurrent_last_pieces_finish_once(client: TestClient, device: Any) -> None:
    f1 = device("f1")
    data = photo(400_000, b"race")
    h, total = sha(data), len(data)
    assert put(client, f1, data, piece=(0, 99_999, total)).status_code == 202
    app = client.app

    async def piece(first: int, last: int) -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as ac:
            r = await ac.put(f"{API}/{h}", content=data[first:last + 1], headers={
                **f1.headers, "Content-Range": f"bytes {first}-{last}/{total}"})
            return r.status_code

    async def both() -> list[int]:
        return list(await asyncio.gather(piece(100_000, total - 1), piece(50_000, total - 1),
                                         piece(100_000, total - 1)))

    codes = asyncio.run(both())
    assert sorted(codes)[-1] == 201 and all(c in (200, 201, 202) for c in codes), codes
    assert [p.name for p in stored_files(client)] == [h]
    assert client.get(f"{API}/{h}", headers=f1.headers).content == data
    conn = db(client)
    assert conn.execute("SELECT count(*) FROM attachment_partials").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM attachment_uploads").fetchone() == (1,)


def test_attachments_referencing_a_strangers_hash_grants_nothing(client: TestClient, device: Any) -> None:
    """f3 (another county) learns a hash and writes it into a visit of their own centre:
    the photo stays unreadable to them, because no uploader can reach c3."""
    f1, f3 = device("f1"), device("f3")
    body = b"\xff\xd8secret photo of an applicant's ID card" * 50
    sha = hashlib.sha256(body).hexdigest()
    assert client.put(f"/api/v1/attachments/{sha}", content=body,
                      headers={**f1.headers, "Content-Type": "image/jpeg"}).status_code == 201
    f1.sync([f1.op("visits", "v-own", {"centre_id": "c1", "kind": "home_service", "photos": [sha]})])
    res = f3.sync([f3.op("visits", "v-steal", {"centre_id": "c3", "kind": "home_service",
                                               "photos": [sha]})])
    assert res["results"][0]["status"] == "applied"
    assert client.get(f"/api/v1/attachments/{sha}", headers=f3.headers).status_code == 404
    # a colleague of the uploader still reads it through the visit
    assert client.get(f"/api/v1/attachments/{sha}", headers=device("f1b").headers).status_code == 200
