"""Serving the PWA at ``/``: its files as they are, with the headers an offline app needs.

The service worker owns caching on the device (versioned caches), so the HTTP cache must
never hold a stale copy of the shell: every file is ``Cache-Control: no-cache`` (revalidated
with its ETag, a 304 costs a few bytes on a poor link). Bodies are gzipped for the slow
links the app is built for. The HTML page gets a strict Content-Security-Policy: the app
loads nothing but its own files.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

# Python's table may lack these; a module script or a manifest with a wrong type is refused.
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("application/manifest+json", ".webmanifest")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:;"
       " connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none';"
       " base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SERVICE_WORKERS = frozenset({"sw.js", "sw-classic.js"})


class PwaFiles(StaticFiles):
    """StaticFiles with no-cache, nosniff, no-referrer, a CSP on HTML and
    ``Service-Worker-Allowed: /``."""

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
        return response


def routes(directory: Path) -> list[Mount]:
    """The mount serving the PWA folder at ``/`` (``index.html`` for ``/``)."""
    files = PwaFiles(directory=directory, html=True)
    return [Mount("/", app=GZipMiddleware(files, minimum_size=512), name="pwa")]
