"""The sync wire format's one encoder: ``POST /api/v1/sync``'s response body.

Records are stored as JSON text, so a page is spliced together from that text rather
than parsed and dumped again (a first sync of thousands of records stays cheap).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from .jsoncodec import dumps_bytes as _dumps
from .store.pages import Change, Conflict, Page


def encode_cursor(version: int, scope_key: str, db_id: str) -> str:
    """An opaque cursor: the last version seen, the scope and the database it was seen in."""
    text = f"{version}:{scope_key}:{db_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str, str] | None:
    """Inverse of ``encode_cursor``; None for a cursor this server did not make."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, key, db_id = text.split(":", 2)
        value = int(version)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return (value, key, db_id) if value >= 0 else None


# The body is written as UTF-8 bytes from the first: the records' stored text comes as the
# bytes it is stored as (``pages``) and is spliced in as it is, never decoded to a str (nor the
# whole body encoded again); the bytes are those the str form would encode to.
_ENTRY = b'{"collection":%s,"record":%s,"version":%d,"deleted":%s,"data":%s,"conflicts":[%s]}'
_CONFLICT = b'{"id":%s,"path":%s,"value":%s,"device":%s,"at":%d}'


def _conflicts(conflicts: list[Conflict]) -> bytes:
    return b",".join([_CONFLICT % (_dumps(cid), _dumps(path), value.encode(), _dumps(device), at)
                      for cid, path, value, device, at in conflicts])


def change(ch: Change) -> bytes:
    """One entry of ``changes``: the record with its open conflicts (UTF-8)."""
    collection, record, version, deleted, data, conflicts = ch
    return _ENTRY % (_dumps(collection), _dumps(record), version, b"true" if deleted else b"false",
                     data, _conflicts(conflicts) if conflicts else b"")


def sync_body(results: Sequence[dict[str, Any]], page: Page, cursor: str, reset: bool) -> bytes:
    """The whole response: per-op results, the page of changes, the next cursor.

    The entries are ``change``'s, written inline: a pull page holds up to hundreds of records
    and a call per record was a fifth of the encoding."""
    changes = b",".join([_ENTRY % (_dumps(collection), _dumps(record), version,
                                   b"true" if deleted else b"false", data,
                                   _conflicts(conflicts) if conflicts else b"")
                         for collection, record, version, deleted, data, conflicts in page.changes])
    return b'{"results":%s,"changes":[%s],"cursor":%s,"more":%s,"reset":%s}' % (
        _dumps(list(results)), changes, _dumps(cursor),
        b"true" if page.more else b"false", b"true" if reset else b"false")
