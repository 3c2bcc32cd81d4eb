"""A record naming another of its own kind of place (pure): a re-inspection of the same
centre, a template version superseding one of the same county."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import Invalid


def named(record: Mapping[str, Any], key: str, found: Mapping[str, Any] | None, *, what: str,
          same: str) -> Mapping[str, Any] | None:
    """The record ``record[key]`` names (``found``, as looked up), or None when it names none.

    Raises Invalid (path ``key``) when it names a record that does not exist, or one whose
    ``same`` field (``centre_id``, ``county_id``) differs from ``record``'s.
    """
    rid = record.get(key)
    if rid is None:
        return None
    if found is None:
        raise Invalid(f"{key}: no {what} {rid!r}", path=key)
    if found.get(same) != record.get(same):
        raise Invalid(f"{key}: {what} {rid!r} is of another {same.removesuffix('_id')}", path=key)
    return found
