"""Serving the PWA at ``/``: its files as they are, with the headers an offline app needs.

The service worker owns caching on the device (versioned caches), so the HTTP cache must
never hold a stale copy of the shell: every file is ``Cache-Control: no-cache`` (revalidated
with its ETag, a 304 costs a few bytes on a poor link). Bodies are compressed for the slow
links the app is built for: brotli at its best level where the browser takes it (each file
compressed once per version of the file, kept in memory; a sixth smaller than gzip for the
shell's first load), else gzip. The HTML page gets a strict Content-Security-Policy: the app
loads nothing but its own files.

Every file also names the shell version it belongs to (``X-Fieldsync-Shell``, the version in
``sw.js`` of the folder served): a service worker of an older version that fetches a module
it lacks (a workspace screen, cached on first use) refuses one of another version instead
of mixing it into a page of its own (``pwa/sw/shell.js``).
"""

from __future__ import annotations

import mimetypes
import os
import re
import threading
from pathlib import Path

import anyio
import brotli
from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import FileResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from .http import accepted

# Python's table may lack these; a module script or a manifest with a wrong type is refused.
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("application/manifest+json", ".webmanifest")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:;"
       " connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none';"
       " base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SERVICE_WORKERS = frozenset({"sw.js", "sw-classic.js"})
SHELL_HEADER = "X-Fieldsync-Shell"
_VERSION = re.compile(r"self\.FIELDSYNC_VERSION = '([^']+)';")
#: smaller files gain nothing from compression (GZipMiddleware's own floor)
MIN_PACKED = 512
_TEXT = ("text/", "application/javascript", "application/json", "application/manifest+json",
         "image/svg+xml")


class _Brotli:
    """Files compressed with brotli (quality 11) once per version of the file: the path, its
    modification time and size. A deploy that replaces a file is picked up on its next
    request, as StaticFiles picks up the file itself."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[tuple[int, int], bytes]] = {}
        self._lock = threading.Lock()

    def get(self, path: str, stat: os.stat_result) -> bytes:
        """The file at ``path`` (as ``stat`` found it), compressed."""
        stamp = (stat.st_mtime_ns, stat.st_size)
        hit = self._cache.get(path)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        packed = bytes(brotli.compress(Path(path).read_bytes(), quality=11))
        with self._lock:
            self._cache[path] = (stamp, packed)
        return packed


class _ShellVersion:
    """The version in ``sw.js`` of a PWA folder, read again only when the file changes (a
    deploy replaces the folder's files; the server need not restart for the header to follow)."""

    def __init__(self, directory: Path) -> None:
        self.worker = directory / "sw.js"
        self.seen: tuple[int, int] | None = None
        self.version: str | None = None

    def get(self) -> str | None:
        """The current version, or None when the folder has no versioned worker."""
        try:
            st = self.worker.stat()
        except OSError:
            return None
        key = (st.st_mtime_ns, st.st_size)
        if key != self.seen:
            found = _VERSION.search(self.worker.read_text(encoding="utf-8"))
            self.version, self.seen = (found.group(1) if found else None), key
        return self.version


class PwaFiles(StaticFiles):
    """StaticFiles with no-cache, nosniff, no-referrer, a CSP on HTML,
    ``Service-Worker-Allowed: /`` and the shell version (``X-Fieldsync-Shell``)."""

    def __init__(self, *, directory: Path, html: bool = False) -> None:
        super().__init__(directory=directory, html=html)
        self.shell = _ShellVersion(Path(directory))
        self.packed = _Brotli()

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The file's response with the PWA's headers added."""
        response = await super().get_response(path, scope)
        headers = response.headers
        headers["Cache-Control"] = "no-cache"
        headers["X-Content-Type-Options"] = "nosniff"
        # Links out of the app (a map, a government site) must not carry its URLs along.
        headers["Referrer-Policy"] = "no-referrer"
        if path in SERVICE_WORKERS:
            headers["Service-Worker-Allowed"] = "/"
        if headers.get("content-type", "").startswith("text/html"):
            headers["Content-Security-Policy"] = CSP
        version = self.shell.get()
        if version is not None:
            headers[SHELL_HEADER] = version
        return await self._brotli(response, scope)

    async def _brotli(self, response: Response, scope: Scope) -> Response:
        """The file's 200 as brotli when the request takes it (a GET of a whole text file),
        with the same headers; anything else as it is (gzipped by the middleware)."""
        if not (isinstance(response, FileResponse) and response.status_code == 200
                and scope["method"] == "GET" and response.stat_result is not None
                and response.stat_result.st_size >= MIN_PACKED
                and response.headers.get("content-type", "").startswith(_TEXT)):
            return response
        request = Headers(scope=scope)
        if "range" in request or "br" not in accepted(request.get("accept-encoding", "")):
            return response
        body = await anyio.to_thread.run_sync(self.packed.get, str(response.path),
                                              response.stat_result)
        headers = {k: v for k, v in response.headers.items() if k != "content-length"}
        headers["Content-Encoding"] = "br"
        headers["Vary"] = "Accept-Encoding"
        return Response(body, status_code=200, headers=headers)


def routes(directory: Path) -> list[Mount]:
    """The mount serving the PWA folder at ``/`` (``index.html`` for ``/``)."""
    files = PwaFiles(directory=directory, html=True)
    return [Mount("/", app=GZipMiddleware(files, minimum_size=512), name="pwa")]
