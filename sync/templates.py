"""A rubric template's versions (pure): a new version is a new record naming the one it
supersedes, of the same county, numbered one more. A published version never changes
(``frozen`` in schemas.json); an inspection is scored by the version it names, forever.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import Invalid
from .references import named


def check_supersedes(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
    """Raise Invalid (path ``supersedes`` or ``version``) unless ``new`` follows ``old``."""
    old = named(new, "supersedes", old, what="template", same="county_id")
    if old is None:
        return
    if old.get("status", "published") == "draft":
        raise Invalid("supersedes: a draft is edited, not superseded", path="supersedes")
    want = old.get("version")
    if isinstance(want, int) and new.get("version") != want + 1:
        raise Invalid(f"version: the version after {want} is {want + 1}", path="version",
                      details={"expected": want + 1})
