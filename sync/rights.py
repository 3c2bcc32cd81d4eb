"""Per-path write rights and state rules, read from ``schemas.json``, enforced in one place.

A collection's write right (``writers``) says who may write it at all. Beside it, the
schema may say, per field path:

- ``rights.<path>.writers``: only these roles may set that path (``forbidden``);
- ``rights.<path>.values.<value>``: only these roles may set the path to that value;
- ``rights.<path>.from.<stored>.<value>``: only these roles may move the path from that
  stored value to that value (a move, not every arrival at the value: a complaint sent
  back ``replied`` → ``open`` is the county's, a new one ``open`` is anyone's);
- ``transitions.<path>``: from the stored value (``""`` = new record or unset) to the
  values allowed next (``invalid_transition``, details ``from``, ``to``, ``allowed``);
- ``requires.<path>.<value>``: when the path holds that value after the op, these
  paths must be non-empty (``invalid`` naming the missing path);
- ``frozen``: when the *stored* record matches ``when``, ops touching ``paths``
  (``"*"`` = any, a delete included) are refused (``immutable``); with ``"resend": true``
  only ops changing them (a decision's text, sent again with a later op as it stands, is
  let through to the other rules);
- ``computed`` fields are the server's: never client-writable (``forbidden``).

Paths match by prefix on dot boundaries: ``review`` covers ``review.comment``.
Writing a value the record already holds changes nothing, so it is not judged by
``writers``, ``values`` or ``transitions`` (a phone resending an unchanged field is
not refused); ``frozen`` refuses any touch. The server's own writes (role ``system``:
the demo county, the sweep) are trusted: only the computed-field rule binds them.

``enforce`` is the one function the server calls for every op; the PWA reads the same
data to hide controls a role may not use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress, repeat
from operator import or_
from typing import Any, TypeVar

from .errors import Forbidden, Immutable, Invalid, InvalidTransition

SYSTEM = "system"
ANY = "*"
_PASSED_MAX = 50_000
_T = TypeVar("_T")


def covers(prefix: str, path: str) -> bool:
    """Whether ``prefix`` names ``path`` or an ancestor of it (dot boundaries; ``*`` = all)."""
    return prefix == ANY or path == prefix or path.startswith(prefix + ".")


@dataclass(frozen=True)
class Frozen:
    """Ops touching ``paths`` are refused while the stored record matches ``when``."""

    when: Mapping[str, frozenset[str]]
    paths: tuple[str, ...]
    resend: bool = False  # a value sent again as it stands is no touch


@dataclass(frozen=True)
class Rules:
    """One collection's per-path rights and state rules (empty when it has none)."""

    writers: Mapping[str, frozenset[str]] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)
    moves: Mapping[str, Mapping[str, Mapping[str, frozenset[str]]]] = field(default_factory=dict)
    transitions: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    requires: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    frozen: tuple[Frozen, ...] = ()
    computed: frozenset[str] = frozenset()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Rules:
        """Read the rule keys of one collection's entry in ``schemas.json``."""
        rights = doc.get("rights", {})
        return cls(
            writers={p: frozenset(r["writers"]) for p, r in rights.items() if "writers" in r},
            values={p: {v: frozenset(roles) for v, roles in r["values"].items()}
                    for p, r in rights.items() if "values" in r},
            moves={p: {src: {dst: frozenset(roles) for dst, roles in to.items()}
                       for src, to in r["from"].items()}
                   for p, r in rights.items() if "from" in r},
            transitions={p: {f: tuple(to) for f, to in t.items()}
                         for p, t in doc.get("transitions", {}).items()},
            requires={p: {v: tuple(need) for v, need in r.items()}
                      for p, r in doc.get("requires", {}).items()},
            frozen=tuple(Frozen({p: frozenset(vs) for p, vs in f["when"].items()},
                                tuple(f["paths"]), bool(f.get("resend", False)))
                         for f in doc.get("frozen", ())),
            computed=frozenset(doc.get("computed", ())),
        )

    # An op sets dozens of leaves (an inspection ~100) and each meets every rule: rules are
    # looked up by the path's first segment, the only ones that can cover it (besides "*").
    @cached_property
    def _writers_at(self) -> Mapping[str, tuple[tuple[str, frozenset[str]], ...]]:
        return _by_head(self.writers)

    @cached_property
    def _values_at(self) -> Mapping[str, tuple[tuple[str, Mapping[str, frozenset[str]]], ...]]:
        return _by_head(self.values)

    @cached_property
    def _computed_prefixes(self) -> tuple[str, ...]:
        return tuple(f"{name}." for name in self.computed)

    @cached_property
    def _not_computed(self) -> set[str]:
        """Paths written before that no computed field covers (``enforce``'s cache; paths
        of maps are open-ended, so it is bounded): an op writing only these passes that
        rule with one look-up of its paths, in C."""
        return set()

    @cached_property
    def _ruled_paths(self) -> tuple[frozenset[str], tuple[str, ...]]:
        """The paths a ``writers``, ``values`` or ``transitions`` rule can cover (``ruled``
        not None): those equal to one of the first set or starting with one of the prefixes."""
        heads = self.ruled or frozenset()
        return heads | frozenset(self.transitions), tuple(f"{head}." for head in heads)

    @cached_property
    def ruled(self) -> frozenset[str] | None:
        """The first segments of the paths a ``writers``, ``values`` or ``from`` rule names
        (None when one names every path, ``*``): only paths under them can break one."""
        heads = {prefix.partition(".")[0] for prefix in (*self.writers, *self.values, *self.moves)}
        return None if ANY in heads else frozenset(heads)

    def may_write(self, role: str, path: str) -> bool:
        """Whether ``role`` may set ``path`` at all (for clients hiding controls too)."""
        if role == SYSTEM:
            return True
        at = self._writers_at
        found, anywhere = at.get(path.partition(".")[0], ()), at.get(ANY, ())
        return (not found and not anywhere) or all(
            role in roles for prefix, roles in (*found, *anywhere) if covers(prefix, path))

    def may_set(self, role: str, path: str, value: Any) -> bool:
        """Whether ``role`` may set ``path`` to ``value``."""
        if role == SYSTEM or not isinstance(value, str):
            return True
        at = self._values_at
        found, anywhere = at.get(path.partition(".")[0], ()), at.get(ANY, ())
        return (not found and not anywhere) or all(
            role in by_value[value] for prefix, by_value in (*found, *anywhere)
            if covers(prefix, path) and value in by_value)

    def may_move(self, role: str, path: str, stored: Any, value: Any) -> bool:
        """Whether ``role`` may move ``path`` from its ``stored`` value to ``value`` (a
        ``from`` rule names the state path itself, as ``transitions`` do)."""
        if role == SYSTEM:
            return True
        roles = self.moves.get(path, {}).get(_text(stored), {}).get(_text(value))
        return roles is None or role in roles


