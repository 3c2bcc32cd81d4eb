"""Rubric templates for the write path: each stored template validated once.

A 120-item rubric takes longer to validate than an inspection takes to score, and every
inspection written is checked and scored by its template; so a stored template is parsed
and validated once per distinct stored text (``checked_template``) and reused by every
batch. Keyed by the text itself, an entry can never be stale: a draft edited is another
text. ``Templates`` is one batch's view (``sync.computed.Context.templates`` and
``rubrics``): a template written earlier in the same batch wins over the stored row and is
validated afresh each time (a draft may change op by op).
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from sync import paths, rubric

#: Stored templates validated, by their stored JSON text (published versions never change,
#: so in practice a county's few templates stay here).
_CHECKED: OrderedDict[str, rubric.Checked] = OrderedDict()
_CHECKED_MAX = 64


def checked_template(text: str) -> rubric.Checked:
    """A stored template (its JSON text) parsed and validated, once per distinct text."""
    found = _CHECKED.get(text)
    if found is None:
        found = rubric.check_template(json.loads(text))
        _CHECKED[text] = found
        if len(_CHECKED) > _CHECKED_MAX:
            _CHECKED.popitem(last=False)
    else:
        _CHECKED.move_to_end(text)
    return found


class Templates(Mapping[str, dict[str, Any]]):
    """One batch's rubric templates by record id (few per batch); ``rubrics`` is the same
    templates validated (``rubric.Checked``)."""

    def __init__(self, conn: sqlite3.Connection,
                 pending: Callable[[], Mapping[tuple[str, str], Any]]) -> None:
        # pending: the batch's records written so far (``records.Stored`` by key)
        self.conn, self.pending = conn, pending
        self.cache: dict[str, rubric.Checked | None] = {}
        self.rubrics = _Rubrics(self)

    def checked(self, rid: str) -> rubric.Checked | None:
        """Template ``rid`` validated, or None when there is no such live template."""
        st = self.pending().get(("templates", rid))
        if st is not None:
            if st.state.deleted:
                return None
            return rubric.check_template(paths.unflatten(st.state.data()))
        if rid not in self.cache:
            row = self.conn.execute("SELECT data FROM records WHERE collection='templates'"
                                    " AND id=? AND deleted=0", (rid,)).fetchone()
            self.cache[rid] = checked_template(row[0]) if row else None
        return self.cache[rid]

    def __getitem__(self, rid: str) -> dict[str, Any]:
        found = self.checked(rid)
        if found is None:
            raise KeyError(rid)
        return dict(found.template)

    def __iter__(self) -> Iterator[str]:
        return (rid for (rid,) in self.conn.execute(
            "SELECT id FROM records WHERE collection='templates' AND deleted=0"))

    def __len__(self) -> int:
        return int(self.conn.execute(
            "SELECT count(*) FROM records WHERE collection='templates' AND deleted=0").fetchone()[0])


class _Rubrics(Mapping[str, rubric.Checked]):
    """``Templates.checked`` as a mapping (``sync.computed.Context.rubrics``)."""

    def __init__(self, templates: Templates) -> None:
        self.templates = templates

    def __getitem__(self, rid: str) -> rubric.Checked:
        found = self.templates.checked(rid)
        if found is None:
            raise KeyError(rid)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self.templates)

    def __len__(self) -> int:
        return len(self.templates)
