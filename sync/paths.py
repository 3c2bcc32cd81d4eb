"""Dotted field paths: the unit of merging.

A record's data is a tree of objects whose leaves are scalars or arrays. The merge
engine works on the flat map ``{"applicant.name": "…", "location.lat": 30.1}``;
these helpers convert between the two shapes.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Mapping
from typing import Any


def split(path: str) -> list[str]:
    """Split a dotted path into its segments."""
    return path.split(".")


#: Paths split at their last dot, each once per process: records of a collection share
#: their paths (an inspection's ~100), so a write's leaves are not split again each time.
_SPLIT: dict[str, tuple[str, str, str]] = {}
_SPLIT_MAX = 100_000


def unflatten(leaves: Mapping[str, Any]) -> dict[str, Any]:
    """Build the nested data of a record from its leaf paths.

    Paths are expected to be disjoint leaves (no path is a prefix of another); the
    schema guarantees that for stored records.
    """
    return unflatten_whole(leaves)[0]


def unflatten_whole(leaves: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """``unflatten``, and whether ``iter_leaves`` of what it built gives back exactly
    ``leaves`` (the same paths and values): no path is a prefix of another and no value is
    an object. (Then the document alone says which paths the record has.)"""
    whole = not any(map(dict.__instancecheck__, leaves.values()))
    out: dict[str, Any] = {}
    # Sorted, the leaves of one object come one after another (an inspection's
    # items.e1.count, items.e1.note …): their parent is walked to once.
    last_parent: str | None = None
    node = out
    split = _SPLIT
    for path in sorted(leaves):
        found = split.get(path)
        if found is None:
            if len(split) >= _SPLIT_MAX:
                split.clear()
            found = split[path] = path.rpartition(".")
        parent, dot, name = found
        if dot and parent != last_parent:
            node = out
            for part in parent.split("."):
                child = node.get(part)
                if not isinstance(child, dict):
                    if part in node:  # a leaf at a prefix of this path: replaced
                        whole = False
                    child = {}
                    node[part] = child
                node = child
            last_parent = parent
        elif not dot:
            node, last_parent = out, None
        node[name] = leaves[path]
    return out, whole


def iter_leaves(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield ``(path, value)`` for every leaf of nested objects (arrays are leaves)."""
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from iter_leaves(value, path + ".")
        else:
            yield path, value


def leaves_of(data: Mapping[str, Any], skip: Container[str] = ()) -> dict[str, Any]:
    """``dict(iter_leaves({k: v for k, v in data.items() if k not in skip}))``, without the
    copy and with one generator per nested object only (a stored case's top level is most
    of its leaves: the sweep reads thousands)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in skip:
            continue
        if isinstance(value, dict) and value:
            out.update(iter_leaves(value, f"{key}."))
        else:
            out[key] = value
    return out


def get(data: Mapping[str, Any], path: str) -> Any:
    """The value at ``path`` in nested data, or None."""
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def touches(leaves: Iterable[str], field: str) -> bool:
    """Whether any of these leaf paths is ``field`` or lies below it (``field.x``)."""
    below = field + "."
    return any(p == field or p.startswith(below) for p in leaves)
