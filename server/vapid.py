"""The server's VAPID key pair (RFC 8292): made once at ``fieldsync init``.

The private key is a PEM file readable by its owner only (mode 0600); browsers get the
public key (an uncompressed P-256 point, base64url) to subscribe with.
"""

from __future__ import annotations

import base64
import os
import stat
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
