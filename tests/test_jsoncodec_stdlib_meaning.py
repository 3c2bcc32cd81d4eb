"""The server's JSON codec (orjson underneath) means what the standard library means.

``server.jsoncodec.dumps`` writes text that reads back as the value, as
``json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode`` does; ``loads``
returns what ``json.loads`` returns and refuses what it refuses. Where orjson differs (NaN,
integers beyond 64 bits, lone surrogates, non-string keys, deep nesting) the standard
library decides, and the sync endpoint accepts or refuses such a body as before.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from server import jsoncodec
from tests.conftest import Device, now_ms, visit
from tests.support.budget import examples

_std = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_SCALARS = (st.none() | st.booleans() | st.integers(-2**53, 2**53)
            | st.floats(allow_nan=False, allow_infinity=False)
            | st.text() | st.sampled_from(["走访记录", "é", "😀", "\u2028", "\x00", '"\\']))
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=40)


@settings(max_examples=examples(400), deadline=None)
@given(value=JSON_VALUES)
def test_jsoncodec_dumps_reads_back_as_the_value(value: Any) -> None:
    text = jsoncodec.dumps(value)
    assert isinstance(text, str)
    assert json.loads(text) == value
    assert json.loads(jsoncodec.dumps_bytes(value)) == value
    assert jsoncodec.dumps_bytes(value) == text.encode("utf-8")


@settings(max_examples=examples(400), deadline=None)
@given(value=JSON_VALUES, ascii_only=st.booleans())
def test_jsoncodec_loads_returns_what_json_loads_returns(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    expected = json.loads(text)
    assert jsoncodec.loads(text) == expected
    assert jsoncodec.loads(text.encode("utf-8")) == expected
    assert jsoncodec.loads(_std(value)) == expected


@settings(max_examples=examples(200), deadline=None)
@given(n=st.integers(-2**200, 2**200))
def test_jsoncodec_integers_of_any_size_stay_exact_integers(n: int) -> None:
    """orjson reads an integer beyond 64 bits as a float: the codec must not."""
    for text in (str(n), f'{{"n":{n}}}', f"[1,{n}]"):
        assert jsoncodec.loads(text) == json.loads(text)
        assert type(jsoncodec.loads(f"[{n}]")[0]) is int
    assert jsoncodec.dumps({"n": n}) == _std({"n": n})


# Texts orjson refuses or reads differently, with what the standard library makes of them.
ODD_TEXTS = ["NaN", "[Infinity,-Infinity]", '{"x":NaN}', "1e400", "-1e400", '"\\ud800"',
             '{"a":"\\udfff"}', str(2**70), str(-2**70), "18446744073709551616",
             "-9223372036854775809", "[" * 2000 + "]" * 2000, '{"a":1,"a":2}', "\ufeff{}",
             '"\x01"', "[1,]", "", "nul", '{"a" 1}', " \t\n[1] \r\n", "-0", "1E2", "0.1e-400"]


@pytest.mark.parametrize("text", ODD_TEXTS, ids=range(len(ODD_TEXTS)))
@pytest.mark.parametrize("as_bytes", [False, True])
def test_jsoncodec_loads_odd_text_as_json_loads(text: str, as_bytes: bool) -> None:
    source: str | bytes = text.encode("utf-8") if as_bytes else text
    try:
        expected: Any = ("ok", json.loads(source))
    except (ValueError, RecursionError) as exc:
        expected = ("refused", type(exc))
    try:
        got: Any = ("ok", jsoncodec.loads(source))
    except (ValueError, RecursionError) as exc:
        got = ("refused", type(exc))
    if expected[0] == "ok" and isinstance(expected[1], float) and math.isnan(expected[1]):
        assert got[0] == "ok" and math.isnan(got[1])
    else:
        assert repr(got) == repr(expected)  # repr: an int is not a float of the same value


def test_jsoncodec_loads_invalid_utf8_bytes_refused_as_json_loads() -> None:
    for raw in (b'"\xff"', b'{"a":"\xc3"}'):
        with pytest.raises(UnicodeDecodeError):
            json.loads(raw)
        with pytest.raises(UnicodeDecodeError):
            jsoncodec.loads(raw)


ODD_VALUES: list[Any] = [float("nan"), [float("inf")], {"x": -math.inf}, {"x": [1, None, math.nan]},
                         2**64, -2**63 - 1, {"big": 2**70}, {1: "a", None: "b"}, {"s": "\ud800"},
                         1e16, 1e-7, -0.0, (1, 2), {"deep": [[[[]]]]}]


@pytest.mark.parametrize("value", ODD_VALUES, ids=range(len(ODD_VALUES)))
def test_jsoncodec_dumps_odd_value_means_what_stdlib_writes(value: Any) -> None:
    text = jsoncodec.dumps(value)
    if any(w in _std(value) for w in ("NaN", "Infinity", "\ud800", "2361183241434822606848", '"1"')):
        assert text == _std(value)  # written by the standard library itself
    assert repr(json.loads(text)) == repr(json.loads(_std(value)))


def test_jsoncodec_dumps_refuses_what_stdlib_refuses() -> None:
    class Thing:
        pass
    for value in (Thing(), {"x": {1, 2}}, {("a", "b"): 1}, b"bytes"):
        with pytest.raises(TypeError):
            _std(value)
        with pytest.raises(TypeError):
            jsoncodec.dumps(value)
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError):
        jsoncodec.dumps(loop)


# -- through the API: bodies orjson refuses are accepted or refused as before ------------------

SYNC = "/api/v1/sync"


def _post(client: TestClient, dev: Device, text: str) -> Any:
    return client.post(SYNC, content=text.encode("utf-8", "surrogatepass"),
                       headers={**dev.headers, "Content-Type": "application/json"})


def _op_text(dev: Device, record: str, notes: str) -> str:
    """A sync body whose visit's ``notes`` is the raw JSON text ``notes``."""
    op = {"id": f"op-{record}", "collection": "visits", "record": record, "base": 0,
          "at": now_ms(), "set": visit(notes="@NOTES@"), "delete": False}
    body = json.dumps({"clock": dev.clock(), "ops": [op]}, ensure_ascii=False)
    return body.replace('"@NOTES@"', notes)


