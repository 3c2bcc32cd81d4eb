"""Rubric test data shared by the Python and the JavaScript scorers' tests: the contract's
vectors (``../shared/rubric-vectors.json``, copied into ``tests/data``), our own hand-worked
vectors, and a random template/answers generator for fuzzing the two scorers against each
other.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

from sync import rubric
from sync.errors import Invalid

DATA = Path(__file__).resolve().parents[1] / "data"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text("utf-8"))


def mutate(template: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``template`` with dotted paths set (``None`` removes the key)."""
    out = copy.deepcopy(template)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node: Any = out
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return out


def contract_cases() -> list[dict[str, Any]]:
    """The shared vectors as (template, answers, expect) cases."""
    doc = load("rubric-vectors.json")
    return [{"name": c["name"], "template": doc["template"], "answers": c["answers"],
             "expect": c["expect"]} for c in doc["cases"]]


def extra_cases() -> list[dict[str, Any]]:
    """Our vectors, templates resolved and mutations applied."""
    doc = load("rubric_vectors_extra.json")
    out = []
    for c in doc["cases"]:
        template = mutate(doc["templates"][c["template"]], c.get("mutate", {}))
        out.append({**c, "template": template})
    return out


def run_python(case: dict[str, Any]) -> dict[str, Any]:
    """What the Python scorer says about a case: its result, or ``{"reject": path}``."""
    try:
        if "subset" in case:
            return rubric.score_subset(case["template"], case["answers"], case["subset"])
        return rubric.score(case["template"], case["answers"])
    except Invalid as err:
        return {"reject": err.path}


def expected(case: dict[str, Any]) -> dict[str, Any]:
    return {"reject": case["reject"]} if "reject" in case else dict(case["expect"])


def same(got: dict[str, Any], want: dict[str, Any]) -> bool:
    """Equal, where ``want`` may leave ``unanswered`` out (the contract's vectors do)."""
    return all(got.get(k) == v for k, v in want.items()) and set(want) <= set(got)


# -- random templates and answers (faults included) -------------------------------------------

FIGURES = (0, 0.01, 0.05, 0.1, 0.25, 0.3, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 10, 12.34, 20, 100)
ODD = (-1, -0.01, 0.333, 0.005, 1e-7, "5", None, True, 1e7, float("1e21"))
VALUES = (0, 0.0005, 0.004999, 0.005, 0.015, 0.025, 0.1005, 0.125, 0.5, 0.93, 1, 1.005, 2, 2.675,
          3, 7, 9.99, 10, 87.5, 99.995, 100, 1500, 4999, 5000, 123456.789, 1e6)


def _fig(r: random.Random, faults: float) -> Any:
    if r.random() < faults:
        return r.choice(ODD)
    if r.random() < 0.3:
        return round(r.uniform(0, 50), 2)
    return r.choice(FIGURES)


def random_template(r: random.Random, faults: float = 0.03) -> dict[str, Any]:
    """A template, valid most of the time; ``faults`` is the chance of each kind of mistake."""
    sections = []
    n_items = 0
    for s in range(r.randint(1, 4)):
        caps = {g: _fig(r, faults) for g in r.sample(["g", "h", "k"], r.randint(0, 2))}
        items = []
        for _ in range(r.randint(0, 6)):
            n_items += 1
            rule = r.choice(rubric.RULES) if r.random() > faults else r.choice(["deduct", "Bonus", 3])
            item: dict[str, Any] = {"id": f"i{n_items}", "text": "检查项", "rule": rule}
            if r.random() < faults:
                item["id"] = r.choice(["i1", "x.y", "", 7])
            if rule in rubric.DEDUCT:
                if r.random() < 0.7:
                    item["per"] = _fig(r, faults)
                if r.random() < 0.4:
                    item["cap"] = _fig(r, faults)
                if r.random() < 0.2:  # an item that always applies (or says N/A is allowed)
                    item["na"] = r.choice([False, True]) if r.random() > faults else "no"
            elif rule in ("proportional", "rating"):
                item["points"] = _fig(r, faults)
                if rule == "proportional" and r.random() > faults:
                    targets = [1, 3, 7, 8, 100, 0.5, 1000, 33.3, round(r.uniform(0.01, 500), r.randint(0, 4))]
                    item["target"] = (r.choice(targets) or 1) if r.random() > faults else 0
            elif rule == "bonus":
                if r.random() < 0.5:
                    mins = sorted(r.sample([0, 1, 10, 100, 1500, 5000, 10000, 2.5], r.randint(1, 4)))
                    if r.random() < faults:
                        mins.reverse()
                    item["tiers"] = [{"min": m, "add": _fig(r, faults)} for m in mins]
                else:
                    item["per"] = _fig(r, faults)
                    if r.random() < 0.4:
                        item["cap"] = _fig(r, faults)
            if caps and r.random() < 0.4 and rule != "veto":
                item["group"] = r.choice(list(caps))
            if r.random() < faults:
                item[r.choice(["group", "target", "points", "tiers", "na", "extra"])] = r.choice(
                    [1, "zz", [], False])
            items.append(item)
        sec: dict[str, Any] = {"id": f"S{s}", "name": f"第{s}部分",
                               "mode": r.choice(rubric.MODES) if r.random() > faults else "sum",
                               "points": _fig(r, faults), "items": items}
        if caps:
            sec["group_caps"] = caps
        if r.random() < faults:
            sec["id"] = "S0"
        sections.append(sec)
    return {"name": "随机", "version": 1, "sections": sections}


def _value(r: random.Random) -> float | int:
    """A measured figure: an edge case, or a decimal with up to 6 places (rounding traps)."""
    return r.choice(VALUES) if r.random() < 0.5 else round(r.uniform(0, 2000), r.randint(0, 6))


def random_answers(r: random.Random, template: dict[str, Any], faults: float = 0.03) -> Any:
    """Answers to some items of ``template`` (by the shape of its items), sometimes wrong."""
    out: dict[str, Any] = {}
    items = [i for s in template.get("sections", []) if isinstance(s, dict)
             for i in s.get("items", []) if isinstance(i, dict) and isinstance(i.get("id"), str)]
    for item in items:
        if r.random() < 0.25:
            continue
        rule = item.get("rule")
        answer: dict[str, Any]
        if rule in rubric.DEDUCT:
            answer = {"na": True} if r.random() < 0.1 else {"count": r.choice([0, 1, 2, 3, 5, 9, 40])}
        elif rule in ("proportional",) or (rule == "bonus" and "tiers" in item):
            answer = {"value": _value(r)}
        elif rule == "rating":
            answer = {"rating": r.choice(list(rubric.RATINGS))}
        elif rule == "bonus":
            answer = {"count": r.choice([0, 1, 2, 3, 7, 100])}
        else:
            answer = {"vetoed": r.random() < 0.3}
        if r.random() < 0.1:
            answer["note"] = "备注"
        if r.random() < faults:
            answer[r.choice(["count", "value", "rating", "vetoed", "na", "bogus"])] = r.choice(
                [1, -1, 2.5, "satisfied", True, None])
        out[str(item["id"])] = answer
    if r.random() < faults:
        out["nope"] = {"count": 1}
    if r.random() < faults / 3:
        return r.choice([[], "x", 3])
    return out
