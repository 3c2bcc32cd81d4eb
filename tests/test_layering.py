"""The layering the README promises, checked on the source: SQL only in ``server/store``,
imports among ``sync/`` and ``server/`` without circles, ``sync/`` pure of ``server/``,
and scripts and tests that import one way (scripts use ``tests.support``; no ``sys.path``)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sync", "server")
STORE = ROOT / "server" / "store"
EXECUTE = frozenset({"execute", "executemany", "executescript"})
# Transaction control is the writer's and the readers' job; every other statement is the store's.
TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b")
SQL = re.compile(r"\b(SELECT\s[\s\S]*?\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
                 r"|CREATE\s+(?:TABLE|INDEX|TRIGGER|UNIQUE\s+INDEX))\b")


def sources(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _text(node: ast.AST) -> str | None:
    """The text of a string literal or the literal parts of an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values
                       if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return None


def _writer_call(call: ast.Call) -> bool:
    """``writer.execute(fn)``: the writer running a function (of the store), not SQL."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    name = receiver.attr if isinstance(receiver, ast.Attribute) else \
        receiver.id if isinstance(receiver, ast.Name) else ""
    return name == "writer" or isinstance(call.args[0], ast.Lambda)


def sql_outside_store(source: str) -> list[str]:
    """Every place in ``source`` that runs or spells SQL (for a module outside the store)."""
    found = []
    tree = ast.parse(source)
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and n.body and isinstance(n.body[0], ast.Expr)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in EXECUTE and node.args and not _writer_call(node):
            text = _text(node.args[0])
            if text is None or not TRANSACTION.match(text):
                found.append(f"line {node.lineno}: {node.func.attr}({ast.unparse(node.args[0])[:60]})")
        elif isinstance(node, ast.Constant | ast.JoinedStr) and id(node) not in docstrings:
            text = _text(node)
            if text and SQL.search(text):
                found.append(f"line {node.lineno}: {text[:60]!r}")
    return found


def test_layering_sql_runs_only_in_the_store() -> None:
    offenders = {}
    for path in sources(*PACKAGES):
        if STORE in path.parents:
            continue
        found = sql_outside_store(path.read_text("utf-8"))
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}, "SQL outside server/store:\n" + "\n".join(
        f"  {p}: {f}" for p, fs in offenders.items() for f in fs)


def test_layering_sql_check_catches_sql_in_any_form() -> None:
    assert sql_outside_store('conn.execute("SELECT 1 FROM users WHERE id=?", (x,))')
    assert sql_outside_store('conn.executemany(sql, rows)')  # a statement built elsewhere
    assert sql_outside_store('q = f"UPDATE devices SET revoked_at=? WHERE {where}"')
    assert sql_outside_store('SCHEMA = "CREATE TABLE IF NOT EXISTS t (a)"')
    assert sql_outside_store('conn.executescript("DELETE FROM t")')
    assert not sql_outside_store('conn.execute("BEGIN IMMEDIATE")\nconn.execute("RELEASE one")')
    assert not sql_outside_store('fs.writer.execute(register)\nw.execute(lambda c: f(c))')
    assert not sql_outside_store('def f():\n    """Select the rows, then update the page."""')


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports (at top level or inside functions)."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            for alias in node.names:
                sub = f"{stem}.{alias.name}"
                out.add(sub if sub in known else stem)
    return {m for m in out if m in known and m != me}


def import_graph() -> dict[str, set[str]]:
    paths = list(sources(*PACKAGES))
    known = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, known) for p in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` (as a path that returns to its start), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_layering_modules_import_one_another_without_circles() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_layering_cycle_check_finds_a_circle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_layering_sync_is_pure_of_server_and_the_store_of_the_web() -> None:
    graph = import_graph()
    for module, deps in graph.items():
        if module.startswith("sync"):
            assert not {d for d in deps if d.startswith("server")}, (module, deps)
        if module.startswith("server.store"):
            web = {d for d in deps if d.startswith(("server.api", "server.app", "server.http",
                                                    "server.state", "server.demo"))}
            assert not web, (module, web)
    for path in sources(*PACKAGES):
        tree = ast.parse(path.read_text("utf-8"))
        names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {(n.module or "").split(".")[0] for n in ast.walk(tree)
                  if isinstance(n, ast.ImportFrom) and not n.level}
        if module_name(path).startswith("sync"):
            assert not names & {"sqlite3", "starlette", "server", "httpx", "os"}, (path, names)
        if module_name(path).startswith("server.store"):
            assert "starlette" not in names, path


def test_layering_scripts_use_tests_support_one_way_without_sys_path() -> None:
    for path in sources("scripts", "tests"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "path" \
                    and isinstance(node.value, ast.Name) and node.value.id == "sys":
                raise AssertionError(f"{path.relative_to(ROOT)}:{node.lineno} edits or reads sys.path")
            if path.is_relative_to(ROOT / "tests") and isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                    [a.name for a in node.names]
                assert not any(n == "scripts" or n.startswith("scripts.") for n in names), \
                    f"{path.relative_to(ROOT)}:{node.lineno} imports scripts/ (tests must not)"
