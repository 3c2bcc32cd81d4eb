"""The SMS gateway webhook: every new notification POSTed as signed JSON, retried.

For counties with an SMS gateway (``FIELDSYNC_SMS_WEBHOOK_URL``). The body is the
notification (kind, fixed title, subject, the user to text) and no applicant's data.
Each call carries ``X-Fieldsync-Timestamp`` (seconds) and ``X-Fieldsync-Signature:
sha256=<hex>``, the HMAC-SHA256 of ``"<timestamp>.<body>"`` under the shared secret, so
the gateway can check the sender and refuse replays. Calls wait in ``webhook_queue``
(they survive restarts) and are retried with backoff until a 2xx answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from functools import partial

import requests

from ..clock import now_ms
from ..config import Config
from ..store import webhook as store
from ..writer import Writer

log = logging.getLogger("fieldsync.webhook")
BATCH = 200
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
        self.max_attempts = config.sms_webhook_max_attempts
        self.session = requests.Session()

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def _post(self, body: str) -> str | None:
        raw = body.encode()
        stamp = str(int(time.time()))
        try:
            res = self.session.post(self.url, data=raw, timeout=TIMEOUT_S, headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Fieldsync-Timestamp": stamp,
                "X-Fieldsync-Signature": sign(self.secret, stamp, raw)})
        except (requests.RequestException, OSError) as err:
            return type(err).__name__
        return None if 200 <= res.status_code < 300 else f"HTTP {res.status_code}"

    def run_once(self, now: int | None = None) -> dict[str, int]:
        """Queue new notifications, then send every call due at ``now``."""
        when = now_ms() if now is None else now
        counts = {"queued": 0, "sent": 0, "retry": 0}
        while True:
            read, added = self.writer.run(lambda c: store.collect(c, self.counties, when))
            counts["queued"] += added
            if not read:
                break
        while True:
            batch = self.writer.run(lambda c: store.due(c, when, BATCH))
            outcomes = [(qid, attempts, self._post(body)) for qid, body, attempts in batch]
            self.writer.run(partial(store.settle, outcomes=outcomes, now=when,
                                    max_attempts=self.max_attempts))
            for _q, _a, err in outcomes:
                counts["sent" if err is None else "retry"] += 1
            if len(batch) < BATCH:
                return counts


async def run_forever(sender: WebhookSender, interval_s: float) -> None:
    """The server's background loop (only when a webhook is configured)."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await asyncio.to_thread(sender.run_once)
        except Exception:  # keep the loop alive; the queue keeps the calls
            log.exception("webhook run failed")
