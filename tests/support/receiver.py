"""A stand-in HTTP receiver on 127.0.0.1 for outgoing calls (the SMS gateway, queue tests).

Each POST is passed to ``check(headers, body)`` (None: accepted; a status: refused with
it); then the next status in ``script`` is answered, if any is left (a service that is
down for a while), else 204 and the body lands in ``got``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """The running receiver; ``url`` is where to POST."""

    def __init__(self, check: Callable[[Any, bytes], int | None] = lambda h, b: None) -> None:
        self.check = check
        self.script: list[int] = []
        self.got: list[bytes] = []
        self.refused = 0
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(owner.answer(self.headers, raw))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, headers: Any, raw: bytes) -> int:
        """The status for one call (and the bookkeeping)."""
        refusal = self.check(headers, raw)
        with self.lock:
            if refusal is not None:
                self.refused += 1
                return refusal
            if self.script:
                return self.script.pop(0)
            self.got.append(raw)
            return 204

    def close(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()


def receiving(check: Callable[[Any, bytes], int | None] = lambda h, b: None) -> Iterator[Receiver]:
    """A receiver for the length of a fixture."""
    rec = Receiver(check)
    try:
        yield rec
    finally:
        rec.close()
