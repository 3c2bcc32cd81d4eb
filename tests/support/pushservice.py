"""A local stand-in for a Web Push service (FCM, Mozilla autopush) on 127.0.0.1.

It does what a real push service does with a message, strictly: checks the VAPID
``Authorization: vapid t=JWT, k=KEY`` header (RFC 8292: ES256 signature by the server's
public key, ``aud`` = this origin, ``exp`` in the future and at most 24 h ahead, ``sub``
as configured), then decrypts the aes128gcm body (RFC 8188/8291) with the subscription's
private key and auth secret, as the browser would. Tests read what arrived from
``received``; anything malformed lands in ``errors`` and gets a 400.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """One subscription's private side (what the browser keeps)."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    def subscription(self) -> dict[str, Any]:
        """The PushSubscription JSON the page would POST."""
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)}}


@dataclass
class PushService:
    """The running stand-in. ``script[path]`` lists statuses to answer before 201s."""

    vapid_public_key: str
    subject: str
    port: int = 0
    browsers: dict[str, Browser] = field(default_factory=dict)
    script: dict[str, list[int]] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Benches only: check and decrypt every ``sample``-th message, count the others (tests
    # keep the default, every message checked).
    sample: int = 1
    unchecked: int = 0

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def browser(self, name: str) -> Browser:
        """A new subscription at ``/push/<name>``."""
        b = Browser(f"{self.origin}/push/{name}", ec.generate_private_key(ec.SECP256R1()),
                    os.urandom(16))
        self.browsers[f"/push/{name}"] = b
        return b

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        """Check and decrypt one message; the HTTP status to answer."""
        browser = self.browsers.get(path)
        if browser is None:
            return 404
        with self.lock:
            queued = self.script.get(path)
            if queued:
                return queued.pop(0)
            seen = len(self.received) + self.unchecked + len(self.errors)
            if self.sample > 1 and seen % self.sample:
                self.unchecked += 1
                return 201
        try:
            claims, token = self._check_vapid(headers.get("authorization", ""))
            if headers.get("content-encoding") != "aes128gcm":
                raise ValueError(f"content-encoding {headers.get('content-encoding')!r}")
            if not headers.get("ttl", "").isdigit():
                raise ValueError("TTL header missing")
            plain = http_ece.decrypt(body, private_key=browser.private_key,
                                     auth_secret=browser.auth, version="aes128gcm")
            message = json.loads(plain)
        except (ValueError, KeyError, InvalidSignature, http_ece.ECEException) as err:
            # ECEException (a body not for this subscription's keys) is no ValueError: it
            # escaped, the request died without an answer and the sender saw a reset.
            with self.lock:
                self.errors.append(f"{path}: {type(err).__name__}: {err}")
            return 400
        with self.lock:
            self.received.append({"path": path, "claims": claims, "message": message,
                                  "size": len(body), "token": token})
        return 201

    def _check_vapid(self, header: str) -> tuple[dict[str, Any], str]:
        scheme, _, params = header.partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError(f"authorization scheme {scheme!r}, expected vapid")
        parts = dict(p.strip().split("=", 1) for p in params.split(","))
        if parts.get("k") != self.vapid_public_key:
            raise ValueError("k is not the server's VAPID public key")
        head_b64, claims_b64, sig_b64 = parts["t"].split(".")
        head = json.loads(unb64url(head_b64))
        if head.get("alg") != "ES256":
            raise ValueError(f"alg {head.get('alg')!r}")
        sig = unb64url(sig_b64)
        if len(sig) != 64:
            raise ValueError("ES256 signature is not 64 bytes")
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(),
                                                           unb64url(self.vapid_public_key))
        key.verify(encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                        int.from_bytes(sig[32:], "big")),
                   f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        claims: dict[str, Any] = json.loads(unb64url(claims_b64))
        if claims.get("aud") != self.origin:
            raise ValueError(f"aud {claims.get('aud')!r} is not {self.origin}")
        now = time.time()
        if not isinstance(claims.get("exp"), int) or not now < claims["exp"] <= now + 86400:
            raise ValueError(f"exp {claims.get('exp')!r} not within 24 h")
        if claims.get("sub") != self.subject:
            raise ValueError(f"sub {claims.get('sub')!r}")
        return claims, parts["t"]


def serve(service: PushService) -> Iterator[PushService]:
    """Run ``service`` on a free port of 127.0.0.1 until the generator is closed."""

    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as every real push service (HTTP/1.1 or 2): a sender's pooled
        # connections are reused instead of one TCP connection (and one thread here) a message.
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            status = service.handle(self.path, {k.lower(): v for k, v in self.headers.items()},
                                    body)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        # A real push service takes every connection a sender's pool opens (16 at once);
        # the default backlog of 5 made the stand-in refuse some under load.
        request_queue_size = 128

    httpd = Server(("127.0.0.1", 0), Handler)
    service.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        httpd.shutdown()
        httpd.server_close()
