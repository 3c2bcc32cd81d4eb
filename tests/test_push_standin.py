"""The push-service stand-in (tests/support/pushservice.py) is strict, so the delivery tests
that rely on it cannot pass on a message a real push service would refuse: a well-formed
message (VAPID ES256 JWT, RFC 8291 aes128gcm body) is taken and decrypted; a forged or
wrong signature, another ``k``, an ``alg`` other than ES256, the wrong ``aud`` or ``sub``, an
``exp`` past or more than 24 h ahead, a body for other keys, or a missing TTL is refused 400."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from tests.support.pushservice import Browser, PushService, b64url, unb64url

SUBJECT = "mailto:ops@county.example"
MESSAGE = {"kind": "returned", "collection": "inspections", "record": "i-1", "title": "检查退回"}


def point(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.UncompressedPoint)


def jwt(key: ec.EllipticCurvePrivateKey, claims: dict[str, Any], alg: str = "ES256") -> str:
    head = b64url(json.dumps({"typ": "JWT", "alg": alg}).encode())
    body = b64url(json.dumps(claims).encode())
    r, s = decode_dss_signature(key.sign(f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256())))
    return f"{head}.{body}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def encrypt(browser: Browser, message: dict[str, Any]) -> bytes:
    sub = browser.subscription()["keys"]
    out: bytes = http_ece.encrypt(json.dumps(message).encode(), salt=os.urandom(16),
                                  private_key=ec.generate_private_key(ec.SECP256R1()),
                                  dh=unb64url(sub["p256dh"]), auth_secret=unb64url(sub["auth"]),
                                  version="aes128gcm")
    return out


class Sender:
    """What the server does (RFC 8292 + 8291), each part replaceable to break it."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.service = PushService(vapid_public_key=b64url(point(self.key)), subject=SUBJECT,
                                   port=8443)
        self.browser = self.service.browser("phone")

    def claims(self, **override: Any) -> dict[str, Any]:
        return {"aud": self.service.origin, "exp": int(time.time()) + 12 * 3600, "sub": SUBJECT,
                **override}

    def send(self, *, token: str | None = None, k: str | None = None, body: bytes | None = None,
             ttl: str | None = "60") -> int:
        headers = {"authorization": f"vapid t={token or jwt(self.key, self.claims())},"
                                    f" k={k or self.service.vapid_public_key}",
                   "content-encoding": "aes128gcm"}
        if ttl is not None:
            headers["ttl"] = ttl
        return self.service.handle("/push/phone", headers,
                                   body if body is not None else encrypt(self.browser, MESSAGE))


def test_push_standin_takes_and_decrypts_a_well_formed_message() -> None:
    s = Sender()
    assert s.send() == 201
    assert s.service.errors == []
    [got] = s.service.received
    assert got["message"] == MESSAGE and got["claims"]["sub"] == SUBJECT


def _forged(s: Sender) -> dict[str, Any]:
    other = ec.generate_private_key(ec.SECP256R1())
    stranger = Browser("x", ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
    good = jwt(s.key, s.claims())
    head, body, sig = good.split(".")
    altered = b64url(json.dumps(s.claims(sub="mailto:x@y")).encode())
    return {
        "signed by another key": {"token": jwt(other, s.claims())},
        "another key named": {"token": jwt(other, s.claims()), "k": b64url(point(other))},
        "signature altered": {"token": f"{head}.{body}.{b64url(bytes(64))}"},
        "claims altered": {"token": f"{head}.{altered}.{sig}"},
        "alg HS256": {"token": jwt(s.key, s.claims(), alg="HS256")},
        "aud of another service": {"token": jwt(s.key, s.claims(aud="https://fcm.googleapis.com"))},
        "exp past": {"token": jwt(s.key, s.claims(exp=int(time.time()) - 60))},
        "exp beyond 24 h": {"token": jwt(s.key, s.claims(exp=int(time.time()) + 24 * 3600 + 300))},
        "sub wrong": {"token": jwt(s.key, s.claims(sub="mailto:someone@else.example"))},
        "body for other keys": {"body": encrypt(stranger, MESSAGE)},
        "body not encrypted": {"body": json.dumps(MESSAGE).encode()},
        "no TTL": {"ttl": None},
    }


@pytest.mark.parametrize("case", list(_forged(Sender())))
def test_push_standin_refuses_what_a_push_service_would(case: str) -> None:
    s = Sender()
    assert s.send(**_forged(s)[case]) == 400
    assert s.service.received == [] and len(s.service.errors) == 1, s.service.errors
