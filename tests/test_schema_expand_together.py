"""``Schemas.expand`` judges the strings of all the arrays of pattern strings an op sets (an
inspection's photo hashes, ids) in one pass: against the plain definition (each path in the
op's order, its spec found and its value walked by ``_collect``, no shortcut), hypothesis
draws ops of photo lists, ids and other leaves, good and bad (upper case, a trailing
newline, a comma inside, too long, too many, not strings, reserved names, unknown paths),
and ``expand`` returns the same leaves in the same order or raises the same error."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sync.errors import Invalid
from sync.schema import MAX_PATH, Schemas, _together, check_name, load
from tests.support.budget import examples

HEX = "0123456789abcdef"


def plain_expand(schemas: Schemas, collection: str, values: Any) -> dict[str, Any]:
    """``expand`` as defined: every path checked and walked, in order, nothing cached."""
    coll = schemas.collection(collection)
    if not isinstance(values, dict):
        raise Invalid("'set' must be an object of field paths to values", path="set")
    out: dict[str, Any] = {}
    for path, value in values.items():
        if not isinstance(path, str) or not path or len(path) > MAX_PATH:
            raise Invalid(f"bad field path {path!r}", path=str(path)[:MAX_PATH])
        check_name(path, path)
        if path.split(".", 1)[0] in coll.computed:
            out[path] = value
            continue
        schemas._collect(schemas._find_spec(coll, path), path, value, out)
    return out


HASH = st.text(alphabet=HEX, min_size=64, max_size=64)
ODD = st.sampled_from(["A" * 64, "a" * 64 + "\n", "a" * 63 + ",", "a" * 32 + "," + "b" * 31, "a" * 65,
                       "", "0" * 64, "__proto__", "a.constructor", "c-shiqiao", "u-1", "x" * 65, "s1i2",
                       "u-1,u-2", "a,b"])
STRING = st.one_of(HASH, HASH, ODD, st.text(max_size=6))
ELEMENT = st.one_of(STRING, STRING, STRING, st.integers(0, 3), st.none(), st.just(["a" * 64]))
IDS = st.sampled_from(["u-1", "a:b", "u-1,u-2", "a,b", "__proto__", "x.prototype", "s0i1"])
ARRAY = st.one_of(st.lists(HASH, max_size=4), st.lists(ELEMENT, max_size=4),
                  st.lists(HASH, min_size=29, max_size=31),
                  st.lists(st.sampled_from(["u-1", "a:b"]), max_size=51), st.lists(IDS, max_size=3))
PATHS = st.sampled_from(["items.e1.photos", "items.e2.photos", "items.s0i1.photos", "inspector_ids",
                         "item_ids", "review.item_ids", "items.e1.count", "items.e1.note", "signature",
                         "status", "items.e1.photo", "items.x,y.photos", "score"])
VALUE = st.one_of(ARRAY, ARRAY, ARRAY, STRING, st.integers(-1, 4), st.none(),
                  st.dictionaries(st.just("a"), HASH))


@settings(max_examples=examples(2000), deadline=None)
@given(st.dictionaries(PATHS, VALUE, max_size=8))
@example({"inspector_ids": ["u-1,u-2"]})  # a comma inside a string: not a join
@example({"items.e1.photos": ["a" * 64 + "\n"]})  # ``$`` matches before a final newline
@example({"inspector_ids": ["u-1", "x.prototype"]})
@example({"items.e1.photos": ["A" * 64], "items.e1.count": -1})  # the first path's error
@example({"items.e1.count": -1, "items.e1.photos": ["A" * 64]})
@example({"items.e1.photos": ["a" * 64] * 31})
def test_schema_expand_judges_arrays_of_strings_together_as_one_by_one(values: dict[str, Any]) -> None:
    schemas = load()
    try:
        want: Any = ("ok", list(plain_expand(schemas, "inspections", values).items()))
    except Invalid as err:
        want = ("invalid", err.message, err.path, err.details)
    try:
        got: Any = ("ok", list(schemas.expand("inspections", values).items()))
    except Invalid as err:
        got = ("invalid", err.message, err.path, err.details)
    assert got == want


def test_schema_expand_together_is_used_for_the_schemas_pattern_arrays() -> None:
    """Photo lists and id lists take the one pass (else it saves nothing); a class holding a
    comma, in a range or not, or a pattern of another shape, does not."""
    coll = load().collection("inspections")
    assert _together(coll.fields["items"]["values"]["fields"]["photos"]) is not None
    assert _together(coll.fields["inspector_ids"]) is not None
    for pattern in ("^[!-/]{3}$", "^[a,b]{2}$", "^[^a]{3}$", "^[a-z]{2}[0-9]$", "^[a-z]+$"):
        assert _together({"type": "array", "items": {"type": "string", "pattern": pattern}}) is None
    many = {f"items.s0i{i}.photos": ["ab" * 32] * 3 for i in range(30)}
    assert load().expand("inspections", many) == many
