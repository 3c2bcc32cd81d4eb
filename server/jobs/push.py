"""The Web Push sender: delivers ``push_queue`` messages with pywebpush.

Each message is encrypted for its subscription (aes128gcm, RFC 8291) and carries a VAPID
token signed with the server's key (RFC 8292: ``aud`` the push service's origin, ``exp``
12 hours ahead when signed, well inside the 24-hour limit, ``sub`` from
``FIELDSYNC_VAPID_SUBJECT``), one token per push service reused for 6 hours
(``server.vapid.Tokens``). The sending process is background work (nice 19, SCHED_IDLE)
and paces itself (``RATE_PER_S``), so a thousand messages never take a core from the sync
path.
Network calls run outside any database transaction; only their outcomes are written.
A 404 or 410 from the push service means the subscription is gone (it is dropped, with its
messages); anything else is retried with backoff by the queue runner (``server.jobs.queue``).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

import requests
from py_vapid import Vapid02

from .. import push
from ..config import Config
from ..store import push as push_store
from ..vapid import Tokens
from ..writer import Writer
from .queue import SENT, Outcome, QueueRunner, gone, retry

MESSAGE_TTL_S = 24 * 3600
BATCH = 200
SEND_THREADS = 16
# At most this many messages a second leave the sending process: its CPU (1–2 ms a message:
# one ECDH and aes128gcm, mostly the HTTP client) stays under a third of one of the server's
# cores however many are queued, and 1,000 subscriptions take 5 s (with the job's 3 s
# interval, under the 10 s of issue #11 from queueing to the last one sent). At 400 a second,
# in chunks of 16, the sync path's p99 rose by 2 ms while a thousand went out (2 cores;
# docs/benchmarks.md); at 200, in chunks of 8, it stays within the quiet windows' spread.
RATE_PER_S = 200
PACE_CHUNK = 8  # eight messages every 40 ms (chunks of 4 cost the sender a sixth more CPU)
TIMEOUT_S = 10.0
NICE = 19
ORPHAN_CHECK_S = 2.0


class Pacer:
    """At most ``rate`` sends a second on average, after a first ``burst`` at once."""

    def __init__(self, rate: float, burst: int = 1, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = -math.inf

    def wait(self, n: int = 1) -> None:
        """Return when the next ``n`` sends may start (together)."""
        with self._lock:
            now = self._clock()
            # Unused time adds up to at most ``burst`` sends: an idle sender does not save up.
            slot = max(self._next, now - (self.burst - 1) * self.interval)
            self._next = slot + n * self.interval
        if slot > now:
            self._sleep(slot - now)


def lower_priority() -> None:
    """Make the calling process background work: nice 19 and, where Linux has it, the
    SCHED_IDLE policy: a server thread that wakes up takes the CPU from it at once (a
    nice-19 process of the normal policy may finish its time slice first, a few ms), and
    it runs on what the server leaves (not nothing: its weight is a fifth of nice 19's)."""
    os.nice(NICE - os.nice(0))
    idle = getattr(os, "SCHED_IDLE", None)
    if idle is not None:
        with suppress(OSError):
            os.sched_setscheduler(0, idle, os.sched_param(0))


class Delivery:
    """Signs, encrypts and POSTs messages, ``SEND_THREADS`` at once and at most
    ``RATE_PER_S`` a second (in the sending process)."""

    def __init__(self, key_path: str, subject: str, allow_http: bool,
                 rate: float = RATE_PER_S) -> None:
        self.subject = subject
        self.allow_http = allow_http
        self.vapid = Vapid02.from_file(key_path)
        self.tokens = Tokens(self.vapid.sign, subject)
        self.pacer = Pacer(rate, burst=SEND_THREADS)
        # Imported here, in the sending process only: pywebpush brings aiohttp, ~24,000
        # objects the server process would otherwise hold, and every full collection of its
        # cyclic garbage collector walks them (a push of 10,000 visits runs one or two).
        from pywebpush import WebPusher
        self.pusher = WebPusher
        self._sessions: dict[str, requests.Session] = {}
        self._lock = threading.Lock()
        self.pool = ThreadPoolExecutor(SEND_THREADS)

    def session(self, origin: str) -> requests.Session:
        """The HTTP session (a pool of kept-alive connections) for one push service."""
        with self._lock:
            found = self._sessions.get(origin)
            if found is not None:
                return found
            session = requests.Session()
            # The environment is read once per push service, not for every message (about 7 %
            # of the sending CPU went there): its proxies (``no_proxy`` honoured) and CA
            # bundle, as requests reads them; never ``~/.netrc``, whose credentials would
            # replace the VAPID ``Authorization`` header.
            session.trust_env = False
            session.proxies = requests.utils.get_environ_proxies(origin)
            session.verify = os.environ.get("REQUESTS_CA_BUNDLE") \
                or os.environ.get("CURL_CA_BUNDLE") or True
            adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=SEND_THREADS)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            self._sessions[origin] = session
            return session

    def send_all(self, items: Sequence[tuple[dict[str, Any], str]]) -> list[Outcome]:
        """Send each ``(subscription info, payload)``; how each went."""
        # Paced here, as they are handed to the threads, ``PACE_CHUNK`` at a time: one
        # wake-up per chunk (a sleep in every thread before every send cost a fifth more
        # CPU, each message run on cold caches).
        futures = []
        for i in range(0, len(items), PACE_CHUNK):
            chunk = items[i:i + PACE_CHUNK]
            self.pacer.wait(len(chunk))
            futures += [self.pool.submit(self._send, item) for item in chunk]
        return [f.result() for f in futures]

    def _send(self, item: tuple[dict[str, Any], str]) -> Outcome:
        info, payload = item
        url = urlsplit(info["endpoint"])
        if url.scheme != "https" and not self.allow_http:
            return gone("plain-http endpoint")
        origin = f"{url.scheme}://{url.netloc}"
        try:
            # pywebpush encrypts (aes128gcm, a fresh ECDH key a message) and POSTs; the VAPID
            # header is the push service's reused token (RFC 8292 allows it until ``exp``).
            response = self.pusher(info, requests_session=self.session(origin)).send(
                payload, self.tokens.headers(origin),
                ttl=MESSAGE_TTL_S, content_encoding="aes128gcm", timeout=TIMEOUT_S)
        except Exception as err:  # the network (requests, OSError) or one bad message
            return retry(type(err).__name__)
        status = int(getattr(response, "status_code", 0))
        if 0 < status <= 202:  # pywebpush's own success test
            return SENT
        if status in (404, 410):
            return gone(f"HTTP {status}")
        return retry(f"HTTP {status}")


