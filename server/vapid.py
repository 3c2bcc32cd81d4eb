"""The server's VAPID key pair (RFC 8292): made once at ``fieldsync init``.

The private key is a PEM file readable by its owner only (mode 0600); browsers get the
public key (an uncompressed P-256 point, base64url) to subscribe with.
"""

from __future__ import annotations

import base64
import os
import stat
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(raw: bytes) -> str:
    """Unpadded base64url, as the Push API spells keys."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def ensure_key(path: Path) -> None:
    """Create the key file if it is missing; tighten its mode to 0600 either way."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        try:
            # Created with 0600 from the start, so the key is never readable by others.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: keep theirs
            return
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
    if stat.S_IMODE(path.stat().st_mode) != 0o600:
        path.chmod(0o600)


def load_private(path: Path) -> ec.EllipticCurvePrivateKey:
    """The private key from its PEM file."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} does not hold an EC private key")
    return key


def public_key_b64(path: Path) -> str:
    """The public key as browsers want it (``applicationServerKey``)."""
    point = load_private(path).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(point)


MAX_LIFETIME_S = 24 * 3600  # RFC 8292 section 2: ``exp`` no more than 24 hours ahead


class Tokens:
    """VAPID ``Authorization`` headers, one per push service, each reused while it is fresh.

    RFC 8292 lets a sender reuse one signed JWT for an audience (``aud``, the push service's
    origin) until its ``exp``; signing one per message cost an ECDSA signature and py_vapid's
    Python around it, about a tenth of the sending process's CPU a message. A token is
    signed with ``exp`` ``lifetime_s`` ahead (at most 24 h) and reused for ``reuse_s``, so every
    message carries one still valid for at least ``lifetime_s - reuse_s``: a push service that
    holds a message a while before checking it, or a clock a little off, still accepts it.
    ``sign(claims)`` returns the headers to send (py_vapid's ``Vapid02.sign``).
    """

    def __init__(self, sign: Callable[[dict[str, str | int]], Mapping[str, str]], subject: str,
                 *, lifetime_s: int = 12 * 3600, reuse_s: int = 6 * 3600,
                 clock: Callable[[], float] = time.time) -> None:
        if not 0 < reuse_s < lifetime_s <= MAX_LIFETIME_S:
            raise ValueError("expected 0 < reuse_s < lifetime_s <= 24 h")
        self._sign = sign
        self.subject = subject
        self.lifetime_s = lifetime_s
        self.reuse_s = reuse_s
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, dict[str, str]]] = {}
        self.signed = 0  # how many tokens were signed (for tests and benches)

    def headers(self, aud: str) -> dict[str, str]:
        """The headers authorising a message to the push service at origin ``aud``."""
        now = self._clock()
        with self._lock:
            hit = self._cache.get(aud)
            if hit is not None and now - hit[0] < self.reuse_s:
                return hit[1]
            headers = dict(self._sign({"sub": self.subject, "aud": aud,
                                       "exp": int(now) + self.lifetime_s}))
            self._cache[aud] = (now, headers)
            self.signed += 1
            return headers
