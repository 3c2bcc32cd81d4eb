"""The PWA's files as the server serves them, checked without a browser: the service
worker's precache list is complete (a module missing from it breaks the offline start only
on a phone, never on a developer's machine), both workers carry one version, the manifest
makes the app installable, and the headers an offline app depends on are sent.

The rule for modules: everything main.js imports statically (the phone's start) is precached
(``SHELL``) and preloaded by index.html; a module reached only through a dynamic
``import('...')`` is a phone screen loaded later (still precached: used offline), an
inspection screen (``INSPECTION``: the pack the worker caches when the page of a role that
uses it asks, never precached: a field phone never holds it) or a workspace module
(``WORKSPACE``: cached by the worker on first use, never precached). None is preloaded.
Every app file is in exactly one of the three lists."""

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
DYNAMIC = re.compile(r"""\bimport\(\s*['"]([^'"]+)['"]\s*\)""")
VERSION = re.compile(r"self\.FIELDSYNC_VERSION = '([^']+)';")
MAIN = (PWA_DIR / "app" / "main.js").resolve()


def js_list(name: str) -> list[str]:
    """The URLs of the ``var NAME = [...]`` list in sw/shell.js."""
    text = SHELL_JS.read_text()
    start = text.index(f"var {name} = [")
    block = text[start:text.index("];", start)]
    return re.findall(r"'(/[^']+)'", block)


def shell_list() -> list[str]:
    """The URLs sw/shell.js precaches."""
    return js_list("SHELL")


def files(urls: list[str]) -> set[Path]:
    """The files behind URLs of the PWA."""
    return {(PWA_DIR / u.lstrip("/")).resolve() for u in urls}


def module_imports(path: Path, pattern: re.Pattern[str] = IMPORT) -> set[Path]:
    """Files a module imports (statically, or with ``DYNAMIC`` the ``import('...')`` targets;
    relative specifiers only), resolved."""
    found = set()
    for m in pattern.finditer(path.read_text()):
        spec = next(g for g in m.groups() if g)
        if spec.startswith("."):
            found.add((path.parent / spec).resolve())
    return found


def static_graph(roots: set[Path]) -> set[Path]:
    """Every module the roots import statically, the roots included."""
    seen: set[Path] = set()
    todo = list(roots)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        assert path.is_file(), f"imported but missing: {path}"
        todo.extend(module_imports(path))
    return seen


def dynamic_targets(modules: set[Path]) -> set[Path]:
    """The modules those load with ``import('...')``."""
    return {t for m in modules for t in module_imports(m, DYNAMIC)}


def rel(paths: set[Path]) -> list[str]:
    return sorted("/" + p.relative_to(PWA_DIR).as_posix() for p in paths)


def test_pwa_shell_lists_every_file_the_page_needs() -> None:
    listed, workspace, pack = shell_list(), js_list("WORKSPACE"), js_list("INSPECTION")
    assert len(listed) == len(set(listed)), "duplicates in the precache list"
    assert len(workspace) == len(set(workspace)), "duplicates in the workspace list"
    assert len(pack) == len(set(pack)), "duplicates in the inspection pack"
    assert set(listed) & set(workspace) == set(), "precached and workspace-cached at once"
    assert set(pack) & (set(listed) | set(workspace)) == set(), "the inspection pack in another list too"
    for url in listed + workspace + pack:
        assert (PWA_DIR / url.lstrip("/")).is_file(), f"listed but missing: {url}"
    app_files = {"/" + p.relative_to(PWA_DIR).as_posix() for p in (PWA_DIR / "app").rglob("*")
                 if p.is_file() and p.suffix in {".js", ".css"}}
    uncached = app_files - set(listed) - set(workspace) - set(pack)
    assert uncached == set(), f"app files the worker would not cache: {sorted(uncached)}"
    assert {"/index.html", "/manifest.webmanifest", "/app/main.js"} <= set(listed)


def test_pwa_shell_imports_resolve_to_cached_files() -> None:
    precached, workspace = files(shell_list()), files(js_list("WORKSPACE"))
    pack = files(js_list("INSPECTION"))
    start = static_graph({MAIN})
    assert len(start) > 10  # the walk really followed the imports
    assert start - precached == set(), f"imported at start but not precached: {rel(start - precached)}"
    assert start & workspace == set(), f"workspace modules imported at start: {rel(start & workspace)}"
    assert start & pack == set(), f"inspection modules imported at start: {rel(start & pack)}"
    # Screens loaded on demand, followed to the end (one may load another).
    reached, targets = set(start), set()
    while dynamic_targets(reached) - targets:
        targets |= dynamic_targets(reached)
        reached |= static_graph(targets)
    overview = (MAIN.parent / "views" / "ws" / "overview.js").resolve()
    assert overview in targets, "the workspace loads on demand"
    walk = (MAIN.parent / "views" / "inspection-walk.js").resolve()
    assert walk in targets & pack, "the inspection screens load on demand, from the pack"
    # A phone screen loaded later stays precached with all it imports (it is used offline);
    # an inspection screen comes with all it imports that the start lacks (the pack, exactly:
    # an inspector opens them offline); a workspace screen and what only the workspace
    # imports are in the workspace list.
    phone_later = static_graph(targets & precached)
    assert phone_later - precached == set(), f"phone screens import: {rel(phone_later - precached)}"
    stray = targets - precached - workspace - pack
    assert stray == set(), f"loaded on demand, in no list: {rel(stray)}"
    inspection = static_graph(targets & pack) - start - phone_later
    modules_of_pack = {f for f in pack if f.suffix == ".js"}  # and insp.css, added by main.js's insp()
    assert inspection == modules_of_pack, \
        f"inspection pack {rel(modules_of_pack)} != screens + imports {rel(inspection)}"
    desk = reached - start - phone_later - inspection
    modules = {f for f in workspace if f.suffix == ".js"}  # and ws.css, added by main.js's ws()
    assert desk == modules, f"workspace list {rel(modules)} != modules only it imports {rel(desk)}"
    assert {f.name for f in workspace - modules} == {"ws.css"}
    assert {f.name for f in pack - modules_of_pack} == {"insp.css"}
    # Nothing precached is left unreachable (dead weight on every phone).
    js = {p for p in precached if p.suffix == ".js"}
    assert js - start - phone_later == set(), f"precached but never imported: {rel(js - start - phone_later)}"


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
    """index.html preloads exactly the modules main.js imports statically: all of the phone's
    start, none of the screens loaded on demand (they would cost every start again)."""
    html = (PWA_DIR / "index.html").read_text()
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', html))
    assert preloaded == set(rel(static_graph({MAIN}) - {MAIN}))
