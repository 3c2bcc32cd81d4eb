"""The Web Push sender as background work: its process runs at the lowest priority, paces
itself, and reuses one VAPID token per push service while it is fresh (RFC 8292), with
``exp`` never more than 24 hours ahead. Delivery goes to the local push-service stand-in,
which checks every token and decrypts every message."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.config import Config
from server.jobs.push import NICE, Delivery, Pacer, PushSender
from server.vapid import MAX_LIFETIME_S, Tokens, ensure_key, public_key_b64
from server.writer import Writer
from tests.support.pushservice import PushService, serve

SUBJECT = "mailto:ops@county.example"
PAYLOAD = '{"kind":"assigned","collection":"visits","record":"v-1","title":"t"}'


class FakeTime:
    """A clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_push_pacer_holds_sends_to_its_rate_after_a_burst() -> None:
    t = FakeTime()
    pacer = Pacer(100, burst=2, clock=t.clock, sleep=t.sleep)
    for _ in range(6):
        pacer.wait()
    # Two at once, then one every 10 ms: 6 sends span 40 ms of sleeping.
    assert t.slept == [0.01] * 4
    assert round(t.now - 1000.0, 6) == 0.04


def test_push_pacer_chunks_take_their_share_of_time_and_idle_time_is_not_saved_up() -> None:
    t = FakeTime()
    pacer = Pacer(100, burst=1, clock=t.clock, sleep=t.sleep)
    pacer.wait(8)
    pacer.wait(8)  # the second chunk starts 8 slots (80 ms) after the first
    assert t.slept == [0.08]
    t.now += 60  # a minute with nothing to send
    pacer.wait(8)
    pacer.wait(1)
    assert t.slept == [0.08, 0.08]  # not 6,000 sends' worth of credit


def test_push_vapid_token_is_reused_per_audience_until_its_reuse_window_ends() -> None:
    t = FakeTime()
    signed: list[dict[str, Any]] = []

    def sign(claims: dict[str, Any]) -> dict[str, str]:
        signed.append(dict(claims))
        return {"Authorization": f"vapid t=token{len(signed)},k=key"}

    tokens = Tokens(sign, SUBJECT, lifetime_s=12 * 3600, reuse_s=6 * 3600, clock=t.clock)
    fcm, moz = "https://fcm.googleapis.com", "https://updates.push.services.mozilla.com"
    first = tokens.headers(fcm)
    t.now += 6 * 3600 - 1
    assert tokens.headers(fcm) == first  # still fresh: the same token
    other = tokens.headers(moz)
    assert other != first  # one per push service (``aud``)
    t.now += 1
    renewed = tokens.headers(fcm)
    assert renewed != first
    assert [c["aud"] for c in signed] == [fcm, moz, fcm]
    assert all(c["sub"] == SUBJECT for c in signed)
    # Signed 12 h ahead: a token in use is valid for 6 h more at least, never over 24 h.
    assert signed[0]["exp"] == 1000 + 12 * 3600
    assert signed[2]["exp"] == int(t.now) + 12 * 3600


@pytest.mark.parametrize(("lifetime", "reuse"), [(MAX_LIFETIME_S + 1, 3600), (3600, 3600),
                                                 (3600, 0)])
def test_push_vapid_token_lifetime_over_24_hours_or_reuse_past_it_is_refused(
        lifetime: int, reuse: int) -> None:
    with pytest.raises(ValueError):
        Tokens(lambda claims: {}, SUBJECT, lifetime_s=lifetime, reuse_s=reuse)


@pytest.fixture
def key(tmp_path: Path) -> str:
    path = tmp_path / "vapid.pem"
    ensure_key(path)
    return str(path)


@pytest.fixture
def service(key: str) -> Iterator[PushService]:
    yield from serve(PushService(public_key_b64(Path(key)), SUBJECT))


def test_push_delivery_sends_every_message_with_one_checked_token(
        key: str, service: PushService) -> None:
    delivery = Delivery(key, SUBJECT, allow_http=True)
    browsers = [service.browser(f"b{i}") for i in range(5)]
    outcomes = delivery.send_all([(b.subscription(), PAYLOAD) for b in browsers])
    assert [o.kind for o in outcomes] == ["sent"] * 5
    assert service.errors == []
    # Every message was checked (ES256, aud, exp within 24 h, sub) and decrypted ...
    assert sorted(m["path"] for m in service.received) == [f"/push/b{i}" for i in range(5)]
    assert all(m["message"]["record"] == "v-1" for m in service.received)
    # ... and all carried the same token: signed once (ECDSA signatures differ every time).
    assert len({m["token"] for m in service.received}) == 1
    assert delivery.tokens.signed == 1


def test_push_sending_process_runs_at_the_lowest_priority(county_db: str,
                                                          service: PushService) -> None:
    config = Config(db=county_db, vapid_subject=SUBJECT, push_allow_http=1)
    ensure_key(config.vapid_key_path)
    writer = Writer(county_db)
    sender = PushSender(writer, config)
    try:
        assert sender.run_once() == {"sent": 0, "gone": 0, "retry": 0}  # nothing queued
        pool = sender.start()
        nice = pool.submit(os.getpriority, os.PRIO_PROCESS, 0).result()
        policy = pool.submit(os.sched_getscheduler, 0).result()
    finally:
        sender.close()
        writer.close()
    assert nice == NICE == 19
    assert policy == os.SCHED_IDLE
    assert os.getpriority(os.PRIO_PROCESS, 0) < 19  # the server's own process is untouched


def test_push_delivery_reads_proxies_once_per_push_service_honouring_no_proxy(
        key: str, service: PushService, monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy that does not exist: a message sent through it would fail.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    delivery = Delivery(key, SUBJECT, allow_http=True)
    far = delivery.session("https://fcm.googleapis.com").proxies
    assert (far.get("http"), far.get("https")) == ("http://127.0.0.1:9", "http://127.0.0.1:9")
    near = delivery.session(service.origin).proxies
    assert "http" not in near and "https" not in near  # NO_PROXY: straight there
    assert delivery.session(service.origin) is delivery.session(service.origin)
    browser = service.browser("near")
    assert [o.kind for o in delivery.send_all([(browser.subscription(), PAYLOAD)])] == ["sent"]
    assert [m["path"] for m in service.received] == ["/push/near"]
