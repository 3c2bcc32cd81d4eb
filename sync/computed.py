"""Server-computed fields (deadlines, overdue flags, rating points, inspection scores, an
award's notice end and expiry).

Each collection's computed fields are listed in ``schemas.json``; this module says
how to compute them from a record's merged leaves. Pure: the caller passes the time
and the reference data the rules need.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import rubric
from .calendar import BUNDLED, Calendar
from .cases import as_pauses
from .deadlines import case_clock, due_ms
from .errors import Invalid
from .paths import unflatten
from .schema import load

COMPLAINT_REPLY_DAYS = 5
#: a call-back (回访) falls due this many working days after a case completes or a visit ends
CALLBACK_DAYS = 3
OPEN_CASE = frozenset({"accepted", "supplement", "handling"})


@dataclass(frozen=True)
class Context:
    """What computed fields may depend on besides the record itself."""

    now: int
    matter_days: Mapping[str, int] = field(default_factory=dict)
    calendar: Calendar = BUNDLED
    #: template record id -> template data (``sections`` …), to score inspections by
    templates: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    #: template record id -> that template validated once (``rubric.check_template``); a
    #: template missing here is validated from ``templates`` each time it is used
    rubrics: Mapping[str, rubric.Checked] = field(default_factory=dict)


def _cases(leaves: Mapping[str, Any], ctx: Context, kept: Mapping[str, Any]) -> dict[str, Any]:
    pauses = kept.get("pauses") or []
    out: dict[str, Any] = {"due_at": None, "overdue": False, "pauses": pauses, "days_owed": None,
                           "notice_numbers": kept.get("notice_numbers") or None,
                           "notice_dates": kept.get("notice_dates") or None,
                           "callback_due": None}
    if leaves.get("status") == "completed":
        out["callback_due"] = _callback_due(leaves.get("completed_at"), ctx)
    accepted = leaves.get("accepted_at")
    days = ctx.matter_days.get(str(leaves.get("matter_id")))
    if not isinstance(accepted, int) or days is None:
        return out
    extension = leaves.get("extension.days")
    completed = leaves.get("completed_at")
    status = leaves.get("status")
    done = status == "completed" and isinstance(completed, int)
    end = completed if isinstance(completed, int) and done else ctx.now
    clock = case_clock(accepted, days, as_pauses(pauses), now=end,
                       extension_days=extension if isinstance(extension, int) else 0,
                       calendar=ctx.calendar)
    out["due_at"] = clock.due_at
    out["overdue"] = clock.overdue and (done or status in OPEN_CASE)
    out["days_owed"] = None if clock.running else clock.remaining_days
    return out


def _callback_due(done_at: Any, ctx: Context) -> int | None:
    return due_ms(done_at, CALLBACK_DAYS, ctx.calendar) if isinstance(done_at, int) else None


def _visits(leaves: Mapping[str, Any], ctx: Context, kept: Mapping[str, Any]) -> dict[str, Any]:
    """A home-service or site visit that ended is called back (a follow-up visit is one)."""
    ended = leaves.get("status") == "done" and leaves.get("kind") != "follow_up"
    return {"callback_due": _callback_due(leaves.get("ended_at"), ctx) if ended else None}


def _complaints(leaves: Mapping[str, Any], ctx: Context, kept: Mapping[str, Any]) -> dict[str, Any]:
    """``reply_due``: five working days after receipt, or, once the complaint has been sent
    back or reopened (``kept``: ``sync.cases.track_reply``), after ``reopened_at``.
    ``answered_at``: the reply that deadline asks for (the first ``replied_at``; after a
    reopening the new reply's time), None while it is owed. ``overdue``: answered after the
    deadline, or not answered and past it."""
    reopened = kept.get("reopened_at")
    if isinstance(reopened, int):
        answered = kept.get("answered_at")
        answered = int(answered) if isinstance(answered, int) else None
        start: Any = reopened
    else:
        reopened, start = None, leaves.get("received_at")
        replied = leaves.get("replied_at")
        answered = int(replied) if replied is not None else None
    if start is None:
        return {"reply_due": None, "overdue": False, "reopened_at": reopened,
                "answered_at": answered}
    due = due_ms(int(start), COMPLAINT_REPLY_DAYS, ctx.calendar)
    overdue = (answered if answered is not None else ctx.now) > due
    return {"reply_due": due, "overdue": overdue, "reopened_at": reopened, "answered_at": answered}


def _rectifications(leaves: Mapping[str, Any], ctx: Context,
                    kept: Mapping[str, Any]) -> dict[str, Any]:
    """``due_at``: ``due_days`` working days after the order's day; ``overdue``: still open
    past it, or first answered after it."""
    ordered, days = leaves.get("ordered_at"), leaves.get("due_days")
    if not isinstance(ordered, int) or not isinstance(days, int):
        return {"due_at": None, "overdue": False}
    due = due_ms(ordered, days, ctx.calendar)
    answered = [v for p, v in leaves.items()
                if p.startswith("responses.") and p.endswith(".at") and isinstance(v, int)]
    if leaves.get("status") in (None, "open", "overdue"):
        end: int | None = min(answered) if answered else ctx.now
    else:
        end = min(answered) if answered else None
    return {"due_at": due, "overdue": end is not None and end > due}


def _evaluations(leaves: Mapping[str, Any], ctx: Context, kept: Mapping[str, Any]) -> dict[str, Any]:
    rating = load().ratings.get(str(leaves.get("rating")))
    return {"points": int(rating["points"]) if rating else None}


#: What ``_answers`` makes of a leaf path: ``(item id, field)`` for ``items.<id>.<field>``,
#: None for a path not under ``items``, ``_OTHER`` for another shape under it. Inspections of
#: one template share their paths: each is split once, not once per write.
_ITEM_AT: dict[str, tuple[str, str] | None] = {}
_OTHER = ("", "")
_UNSEEN = ("", "", "")
_ITEM_AT_MAX = 100_000


def _item_at(path: str) -> tuple[str, str] | None:
    found: tuple[str, str] | None = None
    if path.startswith("items."):
        parts = path.split(".")
        found = (parts[1], parts[2]) if len(parts) == 3 else _OTHER
    if len(_ITEM_AT) >= _ITEM_AT_MAX:
        _ITEM_AT.clear()
    _ITEM_AT[path] = found
    return found


def _answers(leaves: Mapping[str, Any]) -> dict[str, Any]:
    """An inspection's ``items`` map from its leaves (``items.e1.count`` …)."""
    # Answers' leaves are items.<id>.<field>: built directly (what unflatten would build, in
    # another key order, which nothing reads); any other shape goes the general way.
    items: dict[str, Any] = {}
    known = _ITEM_AT
    for p, v in leaves.items():
        at = known.get(p, _UNSEEN)
        if at is _UNSEEN:
            at = _item_at(p)
        if at is None:
            continue
        if at is _OTHER:
            walked = unflatten({p: v for p, v in leaves.items() if p.startswith("items.")})
            return dict(walked.get("items", {}))
        answer = items.get(at[0])
        if answer is None:
            items[at[0]] = {at[1]: v}
        else:
            answer[at[1]] = v
    return items


def _template_of(leaves: Mapping[str, Any], ctx: Context) -> rubric.Checked | None:
    """The template the inspection names, validated (once, when ``ctx.rubrics`` has it)."""
    tid = leaves.get("template_id")
    if not isinstance(tid, str):
        return None
    checked = ctx.rubrics.get(tid)
    if checked is not None:
        return checked
    template = ctx.templates.get(tid)
    return None if template is None else rubric.check_template(template)


UNSCORED: dict[str, Any] = {"score": None, "vetoed": None, "sections": None, "unanswered": None}


def _inspections(leaves: Mapping[str, Any], ctx: Context, kept: Mapping[str, Any]) -> dict[str, Any]:
    """The score of the answers by the exact template version the inspection names.

    Null when that template is unknown (or, defensively, malformed: writes are checked by
    ``check`` so a stored inspection always fits its template). A re-inspection listing
    a non-empty ``item_ids`` is scored on those items only (``rubric.score_subset``).
    """
    checked = _template_of(leaves, ctx)
    if checked is None:
        return dict(UNSCORED)
    subset = leaves.get("item_ids")
    try:
        return rubric.score_checked(checked, _answers(leaves),
                                    subset if isinstance(subset, list) and subset else None)
    except Invalid:
        return dict(UNSCORED)


AWARD_NOTICE_DAYS = 3  # public notice (公示), working days
AWARD_YEARS = 2  # a title lasts two years, then is re-checked
RECHECK_NOTICE_MS = 60 * 86_400_000  # the re-check reminder starts 60 days before expiry


def _plus_years(ms: int, years: int) -> int:
    """The same China-time date and hour ``years`` later (29 February → 28 February)."""
    cst = dt.timezone(dt.timedelta(hours=8))
    at = dt.datetime.fromtimestamp(ms / 1000, cst)
    try:
        later = at.replace(year=at.year + years)
    except ValueError:
        later = at.replace(year=at.year + years, day=28)
    return int(later.timestamp() * 1000)


def _awards(leaves: Mapping[str, Any], ctx: Context, kept: Mapping[str, Any]) -> dict[str, Any]:
    started = leaves.get("notice_started_at")
    awarded = leaves.get("awarded_at")
    rechecked = leaves.get("recheck.at")
    expires = _plus_years(int(awarded), AWARD_YEARS) if awarded is not None else None
    # A re-check passed once the reminder is on renews the title for a term from the re-check
    # (only the latest re-check is kept, so each renewal is judged the same way).
    if expires is not None and rechecked is not None and leaves.get("recheck.passed") is True \
            and int(rechecked) >= expires - RECHECK_NOTICE_MS:
        expires = _plus_years(int(rechecked), AWARD_YEARS)
    due = expires is not None and leaves.get("status") == "awarded" \
        and ctx.now >= expires - RECHECK_NOTICE_MS \
        and not (rechecked is not None and int(rechecked) >= expires - RECHECK_NOTICE_MS)
    notice_end = due_ms(int(started), AWARD_NOTICE_DAYS, ctx.calendar) if started is not None else None
    return {"notice_ends_at": notice_end, "expires_at": expires, "recheck_due": due}


RULES: dict[str, Callable[[Mapping[str, Any], Context, Mapping[str, Any]], dict[str, Any]]] = {
    "cases": _cases,
    "complaints": _complaints,
    "evaluations": _evaluations,
    "inspections": _inspections,
    "rectifications": _rectifications,
    "visits": _visits,
    "awards": _awards,
}


@dataclass(frozen=True)
class Passed:
    """An inspection's leaves that passed ``check`` (these very leaves: compared by
    identity), with what that verdict depended on besides them: the validated template
    (``Context.rubrics``' object, by identity) and the inspection's county."""

    leaves: Mapping[str, Any]
    rubric: rubric.Checked
    county: str | None


#: An inspection's paths whose change can change the verdict on answers no op touched.
WHOLE = frozenset({"template_id", "template_version", "item_ids"})


def check_write(collection: str, leaves: Mapping[str, Any], ctx: Context, *,
                county: str | None = None, before: Passed | None = None,
                written: Iterable[str] = ()) -> tuple[dict[str, Any] | None, Passed | None]:
    """``check`` of ``leaves``, the record an op writing the paths ``written`` left, when
    ``before`` says what it was before that op: ``(scored, passed)``.

    ``check`` looks at every answer of an inspection (and scores them all); an op of the
    walk writes one field of one item. When ``before`` holds the leaves the op started
    from, judged by the same template object for the same county, and the op wrote no
    path of ``WHOLE`` (nor any but ``items.<id>.<field>`` under ``items``), every answer
    it did not touch passed before and is unchanged (``sync.merge`` changes the paths an op
    writes and no other): then only the touched items' answers are checked, in
    ``check_answers``' order, which raises exactly what ``check`` would raise; and the
    answers are not scored (``scored`` None: the caller scores the record once it is done
    with it). Otherwise this is ``check`` (``scored`` its result). ``passed`` (inspections
    that pass against a valid template) feeds the next op's ``before``."""
    if collection != "inspections":
        return check(collection, leaves, ctx, county=county), None
    if before is not None and before.county == county:
        items = _touched_items(written)
        if items is not None and _template_of(leaves, ctx) is before.rubric:
            answers = {iid: answer for iid, fields in items.items()
                       if (answer := _answer_at(leaves, iid, fields))}
            rubric.check_answers(before.rubric.template, answers, before.rubric.items,
                                 before.rubric.answer_checks)
            return None, Passed(leaves, before.rubric, county)
    scored, checked = _check_inspection(leaves, ctx, county)
    return scored, (Passed(leaves, checked, county)
                    if scored is not None and checked is not None else None)


def _touched_items(written: Iterable[str]) -> dict[str, set[str]] | None:
    """The items (and their fields) ``written`` sets; None when it sets anything that can
    change the verdict on other answers (``WHOLE``, or an ``items`` path of another shape)."""
    items: dict[str, set[str]] = {}
    for path in written:
        if path in WHOLE:
            return None
        if path.startswith("items."):
            parts = path.split(".")
            if len(parts) != 3:
                return None
            items.setdefault(parts[1], set()).add(parts[2])
    return items


def _answer_at(leaves: Mapping[str, Any], iid: str, written: set[str]) -> dict[str, Any]:
    """``_answers(leaves)[iid]``, for an item whose other fields passed ``check_answers``
    (so each is one of ``ANSWER_KEYS``) and whose fields ``written`` were just set."""
    answer: dict[str, Any] = {}
    for key in {*rubric.ANSWER_KEYS, *written}:
        path = f"items.{iid}.{key}"
        if path in leaves:
            answer[key] = leaves[path]
    return answer


def check(collection: str, leaves: Mapping[str, Any], ctx: Context, *,
          county: str | None = None) -> dict[str, Any] | None:
    """Checks beyond the schema on a record about to be stored; raises ``Invalid``.

    A template must be a valid rubric (``sections.…`` paths); an inspection's
    ``template_version`` must be the version of the template it names, its answers must fit
    that template's rules (``items.<id>.<field>``), and a re-inspection's ``item_ids`` must be
    items of it. With ``county`` (the inspection's), the template must be that county's. An
    inspection of a template the server does not know is taken as it is (its score stays null).

    Checking an inspection's answers is most of the work of scoring them, so an inspection
    that passes comes back scored: its computed fields, equal to ``compute`` of the same
    leaves (the caller may keep them instead of scoring again). Otherwise None.
    """
    if collection == "templates":
        # A draft may be saved before it has sections; what it has must be a valid rubric.
        rubric.validate_template({"sections": leaves.get("sections") or []})
    elif collection == "inspections":
        return _check_inspection(leaves, ctx, county)[0]
    return None


def _check_inspection(leaves: Mapping[str, Any], ctx: Context,
                      county: str | None) -> tuple[dict[str, Any] | None, rubric.Checked | None]:
    """``check`` of an inspection, with the validated template it was checked by."""
    checked = _template_of(leaves, ctx)
    if checked is None:
        return None, None
    template = checked.template
    if county is not None and template.get("county_id") not in (None, county):
        raise Invalid(f"template_id: {leaves.get('template_id')} is another county's template",
                      path="template_id")
    if checked.error is not None:
        return None, None  # a stored template from before validation: nothing to check against
    version = leaves.get("template_version")
    if version is not None and template.get("version") not in (None, version):
        raise Invalid(f"template_version: {leaves.get('template_id')} is version"
                      f" {template.get('version')}, not {version}", path="template_version")
    subset = leaves.get("item_ids")
    # Checks the answers (then, for a re-inspection, that item_ids are the template's).
    return rubric.score_checked(checked, _answers(leaves),
                                subset if isinstance(subset, list) and subset else None), checked


def compute(collection: str, leaves: Mapping[str, Any], ctx: Context,
            kept: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The computed top-level fields for a record of ``collection`` (may be empty).

    ``kept`` holds history the server keeps op by op (a case's ``pauses``): it cannot be
    recomputed from the merged leaves alone.
    """
    rule = RULES.get(collection)
    return rule(leaves, ctx, kept or {}) if rule else {}
