"""Every error code the server can send is in ``server.errors.CODES``, with one status; OpenAPI
and ``docs/errors.md`` list exactly the table's codes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import server.app  # noqa: F401  (imports every module that defines or raises errors)
from server.errors import CODES, WebError, status_of
from server.openapi import document
from sync.errors import FieldsyncError

ROOT = Path(__file__).resolve().parents[1]


def codes_in(source: str) -> set[str]:
    """Error codes spelled in ``source``: a class's ``code = "…"``, a ``code="…"`` argument,
    and the values of a ``codes = {…}`` mapping."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == "code" for t in stmt.targets) \
                        and isinstance(stmt.value, ast.Constant):
                    found.add(stmt.value.value)
        elif isinstance(node, ast.keyword) and node.arg == "code" \
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            found.add(node.value.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "codes":
            found |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "codes"
                                                  for t in node.targets) \
                and isinstance(node.value, ast.Dict):
            found |= {v.value for v in node.value.values if isinstance(v, ast.Constant)}
    return found


def sent_codes() -> dict[str, set[str]]:
    """Code -> the files that spell it, over sync/ and server/ (the table itself left out)."""
    out: dict[str, set[str]] = {}
    for path in sorted([*ROOT.joinpath("sync").rglob("*.py"), *ROOT.joinpath("server").rglob("*.py")]):
        if path == ROOT / "server" / "errors.py":
            continue
        for code in codes_in(path.read_text("utf-8")):
            out.setdefault(code, set()).add(str(path.relative_to(ROOT)))
    return out


def subclasses(cls: type[FieldsyncError]) -> set[type[FieldsyncError]]:
    out = set(cls.__subclasses__())
    for sub in list(out):
        out |= subclasses(sub)
    return out


def test_errors_table_holds_every_code_the_server_sends() -> None:
    sent = sent_codes()
    assert {"too_many_ops", "invalid_cursor", "already_resolved", "bad_range", "not_found",
            "method_not_allowed", "client_disconnected"} <= set(sent)  # the scan sees them
    missing = {code: files for code, files in sent.items() if code not in CODES}
    assert missing == {}, f"codes sent but not in server.errors.CODES: {missing}"
    for cls in subclasses(FieldsyncError):
        assert cls.code in CODES, cls


def test_errors_table_scan_finds_codes_in_every_form() -> None:
    source = '''
class Gone(WebError):
    code = "gone_away"
raise BadRequest("x", code="made_up")
codes = {404: "nowhere"}
err = X(codes.get(status, "fallback"))
'''
    assert codes_in(source) == {"gone_away", "made_up", "nowhere", "fallback"}


def test_errors_table_statuses_are_client_or_server_errors() -> None:
    for code, (status, means) in CODES.items():
        assert re.fullmatch(r"[a-z_]+", code) and means, code
        assert 400 <= status < 600, code


def test_errors_table_refuses_a_code_it_does_not_hold() -> None:
    with pytest.raises(ValueError):
        WebError("x", code="made_up_code")
    with pytest.raises(TypeError):
        type("Odd", (WebError,), {"code": "made_up_code"})
    assert status_of(WebError("x", code="too_many_ops")) == 413


def test_errors_table_is_what_openapi_lists() -> None:
    doc = document("test")
    error = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
    assert error["enum"] == sorted(CODES)
    for path in doc["paths"].values():
        for op in path.values():
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    listed = set(response["description"].removeprefix("error: ").split(", "))
                    assert listed == {c for c, (s, _m) in CODES.items() if s == int(status)}


def test_errors_table_is_what_docs_errors_md_lists() -> None:
    text = (ROOT / "docs" / "errors.md").read_text("utf-8")
    rows = re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", text, re.M)
    assert dict((code, int(status)) for code, status in rows) == \
        {code: status for code, (status, _means) in CODES.items()}
    assert len(rows) == len(CODES)