_delivery: Delivery | None = None  # the sending process's own


def _orphaned(parent: int) -> None:
    """Exit once the server that started this process has gone (killed, it cannot say)."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_S)
    os._exit(0)


def _start(key_path: str, subject: str, allow_http: bool) -> None:
    global _delivery
    # Background work: on a busy machine the server's own requests get the CPU first.
    lower_priority()
    threading.Thread(target=_orphaned, args=(os.getppid(),), daemon=True,
                     name="fieldsync-push-orphan").start()
    _delivery = Delivery(key_path, subject, allow_http)


def _deliver(items: list[tuple[dict[str, Any], str]]) -> list[Outcome]:
    if _delivery is None:
        raise RuntimeError("the sending process was not started")
    return _delivery.send_all(items)


class PushSender:
    """Sends what is due in the queue; one instance per server (or per test).

    Signing and encrypting cost about a millisecond of CPU a message, mostly in Python: on
    the server's threads, 16 of them held the GIL long enough to slow every sync request
    several-fold while a thousand messages went out (docs/benchmarks.md). So the messages
    are sent from a process of their own, started at the first batch; this process only
    claims the batch, hands it over, waits, and settles the outcomes.
    """

    def __init__(self, writer: Writer, config: Config) -> None:
        key_path = str(config.vapid_key_path)
        Vapid02.from_file(key_path)  # a broken key fails the server's start, not every batch
        self._args = (key_path, config.vapid_subject, bool(config.push_allow_http))
        self._process: ProcessPoolExecutor | None = None
        self.runner = QueueRunner(writer, table="push_queue", due=push_store.due,
                                  send_batch=self._send_batch, forget=push_store.forget,
                                  max_attempts=config.push_max_attempts,
                                  concurrency=SEND_THREADS, batch=BATCH, timeout_s=TIMEOUT_S)

    def close(self) -> None:
        """Stop the sending process (after the batch it is sending, if any)."""
        if self._process is not None:
            self._process.shutdown(cancel_futures=True)
            self._process = None

    def run_once(self, now: int | None = None) -> dict[str, int]:
        """Send every message due at ``now``; return how many were sent, gone and retried."""
        return self.runner.run_once(now)

    def _send_batch(self, items: Sequence[push.Queued]) -> list[Outcome]:
        process = self.start()
        work = [(item.subscription.info(), item.payload) for item in items]
        try:
            return process.submit(_deliver, work).result()
        except BrokenProcessPool:
            self._process = None  # it died: the batch is retried, by a new process
            raise

    def start(self) -> ProcessPoolExecutor:
        """The sending process (started now if it is not running)."""
        if self._process is None:
            self._process = ProcessPoolExecutor(1, mp_context=mp.get_context("spawn"),
                                                initializer=_start, initargs=self._args)
        return self._process
