"""The SMS gateway webhook: every new notification POSTed as signed JSON, retried.

For counties with an SMS gateway (``FIELDSYNC_SMS_WEBHOOK_URL``). The body is the
notification (kind, fixed title, subject, the user to text) and no applicant's data.
Each call carries ``X-Fieldsync-Timestamp`` (seconds) and ``X-Fieldsync-Signature:
sha256=<hex>``, the HMAC-SHA256 of ``"<timestamp>.<body>"`` under the shared secret, so
the gateway can check the sender and refuse replays. Calls wait in ``webhook_queue``
(they survive restarts) and are retried with backoff until a 2xx answer, by the queue
runner (``server.jobs.queue``).
"""

from __future__ import annotations

import hashlib
import hmac
import time

import requests

from ..clock import now_ms
from ..config import Config
from ..store import webhook as store
from ..writer import Writer
from .queue import SENT, Outcome, QueueRunner, retry

# Sent one at a time: a batch's claim lease covers every call of it timing out.
BATCH = 50
TIMEOUT_S = 10.0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookSender:
    """Collects new notifications into the queue and sends what is due."""

    def __init__(self, writer: Writer, config: Config) -> None:
        self.writer = writer
        self.url = config.sms_webhook_url
        self.secret = config.sms_webhook_secret
        self.counties = frozenset(c.strip() for c in config.sms_webhook_counties.split(",")
                                  if c.strip())
        self.session = requests.Session()
        # One call at a time: a gateway is one county's service, not a fleet of push servers.
        self.runner = QueueRunner(writer, table="webhook_queue", due=store.due, send=self._post,
                                  max_attempts=config.sms_webhook_max_attempts, batch=BATCH,
                                  timeout_s=TIMEOUT_S)

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def _post(self, call: store.Call) -> Outcome:
        raw = call.body.encode()
        stamp = str(int(time.time()))
        try:
            res = self.session.post(self.url, data=raw, timeout=TIMEOUT_S, headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Fieldsync-Timestamp": stamp,
                "X-Fieldsync-Signature": sign(self.secret, stamp, raw)})
        except (requests.RequestException, OSError) as err:
            return retry(type(err).__name__)
        return SENT if 200 <= res.status_code < 300 else retry(f"HTTP {res.status_code}")

    def run_once(self, now: int | None = None) -> dict[str, int]:
        """Queue new notifications, then send every call due at ``now``."""
        when = now_ms() if now is None else now
        queued = 0
        while True:
            read, added = self.writer.run(lambda c: store.collect(c, self.counties, when))
            queued += added
            if not read:
                break
        counts = self.runner.run_once(when)
        return {"queued": queued, "sent": counts["sent"], "retry": counts["retry"]}
