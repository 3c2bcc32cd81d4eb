"""Ops the server makes by the thousand (the sweep's accountability records), checked
as ``sync.ops.check_op`` checks a client's op, each path's rules looked up once.

A sweep makes tens of thousands of records of the same few paths. ``check_op`` walks the
schema for every path of every op (name checks, spec lookup, the object walk) before it
checks the value: most of its time. ``Maker.op`` gives the very ``CheckedOp`` that
``check_op`` gives for the same op (a test holds them equal, refusals included): the first
value seen at a path goes through ``Schemas.expand`` whole, which judges the path by the
schema alone; every later value at that path is checked by its leaf spec
(``Schemas.check_value``), which is all ``expand`` still does for a plain leaf.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import FieldsyncError
from .ops import RECORD_ID, CheckedOp, check_op, whole_ms
from .schema import JSON, Schemas, check_name


class Maker:
    """Builds the server's ops: ``op(...)`` equals ``check_op`` of the same op document."""

    def __init__(self, schemas: Schemas) -> None:
        self.schemas = schemas
        # a path passed: its leaf spec and quick test (sync.schema ``leaf_test``)
        self._specs: dict[tuple[str, str], tuple[JSON, Callable[[Any], bool]]] = {}
        self._whole: set[tuple[str, str]] = set()  # a path always expanded (objects, computed)

    def op(self, op_id: str, collection: str, record: str, at: int,
           values: dict[str, Any]) -> CheckedOp:
        """``check_op({"id", "collection", "record", "base": 0, "at", "set": values})``.

        ``values`` maps leaf paths (``"subject.record"``) or fields to values."""
        sent = {"id": op_id, "collection": collection, "record": record, "base": 0, "at": at,
                "set": values, "delete": False}
        if not (isinstance(record, str) and RECORD_ID.match(record) and whole_ms(at)):
            return check_op(sent, self.schemas)  # refused, in check_op's own words
        schemas, specs, whole = self.schemas, self._specs, self._whole
        leaves: dict[str, Any] = {}
        try:
            check_name(record, "record")
            for path, value in values.items():
                key = (collection, path)
                spec = specs.get(key)
                if spec is None or isinstance(value, dict):
                    leaves.update(schemas.expand(collection, {path: value}))
                    if spec is None and key not in whole:  # the path passed: remember its rules
                        found = schemas.leaf_test(collection, path)
                        if found is None:
                            whole.add(key)
                        else:
                            specs[key] = found
                    continue
                if value is not None and not spec[1](value):
                    schemas.check_value(spec[0], path, value)
                leaves[path] = value
        except FieldsyncError:
            return check_op(sent, self.schemas)
        return CheckedOp(op_id, collection, record, 0, at, leaves, sent=sent)
