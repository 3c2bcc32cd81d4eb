"""Web Push: VAPID keys, subscriptions, the durable queue and real delivery to a local
push-service stand-in that verifies the VAPID JWT and decrypts the aes128gcm body."""

from __future__ import annotations

import base64
import multiprocessing
import os
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from server import push
from server.app import create_app
from server.config import Config
from server.jobs.push import PushSender
from server.store import push as push_store
from server.vapid import ensure_key, public_key_b64
from server.writer import Writer
from tests.conftest import PASSWORD, Device, now_ms
from tests.support.pushservice import PushService, serve
from tests.support.server import ServerHandle, free_port

SUBJECT = "mailto:ops@county.example"
SUBS = "/api/v1/push/subscriptions"


def config(db: str, **extra: Any) -> Config:
    return Config(db=db, vapid_subject=SUBJECT, push_allow_http=1, push_interval_s=3600, **extra)


@pytest.fixture
def service(county_db: str) -> Iterator[PushService]:
    key = config(county_db).vapid_key_path
    ensure_key(key)  # as fieldsync init and the server's start do (the county is a plain copy)
    yield from serve(PushService(public_key_b64(key), SUBJECT))


@pytest.fixture
def app_client(county_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(config(county_db))) as c:
        yield c


def queue(db: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    return conn.execute("SELECT endpoint, attempts, next_at FROM push_queue ORDER BY id").fetchall()


def subscriptions(db: str) -> list[str]:
    conn = sqlite3.connect(db)
    return [r[0] for r in conn.execute("SELECT endpoint FROM push_subscriptions ORDER BY 1")]


def enqueue(db: str, user_id: str, kind: str = "assigned", record: str = "v-1") -> int:
    writer = Writer(db)
    try:
        return writer.run(lambda conn: push_store.enqueue(conn, [user_id], kind, "visits", record, now_ms()))
    finally:
        writer.close()


def send(db: str, now: int | None = None) -> dict[str, int]:
    writer = Writer(db)
    sender = PushSender(writer, config(db))
    try:
        return sender.run_once(now)
    finally:
        sender.close()
        writer.close()


def test_push_vapid_key_made_at_init_private_file_mode_0600(tmp_path: Path) -> None:
    from server.cli import main
    db = str(tmp_path / "new.db")
    assert main(["init", "--db", db]) == 0
    path = Path(db + ".vapid.pem")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_bytes()
    path.chmod(0o644)  # loosened by hand: the next init tightens it and keeps the key
    assert main(["init", "--db", db]) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_bytes() == first


def test_push_vapid_public_key_endpoint(app_client: TestClient, county_db: str) -> None:
    path = Path(county_db + ".vapid.pem")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in path.read_bytes()
    r = app_client.get("/api/v1/push/vapid-public-key")
    assert r.status_code == 200
    key = r.json()["key"]
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65 and raw[0] == 4 and "=" not in key
    assert key == public_key_b64(path)


def test_push_delivers_encrypted_vapid_signed_message_without_personal_data(
        app_client: TestClient, service: PushService, county_db: str) -> None:
    f1 = Device(app_client, "f1")
    browser = service.browser("f1-phone")
    r = app_client.post(SUBS, json=browser.subscription(), headers=f1.headers)
    assert r.status_code == 201, r.text
    assert enqueue(county_db, f1.user["id"]) == 1
    assert send(county_db) == {"sent": 1, "gone": 0, "retry": 0}
    assert service.errors == []
    [got] = service.received
    assert got["message"] == {"kind": "assigned", "collection": "visits", "record": "v-1",
                              "title": push.TITLES["assigned"]}
    assert got["claims"]["sub"] == SUBJECT and got["claims"]["aud"] == service.origin
    assert got["claims"]["exp"] <= time.time() + 24 * 3600
    assert queue(county_db) == []


def test_push_gone_subscription_404_or_410_is_removed_with_its_messages(
        app_client: TestClient, service: PushService, county_db: str) -> None:
    f1 = Device(app_client, "f1")
    gone, missing, fine = (service.browser(n) for n in ("gone", "missing", "fine"))
    for b in (gone, missing, fine):
        assert app_client.post(SUBS, json=b.subscription(), headers=f1.headers).status_code == 201
    service.script["/push/gone"] = [410, 410]  # a gone subscription stays gone
    service.script["/push/missing"] = [404, 404]
    enqueue(county_db, f1.user["id"], record="v-1")
    enqueue(county_db, f1.user["id"], record="v-2")
    counts = send(county_db)
    assert counts == {"sent": 2, "gone": 4, "retry": 0}
    assert subscriptions(county_db) == [fine.endpoint]
    assert queue(county_db) == []
    assert sorted(m["message"]["record"] for m in service.received) == ["v-1", "v-2"]


def test_push_failure_is_retried_with_backoff_and_survives_a_restart(
        app_client: TestClient, service: PushService, county_db: str) -> None:
    f1 = Device(app_client, "f1")
    b = service.browser("flaky")
    app_client.post(SUBS, json=b.subscription(), headers=f1.headers)
    service.script["/push/flaky"] = [500, 503]
    enqueue(county_db, f1.user["id"])
    t0 = now_ms()
    assert send(county_db, t0) == {"sent": 0, "gone": 0, "retry": 1}
    [(_e, attempts, next_at)] = queue(county_db)
    assert attempts == 1 and next_at == t0 + push.backoff_ms(1)
    assert send(county_db, t0 + 1000) == {"sent": 0, "gone": 0, "retry": 0}  # not due yet
    assert send(county_db, next_at) == {"sent": 0, "gone": 0, "retry": 1}
    [(_e, attempts, next_at2)] = queue(county_db)
    assert attempts == 2 and next_at2 - next_at == push.backoff_ms(2) > push.backoff_ms(1)
    # A new sender (the server restarted) finds the message in the database and delivers it.
    assert send(county_db, next_at2) == {"sent": 1, "gone": 0, "retry": 0}
    assert [m["path"] for m in service.received] == ["/push/flaky"] and queue(county_db) == []


def test_push_gives_up_after_max_attempts(app_client: TestClient, service: PushService,
                                          county_db: str) -> None:
    f1 = Device(app_client, "f1")
    b = service.browser("down")
    app_client.post(SUBS, json=b.subscription(), headers=f1.headers)
    service.script["/push/down"] = [500] * 20
    enqueue(county_db, f1.user["id"])
    t = now_ms()
    for _ in range(config(county_db).push_max_attempts):
        send(county_db, t)
        t += push.BACKOFF_MAX_MS
    assert queue(county_db) == [] and subscriptions(county_db) == [b.endpoint]


def test_push_background_job_in_the_server_sends_on_its_own(county_db: str,
                                                            service: PushService) -> None:
    with TestClient(create_app(Config(db=county_db, vapid_subject=SUBJECT, push_allow_http=1,
                                      push_interval_s=1))) as client:
        f1 = Device(client, "f1")
        b = service.browser("bg")
        assert client.post(SUBS, json=b.subscription(), headers=f1.headers).status_code == 201
        enqueue(county_db, f1.user["id"], kind="overdue", record="k-9")
        deadline = time.monotonic() + 10
        while not service.received and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [m["message"]["kind"] for m in service.received] == ["overdue"]


def _sub(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"endpoint": "https://push.example.com/send/abc", "expirationTime": None,
                           "keys": {"p256dh": "", "auth": base64.urlsafe_b64encode(os.urandom(16))
                                    .rstrip(b"=").decode()}}
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    doc["keys"]["p256dh"] = base64.urlsafe_b64encode(point).rstrip(b"=").decode()
    for key, value in changes.items():
        if key.startswith("keys."):
            doc["keys"][key[5:]] = value
        elif value is None and key == "keys":
            del doc["keys"]
        else:
            doc[key] = value
    return doc


NOT_ON_CURVE = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).rstrip(b"=").decode()