def test_jsoncodec_sync_body_with_nan_literal_is_refused_per_op(client: TestClient, device: Any) -> None:
    """``NaN`` parses (the standard library allows it) and the op is refused as invalid."""
    f1 = device("f1")
    r = _post(client, f1, _op_text(f1, "v-nan", "NaN"))
    assert r.status_code == 200, r.text
    [res] = r.json()["results"]
    assert (res["status"], res["code"]) == ("rejected", "invalid")


def test_jsoncodec_sync_body_with_big_integer_is_refused_as_an_integer(client: TestClient,
                                                                       device: Any) -> None:
    """2**70 in an op's ``base`` is read as the integer it is (orjson alone would make it a float)."""
    f1 = device("f1")
    text = _op_text(f1, "v-big", '"x"').replace('"base": 0', f'"base": {2**70}')
    r = _post(client, f1, text)
    assert r.status_code == 200, r.text
    [res] = r.json()["results"]
    assert res["status"] == "rejected" and res["code"] == "invalid"
    assert "base" in res["message"]


@pytest.mark.parametrize("text", ['"\\ud800"', '{"x": "\\udfff"}'])
def test_jsoncodec_sync_body_with_lone_surrogate_is_400(client: TestClient, device: Any, text: str) -> None:
    f1 = device("f1")
    r = _post(client, f1, _op_text(f1, "v-sur", text))
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "bad_request"
    assert "surrogate" in r.json()["error"]["message"]


@pytest.mark.parametrize("text", ["{", '{"ops": [1,]}', "[" * 5000 + "]" * 5000, '{"clock": 1} x'])
def test_jsoncodec_sync_body_not_json_is_400(client: TestClient, device: Any, text: str) -> None:
    f1 = device("f1")
    r = _post(client, f1, text)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "bad_request"


def test_jsoncodec_sync_body_after_utf8_bom_is_read(client: TestClient, device: Any) -> None:
    """``json.loads`` reads UTF-8 bytes behind a byte order mark; orjson refuses them, so the
    codec hands them to the standard library and the sync goes through, as before."""
    f1 = device("f1")
    r = _post(client, f1, "\ufeff" + _op_text(f1, "v-bom", '"带标记"'))
    assert r.status_code == 200, r.text
    [res] = r.json()["results"]
    assert res["status"] == "applied", res


# -- the NaN check of ``dumps`` (orjson writes NaN as null) -----------------------------------

class _Float(float):
    pass


class _Dict(dict):  # type: ignore[type-arg]
    pass


class _List(list):  # type: ignore[type-arg]
    pass


def _plain_non_finite(value: Any) -> bool:
    """The plain definition: a non-finite float anywhere in dicts' values, lists and tuples."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_plain_non_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_plain_non_finite(v) for v in value)
    return False


_ANY_FLOATS = st.floats() | st.floats().map(_Float) | st.sampled_from([math.nan, math.inf, -math.inf])
_NAN_VALUES = st.recursive(
    _SCALARS | _ANY_FLOATS | st.sampled_from([True, 3, "x", None]),
    lambda inner: (st.lists(inner, max_size=4) | st.lists(inner, max_size=4).map(tuple)
                   | st.lists(inner, max_size=4).map(_List)
                   | st.dictionaries(st.text(max_size=4), inner, max_size=4)
                   | st.dictionaries(st.text(max_size=4), inner, max_size=4).map(_Dict)),
    max_leaves=30)


@settings(max_examples=examples(400), deadline=None)
@given(value=_NAN_VALUES)
def test_jsoncodec_non_finite_check_is_the_plain_definition(value: Any) -> None:
    assert jsoncodec._non_finite(value) == _plain_non_finite(value)
