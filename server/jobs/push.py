"""The Web Push sender: delivers ``push_queue`` messages with pywebpush.

Each message is encrypted for its subscription (aes128gcm, RFC 8291) and signed with
the server's VAPID key (RFC 8292: ``aud`` the push service's origin, ``exp`` 12 hours
ahead, well inside the 24-hour limit, ``sub`` from ``FIELDSYNC_VAPID_SUBJECT``).
Network calls run outside any database transaction; only their outcomes are written.
A 404 or 410 from the push service means the subscription is gone (it is dropped, with its
messages); anything else is retried with backoff by the queue runner (``server.jobs.queue``).
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import requests
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from .. import push
from ..config import Config
from ..store import push as push_store
from ..writer import Writer
from .queue import SENT, Outcome, QueueRunner, gone, retry

VAPID_LIFETIME_S = 12 * 3600
MESSAGE_TTL_S = 24 * 3600
BATCH = 200
SEND_THREADS = 16
TIMEOUT_S = 10.0


class PushSender:
    """Sends what is due in the queue; one instance per server (or per test)."""

    def __init__(self, writer: Writer, config: Config) -> None:
        self.subject = config.vapid_subject
        self.allow_http = bool(config.push_allow_http)
        self.vapid = Vapid02.from_file(str(config.vapid_key_path))
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=SEND_THREADS,
                                                pool_maxsize=SEND_THREADS)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.runner = QueueRunner(writer, table="push_queue", due=push_store.due, send=self._send,
                                  forget=push_store.forget, max_attempts=config.push_max_attempts,
                                  concurrency=SEND_THREADS, batch=BATCH, timeout_s=TIMEOUT_S)

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def run_once(self, now: int | None = None) -> dict[str, int]:
        """Send every message due at ``now``; return how many were sent, gone and retried."""
        return self.runner.run_once(now)

    def _send(self, item: push.Queued) -> Outcome:
        endpoint = item.subscription.endpoint
        if urlsplit(endpoint).scheme != "https" and not self.allow_http:
            return gone("plain-http endpoint")
        claims: dict[str, str | int] = {"sub": self.subject,
                                        "exp": int(time.time()) + VAPID_LIFETIME_S}
        try:
            webpush(item.subscription.info(), item.payload, vapid_private_key=self.vapid,
                    vapid_claims=claims, content_encoding="aes128gcm", ttl=MESSAGE_TTL_S,
                    timeout=TIMEOUT_S, requests_session=self.session)
        except WebPushException as err:
            status = err.response.status_code if err.response is not None else None
            if status in (404, 410):
                return gone(f"HTTP {status}")
            return retry(f"HTTP {status}" if status else str(err)[:200])
        except (requests.RequestException, OSError) as err:
            return retry(type(err).__name__)
        return SENT