@pytest.mark.parametrize(("doc", "path"), [
    (_sub(endpoint=None), "endpoint"),
    (_sub(endpoint="ftp://push.example.com/x"), "endpoint"),
    (_sub(endpoint="not a url"), "endpoint"),
    (_sub(endpoint="https://"), "endpoint"),
    (_sub(endpoint="https://push.example.com:99999/x"), "endpoint"),
    (_sub(endpoint="https://" + "a" * 3000), "endpoint"),
    (_sub(keys=None), "keys"),
    (_sub(**{"keys.p256dh": "AAAA"}), "keys.p256dh"),
    (_sub(**{"keys.p256dh": NOT_ON_CURVE}), "keys.p256dh"),
    (_sub(**{"keys.p256dh": "!!!"}), "keys.p256dh"),
    (_sub(**{"keys.auth": "AAAA"}), "keys.auth"),
    (_sub(**{"keys.auth": 5}), "keys.auth"),
    (_sub(expirationTime="soon"), "expirationTime"),
])
def test_push_subscribe_rejects_what_is_not_a_push_subscription(
        app_client: TestClient, county_db: str, doc: dict[str, Any], path: str) -> None:
    f1 = Device(app_client, "f1")
    r = app_client.post(SUBS, json=doc, headers=f1.headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid" and r.json()["error"]["details"]["path"] == path
    assert subscriptions(county_db) == []


def test_push_subscribe_plain_http_only_when_allowed(county_db: str) -> None:
    doc = _sub(endpoint="http://127.0.0.1:9/push/x")
    with TestClient(create_app(Config(db=county_db))) as client:
        f1 = Device(client, "f1")
        r = client.post(SUBS, json=doc, headers=f1.headers)
        assert r.status_code == 422 and r.json()["error"]["details"]["path"] == "endpoint"
    with TestClient(create_app(config(county_db))) as client:
        f1 = Device(client, "f1")
        assert client.post(SUBS, json=doc, headers=f1.headers).status_code == 201


def test_push_subscribe_needs_login_and_json(app_client: TestClient, county_db: str) -> None:
    assert app_client.post(SUBS, json=_sub()).status_code == 401
    f1 = Device(app_client, "f1")
    r = app_client.post(SUBS, content=b"{nope", headers={**f1.headers,
                                                         "content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"
    r = app_client.post(SUBS, content=b"x" * 20000, headers={**f1.headers,
                                                             "content-type": "application/json"})
    assert r.status_code == 413
    assert subscriptions(county_db) == []


def test_push_unsubscribe_only_ones_own(app_client: TestClient, county_db: str) -> None:
    f1, f2 = Device(app_client, "f1"), Device(app_client, "f2")
    doc = _sub()
    assert app_client.post(SUBS, json=doc, headers=f1.headers).status_code == 201
    enqueue(county_db, f1.user["id"])
    r = app_client.request("DELETE", SUBS, json={"endpoint": doc["endpoint"]}, headers=f2.headers)
    assert r.status_code == 404 and subscriptions(county_db) == [doc["endpoint"]]
    r = app_client.request("DELETE", SUBS, json={"endpoint": 7}, headers=f1.headers)
    assert r.status_code == 422
    r = app_client.request("DELETE", SUBS, json={"endpoint": doc["endpoint"]}, headers=f1.headers)
    assert r.status_code == 200 and r.json() == {"endpoint": doc["endpoint"], "subscribed": False}
    assert subscriptions(county_db) == [] and queue(county_db) == []


def test_push_sending_process_that_dies_is_replaced_and_its_batch_retried(
        app_client: TestClient, service: PushService, county_db: str) -> None:
    f1 = Device(app_client, "f1")
    app_client.post(SUBS, json=service.browser("p").subscription(), headers=f1.headers)
    writer = Writer(county_db)
    sender = PushSender(writer, config(county_db))
    before = set(multiprocessing.active_children())
    try:
        enqueue(county_db, f1.user["id"], record="v-1")
        assert sender.run_once(now_ms())["sent"] == 1
        [child] = set(multiprocessing.active_children()) - before  # messages go out from here
        child.kill()
        child.join()
        enqueue(county_db, f1.user["id"], record="v-2")
        t = now_ms()
        assert sender.run_once(t) == {"sent": 0, "gone": 0, "retry": 1}
        assert sender.run_once(t + push.backoff_ms(1)) == {"sent": 1, "gone": 0, "retry": 0}
    finally:
        sender.close()
        writer.close()
    assert [m["message"]["record"] for m in service.received] == ["v-1", "v-2"]
    assert queue(county_db) == []


def children(pid: int) -> set[int]:
    """Live child processes of ``pid`` (from /proc: the 4th field of stat is the parent)."""
    found = set()
    for proc in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = proc.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(proc.parent.name))
    return found


def test_push_sending_process_exits_when_its_server_is_killed(
        county_db: str, service: PushService, tmp_path: Path) -> None:
    server = ServerHandle(Path(county_db), free_port(), tmp_path / "server.log", env={
        "FIELDSYNC_VAPID_SUBJECT": SUBJECT, "FIELDSYNC_PUSH_ALLOW_HTTP": "1",
        "FIELDSYNC_PUSH_INTERVAL_S": "1"})
    server.start()
    try:
        login = httpx.post(f"{server.base_url}/api/v1/auth/login", json={
            "username": "f1", "password": PASSWORD, "device_name": "t"}).json()
        r = httpx.post(server.base_url + SUBS, json=service.browser("k").subscription(),
                       headers={"Authorization": f"Bearer {login['token']}"})
        assert r.status_code == 201, r.text
        enqueue(county_db, login["user"]["id"])
        deadline = time.monotonic() + 30
        while not service.received and time.monotonic() < deadline:
            time.sleep(0.1)
        assert service.received
        assert server.proc is not None
        kids = children(server.proc.pid)
        assert kids  # the sending process (and multiprocessing's resource tracker)
        server.proc.kill()  # no shutdown: nothing tells the sending process
        server.proc.wait()
        deadline = time.monotonic() + 20
        while any(Path(f"/proc/{k}").exists() for k in kids) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [k for k in kids if Path(f"/proc/{k}").exists()]
    finally:
        server.stop()


def test_push_delivery_library_stays_out_of_the_server_process() -> None:
    # pywebpush (with aiohttp, ~24,000 objects) is imported only by the sending process:
    # the server's own heap, which each full garbage collection walks, stays without it.
    code = ("import sys; import server.app; from server.jobs.push import PushSender;"
            " print(sorted(m for m in ('pywebpush', 'aiohttp') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
