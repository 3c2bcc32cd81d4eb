"""The server's part of a case's clock: the times it fills in and the pauses it keeps.

Pure rules the store applies to every op on a case:

- ``prepare`` before the merge: ``accepted_at`` / ``completed_at`` come from the op's
  server-corrected time unless the op gives an after-the-fact time, which may never be
  later than that corrected time (so a phone whose clock runs fast cannot date work
  into the future: it leaves the times to the server); an extension (延期) is granted
  once, with a reason,
  and the server stamps who and when; the person who first takes a case is recorded
  as ``first_asked_by`` (首问负责) unless the op names someone, and the case changes hands
  only by an explicit hand-over (``check_handover``).
- ``track_pauses`` after the merge: each time the status enters ``supplement`` a pause
  opens at the op's corrected time; it closes when the status leaves ``supplement``.
  The store runs it op by op, so a phone syncing several status changes at once leaves
  every pause in the history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .deadlines import Pause
from .errors import Immutable, Invalid
from .paths import touches

WAITING = "supplement"
CLOCK_START = frozenset({"accepted", "supplement", "handling", "completed", "returned"})
MAX_EXTENSION_DAYS = 60


def prepare(stored: Mapping[str, Any] | None, leaves: dict[str, Any], *, stamp: int,
            user_id: str | None, due_at: int | None = None) -> dict[str, Any]:
    """The op's leaves with the server's additions; raise ``Invalid`` on a bad time or extension.

    ``stored`` are the record's current leaves (None for a new record), ``stamp`` the
    op's corrected time, ``user_id`` who writes (None: the system, which owns no case),
    ``due_at`` the stored case's deadline before this op (its computed ``due_at``; None
    while the clock is stopped or for a new case): an extension is granted before it.
    """
    before = stored or {}
    out = dict(leaves)
    status = out.get("status", before.get("status"))
    for key, when in (("accepted_at", CLOCK_START), ("completed_at", frozenset({"completed"}))):
        given = out.get(key)
        if isinstance(given, int) and given > stamp:
            raise Invalid(f"{key}: an after-the-fact time cannot be later than the change that"
                          " records it (by the server's clock); leave it out and the server"
                          " sets it", path=key)
        if given is None and status in when and before.get(key) is None and "status" in out:
            out[key] = stamp
    if touches(out, "extension"):
        _extension(before, out, stamp=stamp, user_id=user_id, due_at=due_at)
    if stored is None and out.get("first_asked_by") is None and user_id is not None:
        out["first_asked_by"] = user_id
    if stored is not None and user_id is not None:
        check_handover(before, out)
    return out


def check_callback(leaves: Mapping[str, Any], case: Mapping[str, Any] | None,
                   visit: Mapping[str, Any] | None) -> None:
    """Raise unless a call-back (回访, an evaluation of source ``callback``) follows work that
    is finished: a visit done when it names one (its ``case_id`` is then the visit's case, for
    context: a site survey is called back while its case is still in hand), else a completed
    case (``case``/``visit``: the live records its ``case_id``/``visit_id`` name, None when
    there are none). A rating of work still in hand would count in the month's satisfaction
    rate."""
    if leaves.get("source") != "callback":
        return
    cid, vid = leaves.get("case_id"), leaves.get("visit_id")
    if cid is None and vid is None:
        raise Invalid("case_id: a call-back names the case or visit it follows", path="case_id")
    if vid is None and (case is None or case.get("status") != "completed"):
        raise Invalid("case_id: a call-back follows a completed case", path="case_id",
                      details={"status": None if case is None else case.get("status")})
    if vid is not None and (visit is None or visit.get("status") != "done"):
        raise Invalid("visit_id: a call-back follows a visit that is done", path="visit_id",
                      details={"status": None if visit is None else visit.get("status")})


def check_send_back(before: Mapping[str, Any], leaves: Mapping[str, Any]) -> None:
    """Raise unless a person sending an accountability record's explanation back (explained →
    open) says why in that op: a reason left from an earlier send-back answers nothing."""
    if before.get("status") == "explained" and leaves.get("status") == "open":
        reason = leaves.get("send_back_reason")
        if not isinstance(reason, str) or not reason.strip():
            raise Invalid("send_back_reason: a send-back says, in the same change, what the"
                          " explanation lacks", path="send_back_reason")


def owner(leaves: Mapping[str, Any]) -> Any:
    """Who answers for a case now (首问负责): its handler, else whoever was asked first."""
    handler = leaves.get("handler_id")
    return handler if isinstance(handler, str) else leaves.get("first_asked_by")


def check_handover(before: Mapping[str, Any], leaves: Mapping[str, Any]) -> None:
    """Raise unless a person's op on a stored case changes its owner only by an explicit
    hand-over (首问负责): ``handler_id`` and one new ``handed_to.<key>`` entry from the owner
    to that colleague, in the same op; who was asked first is never rewritten."""
    asked = before.get("first_asked_by")
    if "first_asked_by" in leaves and asked is not None and leaves["first_asked_by"] != asked:
        raise Immutable("first_asked_by: who was asked first (首问) stays; hand the case over"
                        " instead", details={"path": "first_asked_by"})
    added: set[str] = set()
    for key, value in leaves.items():
        if not key.startswith("handed_to."):
            continue
        name = key.split(".")[1]
        if f"handed_to.{name}.to" not in before:
            added.add(name)
        elif before.get(key) != value:  # the hand-over history stands once written
            raise Immutable(f"{key}: a hand-over on record stays as it was",
                            details={"path": key})
    handler = leaves.get("handler_id", before.get("handler_id"))
    moved = "handler_id" in leaves and leaves["handler_id"] != before.get("handler_id")
    if not moved and not added:
        return
    if not moved or len(added) != 1:
        raise Invalid("handler_id: a hand-over (首问负责) sets handler_id and one new handed_to"
                      " entry in the same change", path="handler_id" if moved else "handed_to")
    key = added.pop()
    entry = {f: leaves.get(f"handed_to.{key}.{f}") for f in ("from", "to", "at")}
    # A case nobody owns yet (made by the system) is the first giver's to give.
    giver = owner(before)
    if entry["to"] != handler or entry["at"] is None or (
            giver is not None and entry["from"] != giver) or entry["from"] is None:
        raise Invalid(f"handed_to.{key}: the hand-over goes from the case's owner"
                      f" ({giver}) to the new handler ({handler}), with its time",
                      path=f"handed_to.{key}", details={"from": giver, "to": handler})


def order_time(leaves: dict[str, Any], *, stamp: int) -> dict[str, Any]:
    """A new rectification order's leaves with ``ordered_at`` (its deadline counts from that
    day): the op's corrected time, or an after-the-fact time no later than it."""
    given = leaves.get("ordered_at")
    if isinstance(given, int) and given > stamp:
        raise Invalid("ordered_at: an after-the-fact time cannot be later than the change that"
                      " records it (by the server's clock)", path="ordered_at")
    return leaves if isinstance(given, int) else {**leaves, "ordered_at": stamp}


