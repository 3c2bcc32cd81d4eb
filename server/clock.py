"""The server's clock (the one place that reads the time for records, tokens and audit)."""

from __future__ import annotations

import time


def now_ms() -> int:
    """The server's clock, epoch ms."""
    return int(time.time() * 1000)
