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


def check_publish(new: Mapping[str, Any], old: Mapping[str, Any] | None,
                  successors: list[str]) -> None:
    """Raise Invalid unless ``new`` may become the published version of its template.

    A version superseding ``old`` is published only while ``old`` is the newest published
    version: ``successors`` (other published records superseding the same one) must be
    empty, so a template's versions stay one line (two drafts of version 2 cannot both be
    published). The sections must be a complete rubric: at least one section, and every
    section holding at least one item.
    """
    sections = new.get("sections")
    if not isinstance(sections, list) or not sections:
        raise Invalid("sections: a published template has at least one section", path="sections")
    for i, sec in enumerate(sections):
        if isinstance(sec, Mapping) and not sec.get("items"):
            raise Invalid(f"sections.{i}.items: a published section has at least one item",
                          path=f"sections.{i}.items")
    if new.get("supersedes") is None:
        return
    check_supersedes(new, old)
    if successors:
        raise Invalid(f"supersedes: {new.get('supersedes')!r} was already superseded by"
                      f" {successors[0]!r}", path="supersedes",
                      details={"superseded_by": successors[0]})
