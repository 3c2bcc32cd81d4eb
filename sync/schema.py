"""Collection schemas, as data (``schemas.json``), and validation against them.

The same JSON file is served to the PWA and drives the OpenAPI document, so the
rules live once. Validation turns an op's ``set`` into checked leaf paths, and its
messages name the exact path that failed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import repeat
from operator import is_
from typing import Any

from .errors import Invalid, UnknownCollection
from .rights import SYSTEM, Rules, enforce

JSON = dict[str, Any]
MAX_STRING = 10_000
MAX_PATH = 200
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
LEAF_TYPES = frozenset({"string", "integer", "number", "boolean", "array"})
# Names that walk a JavaScript object's prototype chain (``o["__proto__"]``): as a key or a
# path segment they would let one record pollute every object on every phone that syncs it.
UNSAFE_NAMES = frozenset({"__proto__", "constructor", "prototype"})
_SEGMENTS = re.compile(r"[.:]")


def unsafe_name(text: str) -> str | None:
    """The first segment of ``text`` (split on ``.`` and ``:``) that is an unsafe name."""
    # Every op's every path and key comes through here: the substring tests (in C) settle
    # nearly all of them without splitting.
    if "__proto__" not in text and "constructor" not in text and "prototype" not in text:
        return None
    return next((part for part in _SEGMENTS.split(text) if part in UNSAFE_NAMES), None)


def check_name(text: str, where: str) -> None:
    """Raise ``Invalid`` if a key, path or id holds ``__proto__``, ``constructor`` or
    ``prototype`` as a segment."""
    bad = unsafe_name(text)
    if bad is not None:
        raise Invalid(f"{where}: {bad!r} is a reserved name", path=where,
                      details={"reserved": bad})


def _plain_string_ok(spec: JSON, value: Any) -> bool:
    """True when ``check_value`` would pass ``value`` as a string of ``spec`` (False: let
    it judge, and name the path). A shortcut for arrays of strings (photo hashes)."""
    if spec["type"] != "string" or not isinstance(value, str) \
            or len(value) > spec.get("max", MAX_STRING):
        return False
    if "_enum" in spec and value not in spec["_enum"]:
        return False
    return "_re" not in spec or (spec["_re"].match(value) is not None
                                 and unsafe_name(value) is None)


def _never(value: Any) -> bool:
    return False


#: A pattern ``^[class]{m}$`` or ``^[class]{m,n}$`` (a plain character class: no escapes,
#: not negated, no comma): every pattern of an array of strings in schemas.json is one.
_SIMPLE_PATTERN = re.compile(r"\^(\[[^\]\\^,][^\]\\,]*\])(\{\d+(?:,\d+)?\})\$")


@dataclass(frozen=True)
class _Together:
    """The strings of every array of one spec an op sets (an inspection's ~30 photo lists,
    ~90 hashes), judged in one pass instead of a call per string: True only when each
    string passes ``_passes`` of the array's item spec, i.e. when ``check_value`` would
    pass each array (their length and type were checked before they were put here)."""

    most: int  # the longest string the item spec allows
    joined: re.Pattern[str]  # the item pattern, repeated with "," between

    def passes(self, arrays: list[list[Any]]) -> bool:
        strings = [x for array in arrays for x in array]
        if not strings:
            return True
        if not all(map(is_, map(type, strings), repeat(str))):
            return False
        text = ",".join(strings)
        # The class holds no ",": text fully matched with exactly one "," per join is each
        # string fully matched (so the ``^…$`` pattern matches it); no unsafe name can
        # span a ",", so none in text is none in any string.
        return (text.count(",") == len(strings) - 1 and self.joined.fullmatch(text) is not None
                and max(map(len, strings)) <= self.most and "__proto__" not in text
                and "constructor" not in text and "prototype" not in text)


def _together(spec: JSON) -> _Together | None:
    """``_Together`` for an array spec of plain pattern strings, else None."""
    if spec["type"] != "array":
        return None
    item = spec["items"]
    pattern = item.get("pattern")
    if item["type"] != "string" or "_enum" in item or not isinstance(pattern, str):
        return None
    simple = _SIMPLE_PATTERN.fullmatch(pattern)
    if simple is None or re.match(simple.group(1), ",") is not None:  # a range may hold ","
        return None
    one = simple.group(1) + simple.group(2)
    return _Together(int(item.get("max", MAX_STRING)), re.compile(f"{one}(?:,{one})*"))


def _passes(spec: JSON) -> Callable[[Any], bool]:
    """A quick test of a leaf value against ``spec`` (compiled): True only when
    ``check_value`` would pass it; False means "let ``check_value`` judge" (and name the
    error). Every leaf of every op comes through here (an inspection sets ~100, with ~90
    photo hashes), so the common shapes are settled without the general walk."""
    kind = spec["type"]
    if kind == "string":
        most, enum, pattern = spec.get("max", MAX_STRING), spec.get("_enum"), spec.get("_re")
        if enum is None and pattern is not None:  # ids, refs, photo hashes
            match = pattern.match

            def formatted(value: Any) -> bool:
                # unsafe_name's substring tests, inline: a photo hash is checked 90 times an op
                return (type(value) is str and len(value) <= most and match(value) is not None
                        and "__proto__" not in value and "constructor" not in value
                        and "prototype" not in value)
            return formatted

        def string(value: Any) -> bool:
            return (type(value) is str and len(value) <= most and (enum is None or value in enum)
                    and (pattern is None or (pattern.match(value) is not None
                                             and unsafe_name(value) is None)))
        return string
    if kind in ("integer", "number"):
        low, high = spec.get("min"), spec.get("max")
        whole = kind == "integer"

        def number(value: Any) -> bool:
            kind_of = type(value)
            if not (kind_of is int or (not whole and kind_of is float and math.isfinite(value))):
                return False
            return (low is None or value >= low) and (high is None or value <= high)
        return number
    if kind == "boolean":
        return lambda value: type(value) is bool
    if kind == "array" and spec["items"]["type"] in ("string", "integer", "number", "boolean"):
        most_items, item = int(spec.get("max", 1000)), _passes(spec["items"])

        def array(value: Any) -> bool:
            return type(value) is list and len(value) <= most_items and all(map(item, value))
        return array
    return _never


_Found = tuple[JSON, Callable[[Any], bool], "_Together | None"]


@dataclass(frozen=True)
class Collection:
    """One collection's rules: scope kind, writer roles, fields, required and computed."""

    name: str
    # "centre" (scoped by centre_id), "county" (reference data) or "person" (one user's
    # own records, by user_id: notifications)
    scope: str
    writers: frozenset[str]
    fields: JSON
    required: tuple[str, ...]
    computed: frozenset[str] = field(default_factory=frozenset)
    title: str = ""
    rules: Rules = field(default_factory=Rules)  # per-path rights and state rules (rights.py)


