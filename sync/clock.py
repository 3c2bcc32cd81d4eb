"""Clock-skew correction: device clocks are never trusted raw.

Each sync request carries the device's ``clock`` at sending. Its difference from the
server's clock at receipt is the device's offset; an op's real time is its ``at``
minus that offset. Stamps are then made strictly increasing per device, so a
device's later edit always outranks its earlier one even if its clock jumped back.
"""

from __future__ import annotations

from collections.abc import Iterable


def offset(device_clock: int, server_now: int) -> int:
    """How far ahead (positive) or behind the device's clock is, in ms."""
    return device_clock - server_now


def corrected(at: int, device_offset: int, server_now: int) -> int:
    """The real time of an edit made at device time ``at``.

    Capped at ``server_now``: nothing reaching the server can have been made after it
    arrived, whatever the device's clock did between edit and send.
    """
    return min(at - device_offset, server_now)


def stamps(ats: Iterable[int], device_offset: int, server_now: int,
           last_stamp: int) -> tuple[list[int], int]:
    """Corrected, strictly increasing stamps for a device's ops, in send order.

    Returns the stamps and the device's new last stamp (to store for its next request).
    """
    out: list[int] = []
    last = last_stamp
    for at in ats:
        stamp = max(corrected(at, device_offset, server_now), last + 1)
        out.append(stamp)
        last = stamp
    return out, last
