"""A county at benchmark scale: ``fieldsync demo --scale N`` (N cases over 12 months).

Thirty centres, N cases, N/10 visits, N/100 inspections, N/5 evaluations and a few
complaints and rectifications, spread over the last twelve months. Pure and deterministic:
``scaled_records`` yields chunks of ``(collection, id, data, at)`` that the caller writes
through the normal writer and merge engine, so memory stays flat at any N.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from .data import DAY_MS, HOUR_MS, id_check_digit
from .tables import CENTRES, FAMILY_NAMES

SCALE_COUNTY = "county-bench"
SCALE_CENTRES = 30
_RATINGS = ("very_satisfied", "satisfied", "fairly_satisfied", "average", "dissatisfied")
Item = tuple[str, str, dict[str, Any], int]


def centre_ids() -> list[str]:
    """The ids of the scaled county's centres."""
    return [f"s{i:02d}" for i in range(1, SCALE_CENTRES + 1)]


def _name(i: int) -> str:
    base, _road, _w = CENTRES[i % len(CENTRES)]
    return base if i < len(CENTRES) else f"{base}{i // len(CENTRES) + 1}"


def reference(now: int) -> list[Item]:
    """The county's centres and three matters."""
    items: list[Item] = [("centres", cid, {"name": _name(i), "county_id": SCALE_COUNTY,
                                          "phone": f"0792-66{i:05d}"}, now - 400 * DAY_MS)
                         for i, cid in enumerate(centre_ids())]
    for mid, name, days in (("sm1", "城乡居民养老保险参保登记", 0), ("sm2", "低保申请", 20),
                            ("sm3", "农村建房审批", 10)):
        items.append(("matters", mid, {"name": name, "county_id": SCALE_COUNTY,
                                       "kind": "immediate" if days == 0 else "time_limited",
                                       "time_limit_days": days}, now - 400 * DAY_MS))
    return items


def scaled_records(n_cases: int, now: int, seed: int = 7, chunk: int = 2000) -> Iterator[list[Item]]:
    """Chunks of records for a county of ``n_cases`` cases (reference data first)."""
    rng = random.Random(seed)
    yield reference(now)
    centres = centre_ids()
    span = 365 * DAY_MS
    start = now - span
    out: list[Item] = []

    def emit(item: Item) -> Iterator[list[Item]]:
        out.append(item)
        if len(out) >= chunk:
            yield list(out)
            out.clear()

    for i in range(n_cases):
        accepted = start + rng.randrange(span - 30 * DAY_MS)
        matter = rng.choice(("sm1", "sm2", "sm3"))
        body = f"360925{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" \
               f"{rng.randint(0, 999):03d}"
        data: dict[str, Any] = {
            "centre_id": centres[i % len(centres)], "matter_id": matter, "channel": "window",
            "accepted_at": accepted, "applicant": {
                "name": rng.choice(FAMILY_NAMES) + "某", "id_number": body + id_check_digit(body),
                "phone": f"13{rng.randint(100000000, 999999999)}"}}
        roll = rng.random()
        if roll < 0.93:
            data["status"] = "completed"
            data["completed_at"] = accepted + rng.randrange(1, 16 * DAY_MS)
        else:
            data["status"] = "handling"
        yield from emit(("cases", f"sc{i}", data, data.get("completed_at", accepted)))
    for i in range(n_cases // 10):
        when = start + rng.randrange(span)
        yield from emit(("visits", f"sv{i}", {
            "centre_id": centres[i % len(centres)],
            "kind": rng.choice(("home_service", "home_service", "site_survey", "follow_up")),
            "status": "done", "started_at": when, "ended_at": when + HOUR_MS}, when + HOUR_MS))
    for i in range(n_cases // 100):
        when = start + rng.randrange(span)
        yield from emit(("inspections", f"si{i}", {
            "centre_id": centres[i % len(centres)], "template_id": "st1", "template_version": 1,
            "status": rng.choice(("approved", "approved", "submitted")), "started_at": when},
            when))
    for i in range(n_cases // 5):
        when = start + rng.randrange(span)
        yield from emit(("evaluations", f"se{i}", {
            "centre_id": centres[i % len(centres)], "case_id": f"sc{rng.randrange(n_cases)}",
            "rating": rng.choices(_RATINGS, (60, 25, 8, 4, 3))[0], "at": when}, when))
    for i in range(max(1, n_cases // 500)):
        when = start + rng.randrange(span)
        yield from emit(("complaints", f"sq{i}", {
            "centre_id": centres[i % len(centres)], "content": "办事等候时间过长",
            "status": rng.choice(("open", "replied")), "received_at": when}, when))
        yield from emit(("rectifications", f"sr{i}", {
            "centre_id": centres[i % len(centres)], "inspection_id": f"si{i}",
            "status": rng.choice(("open", "responded", "verified")), "due_days": 7,
            "ordered_at": when},
            when))
    if out:
        yield list(out)
