"""Login rate limiting: per account with growing delays, per address only far above normal.

A township centre's phones share one NAT address, so a limit per address low enough to
stop guessing would lock out the whole centre when one person mistypes. The account
being guessed is what needs protecting: after ``max_failures`` wrong passwords for one
username, each further attempt waits ``delay_s``, doubling with every further failure
(up to ``max_delay_s``); a good login clears it, and a day without failures forgets it.
The per-address ceiling (``address_max`` failures in ``address_window_s``) only stops
someone guessing across many usernames.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

from .errors import RateLimited

FORGET_S = 86_400
MAX_TRACKED = 50_000


@dataclass
class _Account:
    failures: int = 0
    last: float = 0.0
    locked_until: float = 0.0


class LoginLimiter:
    """Counts failed logins per account (growing delays) and per address (a high ceiling)."""

    def __init__(self, max_failures: int = 5, delay_s: int = 60, max_delay_s: int = 3600,
                 address_max: int = 100, address_window_s: int = 900) -> None:
        self.max_failures = max_failures
        self.delay_s = delay_s
        self.max_delay_s = max_delay_s
        self.address_max = address_max
        self.address_window_s = address_window_s
        self._accounts: dict[str, _Account] = {}
        self._addresses: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, account: str, address: str, now: float | None = None) -> None:
        """Raise ``RateLimited`` (with ``retry_after`` and which limit) if either is locked."""
        t = time.monotonic() if now is None else now
        with self._lock:
            acc = self._account(account, t)
            if acc is not None and acc.locked_until > t:
                raise RateLimited("too many wrong passwords for this account; try again later",
                                  details={"retry_after": int(acc.locked_until - t) + 1,
                                           "limit": "account"})
            q = self._address(address, t)
            if len(q) >= self.address_max:
                raise RateLimited("too many failed logins from this address; try again later",
                                  details={"retry_after": int(q[0] + self.address_window_s - t) + 1,
                                           "limit": "address"})

    def fail(self, account: str, address: str, now: float | None = None) -> None:
        """Record a wrong password for ``account`` from ``address``."""
        t = time.monotonic() if now is None else now
        with self._lock:
            if len(self._accounts) > MAX_TRACKED:
                self._forget(t)
            acc = self._account(account, t) or self._accounts.setdefault(account, _Account())
            acc.failures += 1
            acc.last = t
            over = acc.failures - self.max_failures
            if over >= 0:
                acc.locked_until = t + min(self.delay_s * 2 ** min(over, 30), self.max_delay_s)
            self._address(address, t).append(t)

    def succeed(self, account: str) -> None:
        """A good login clears that account's failures (the address's stay counted)."""
        with self._lock:
            self._accounts.pop(account, None)

    def _account(self, account: str, t: float) -> _Account | None:
        acc = self._accounts.get(account)
        if acc is not None and t - acc.last > FORGET_S and acc.locked_until <= t:
            del self._accounts[account]
            return None
        return acc

    def _address(self, address: str, t: float) -> deque[float]:
        q = self._addresses.setdefault(address, deque())
        while q and q[0] <= t - self.address_window_s:
            q.popleft()
        if not q and len(self._addresses) > MAX_TRACKED:
            self._addresses = {a: d for a, d in self._addresses.items() if d}
            q = self._addresses.setdefault(address, deque())
        return q

    def _forget(self, t: float) -> None:
        self._accounts = {k: a for k, a in self._accounts.items()
                          if t - a.last <= FORGET_S or a.locked_until > t}