def complaint_times(stored: Mapping[str, Any] | None, leaves: dict[str, Any], *,
                    stamp: int) -> dict[str, Any]:
    """A complaint op's leaves with the server's times: ``received_at`` of a new complaint and
    ``replied_at`` of its first reply are the op's corrected time unless the op gives an
    earlier (after-the-fact) time. A given time later than the corrected time is the phone's
    fast clock: it is taken as the corrected time (not rejected: phones have always sent
    ``received_at``, and a complaint must never be lost), so the reply due date, five working
    days after receipt, cannot be moved by a phone's clock."""
    before = stored or {}
    out = dict(leaves)
    for key in ("received_at", "replied_at"):
        given = out.get(key)
        if isinstance(given, int) and not isinstance(given, bool) and given > stamp:
            out[key] = stamp
    if stored is None and out.get("received_at") is None:
        out["received_at"] = stamp
    reply = out.get("reply")
    if isinstance(reply, str) and reply.strip() and out.get("replied_at") is None \
            and before.get("replied_at") is None:
        out["replied_at"] = stamp
    # A verification's time is the server's to say (a send-back's new reply is due five
    # working days after it): the op's corrected time, whatever the workspace's clock sent.
    if touches(out, "verification"):
        out["verification.at"] = stamp
    return out


#: a complaint's statuses that answer it (a reply, or 不予受理 with the reason why)
ANSWERED = frozenset({"replied", "dismissed"})


