"""What the benchmark scripts share: the Accept-Encodings they try, and the result table
(each ``report`` adds a row and echoes it; ``print_table`` prints them all at the end)."""

from __future__ import annotations

import time

# The Accept-Encodings a bench tries; "browser" is what Chromium sends.
ENCODINGS = {"browser": "gzip, deflate, br, zstd", "zstd": "zstd", "br": "br", "gzip": "gzip",
             "identity": "identity"}
rows: list[tuple[str, str, str, str]] = []  # (metric, measured, target, verdict)


def report(metric: str, value: str, target: str = "", ok: bool | None = None) -> None:
    """Add a line to the result table (and echo it, so progress shows)."""
    verdict = "" if ok is None else ("ok" if ok else "MISS")
    rows.append((metric, value, target, verdict))
    print(f"  {metric}: {value} {target} {verdict}", flush=True)


def print_table(started: float | None = None, note: str = "") -> None:
    """Print the collected rows as a table; ``note`` (e.g. the machine's load) and the run
    time since ``started`` (``time.monotonic()``) go in the header."""
    width = max((len(r[0]) for r in rows), default=0)
    extra = [note] if note else []
    if started is not None:
        extra.append(f"{time.monotonic() - started:.0f} s")
    tail = f"  ({'; '.join(extra)})" if extra else ""
    print(f"\n{'metric'.ljust(width)} | measured | target | {tail}")
    for metric, value, target, verdict in rows:
        print(f"{metric.ljust(width)} | {value} | {target} | {verdict}")
