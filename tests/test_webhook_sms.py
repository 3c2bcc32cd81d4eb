"""The SMS gateway webhook: each new notification is POSTed once as JSON signed with
HMAC-SHA256, retried from the durable queue until the gateway answers 2xx, only for the
counties configured; a local receiver on 127.0.0.1 checks every signature."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest

from server.cli import main
from server.config import Config
from server.jobs.webhook import WebhookSender
from server.writer import Writer
from tests.conftest import Device, now_ms
from tests.support.receiver import Receiver, receiving

SECRET = "s3cret-gateway-key"


def signed(headers: Any, raw: bytes) -> int | None:
    """The gateway's check: a 401 unless the body is signed with the shared secret."""
    stamp = headers["X-Fieldsync-Timestamp"]
    want = "sha256=" + hmac.new(SECRET.encode(), stamp.encode() + b"." + raw,
                                hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(want, headers["X-Fieldsync-Signature"]) else 401


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from receiving(signed)


def sender(db: str, url: str, secret: str = SECRET, counties: str = "") -> tuple[Writer, WebhookSender]:
    writer = Writer(db)
    return writer, WebhookSender(writer, Config(db=db, sms_webhook_url=url,
                                                sms_webhook_secret=secret,
                                                sms_webhook_counties=counties))


def assign(ctr: Device, f1: Device, visit: str) -> None:
    res = ctr.sync([ctr.op("visits", visit, {"centre_id": "c1", "kind": "home_service",
                                             "staff_ids": [f1.user["id"]],
                                             "applicant": {"name": "张三", "phone": "13800000000"}})])
    assert res["results"][0]["status"] == "applied"


def test_webhook_posts_each_notification_once_signed_and_retries(
        device: Any, county_db: str, receiver: Receiver) -> None:
    ctr, f1 = device("ctr1"), device("f1")
    assign(ctr, f1, "v1")
    receiver.script = [503, 503]  # the gateway is down for two attempts
    writer, hook = sender(county_db, receiver.url)
    try:
        t = now_ms()
        first = hook.run_once(t)
        assert first == {"queued": 1, "sent": 0, "retry": 1}
        assert hook.run_once(t) == {"queued": 0, "sent": 0, "retry": 0}  # backing off
        assert hook.run_once(t + 60_000)["retry"] == 1
        assert hook.run_once(t + 10 * 60_000) == {"queued": 0, "sent": 1, "retry": 0}
        assert hook.run_once(t + 3600_000) == {"queued": 0, "sent": 0, "retry": 0}
    finally:
        hook.close()
        writer.close()
    assert receiver.refused == 0
    [raw] = receiver.got
    body = json.loads(raw)
    assert body["kind"] == "assigned" and body["username"] == "f1"
    assert body["user_id"] == f1.user["id"] and body["county_id"] == "k1"
    assert body["subject"] == {"collection": "visits", "record": "v1"}
    assert body["title"] == "有新任务指派给您"
    assert "张三" not in json.dumps(body, ensure_ascii=False)  # no applicant's data


def test_webhook_wrong_secret_is_refused_and_kept_for_retry(
        device: Any, county_db: str, receiver: Receiver) -> None:
    assign(device("ctr1"), device("f1"), "v2")
    writer, hook = sender(county_db, receiver.url, secret="not-the-secret")
    try:
        assert hook.run_once(now_ms())["retry"] == 1
    finally:
        hook.close()
        writer.close()
    assert receiver.refused == 1 and receiver.got == []


def test_webhook_only_configured_counties(device: Any, county_db: str, receiver: Receiver) -> None:
    assign(device("ctr1"), device("f1"), "v3")  # c1 is in county k1
    writer, hook = sender(county_db, receiver.url, counties="k2")
    try:
        assert hook.run_once(now_ms()) == {"queued": 0, "sent": 0, "retry": 0}
    finally:
        hook.close()
        writer.close()
    assert receiver.got == []


def test_webhook_settings_listed_by_fieldsync_config(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    for name in ("FIELDSYNC_SMS_WEBHOOK_URL", "FIELDSYNC_SMS_WEBHOOK_SECRET",
                 "FIELDSYNC_SMS_WEBHOOK_COUNTIES"):
        assert name in out
