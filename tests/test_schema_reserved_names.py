"""Finding 3 of issue 9: ``__proto__``, ``constructor`` and ``prototype`` are refused
(``invalid``) in every key, path segment, id and reference, on the server."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.errors import Invalid
from sync.schema import UNSAFE_NAMES, load
from tests.conftest import Device, visit

INSPECTION = {"centre_id": "c1", "template_id": "t1", "template_version": 1}
BAD_SETS = [
    ("inspections", {**INSPECTION, "items.__proto__.count": 1}, "items.__proto__.count"),
    ("inspections", {**INSPECTION, "items": {"__proto__": {"count": 1}}}, "items.__proto__"),
    ("inspections", {**INSPECTION, "items": {"constructor": {"count": 1}}}, "items.constructor"),
    ("inspections", {**INSPECTION, "items.prototype.note": "x"}, "items.prototype.note"),
    ("visits", {**visit(), "location": {"__proto__": {"lat": 1}}}, "location.__proto__"),
    ("visits", {**visit(), "__proto__.x": 1}, "__proto__.x"),
    ("visits", {**visit(), "staff_ids": ["u1", "constructor"]}, "staff_ids.1"),
    ("visits", {**visit(), "case_id": "a.__proto__"}, "case_id"),
    ("templates", {"name": "细则", "county_id": "k1", "version": 1, "sections": [
        {"id": "s1", "items": [{"id": "__proto__", "rule": "deduct_each"}]}]},
     "sections.0.items.0.id"),
]


@pytest.mark.parametrize(("collection", "values", "path"), BAD_SETS)
def test_schema_reserved_names_are_invalid(collection: str, values: dict[str, Any],
                                           path: str) -> None:
    with pytest.raises(Invalid) as err:
        load().expand(collection, values)
    assert err.value.code == "invalid"
    assert err.value.details["path"] == path


@given(name=st.sampled_from(sorted(UNSAFE_NAMES)),
       before=st.sampled_from(["", "A1.", "x:"]), after=st.sampled_from(["", ".y", ":z"]))
def test_schema_reserved_names_refused_as_any_map_key_segment(name: str, before: str,
                                                              after: str) -> None:
    with pytest.raises(Invalid):
        load().expand("inspections", {f"items.{before}{name}{after}.count": 1})


def test_schema_ordinary_names_containing_the_words_are_fine() -> None:
    load().expand("inspections", {**INSPECTION, "items.proto_1.count": 1,
                                  "items.constructors.note": "x"})


def test_schema_reserved_names_rejected_and_quarantined_through_sync(device: Any) -> None:
    f1: Device = device("f1")
    ops = [f1.op("inspections", "i-proto", {**INSPECTION, "items.__proto__.count": 1}),
           f1.op("visits", "__proto__", visit()),
           f1.op("visits", "v.constructor", visit())]
    results = f1.sync(ops)["results"]
    assert [(r["status"], r["code"]) for r in results] == [("rejected", "invalid")] * 3
    assert [r["details"]["path"] for r in results] == ["items.__proto__.count", "record",
                                                       "record"]
    pulled = {ch["record"] for ch in f1.sync()["changes"]}
    assert not pulled & {"i-proto", "__proto__", "v.constructor"}
