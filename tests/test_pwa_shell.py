"""The PWA's files as the server serves them, checked without a browser: the service
worker's precache list is complete (a module missing from it breaks the offline start only
on a phone, never on a developer's machine), both workers carry one version, the manifest
makes the app installable, and the headers an offline app depends on are sent."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

from starlette.testclient import TestClient

from tests.support.pwa import PWA_DIR

SHELL_JS = PWA_DIR / "sw" / "shell.js"
IMPORT = re.compile(r"""(?:^|[;\s])(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]"""
                    r"""|import\s+['"]([^'"]+)['"]""")
VERSION = re.compile(r"self\.FIELDSYNC_VERSION = '([^']+)';")


def shell_list() -> list[str]:
    """The URLs sw/shell.js precaches."""
    text = SHELL_JS.read_text()
    block = text[text.index("var SHELL = ["):text.index("];")]
    return re.findall(r"'(/[^']+)'", block)


def module_imports(path: Path) -> set[Path]:
    """Files a module imports statically (relative specifiers only), resolved."""
    found = set()
    for m in IMPORT.finditer(path.read_text()):
        spec = m.group(1) or m.group(2)
        if spec.startswith("."):
            found.add((path.parent / spec).resolve())
    return found


def test_pwa_shell_lists_every_file_the_page_needs() -> None:
    listed = shell_list()
    assert len(listed) == len(set(listed)), "duplicates in the precache list"
    for url in listed:
        assert (PWA_DIR / url.lstrip("/")).is_file(), f"precached but missing: {url}"
    app_files = {"/" + p.relative_to(PWA_DIR).as_posix() for p in (PWA_DIR / "app").rglob("*")
                 if p.is_file() and p.suffix in {".js", ".css"}}
    assert app_files - set(listed) == set(), "app files the worker would not cache (offline start breaks)"
    assert {"/index.html", "/manifest.webmanifest"} <= set(listed)


def test_pwa_shell_imports_resolve_to_cached_files() -> None:
    listed = {(PWA_DIR / u.lstrip("/")).resolve() for u in shell_list()}
    seen: set[Path] = set()
    todo = [(PWA_DIR / "app" / "main.js").resolve()]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        assert path.is_file(), f"imported but missing: {path}"
        assert path in listed, f"imported but not precached: {path.relative_to(PWA_DIR)}"
        todo.extend(module_imports(path))
    assert len(seen) > 10  # the walk really followed the imports


def test_pwa_workers_share_one_version() -> None:
    module = VERSION.findall((PWA_DIR / "sw.js").read_text())
    classic = VERSION.findall((PWA_DIR / "sw-classic.js").read_text())
    assert len(module) == 1 and module == classic, (module, classic)
    assert "FIELDSYNC_VERSION" in SHELL_JS.read_text()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_pwa_manifest_is_installable() -> None:
    manifest = json.loads((PWA_DIR / "manifest.webmanifest").read_text())
    assert manifest["display"] in {"standalone", "fullscreen", "minimal-ui"}
    assert manifest["start_url"].startswith("/") and manifest["scope"] == "/"
    assert manifest["name"] and manifest["short_name"] and manifest["lang"] == "zh-CN"
    sizes = set()
    for icon in manifest["icons"]:
        if icon["type"] == "image/png":
            w, h = png_size((PWA_DIR / icon["src"].lstrip("/")).read_bytes())
            assert icon["sizes"] == f"{w}x{h}", icon
            sizes.add((w, icon.get("purpose", "any")))
    assert {(192, "any"), (512, "any"), (512, "maskable")} <= sizes


def test_pwa_served_with_offline_headers(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and 'role="status"' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "unsafe-inline" not in csp
    assert page.headers["cache-control"] == "no-cache"
    for worker in ("/sw.js", "/sw-classic.js"):
        r = client.get(worker)
        assert r.status_code == 200 and r.headers["service-worker-allowed"] == "/"
        assert r.headers["content-type"].startswith("text/javascript")
    r = client.get("/manifest.webmanifest")
    assert r.headers["content-type"].startswith("application/manifest+json")
    r = client.get("/app/main.js", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and r.headers["x-content-type-options"] == "nosniff"
    assert client.get("/app/nope.js").status_code == 404
    # The API is not shadowed by the PWA mount.
    for method, path in (("GET", "/api/v1/nope"), ("PUT", "/api/v1"), ("DELETE", "/api/v2/x"),
                         ("POST", "/api")):
        r = client.request(method, path)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", (method, path)


def test_pwa_page_preloads_every_module() -> None:
    html = (PWA_DIR / "index.html").read_text()
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', html))
    modules = {"/" + p.relative_to(PWA_DIR).as_posix() for p in (PWA_DIR / "app").rglob("*.js")}
    assert preloaded == modules - {"/app/main.js"}
