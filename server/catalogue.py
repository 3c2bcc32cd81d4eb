"""The county's matter catalogue sheet (政务服务事项目录) as ``matters`` records.

Columns (Chinese or English headers, any order): 事项名称/name, 办件类型/kind, 承诺时限/time
limit, 设定依据/basis, 申请材料/materials, 收费标准/fee. Kinds: 即办件 (immediate), 承诺件
(time_limited), 联办件 (joint). The time limit is working days ("5", "5个工作日"; 即办 = 0).
Materials are separated by 、 ; ； or new lines. A matter's id comes from its county and
name, so importing the sheet again updates the matters instead of doubling them.

``parse`` is pure: rows in, matters and the list of problems (row, column, message) out.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("事项名称", "名称", "name"),
    "kind": ("办件类型", "事项类型", "类型", "kind"),
    "time_limit": ("承诺时限", "承诺办结时限", "办结时限", "时限", "time limit", "time_limit"),
    "basis": ("设定依据", "法律依据", "依据", "basis", "legal basis"),
    "materials": ("申请材料", "材料", "materials"),
    "fee": ("收费标准", "收费", "fee"),
}
KINDS = {"即办件": "immediate", "即办": "immediate", "immediate": "immediate",
         "承诺件": "time_limited", "承诺": "time_limited", "time_limited": "time_limited",
         "联办件": "joint", "联办": "joint", "joint": "joint"}
MAX_ROWS = 5000
_SPLIT = re.compile(r"[、;；\n]+")


def matter_id(county_id: str, name: str) -> str:
    """The stable id of a county's matter of that name."""
    return f"m-{hashlib.sha256(f'{county_id}|{name}'.encode()).hexdigest()[:16]}"


def _columns(header: Sequence[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = str(cell or "").strip().lower()
        for key, names in HEADERS.items():
            if text in names and key not in found:
                found[key] = i
    return found


def _days(value: str) -> int | None:
    if value in ("即办", "当场办结", "即时办结"):
        return 0
    m = re.search(r"\d+", value)
    return int(m.group()) if m and int(m.group()) <= 365 else None


def parse(rows: Iterable[Sequence[Any]], county_id: str) -> tuple[list[tuple[str, dict[str, Any]]],
                                                                  list[dict[str, Any]]]:
    """``(matter id, data)`` per row and the problems found (nothing is half-read: callers
    store nothing when there is a problem)."""
    it = iter(rows)
    header = next(it, None)
    if header is None:
        return [], [{"row": 1, "column": None, "message": "the sheet is empty"}]
    cols = _columns(header)
    missing = [HEADERS[k][0] for k in ("name", "kind", "time_limit") if k not in cols]
    if missing:
        return [], [{"row": 1, "column": m, "message": f"no column {m}"} for m in missing]
    matters: list[tuple[str, dict[str, Any]]] = []
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, row in enumerate(it, start=2):
        if n > MAX_ROWS + 1:
            problems.append({"row": n, "column": None, "message": f"more than {MAX_ROWS} rows"})
            break

        def cell(key: str, row: Sequence[Any] = row) -> str:
            i = cols.get(key)
            value = row[i] if i is not None and i < len(row) else None
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return str(value).strip() if value is not None else ""

        name = cell("name")
        if not name and not any(str(c or "").strip() for c in row):
            continue  # a blank line
        if not name or len(name) > 200:
            problems.append({"row": n, "column": HEADERS["name"][0], "message": "a name of 1–200 characters"})
            continue
        if name in seen:
            problems.append({"row": n, "column": HEADERS["name"][0], "message": f"{name} appears twice"})
            continue
        seen.add(name)
        kind = KINDS.get(cell("kind"))
        if kind is None:
            problems.append({"row": n, "column": HEADERS["kind"][0],
                             "message": "即办件, 承诺件 or 联办件"})
            continue
        days = 0 if kind == "immediate" and not cell("time_limit") else _days(cell("time_limit"))
        if days is None:
            problems.append({"row": n, "column": HEADERS["time_limit"][0],
                             "message": "working days, 0–365"})
            continue
        data: dict[str, Any] = {"name": name, "county_id": county_id, "kind": kind,
                                "time_limit_days": days, "active": True}
        if cell("basis"):
            data["legal_basis"] = cell("basis")[:2000]
        materials = [m.strip() for m in _SPLIT.split(cell("materials")) if m.strip()]
        if materials:
            data["materials"] = materials[:50]
        if cell("fee"):
            data["fee"] = cell("fee")[:500]
        matters.append((matter_id(county_id, name), data))
    return matters, problems


def read_rows(content: bytes, filename: str) -> list[list[Any]]:
    """The rows of an uploaded ``.xlsx`` (first sheet) or ``.csv`` (UTF-8, BOM or not, or GB18030)."""
    if filename.lower().endswith(".xlsx"):
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("the CSV is neither UTF-8 nor GB18030 text")
    return [list(r) for r in csv.reader(io.StringIO(text))]