@dataclass(frozen=True)
class Schemas:
    """All collections plus the named types they share."""

    version: int
    min_client: int
    types: JSON
    collections: dict[str, Collection]
    ratings: JSON
    raw: JSON
    #: by collection, then path: the path's compiled spec, its quick test (``_passes``) and,
    #: for an array of pattern strings, its ``_Together``
    _paths: dict[str, dict[str, _Found]] = field(default_factory=dict, compare=False, repr=False)

    def collection(self, name: str) -> Collection:
        """The collection called ``name``, or ``UnknownCollection``."""
        try:
            return self.collections[name]
        except (KeyError, TypeError):
            raise UnknownCollection(f"unknown collection {name!r}",
                                    details={"collection": name}) from None

    def resolve(self, spec: JSON) -> JSON:
        """Follow named types (``{"type": "person"}``) to a concrete spec."""
        seen = 0
        while spec["type"] in self.types:
            base = dict(self.types[spec["type"]])
            extra = {k: v for k, v in spec.items() if k != "type"}
            base.update(extra)
            spec = base
            seen += 1
            if seen > 20:
                raise ValueError("type alias loop in schemas.json")
        return spec

    # -- validation -----------------------------------------------------------------

    def expand(self, collection: str, values: Any) -> dict[str, Any]:
        """Validate an op's ``set`` map and return it as checked leaf paths.

        An object value at an object path is spread into its leaves, so
        ``{"location": {"lat": 1}}`` and ``{"location.lat": 1}`` mean the same.
        Computed fields are passed through unchecked: ``rights.enforce`` refuses them
        (``forbidden``), with every other per-path rule.
        """
        coll = self.collection(collection)
        if not isinstance(values, dict):
            raise Invalid("'set' must be an object of field paths to values", path="set")
        try:
            return self._expand(coll, values, True)
        except Invalid:
            # The strings of arrays are judged after the other leaves: the error to raise is
            # the first path's in the op's order, found the plain way.
            return self._expand(coll, values, False)

    def _expand(self, coll: Collection, values: dict[Any, Any], together: bool) -> dict[str, Any]:
        """``expand``; with ``together``, the strings of every array of pattern strings
        judged in one pass at the end (``_Together``), else each array as it comes; raises
        the same error either way, but only without ``together`` is it the first path's."""
        out: dict[str, Any] = {}
        known = self._paths.get(coll.name)
        if known is None:
            known = self._paths[coll.name] = {}
        later: dict[_Together, list[list[Any]]] = {}
        for path, value in values.items():
            # A path found in the cache passed the checks below before (only those that
            # pass are cached), so a phone's usual paths skip them.
            found = known.get(path)
            if found is None:
                if not isinstance(path, str) or not path or len(path) > MAX_PATH:
                    raise Invalid(f"bad field path {path!r}", path=str(path)[:MAX_PATH])
                check_name(path, path)
                if path.split(".", 1)[0] in coll.computed:
                    out[path] = value
                    continue
                found = self._spec_at(coll, path)
            spec, passes, strings = found
            if (together and strings is not None and type(value) is list
                    and len(value) <= spec["_most"]):
                out[path] = value
                later.setdefault(strings, []).append(value)
                continue
            if value is not None and passes(value):  # a leaf value check_value would pass
                out[path] = value
                continue
            self._collect(spec, path, value, out)
        for strings, arrays in later.items():
            if not strings.passes(arrays):
                raise Invalid("an array of strings to judge one by one", path="")
        return out

    def leaf_test(self, collection: str, path: str) -> tuple[JSON, Callable[[Any], bool]] | None:
        """The compiled spec ``expand`` checks a value at ``path`` by, with its quick test
        (``True`` only where ``check_value`` passes the value; ``False``: let ``check_value``
        judge and name the error), when that path is a plain leaf (not computed, not an
        object or map): then ``expand(collection, {path: v})`` is ``{path: v}`` exactly when
        ``check_value(spec, path, v)`` passes (for ``v`` not None), once the path itself has
        passed ``expand``. None otherwise."""
        coll = self.collection(collection)
        if path.split(".", 1)[0] in coll.computed:
            return None
        spec, passes = self._spec_at(coll, path)[:2]
        return None if spec["type"] in ("object", "map") else (spec, passes)

    def _spec_at(self, coll: Collection, path: str) -> _Found:
        known = self._paths.setdefault(coll.name, {})
        found = known.get(path)
        if found is None:
            spec = self._find_spec(coll, path)
            found = (spec, _passes(spec), _together(spec))
            if len(known) > 50_000:  # map keys are open-ended: keep the cache bounded
                known.clear()
            known[path] = found
        return found

    def _find_spec(self, coll: Collection, path: str) -> JSON:
        parts = path.split(".")
        fields: JSON | None = coll.fields
        spec: JSON | None = None
        for i, part in enumerate(parts):
            where = ".".join(parts[: i + 1])
            if spec is not None:
                spec = self.resolve(spec)
                if spec["type"] == "object":
                    fields = spec["fields"]
                elif spec["type"] == "map":
                    if not _KEY.match(part):
                        raise Invalid(f"{where}: bad key {part!r}", path=where)
                    spec = spec["values"]
                    continue
                else:
                    raise Invalid(f"{where}: {'.'.join(parts[:i])} is not an object",
                                  path=where)
            if fields is None or part not in fields:
                raise Invalid(f"{where}: unknown field", path=where)
            spec = fields[part]
            fields = None
        assert spec is not None
        return self.resolve(spec)

    def _collect(self, spec: JSON, path: str, value: Any, out: dict[str, Any]) -> None:
        kind = spec["type"]
        if kind in ("object", "map"):
            if not isinstance(value, dict):
                raise Invalid(f"{path}: expected an object", path=path)
            for key, sub in value.items():
                if isinstance(key, str) and unsafe_name(key) is not None:
                    check_name(key, f"{path}.{key}")
                if kind == "object":
                    if key not in spec["fields"]:
                        raise Invalid(f"{path}.{key}: unknown field", path=f"{path}.{key}")
                    child = spec["fields"][key]
                else:
                    if not isinstance(key, str) or not _KEY.match(key):
                        raise Invalid(f"{path}: bad key {key!r}", path=path)
                    child = spec["values"]
                self._collect(child, f"{path}.{key}", sub, out)
            return
        if value is not None:
            self.check_value(spec, path, value)
        out[path] = value

    def check_value(self, spec: JSON, path: str, value: Any) -> None:
        """Check one leaf value against its compiled spec."""
        kind = spec["type"]
        if kind == "string":
            if not isinstance(value, str):
                raise Invalid(f"{path}: expected a string", path=path)
            if len(value) > spec.get("max", MAX_STRING):
                raise Invalid(f"{path}: longer than {spec.get('max', MAX_STRING)} characters",
                              path=path)
            if "_enum" in spec and value not in spec["_enum"]:
                raise Invalid(f"{path}: must be one of {', '.join(spec['enum'])}", path=path,
                              details={"allowed": spec["enum"]})
            if "_re" in spec and not spec["_re"].match(value):
                raise Invalid(f"{path}: does not match the expected format", path=path)
            if "_re" in spec:  # ids and refs become keys elsewhere (a template's item id → a map key)
                check_name(value, path)
        elif kind in ("integer", "number"):
            ok = isinstance(value, int) if kind == "integer" else isinstance(value, int | float)
            if isinstance(value, bool) or not ok or (
                    isinstance(value, float) and not math.isfinite(value)):
                raise Invalid(f"{path}: expected {'an integer' if kind == 'integer' else 'a number'}",
                              path=path)
            if "min" in spec and value < spec["min"]:
                raise Invalid(f"{path}: must be ≥ {spec['min']}", path=path)
            if "max" in spec and value > spec["max"]:
                raise Invalid(f"{path}: must be ≤ {spec['max']}", path=path)
        elif kind == "boolean":
            if not isinstance(value, bool):
                raise Invalid(f"{path}: expected true or false", path=path)
        elif kind == "array":
            if not isinstance(value, list):
                raise Invalid(f"{path}: expected an array", path=path)
            if len(value) > int(spec.get("max", 1000)):
                raise Invalid(f"{path}: more than {spec.get('max', 1000)} items", path=path)
            item = spec["items"]
            for i, sub in enumerate(value):
                if item["type"] == "object":
                    self._check_object(item, f"{path}.{i}", sub)
                elif not _plain_string_ok(item, sub):  # the path is made only when needed
                    self.check_value(item, f"{path}.{i}", sub)
        elif kind == "object":
            self._check_object(spec, path, value)
        elif kind == "map":  # inside an array leaf, e.g. a template section's group_caps
            if not isinstance(value, dict):
                raise Invalid(f"{path}: expected an object", path=path)
            for key, sub in value.items():
                if not isinstance(key, str) or not _KEY.match(key):
                    raise Invalid(f"{path}: bad key {key!r}", path=path)
                if sub is not None:
                    self.check_value(spec["values"], f"{path}.{key}", sub)
        else:  # pragma: no cover - schemas.json is ours
            raise ValueError(f"unknown type {kind!r} in schemas.json")

    def _check_object(self, spec: JSON, path: str, value: Any) -> None:
        if not isinstance(value, dict):
            raise Invalid(f"{path}: expected an object", path=path)
        for key, sub in value.items():
            if unsafe_name(str(key)) is not None:
                check_name(str(key), f"{path}.{key}")
            if key not in spec["fields"]:
                raise Invalid(f"{path}.{key}: unknown field", path=f"{path}.{key}")
            if sub is not None:
                self.check_value(spec["fields"][key], f"{path}.{key}", sub)

    def check_required(self, collection: str, leaves: dict[str, Any]) -> None:
        """Raise ``Invalid`` naming the first required field that is missing or null."""
        for name in self.collection(collection).required:
            if leaves.get(name) is None:
                raise Invalid(f"{name}: required", path=name)

    def validate_record(self, collection: str, data: dict[str, Any]) -> dict[str, Any]:
        """Validate a whole record (as a client would create it); return its leaves."""
        leaves = self.expand(collection, data)
        enforce(self.collection(collection).rules, SYSTEM, None, leaves)  # no computed fields
        self.check_required(collection, leaves)
        return leaves


