"""The server's one JSON codec: orjson's speed with the standard library's meaning.

``dumps`` writes what ``json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode``
writes, up to the spelling of floats (orjson writes ``1e16`` where the standard library writes
``1e+16``: the same number). ``loads`` returns what ``json.loads`` returns and refuses what it
refuses, with the same exception. orjson differs from the standard library in a few places,
and each is sent to the standard library instead:

- dumping: integers beyond 64 bits, non-``str`` keys, lone surrogates and anything else orjson
  refuses (it raises); NaN and infinities (orjson writes ``null`` for them, so an output holding
  ``null`` is checked for them); dataclasses and datetimes (orjson would write them, the standard
  library refuses them). One difference is left: orjson writes a ``uuid.UUID`` and a plain
  ``enum.Enum`` member where ``json`` raises ``TypeError``; nothing the server dumps is either.
- loading: anything orjson refuses (NaN literals, ``1e400``, lone surrogate escapes, invalid
  UTF-8, nesting past 1024) goes to ``json.loads``, which accepts or refuses it as before; and
  integers of 19 digits or more, which orjson would silently turn into floats beyond 64 bits, are
  read by ``json.loads`` as exact integers.

``sync/`` stays on the standard library (pure, no dependencies); the server's hot paths (the
sync body, stored records and path clocks, pull pages, responses) use this module.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

_encode_str = json.encoder.encode_basestring  # what the standard encoder does with a str
_std_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
_orjson_dumps = orjson.dumps
_orjson_loads = orjson.loads

# 19 digits in a row may be an integer orjson reads as a float (it keeps [-2**63, 2**64) exact).
# Looked for by mapping every digit to "0" and anything else to "x", then searching for 19
# zeros: a few µs for a record, where a regular expression takes ten times as long (stored
# records are dense with digits: ids, hashes, times).
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= i <= 0x39 else 0x78 for i in range(256))
_LONG_DIGITS = b"0" * 19


# Substrings of bytes are looked for with ``find``, not ``in``: ``bytes.__contains__`` first
# asks whether its argument is an integer (a byte), raising and clearing a formatted TypeError
# for every bytes argument (~0.5 µs: once per document dumped and per document loaded).
_PLAIN = frozenset({str, int, bool, type(None)})  # exactly these types hold no float
_isfinite = math.isfinite


def _non_finite(value: Any) -> bool:
    """Whether a NaN or infinity sits anywhere in ``value`` (orjson would write it as null).

    Hot: every stored document with a ``null`` in it comes here (a case has several). Plain
    values are skipped by their exact type, before anything is pushed: a fifth of the time of
    asking each one ``isinstance`` three times (subclasses still go the long way)."""
    stack = [value]
    pop, push = stack.pop, stack.append
    while stack:
        item = pop()
        kind = type(item)
        if kind is dict:
            items: Any = item.values()
        elif kind is list or kind is tuple:
            items = item
        elif isinstance(item, float):
            if not _isfinite(item):
                return True
            continue
        elif isinstance(item, dict):
            items = item.values()
        elif isinstance(item, (list, tuple)):
            items = item
        else:
            continue
        for inner in items:
            if type(inner) not in _PLAIN:
                push(inner)
    return False


def dumps_bytes(obj: Any) -> bytes:
    """``obj`` as compact UTF-8 JSON (non-ASCII written as is), as bytes."""
    try:
        out = _orjson_dumps(obj, option=_OPTIONS)
    except Exception:  # any refusal: the standard library decides, as before
        return _std_dumps(obj).encode("utf-8")
    if out.find(b"null") >= 0 and _non_finite(obj):
        return _std_dumps(obj).encode("utf-8")
    return out


def dumps_rows(rows: Any) -> str:
    """Rows of text, integers and nulls (no floats: nothing for ``dumps`` to look for) as
    compact JSON text. Raises on anything else rather than guess."""
    return _orjson_dumps(rows).decode("utf-8")


def dumps(obj: Any) -> str:
    """``obj`` as compact JSON text, non-ASCII written as is: the meaning of
    ``json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode(obj)``."""
    if type(obj) is str:  # ids and names spliced into pull pages: the standard library's C quoting
        return _encode_str(obj)
    try:
        out = _orjson_dumps(obj, option=_OPTIONS)
    except Exception:  # any refusal: the standard library decides, as before
        return _std_dumps(obj)
    if out.find(b"null") >= 0 and _non_finite(obj):
        return _std_dumps(obj)
    return out.decode("utf-8")


def loads(text: str | bytes | bytearray) -> Any:
    """What ``json.loads(text)`` returns, or the exception it raises."""
    try:
        value = _orjson_loads(text)
    except Exception:  # any refusal: the standard library decides, as before
        return json.loads(text)
    # orjson keeps a str's UTF-8 form, so encoding it again here is a copy.
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if raw.translate(_DIGITS_AS_ZERO).find(_LONG_DIGITS) >= 0:
        return json.loads(text)
    return value
