"""Finding 4 of issue 9: one person guessing must not lock out a township centre sharing
one NAT address. Accounts are delayed (growing); addresses only hit a high ceiling."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.config import Config, describe
from server.errors import RateLimited
from server.limits import LoginLimiter
from tests.conftest import PASSWORD


def app(db: str, **settings: Any) -> Iterator[TestClient]:
    with TestClient(create_app(Config(db=db, **settings))) as c:
        yield c


def login(c: TestClient, username: str, password: str, **headers: str) -> Any:
    return c.post("/api/v1/auth/login", headers=headers,
                  json={"username": username, "password": password, "device_name": "t"})


def test_login_limits_one_guesser_does_not_lock_out_a_colleague(county_db: str) -> None:
    for c in app(county_db):
        for _ in range(5):
            assert login(c, "f1", "guess").status_code == 401
        r = login(c, "f1", PASSWORD)  # the guessed account waits, even with its password
        assert r.status_code == 429 and r.json()["error"]["details"]["limit"] == "account"
        # a colleague on the same address (the centre's NAT) logs in as usual
        assert login(c, "f1b", PASSWORD).status_code == 200
        assert login(c, "ctr1", PASSWORD).status_code == 200


def test_login_limits_account_delays_grow() -> None:
    lim = LoginLimiter(max_failures=3, delay_s=10, max_delay_s=35)
    t = 1000.0
    waits = []
    for _ in range(6):
        lim.check("f1", "a", now=t)  # allowed again once the last delay has passed
        lim.fail("f1", "a", now=t)
        try:
            lim.check("f1", "a", now=t)
            waits.append(0)
        except RateLimited as err:
            waits.append(err.details["retry_after"])
            with pytest.raises(RateLimited):  # still waiting just before it ends
                lim.check("f1", "a", now=t + err.details["retry_after"] - 2)
            t += err.details["retry_after"]
    assert waits == [0, 0, 11, 21, 36, 36]  # 10 s, 20 s, then capped at 35 s
    lim.fail("f1", "a", now=t)
    lim.succeed("f1")  # a good login clears the account
    lim.check("f1", "a", now=t)
    lim.check("f1b", "a", now=t)  # other accounts on the address were never held


def test_login_limits_address_ceiling_stops_spraying_many_usernames(county_db: str) -> None:
    for c in app(county_db, login_address_max_failures=8):
        for i in range(8):
            assert login(c, f"nobody{i}", "guess").status_code == 401
        r = login(c, "f1b", PASSWORD)
        assert r.status_code == 429 and r.json()["error"]["details"]["limit"] == "address"
        # not trusted by default: a forged X-Forwarded-For does not escape the ceiling
        assert login(c, "f1b", PASSWORD, **{"X-Forwarded-For": "10.9.9.9"}).status_code == 429


def test_login_limits_trust_forwarded_uses_the_proxys_entry(county_db: str) -> None:
    for c in app(county_db, login_address_max_failures=3, trust_forwarded=1):
        spoof = {"X-Forwarded-For": "1.2.3.4, 10.0.0.7"}  # the proxy appended 10.0.0.7
        for i in range(3):
            assert login(c, f"nobody{i}", "guess", **spoof).status_code == 401
        assert login(c, "f1b", PASSWORD, **{"X-Forwarded-For": "5.5.5.5, 10.0.0.7"}
                     ).status_code == 429
        assert login(c, "f1b", PASSWORD, **{"X-Forwarded-For": "10.0.0.8"}).status_code == 200


def test_login_limits_config_documents_the_settings() -> None:
    text = describe()
    for name in ("FIELDSYNC_TRUST_FORWARDED (default 0)", "X-Forwarded-For",
                 "FIELDSYNC_LOGIN_ADDRESS_MAX_FAILURES (default 100)",
                 "FIELDSYNC_LOGIN_MAX_LOCKOUT_S"):
        assert name in text
