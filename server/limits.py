"""Login rate limiting: repeated failures per username or per address get 429."""

from __future__ import annotations

import threading
import time
from collections import deque

from .errors import RateLimited


class LoginLimiter:
    """Counts failed logins in a sliding window; too many locks the key out for a while."""

    def __init__(self, max_failures: int, window_s: int) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, *keys: str, now: float | None = None) -> None:
        """Raise ``RateLimited`` (with ``retry_after``) if any key is locked out."""
        t = time.monotonic() if now is None else now
        with self._lock:
            for key in keys:
                q = self._prune(key, t)
                if len(q) >= self.max_failures:
                    retry = int(q[0] + self.window_s - t) + 1
                    raise RateLimited("too many failed logins; try again later",
                                      details={"retry_after": retry})

    def fail(self, *keys: str, now: float | None = None) -> None:
        """Record a failure against every key."""
        t = time.monotonic() if now is None else now
        with self._lock:
            for key in keys:
                self._prune(key, t).append(t)

    def succeed(self, key: str) -> None:
        """A good login clears that key's failures."""
        with self._lock:
            self._fails.pop(key, None)

    def _prune(self, key: str, t: float) -> deque[float]:
        q = self._fails.setdefault(key, deque())
        while q and q[0] <= t - self.window_s:
            q.popleft()
        return q