def track_reply(kept: Mapping[str, Any], before: Any, after: Any, stamp: int) -> dict[str, Any]:
    """A complaint's server-kept reply history after an op took its status from ``before``
    to ``after`` at ``stamp`` (the op's corrected time).

    ``reopened_at``: when the complaint last went back to ``open`` from an answer (a
    supervisor's send-back, ``replied`` → ``open``, or the centre reopening its dismissal):
    from then on a new reply is owed, due five working days later. ``answered_at``: when
    that new reply came (the status moved on from ``open`` to an answer), never before the
    reopening it answers; None while it is owed. The first ``replied_at`` stays as it was."""
    out = dict(kept)
    if after == "open" and before in ANSWERED:
        out["reopened_at"] = stamp
        out["answered_at"] = None
    elif isinstance(out.get("reopened_at"), int) and before == "open" and after in ANSWERED:
        out["answered_at"] = max(stamp, int(out["reopened_at"]))
    return out


def _extension(before: Mapping[str, Any], out: dict[str, Any], *, stamp: int,
               user_id: str | None, due_at: int | None = None) -> None:
    if before.get("extension.days") is not None:
        raise Invalid("extension: granted already (a case is extended once)", path="extension")
    # 延期 is asked for and granted while the promised time limit runs (行政许可法 art. 42: an
    # extension is approved within the time limit): once the deadline has passed the case is
    # late, its accountability record stands, and an extension would only hide the lateness.
    if due_at is not None and stamp > due_at:
        raise Invalid("extension: the case's deadline has passed; an extension is granted"
                      " before it runs out", path="extension", details={"due_at": due_at})
    days = out.get("extension.days")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise Invalid(f"extension.days: 1–{MAX_EXTENSION_DAYS} working days", path="extension.days")
    reason = out.get("extension.reason")
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid("extension.reason: an extension needs a reason", path="extension.reason")
    # Who and when are the server's to say, whatever the phone sent.
    out["extension.by"] = user_id or "system"
    out["extension.at"] = stamp


def track_pauses(pauses: Sequence[Mapping[str, Any]], before: Any, after: Any,
                 stamp: int) -> list[dict[str, Any]]:
    """The pause history after a status change from ``before`` to ``after`` at ``stamp``."""
    out = [dict(p) for p in pauses]
    open_pause = bool(out) and out[-1].get("to") is None
    if after == WAITING and before != WAITING and not open_pause:
        out.append({"from": stamp, "to": None})
    elif after != WAITING and open_pause:
        out[-1]["to"] = max(stamp, int(out[-1]["from"]))
    return out


#: the notice a case's status calls for: 受理通知书, 不予受理通知书, 补件清单 (一次性告知), 退办通知书
NOTICES = {"accepted": "acceptance", "refused": "refusal", "supplement": "supplement",
           "returned": "return"}


#: the statuses of a case that has been accepted (its 受理通知书 can be printed in any of them)
ACCEPTED = frozenset({"accepted", "supplement", "handling", "completed"})


def notices_due(numbers: Mapping[str, Any], before: Any, after: Any) -> list[str]:
    """The notice kinds a write taking a case's status from ``before`` to ``after`` needs a
    number for (the first time only: a case's notice keeps its number).

    A refusal, supplement list or return is numbered when the case moves to that status. The
    acceptance notice is numbered whenever an accepted case has none yet: a case completed on
    the spot (即办件, new → completed) or entered after the fact past acceptance never passed
    through ``accepted`` but is printed with a 受理通知书 all the same."""
    due = []
    if after in ACCEPTED and "acceptance" not in numbers:
        due.append("acceptance")
    kind = NOTICES.get(after) if after != before else None
    if kind is not None and kind != "acceptance" and kind not in numbers:
        due.append(kind)
    return due


def as_pauses(pauses: Any) -> list[Pause]:
    """Stored pause entries as ``deadlines.Pause`` values (malformed entries skipped)."""
    out = []
    for p in pauses if isinstance(pauses, list) else []:
        start, end = (p.get("from"), p.get("to")) if isinstance(p, dict) else (None, None)
        if isinstance(start, int):
            out.append(Pause(start, end if isinstance(end, int) else None))
    return out