def _by_head(rules: Mapping[str, _T]) -> dict[str, tuple[tuple[str, _T], ...]]:
    """Rules by their path's first segment (``*`` under itself), in their order: a rule can
    cover a path only if it is ``*`` or its first segment is the path's."""
    out: dict[str, tuple[tuple[str, _T], ...]] = {}
    for prefix, rule in rules.items():
        head = prefix.partition(".")[0]
        out[head] = (*out.get(head, ()), (prefix, rule))
    return out


def _text(value: Any) -> str:
    """A stored or written state value as the transition tables name it."""
    return "" if value is None else str(value)


def _blank(value: Any) -> bool:
    """Nothing said: None, text of only whitespace, or a list or object of such."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return all(_blank(v) for v in value)
    if isinstance(value, dict):
        return all(_blank(v) for v in value.values())
    return False


def _filled(leaves: Mapping[str, Any], path: str) -> bool:
    """Whether the record holds something said at ``path`` or under it (a reason of spaces,
    or a list of blank items, says nothing: a notice would print it empty)."""
    return any(covers(path, key) and not _blank(value) for key, value in leaves.items())


def enforce(rules: Rules, role: str, stored: Mapping[str, Any] | None,
            writes: Mapping[str, Any], *, delete: bool = False,
            merged: Mapping[str, Any] | None = None) -> None:
    """Raise the first rule ``role``'s op breaks, or return.

    ``stored`` is the record's leaves before the op (None for a new record), ``writes``
    the op's checked leaf paths, ``delete`` whether it deletes, and ``merged`` the
    leaves after merging (for ``requires``; omitted, that check is skipped).
    """
    before: Mapping[str, Any] = stored or {}
    # Every op of a push meets this: a rule kind the collection does not have costs nothing
    # (most collections have none but computed fields), and an op sets dozens of leaves (an
    # inspection ~100): the paths a rule can cover are picked out by scans that run in C.
    # A path passes the computed-field rule or not whatever else the op writes: those that
    # passed once are kept (a phone writes the same few dozen paths of a collection).
    if rules.computed and not rules._not_computed.issuperset(writes):
        if not rules.computed.isdisjoint(writes) or any(
                map(str.startswith, writes, repeat(rules._computed_prefixes))):
            for path in writes:
                if path.partition(".")[0] in rules.computed:
                    raise Forbidden(f"{path}: computed by the server, cannot be set",
                                    details={"path": path, "reason": "computed"})
        passed = rules._not_computed
        if len(passed) > _PASSED_MAX:
            passed.clear()
        passed.update(writes)
    if role == SYSTEM:
        return
    if stored is not None and rules.frozen:
        _check_frozen(rules, before, writes, delete)
    if not (rules.writers or rules.values or rules.moves or rules.transitions):
        candidates: Iterable[str] = ()
    elif rules.ruled is None:
        candidates = writes
    else:  # no writers, values or transitions rule can cover the other paths
        exact, prefixes = rules._ruled_paths
        candidates = compress(writes, map(or_, map(exact.__contains__, writes),
                                          map(str.startswith, writes, repeat(prefixes))))
    for path in candidates:
        value = writes[path]
        if stored is not None and before.get(path) == value:
            continue  # unchanged: not judged
        if not rules.may_write(role, path):
            allowed = sorted(set().union(*(roles for prefix, roles in rules.writers.items()
                                           if covers(prefix, path))))
            raise Forbidden(f"{path}: role {role} may not set this field",
                            details={"path": path, "role": role, "roles": allowed})
        if not rules.may_set(role, path, value):
            allowed = sorted(set().union(*(by_value[value] for prefix, by_value
                                           in rules.values.items()
                                           if covers(prefix, path) and value in by_value)))
            raise Forbidden(f"{path}: role {role} may not set it to {value!r}",
                            details={"path": path, "value": value, "role": role,
                                     "roles": allowed})
        if path in rules.moves and not rules.may_move(role, path, before.get(path), value):
            src = _text(before.get(path))
            raise Forbidden(f"{path}: role {role} may not move it from {src or '(new)'} to {value!r}",
                            details={"path": path, "from": src, "value": value, "role": role,
                                     "roles": sorted(rules.moves[path][src][_text(value)])})
        table = rules.transitions.get(path)
        if table is not None:
            src, dst = _text(before.get(path)), _text(value)
            allowed_to = table.get(src, ())
            if dst not in allowed_to:
                raise InvalidTransition(
                    f"{path}: cannot go from {src or '(new)'} to {dst or '(empty)'}",
                    details={"path": path, "from": src, "to": dst, "allowed": list(allowed_to)})
    if merged is not None and not delete and rules.requires:
        _check_requires(rules, writes, merged)


def _check_frozen(rules: Rules, before: Mapping[str, Any], writes: Mapping[str, Any],
                  delete: bool) -> None:
    for rule in rules.frozen:
        if not all(_text(before.get(p)) in values for p, values in rule.when.items()):
            continue
        touched = [p for p in writes if any(covers(f, p) for f in rule.paths)
                   and not (rule.resend and p in before and before[p] == writes[p])]
        if delete and ANY in rule.paths:
            touched.append("_deleted")
        if touched:
            state = {p: before.get(p) for p in rule.when}
            raise Immutable(f"{touched[0]}: the record is closed ({_describe(state)})",
                            details={"path": touched[0], "state": state})


def _describe(state: Mapping[str, Any]) -> str:
    return ", ".join(f"{p} = {v}" for p, v in state.items())


def _check_requires(rules: Rules, writes: Mapping[str, Any], merged: Mapping[str, Any]) -> None:
    # Judged when the op writes the state path or one of the paths it needs, so an old
    # record that predates a rule can still get unrelated edits (notes, photos).
    for path, by_value in rules.requires.items():
        value = merged.get(path)
        needs = by_value.get(_text(value), ()) if value is not None else ()
        if not needs:
            continue
        if not any(covers(path, w) or any(covers(n, w) for n in needs) for w in writes):
            continue
        for need in needs:
            if not _filled(merged, need):
                raise Invalid(f"{need}: required when {path} is {value}", path=need,
                              details={"when": {path: value}})