def _compile(spec: JSON, types: JSON) -> JSON:
    """Resolve named types all the way down, once, so validation never looks them up."""
    depth = 0
    while spec["type"] in types:
        base = dict(types[spec["type"]])
        base.update({k: v for k, v in spec.items() if k != "type"})
        spec = base
        depth += 1
        if depth > 20:
            raise ValueError("type alias loop in schemas.json")
    out = dict(spec)
    if "fields" in out:
        out["fields"] = {k: _compile(v, types) for k, v in out["fields"].items()}
    for key in ("values", "items"):
        if key in out:
            out[key] = _compile(out[key], types)
    if out["type"] == "array":
        out["_most"] = int(out.get("max", 1000))
    if "pattern" in out:
        out["_re"] = re.compile(out["pattern"])
    if "enum" in out:
        out["_enum"] = frozenset(out["enum"])
    return out


def _build(raw: JSON) -> Schemas:
    types = raw.get("types", {})
    colls = {
        name: Collection(
            name=name,
            scope=c["scope"],
            writers=frozenset(c["writers"]),
            fields={k: _compile(v, types) for k, v in c["fields"].items()},
            required=tuple(c.get("required", ())),
            computed=frozenset(c.get("computed", ())),
            title=c.get("title", ""),
            rules=Rules.from_json(c),
        )
        for name, c in raw["collections"].items()
    }
    return Schemas(version=int(raw["schema_version"]), min_client=int(raw["min_client_schema"]),
                   types=raw.get("types", {}), collections=colls,
                   ratings=raw.get("ratings", {}), raw=raw)


def schemas_text() -> str:
    """The raw ``schemas.json`` text, as served to clients."""
    return resources.files("sync").joinpath("schemas.json").read_text("utf-8")


@cache
def load() -> Schemas:
    """The project's schemas (parsed once)."""
    return _build(json.loads(schemas_text()))


def validate_record(collection: str, data: dict[str, Any]) -> dict[str, Any]:
    """Module-level shortcut: validate a whole record against the project schemas."""
    return load().validate_record(collection, data)
