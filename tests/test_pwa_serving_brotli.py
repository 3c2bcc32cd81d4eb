"""The PWA's files go out brotli-compressed to browsers that take it (a sixth smaller than
gzip on a poor link), byte for byte the file, with the same ETag (a 304 still answers a
revalidation), compressed once per version of the file and never for a range or a HEAD."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.pwa import MIN_PACKED, routes
from tests.support.pwa import PWA_DIR
from tests.support.server import running_server

BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def _client(folder: Path) -> TestClient:
    return TestClient(Starlette(routes=routes(folder)))


def test_pwa_serving_brotli_to_a_browser_is_the_file(tmp_path: Path) -> None:
    shutil.copytree(PWA_DIR, tmp_path / "pwa")
    with _client(tmp_path / "pwa") as client:
        plain = client.get("/app/main.js", headers={"Accept-Encoding": "identity"})
        r = client.get("/app/main.js", headers=BROWSER)
        assert r.headers["content-encoding"] == "br" and r.headers["vary"] == "Accept-Encoding"
        assert r.content == (PWA_DIR / "app/main.js").read_bytes() == plain.content  # decoded by httpx
        assert int(r.headers["content-length"]) < len(r.content) / 3
        # the PWA's own headers survive, and the ETag is the file's
        assert r.headers["etag"] == plain.headers["etag"] and r.headers["cache-control"] == "no-cache"
        assert r.headers["x-fieldsync-shell"] and r.headers["content-type"].startswith("text/javascript")
        again = client.get("/app/main.js", headers={**BROWSER, "If-None-Match": r.headers["etag"]})
        assert again.status_code == 304 and not again.content
        # gzip only: as before (the middleware); brotli refused by q=0: not brotli
        for accept in ("gzip", "br;q=0, gzip"):
            g = client.get("/app/main.js", headers={"Accept-Encoding": accept})
            assert g.headers["content-encoding"] == "gzip" and g.content == plain.content


def test_pwa_serving_brotli_follows_a_replaced_file(tmp_path: Path) -> None:
    folder = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, folder)
    target = folder / "app/labels.js"
    with _client(folder) as client:
        first = client.get("/app/labels.js", headers=BROWSER)
        assert first.headers["content-encoding"] == "br"
        text = target.read_text(encoding="utf-8") + "\n// a deploy replaced this file\n"
        target.write_text(text, encoding="utf-8")
        later = time.time_ns() + 5_000_000_000  # a new mtime whatever the clock's resolution
        os.utime(target, ns=(later, later))
        second = client.get("/app/labels.js", headers=BROWSER)
        assert second.headers["content-encoding"] == "br"
        assert second.content.decode() == text != first.content.decode()


def test_pwa_serving_brotli_not_for_ranges_heads_or_small_files(tmp_path: Path) -> None:
    folder = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, folder)
    (folder / "tiny.js").write_text("export const x = 1;\n", encoding="utf-8")
    assert (folder / "tiny.js").stat().st_size < MIN_PACKED
    with _client(folder) as client:
        part = client.get("/app/main.js", headers={**BROWSER, "Range": "bytes=0-99"})
        assert part.status_code == 206 and "content-encoding" not in part.headers
        assert part.content == (PWA_DIR / "app/main.js").read_bytes()[:100]
        head = client.head("/app/main.js", headers=BROWSER)
        assert head.status_code == 200 and head.headers.get("content-encoding") != "br"
        tiny = client.get("/tiny.js", headers=BROWSER)
        assert "content-encoding" not in tiny.headers and tiny.text == "export const x = 1;\n"
        icon = next((folder / "icons").glob("*.png"))
        png = client.get(f"/icons/{icon.name}", headers=BROWSER)
        assert png.headers.get("content-encoding") != "br" and png.content == icon.read_bytes()


def test_pwa_serving_brotli_on_a_real_server(tmp_path: Path) -> None:
    """What Chromium's precache fetch gets from uvicorn: brotli, decoded to the file."""
    with running_server(tmp_path) as srv:
        r = httpx.get(f"{srv.base_url}/app/store/records.js", headers=BROWSER)
        assert r.status_code == 200 and r.headers["content-encoding"] == "br"
        assert r.content == (PWA_DIR / "app/store/records.js").read_bytes()
