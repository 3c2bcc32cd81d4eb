"""Which notifications a change calls for (pure; ``server.store.notifications`` writes them).

A notification is a record in the per-person ``notifications`` collection. Its id is
made from what it is about (kind, subject, person and a key), so a trigger seen twice
(an op retried, a sweep run again) names the same record and never makes a second one.

Triggers on a write:

- ``assigned``: a visit's ``staff_ids`` or an inspection's ``inspector_ids`` gains someone,
  or a case is handed over to a colleague (its ``handler_id``; the server tells only enabled
  users, never the person whose op it was);
- ``returned``: an inspection's status becomes ``returned`` (to its inspectors);
- ``ordered``: a rectification is ordered (to the centre's staff);
- ``extended``: a supervisor grants a case its extension (to whoever answers for it: the
  handler, else whoever was asked first; nobody named: the centre's staff);
- ``reopened``: a complaint's reply is sent back (``replied`` → ``open``, a supervisor's
  move) for a new reply (to the centre's staff; each send-back its own notice);
- ``overdue``: the sweep opens an accountability record (to the staff member named, or
  the centre's staff; the server also tells the centre's staff when the person named is no
  enabled user).

``overdue_again`` (a subject answered for already falls overdue again on a later deadline: a
complaint sent back whose new reply is late, a rectification whose extended term passed; it
keeps its one accountability record, so the sweep tells its people once per such deadline),
``due_soon`` (a deadline one working day away) and ``recheck`` (an award title's two-year
re-check comes due: to the county's supervisors and the centre's staff) come from the sweep,
not from a write.

The sweep's kinds (``GROUPED``) come by the hundred at once: a person whose 440 cases turn
overdue in one sweep gets one notification (and one Web Push) that names the first of them
and counts them all (``group_title``), not 440. It keeps the id the first subject's own
notification would have had, so a single subject makes exactly the notification it always
did.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .cases import owner

#: a fixed title per kind: no applicant's name or number ever goes into one
TITLES = {
    "assigned": "有新任务指派给您",
    "returned": "检查被退回，请修改",
    "ordered": "有新的整改要求",
    "reopened": "投诉答复被退回，请重新答复",
    "extended": "办件已批准延期",
    "due_soon": "有事项下一个工作日到期",
    "overdue": "有事项已超期",
    "overdue_again": "有事项再次超期",
    "recheck": "有评优称号需要复查",
}


#: kinds told once per person per batch of the sweep, however many subjects they are about
GROUPED = frozenset({"due_soon", "overdue"})
#: the title of a group of ``count`` (> 1): a number and a fixed text, no personal data
GROUP_TITLES = {"due_soon": "{count} 件工作下一个工作日到期", "overdue": "{count} 件工作已超期"}


def group_title(kind: str, count: int) -> str:
    """The title of a notification about ``count`` subjects of ``kind`` (``TITLES`` for one)."""
    return GROUP_TITLES[kind].format(count=count) if count > 1 else TITLES[kind]


# Slotted, not frozen: built per op of a push (see ``sync.merge``); never assigned to after __init__.
@dataclass(slots=True)
class Trigger:
    """One notification to make. ``user_id`` None: every staff member of ``centre_id``."""

    kind: str
    collection: str
    record: str
    user_id: str | None
    centre_id: str | None
    key: str = ""
    at: int | None = None  # when it happened: the causing op's corrected time


def notification_id(kind: str, collection: str, record: str, user_id: str, key: str = "") -> str:
    """The one id a notification about this can ever have."""
    text = "\x1f".join((kind, collection, record, user_id, key))
    return "n-" + hashlib.sha256(text.encode()).hexdigest()[:40]


def _ids(leaves: Mapping[str, Any] | None, path: str) -> list[str]:
    value = (leaves or {}).get(path)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


_PEOPLE = {"visits": "staff_ids", "inspections": "inspector_ids"}  # who is assigned, by collection
#: the collections a write of which can call for a notification (``triggers``' tests below)
_TRIGGERING = frozenset({*_PEOPLE, "cases", "inspections", "rectifications", "complaints",
                         "accountability"})


def triggers(collection: str, record: str, op_id: str, before: Mapping[str, Any] | None,
             after: Mapping[str, Any], at: int | None = None) -> list[Trigger]:
    """The notifications a write (op ``op_id`` at corrected time ``at``) taking a record
    from ``before`` (None: new) to ``after`` (merged leaves) calls for."""
    if collection not in _TRIGGERING:  # called for every record a push changes
        return []
    centre = after.get("centre_id")
    centre_id = centre if isinstance(centre, str) else None
    out: list[Trigger] = []
    people = _PEOPLE.get(collection)
    if people is not None:
        named = _ids(after, people)
        if named:
            had = set(_ids(before, people)) if before is not None else ()
            out += [Trigger("assigned", collection, record, uid, centre_id, at=at)
                    for uid in dict.fromkeys(named) if uid not in had]
    if collection == "cases" and before is not None:
        # A hand-over (首问负责): the colleague now answering for the case is told.
        handler = after.get("handler_id")
        if isinstance(handler, str) and handler != before.get("handler_id"):
            out.append(Trigger("assigned", collection, record, handler, centre_id, at=at))
        # An extension granted (once per case): whoever answers for it has a new deadline.
        if after.get("extension.days") is not None and before.get("extension.days") is None:
            answers = owner(after)
            out.append(Trigger("extended", collection, record,
                               answers if isinstance(answers, str) else None, centre_id, at=at))
    if (collection == "inspections" and after.get("status") == "returned"
            and (before or {}).get("status") != "returned"):
        # Each send-back is its own notification; the op that did it names it.
        out += [Trigger("returned", collection, record, uid, centre_id, op_id, at)
                for uid in dict.fromkeys(_ids(after, "inspector_ids"))]
    if collection == "rectifications" and before is None and not after.get("_deleted"):
        out.append(Trigger("ordered", collection, record, None, centre_id, at=at))
    if (collection == "complaints" and after.get("status") == "open"
            and (before or {}).get("status") == "replied"):
        # Each send-back is its own notification (the op names it), like an inspection's.
        out.append(Trigger("reopened", collection, record, None, centre_id, op_id, at))
    if (collection == "accountability" and before is None
            and after.get("status") == "open"):
        subject_coll, subject = after.get("subject.collection"), after.get("subject.record")
        if isinstance(subject_coll, str) and isinstance(subject, str):
            staff = after.get("staff_id")
            out.append(Trigger("overdue", subject_coll, subject,
                               staff if isinstance(staff, str) else None, centre_id, at=at))
    return out
