"""Rubric arithmetic: validating templates and answers, and scoring inspections.

The contract is ``RUBRICS.md``; ``pwa/app/rubric.js`` is the same code in JavaScript and
both must agree to the hundredth, and reject the same input at the same path (a test
fuzzes them against each other). So the checks below run in a fixed order, and the first
failure is raised as ``Invalid`` naming its path (``sections.2.items.0.rule``,
``items.e1.rating``).

Numbers: template figures that become points (section ``points``, ``per``, ``cap``, a tier's
``add``, group caps, an item's ``points``) must be whole hundredths, so every contribution is
exact; measured values, targets and tier minimums may be any number. Each item's
contribution is rounded half-up to 0.01 (``Decimal``), then sums are exact.

Semantics fixed here where RUBRICS.md is silent:
- ``na`` (deduction items only) means "does not apply": no deduction, and the item counts as
  answered. A deduction item may say ``"na": false`` (it always applies: an answer ``na`` is
  then invalid); without it, N/A is allowed as RUBRICS.md says. When concurrent edits leave
  both ``na`` and ``count`` on an item, ``na`` wins.
- A veto item answered ``{"vetoed": false}`` is answered and vetoes nothing.
- A group's total is clamped to [-cap, cap] (a group of deductions loses at most its cap).
- Each rule takes only its own fields (a ``target`` on a deduction item is a mistake); a bonus
  item has either ``tiers`` or ``per``, and only a bonus by ``per`` takes a ``cap``.
- ``unanswered`` lists every item without its rule's answer (or ``na``), veto items included.
- ``score_subset`` (re-inspection) scores the template reduced to the chosen items: sections
  holding none of them are dropped; the others keep their mode, points and group caps.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import cached_property
from typing import Any

from .errors import Invalid

RULES = ("deduct_each", "deduct_per_incident", "proportional", "rating", "bonus", "veto")
DEDUCT = frozenset({"deduct_each", "deduct_per_incident"})
MODES = ("deduct", "earn", "bonus")
#: Rating answers as twentieths of an item's points (RUBRICS.md; same as schemas.json ratings).
RATINGS: dict[str, int] = {"very_satisfied": 20, "satisfied": 18, "fairly_satisfied": 15,
                           "average": 10, "dissatisfied": 0}
MAX_FIGURE = 1_000_000
MAX_COUNT = 10_000
KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

SECTION_KEYS = ("group_caps", "id", "items", "mode", "name", "points")
ITEM_KEYS = ("cap", "group", "id", "na", "per", "points", "rule", "target", "text", "tiers")
#: Per rule: the optional fields it takes and the ones it requires (bonus: tiers XOR per).
ALLOWED: dict[str, frozenset[str]] = {
    "deduct_each": frozenset({"per", "cap", "group", "na"}),
    "deduct_per_incident": frozenset({"per", "cap", "group", "na"}),
    "proportional": frozenset({"points", "target", "group"}),
    "rating": frozenset({"points", "group"}),
    "bonus": frozenset({"per", "cap", "tiers", "group"}),
    "veto": frozenset(),
}
REQUIRED: dict[str, frozenset[str]] = {
    "proportional": frozenset({"points", "target"}),
    "rating": frozenset({"points"}),
}
FIELD_ORDER = ("per", "cap", "target", "points", "tiers", "group", "na")
ANSWER_KEYS = ("count", "na", "note", "photos", "rating", "value", "vetoed")  # sorted: check_answers
#: The answer field each rule is scored from (bonus: by its shape).
ANSWER_OF: dict[str, str] = {"deduct_each": "count", "deduct_per_incident": "count",
                             "proportional": "value", "rating": "rating", "veto": "vetoed"}

Template = Mapping[str, Any]
Answers = Mapping[str, Any]


# -- numbers -------------------------------------------------------------------------------

def _is_num(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and math.isfinite(x))


def dec(x: int | float) -> Decimal:
    """A JSON number as the decimal it was written as (shortest repr, as JavaScript prints)."""
    return Decimal(x) if isinstance(x, int) else Decimal(repr(x))


def _hundredths(x: Any) -> bool:
    return (dec(x) * 100) % 1 == 0


def _figure(x: Any, path: str, *, points: bool = False, positive: bool = False) -> None:
    """A template number: finite, in [0, MAX_FIGURE], whole hundredths when it is points."""
    if not _is_num(x):
        raise Invalid(f"{path}: expected a number", path=path)
    if x < 0 or (positive and x == 0):
        raise Invalid(f"{path}: must be {'> 0' if positive else '≥ 0'}", path=path)
    if x > MAX_FIGURE:
        raise Invalid(f"{path}: must be ≤ {MAX_FIGURE}", path=path)
    if points and not _hundredths(x):
        raise Invalid(f"{path}: points are counted in hundredths (at most 2 decimals)", path=path)


def _round(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# -- templates -----------------------------------------------------------------------------

def validate_template(data: Any) -> None:
    """Raise ``Invalid`` (with the path) unless ``data`` is a well-formed rubric template.

    Checks: known rules and modes, figures non-negative (and in hundredths where they are
    points), the fields each rule needs and only those, tiers in ascending ``min``, every
    ``group`` capped in its section's ``group_caps``, unique section ids and item ids.
    """
    if not isinstance(data, Mapping):
        raise Invalid("a template must be an object", path="")
    sections = data.get("sections")
    if not isinstance(sections, list):
        raise Invalid("sections: expected an array", path="sections")
    section_ids: set[str] = set()
    item_ids: set[str] = set()
    for i, sec in enumerate(sections):
        _check_section(sec, f"sections.{i}", section_ids, item_ids)


def _unknown_keys(obj: Mapping[str, Any], known: tuple[str, ...], path: str) -> None:
    for key in sorted(obj):
        if key not in known:
            raise Invalid(f"{path}.{key}: unknown field", path=f"{path}.{key}")


def _check_id(obj: Mapping[str, Any], path: str, seen: set[str]) -> str:
    rid = obj.get("id")
    if not isinstance(rid, str) or not KEY.match(rid):
        raise Invalid(f"{path}.id: expected 1–64 letters, digits, '_' or '-'", path=f"{path}.id")
    if rid in seen:
        raise Invalid(f"{path}.id: duplicate id {rid!r}", path=f"{path}.id")
    seen.add(rid)
    return rid


def _check_section(sec: Any, path: str, section_ids: set[str], item_ids: set[str]) -> None:
    if not isinstance(sec, Mapping):
        raise Invalid(f"{path}: expected an object", path=path)
    _unknown_keys(sec, SECTION_KEYS, path)
    _check_id(sec, path, section_ids)
    if not isinstance(sec.get("name"), str):
        raise Invalid(f"{path}.name: expected a string", path=f"{path}.name")
    if sec.get("mode") not in MODES:
        raise Invalid(f"{path}.mode: must be one of {', '.join(MODES)}", path=f"{path}.mode")
    _figure(sec.get("points"), f"{path}.points", points=True)
    caps = sec.get("group_caps", {})
    if not isinstance(caps, Mapping):
        raise Invalid(f"{path}.group_caps: expected an object", path=f"{path}.group_caps")
    for name in sorted(caps):
        where = f"{path}.group_caps.{name}"
        if not KEY.match(name):
            raise Invalid(f"{where}: bad group name", path=where)
        _figure(caps[name], where, points=True)
    items = sec.get("items")
    if not isinstance(items, list):
        raise Invalid(f"{path}.items: expected an array", path=f"{path}.items")
    for j, item in enumerate(items):
        _check_item(item, f"{path}.items.{j}", item_ids, caps)


def _check_item(item: Any, path: str, seen: set[str], caps: Mapping[str, Any]) -> None:
    if not isinstance(item, Mapping):
        raise Invalid(f"{path}: expected an object", path=path)
    _unknown_keys(item, ITEM_KEYS, path)
    _check_id(item, path, seen)
    if not isinstance(item.get("text"), str):
        raise Invalid(f"{path}.text: expected a string", path=f"{path}.text")
    rule = item.get("rule")
    if not isinstance(rule, str) or rule not in ALLOWED:
        raise Invalid(f"{path}.rule: unknown rule {rule!r}; one of {', '.join(RULES)}",
                      path=f"{path}.rule", details={"allowed": list(RULES)})
    allowed, required = ALLOWED[rule], REQUIRED.get(rule, frozenset())
    for key in FIELD_ORDER:
        where = f"{path}.{key}"
        if key in item and key not in allowed:
            raise Invalid(f"{where}: not used by rule {rule}", path=where)
        if key in required and key not in item:
            raise Invalid(f"{where}: required by rule {rule}", path=where)
    if rule == "bonus":
        if ("tiers" in item) == ("per" in item):
            raise Invalid(f"{path}.per: a bonus item has either tiers or per", path=f"{path}.per")
        if "tiers" in item and "cap" in item:
            raise Invalid(f"{path}.cap: only a bonus by per takes a cap", path=f"{path}.cap")
    for key in FIELD_ORDER:
        if key in item:
            _check_field(key, item[key], f"{path}.{key}", caps)


def _check_field(key: str, value: Any, path: str, caps: Mapping[str, Any]) -> None:
    if key in ("per", "cap", "points"):
        _figure(value, path, points=True)
    elif key == "target":
        _figure(value, path, positive=True)
    elif key == "na":
        if not isinstance(value, bool):
            raise Invalid(f"{path}: expected true or false", path=path)
    elif key == "group":
        if not isinstance(value, str) or value not in caps:
            raise Invalid(f"{path}: group {value!r} has no cap in the section's group_caps",
                          path=path)
    else:  # tiers
        if not isinstance(value, list) or not value:
            raise Invalid(f"{path}: expected a non-empty array", path=path)
        last: int | float | None = None
        for k, tier in enumerate(value):
            where = f"{path}.{k}"
            if not isinstance(tier, Mapping):
                raise Invalid(f"{where}: expected an object", path=where)
            _unknown_keys(tier, ("add", "min"), where)
            _figure(tier.get("min"), f"{where}.min")
            _figure(tier.get("add"), f"{where}.add", points=True)
            if last is not None and tier["min"] <= last:
                raise Invalid(f"{where}.min: tiers must go up by min", path=f"{where}.min")
            last = tier["min"]


@dataclass(frozen=True)
class Checked:
    """A template validated once: its data, and the ``Invalid`` it raised if it is not a
    valid rubric. Score many inspections by it with ``score_checked`` without validating the
    template again (a 120-item rubric takes longer to validate than to score). The caller
    keeps it only as long as the template data cannot change (see ``server.store.records``:
    cached by the stored text)."""

    template: Mapping[str, Any]
    error: Invalid | None

    @cached_property
    def items(self) -> dict[str, Mapping[str, Any]]:
        """``items_of`` the template (valid ones only)."""
        return items_of(self.template)

    @cached_property
    def answer_checks(self) -> dict[str, dict[str, Callable[[Any], bool]]]:
        """Per item (valid templates only): each answer field it takes, with a test of a
        non-null value that is True only when ``check_answers`` passes that field of that
        item; fields missing here are judged the long way (``check_answers``' fast path)."""
        out: dict[str, dict[str, Callable[[Any], bool]]] = {}
        for iid, item in self.items.items():
            scored = _answer_key(item)
            tests = {key: _VALUE_OK[key] for key in ANSWER_KEYS
                     if key not in _SCORED_KEYS or key == scored}
            if item["rule"] not in DEDUCT:
                del tests["na"]
            elif item.get("na") is False:
                tests["na"] = _is_false
            out[iid] = tests
        return out

    @cached_property
    def plan(self) -> _Plan:
        """The template's figures as decimals, once (valid ones only), for ``_score_plan``."""
        return _Plan(tuple(
            (sec["id"], dec(sec["points"]), sec["mode"] == "deduct",
             {name: dec(cap) for name, cap in sec.get("group_caps", {}).items()},
             tuple((item["id"], item["rule"], _answer_key(item), item.get("group"), item)
                   for item in sec["items"]))
            for sec in self.template["sections"]), {})


_PlanItem = tuple[str, str, str, Any, Mapping[str, Any]]  # id, rule, answer key, group, item
_PlanSection = tuple[str, Decimal, bool, dict[str, Decimal], tuple[_PlanItem, ...]]
_MEMO_MAX = 20_000


@dataclass(frozen=True)
class _Plan:
    """A valid template ready to score: per section its id, points, whether it deducts,
    group caps and items; and the contributions worked out so far, by item and answer (the
    same answer to the same item always contributes the same: inspections of one template
    share most of them)."""

    sections: tuple[_PlanSection, ...]
    memo: dict[tuple[str, bool, type, Any], Decimal]


def check_template(template: Any) -> Checked:
    """Validate ``template`` once (``validate_template``), keeping the outcome."""
    try:
        validate_template(template)
    except Invalid as err:
        return Checked(template, err)
    return Checked(template, None)


def items_of(template: Template) -> dict[str, Mapping[str, Any]]:
    """Every item of a (valid) template by id, in template order."""
    return {item["id"]: item for sec in template["sections"] for item in sec["items"]}


def total(template: Template) -> float:
    """The most a (valid) template can score: the sum of its sections' points."""
    return float(sum((dec(s["points"]) for s in template["sections"]), Decimal(0)))


def most(template: Template) -> float:
    """The most the items of a (valid) template can reach together: each item at its best
    (no lapse; very satisfied; the target met; the highest tier; ``per`` × the largest
    count, at most its cap), group caps applied, each section clamped to [0, points].

    For a whole rubric ``total`` is the figure to show (its nominal points: "out of 100");
    for a re-inspection of some items (``subset``) this is: a deduction section keeps its
    points (nothing deducted), but an earning section holding one 5-point item of 15 can
    reach 5, not 15."""
    out = Decimal(0)
    for sec in template["sections"]:
        points = dec(sec["points"])
        caps = sec.get("group_caps", {})
        groups: dict[str, Decimal] = {}
        loose = Decimal(0)
        for item in sec["items"]:
            best = _best(item)
            if "group" in item:
                groups[item["group"]] = groups.get(item["group"], Decimal(0)) + best
            else:
                loose += best
        for name, sum_ in groups.items():
            loose += min(dec(caps[name]), sum_)
        start = points if sec["mode"] == "deduct" else Decimal(0)
        out += max(Decimal(0), min(points, start + loose))
    return float(out)


def _best(item: Mapping[str, Any]) -> Decimal:
    """An item's largest contribution (never below 0: a deduction at best takes nothing)."""
    rule = item["rule"]
    if rule in ("proportional", "rating"):
        return _round(dec(item["points"]))
    if rule == "bonus":
        if "tiers" in item:  # tiers go up by min: each is reached by a value at its min
            return _round(max(dec(t["add"]) for t in item["tiers"]))
        amount = dec(item["per"]) * MAX_COUNT
        return _round(min(amount, dec(item["cap"])) if "cap" in item else amount)
    return Decimal(0)


# -- answers -------------------------------------------------------------------------------

def _answer_key(item: Mapping[str, Any]) -> str:
    rule = item["rule"]
    if rule == "bonus":
        return "value" if "tiers" in item else "count"
    return ANSWER_OF[rule]


def check_answers(template: Template, items: Any,
                  known: Mapping[str, Mapping[str, Any]] | None = None,
                  fast: Mapping[str, Mapping[str, Callable[[Any], bool]]] | None = None) -> None:
    """Raise ``Invalid`` unless every answer fits its item's rule (``template`` is valid).

    Unknown item ids are invalid; a field another rule uses (a rating on a deduction item)
    is invalid at ``items.<id>.<field>``; ``na`` only on deduction items. Null fields are
    unset and ignored.
    """
    if items is None:
        return
    if not isinstance(items, Mapping):
        raise Invalid("items: expected an object", path="items")
    if known is None:  # else: items_of(template), worked out before
        known = items_of(template)
    tests: Mapping[str, Callable[[Any], bool]] | None
    for iid in sorted(items):
        answer = items[iid]
        # ``fast`` (``Checked.answer_checks``): an answer whose every field passes its item's
        # test passes every check below; any other is judged by them (and its error raised).
        if fast is not None and type(answer) is dict and (tests := fast.get(iid)) is not None:
            for key, value in answer.items():
                test = tests.get(key)
                if test is None:  # another rule's field (fine when null) or an unknown one
                    if value is None and key in _ANSWER_KEY_SET:
                        continue
                    break
                if value is not None and not test(value):
                    break
            else:
                continue
        # Paths are spelled out only for an error: an inspection has dozens of answers.
        if iid not in known:
            raise Invalid(f"items.{iid}: no such item in the template", path=f"items.{iid}")
        if answer is None:
            continue
        if type(answer) is not dict and not isinstance(answer, Mapping):
            raise Invalid(f"items.{iid}: expected an object", path=f"items.{iid}")
        if not _ANSWER_KEY_SET.issuperset(answer):
            _unknown_keys(answer, ANSWER_KEYS, f"items.{iid}")
        item = known[iid]
        scored = _answer_key(item)
        # Every key is one of ANSWER_KEYS (checked above), which is in sorted order: the
        # answer's own keys sorted are the same scan without looking up the absent ones.
        for key in sorted(answer):
            value = answer[key]
            if value is None:
                continue
            if key in _SCORED_KEYS and key != scored:
                where = f"items.{iid}.{key}"
                raise Invalid(f"{where}: item {iid} ({item['rule']}) is not answered by {key}",
                              path=where)
            if key == "na" and item["rule"] not in DEDUCT:
                where = f"items.{iid}.{key}"
                raise Invalid(f"{where}: only deduction items can be not applicable", path=where)
            if key == "na" and value is True and item.get("na") is False:
                where = f"items.{iid}.{key}"
                raise Invalid(f"{where}: item {iid} cannot be not applicable", path=where)
            if not _answer_value_ok(key, value):
                where = f"items.{iid}.{key}"
                raise Invalid(f"{where}: not a valid {key}", path=where)


_ANSWER_KEY_SET = frozenset(ANSWER_KEYS)
_SCORED_KEYS = frozenset({"count", "value", "rating", "vetoed"})


def _is_false(value: Any) -> bool:
    return value is False


def _count_ok(value: Any) -> bool:
    return _answer_value_ok("count", value)


def _number_ok(value: Any) -> bool:
    return _answer_value_ok("value", value)


def _rating_ok(value: Any) -> bool:
    return isinstance(value, str) and value in RATINGS


#: ``_answer_value_ok`` by field (type tests in C where that is all it is)
_VALUE_OK: dict[str, Callable[[Any], bool]] = {
    "count": _count_ok, "value": _number_ok, "rating": _rating_ok,
    "vetoed": bool.__instancecheck__, "na": bool.__instancecheck__,
    "note": str.__instancecheck__, "photos": list.__instancecheck__}


def _answer_value_ok(key: str, value: Any) -> bool:
    if key == "count":
        # 2.0 is a whole count: JSON does not tell them apart and JavaScript cannot either
        return _is_num(value) and value == int(value) and 0 <= value <= MAX_COUNT
    if key == "value":
        return _is_num(value) and 0 <= value <= MAX_FIGURE
    if key == "rating":
        return isinstance(value, str) and value in RATINGS
    if key in ("vetoed", "na"):
        return isinstance(value, bool)
    if key == "note":
        return isinstance(value, str)
    return isinstance(value, list)  # photos


# -- scoring -------------------------------------------------------------------------------

def _contribution(item: Mapping[str, Any], answer: Mapping[str, Any]) -> Decimal:
    """One item's signed contribution, rounded half-up to 0.01."""
    rule = item["rule"]
    if rule in DEDUCT:
        if answer.get("na") is True or answer.get("count") is None:
            return Decimal(0)
        amount = dec(item.get("per", 1)) * dec(answer["count"])
        if "cap" in item:
            amount = min(amount, dec(item["cap"]))
        return -_round(amount)
    if rule == "proportional":
        value = answer.get("value")
        if value is None:
            return Decimal(0)
        points = dec(item["points"])
        if value >= item["target"]:
            return _round(points)
        with localcontext() as ctx:
            ctx.prec = 80  # far more than any quotient here needs to decide a half
            share = points * dec(value) / dec(item["target"])
        return _round(share)
    if rule == "rating":
        rating = answer.get("rating")
        if rating is None:
            return Decimal(0)
        return _round(dec(item["points"]) * RATINGS[rating] / 20)
    if rule == "bonus":
        if "tiers" in item:
            value = answer.get("value")
            add: int | float = 0
            for tier in item["tiers"]:
                if value is not None and tier["min"] <= value:
                    add = tier["add"]
            return _round(dec(add))
        count = answer.get("count")
        if count is None:
            return Decimal(0)
        amount = dec(item["per"]) * dec(count)
        if "cap" in item:
            amount = min(amount, dec(item["cap"]))
        return _round(amount)
    return Decimal(0)  # veto: nothing to the score


def _answered(item: Mapping[str, Any], answer: Mapping[str, Any] | None) -> bool:
    if answer is None:
        return False
    if item["rule"] in DEDUCT and answer.get("na") is True:
        return True
    return answer.get(_answer_key(item)) is not None


def _score(template: Template, items: Answers) -> dict[str, Any]:
    score = Decimal(0)
    vetoed = False
    sections: dict[str, float] = {}
    unanswered: list[str] = []
    for sec in template["sections"]:
        points = dec(sec["points"])
        caps = sec.get("group_caps", {})
        groups: dict[str, Decimal] = {}
        loose = Decimal(0)
        for item in sec["items"]:
            answer = items.get(item["id"])
            if not _answered(item, answer):
                unanswered.append(item["id"])
                continue
            assert answer is not None
            if item["rule"] == "veto" and answer.get("vetoed") is True:
                vetoed = True
            part = _contribution(item, answer)
            if "group" in item:
                groups[item["group"]] = groups.get(item["group"], Decimal(0)) + part
            else:
                loose += part
        for name, sum_ in groups.items():
            cap = dec(caps[name])
            loose += max(-cap, min(cap, sum_))
        start = points if sec["mode"] == "deduct" else Decimal(0)
        value = max(Decimal(0), min(points, start + loose))
        sections[sec["id"]] = float(value)
        score += value
    return {"score": float(score), "vetoed": vetoed, "sections": sections,
            "unanswered": unanswered}


def _score_plan(plan: _Plan, items: Answers) -> dict[str, Any]:
    """``_score`` of the template ``plan`` was made from: the same result, figure for figure."""
    score = Decimal(0)
    vetoed = False
    sections: dict[str, float] = {}
    unanswered: list[str] = []
    memo = plan.memo
    for sid, points, deducts, caps, plan_items in plan.sections:
        groups: dict[str, Decimal] = {}
        loose = Decimal(0)
        for iid, rule, key, group, item in plan_items:
            answer = items.get(iid)
            if answer is None:
                unanswered.append(iid)
                continue
            na = rule in DEDUCT and answer.get("na") is True
            given = answer.get(key)
            if given is None and not na:
                unanswered.append(iid)
                continue
            if rule == "veto" and given is True:
                vetoed = True
            memo_key = (iid, na, type(given), given)
            part = memo.get(memo_key)
            if part is None:
                part = _contribution(item, answer)
                if len(memo) >= _MEMO_MAX:
                    memo.clear()
                memo[memo_key] = part
            if group is not None:
                groups[group] = groups.get(group, Decimal(0)) + part
            else:
                loose += part
        for name, sum_ in groups.items():
            cap = caps[name]
            loose += max(-cap, min(cap, sum_))
        start = points if deducts else Decimal(0)
        value = max(Decimal(0), min(points, start + loose))
        sections[sid] = float(value)
        score += value
    return {"score": float(score), "vetoed": vetoed, "sections": sections,
            "unanswered": unanswered}


def score(template: Any, items: Any) -> dict[str, Any]:
    """Score an inspection's answers against a template (RUBRICS.md).

    Returns ``{"score", "vetoed", "sections", "unanswered"}``: the total, whether any veto
    item is vetoed, each section's score by id, and the ids of unanswered items in template
    order. Raises ``Invalid`` (with the path) for a malformed template or answers.
    """
    return score_checked(check_template(template), items)


def score_checked(checked: Checked, items: Any, item_ids: Iterable[str] | None = None) -> dict[str, Any]:
    """``score`` (or, with ``item_ids``, ``score_subset``) by a template validated before:
    raises its ``Invalid`` if it was not valid, else checks the answers and scores them."""
    if checked.error is not None:
        raise checked.error
    template = checked.template
    check_answers(template, items, checked.items, checked.answer_checks)
    if item_ids is not None:
        reduced = subset(template, item_ids)
        wanted = {i["id"] for s in reduced["sections"] for i in s["items"]}
        return _score(reduced, {k: v for k, v in (items or {}).items()
                                if k in wanted and v is not None})
    answers: Answers = {k: v for k, v in (items or {}).items() if v is not None}
    return _score_plan(checked.plan, answers)


def subset(template: Template, item_ids: Iterable[str]) -> dict[str, Any]:
    """The template reduced to ``item_ids`` (sections holding none of them dropped)."""
    ids = [] if isinstance(item_ids, str) else list(item_ids)
    if isinstance(item_ids, str) or not all(isinstance(iid, str) for iid in ids):
        raise Invalid("item_ids: expected an array of item ids", path="item_ids")
    wanted = set(ids)
    known = items_of(template)
    for iid in sorted(wanted):
        if iid not in known:
            raise Invalid(f"item_ids: no item {iid!r} in the template", path="item_ids")
    sections = []
    for sec in template["sections"]:
        kept = [item for item in sec["items"] if item["id"] in wanted]
        if kept:
            sections.append({**sec, "items": kept})
    return {**template, "sections": sections}


def score_subset(template: Any, items: Any, item_ids: Iterable[str]) -> dict[str, Any]:
    """Score a re-inspection that looks only at ``item_ids`` (e.g. a rectification's items).

    The answers are checked against the whole template; then the template reduced to those
    items (see ``subset``) is scored with the answers to those items only.
    """
    return score_checked(check_template(template), items, item_ids)
