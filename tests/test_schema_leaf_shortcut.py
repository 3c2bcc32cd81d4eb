"""``sync.schema``'s quick leaf test (``_passes``) never lets through what ``check_value``
refuses: for every leaf spec of the project's schemas and any value, a value it passes
is one ``check_value`` passes; and ``expand`` still refuses bad leaves with the same error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.errors import Invalid
from sync.schema import JSON, _passes, load
from tests.support.budget import examples

HEX = "0123456789abcdef"


def leaf_specs() -> Iterator[tuple[str, JSON]]:
    """Every compiled spec reachable in the schemas that is not an object or a map."""
    def walk(where: str, spec: JSON) -> Iterator[tuple[str, JSON]]:
        if spec["type"] == "object":
            for k, sub in spec["fields"].items():
                yield from walk(f"{where}.{k}", sub)
        elif spec["type"] == "map":
            yield from walk(f"{where}.*", spec["values"])
        else:
            yield where, spec
    for name, coll in load().collections.items():
        for k, spec in coll.fields.items():
            yield from walk(f"{name}.{k}", spec)


SPECS = dict(leaf_specs())
SCALARS = st.one_of(
    st.integers(-(2**40), 2**40), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.text(max_size=80), st.text(alphabet=HEX, min_size=63, max_size=65),
    st.sampled_from(["satisfied", "draft", "submitted", "__proto__", "a.constructor", "x" * 10_001,
                     "c-shiqiao", 0, 1, 10_000, 10_001, -1, 1.5, 2.0, True, False]),
    st.none())
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=4),
                   st.lists(st.text(alphabet=HEX, min_size=64, max_size=64), max_size=31),
                   st.dictionaries(st.text(max_size=4), SCALARS, max_size=2))


def test_schema_leaf_shortcut_covers_the_common_leaf_kinds() -> None:
    """The shortcut is in use: it passes typical valid leaves (else it saves nothing)."""
    spec_of = {k.split(".", 1)[1]: v for k, v in SPECS.items() if k.startswith("inspections.")}
    assert _passes(spec_of["items.*.photos"])(["ab" * 32] * 3)
    assert _passes(spec_of["items.*.count"])(3)
    assert _passes(spec_of["items.*.note"])("现场抽查情况记录")
    assert not _passes(spec_of["items.*.count"])(True)
    assert not _passes(spec_of["items.*.photos"])(["AB" * 32])


@settings(max_examples=examples(1500), deadline=None)
@given(st.sampled_from(sorted(SPECS)), VALUES)
def test_schema_leaf_shortcut_passes_only_what_check_value_passes(where: str, value: Any) -> None:
    spec = SPECS[where]
    if _passes(spec)(value):
        load().check_value(spec, where, value)  # raises if the shortcut was wrong


@pytest.mark.parametrize(("path", "value", "message"), [
    ("items.e1.count", True, "items.e1.count: expected an integer"),
    ("items.e1.count", 10_001, "items.e1.count: must be ≤ 10000"),
    ("items.e1.count", 2.0, "items.e1.count: expected an integer"),
    ("items.e1.photos", ["ab" * 32, "AB" * 32], "items.e1.photos.1: does not match the expected format"),
    ("items.e1.photos", ["ab" * 32] * 31, "items.e1.photos: more than 30 items"),
    ("items.e1.rating", "great", "items.e1.rating: must be one of"),
    ("items.e1.note", 5, "items.e1.note: expected a string"),
])
def test_schema_expand_still_names_the_bad_leaf(path: str, value: Any, message: str) -> None:
    with pytest.raises(Invalid) as err:
        load().expand("inspections", {path: value})
    assert str(err.value).startswith(message)
    assert err.value.path == message.split(":")[0]


def test_schema_expand_judges_a_path_the_same_every_time() -> None:
    """Paths checked once are cached: a second op with the same paths meets the same checks
    (a reserved name refused, a computed field passed through for rights to refuse)."""
    schemas = load()
    for _ in range(2):
        with pytest.raises(Invalid, match="reserved name"):
            schemas.expand("inspections", {"items.__proto__.count": 1})
        with pytest.raises(Invalid, match="unknown field"):
            schemas.expand("inspections", {"items.e1.colour": 1})
        assert schemas.expand("inspections", {"score": "not a number"}) == {"score": "not a number"}
        assert schemas.expand("inspections", {"items.e1.count": 2}) == {"items.e1.count": 2}
        with pytest.raises(Invalid, match="expected an integer"):
            schemas.expand("inspections", {"items.e1.count": "2"})
