"""Ledgers (台账): the columns of each exported collection, with Chinese headers, and the
writers of the two formats (XLSX in xlsxwriter's constant-memory mode, CSV in UTF-8 with BOM).

A column is a header and a function of ``(data, centre_id, labels)``; values are strings or
numbers, times in China time (``YYYY-MM-DD HH:MM``), enum values in Chinese. Text that a
spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@`` first) is kept as text.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import xlsxwriter

from .masking import mask_id, mask_phone

CST = dt.timezone(dt.timedelta(hours=8))
Labels = dict[str, dict[str, str]]
Cell = str | int | float
Column = tuple[str, Callable[[dict[str, Any], str | None, Labels], Cell]]

TITLES = {"cases": "办件台账", "visits": "上门服务台账", "inspections": "检查考评台账",
          "rectifications": "整改台账", "complaints": "投诉台账", "evaluations": "评议回访台账",
          "accountability": "问责台账"}

WORDS = {
    # statuses
    "consulted": "咨询", "accepted": "受理", "supplement": "补正", "handling": "办理中",
    "completed": "办结", "refused": "不予受理", "returned": "退回", "planned": "计划",
    "in_progress": "进行中", "done": "完成", "cancelled": "取消", "draft": "草稿",
    "submitted": "已提交", "approved": "已审核", "open": "待处理", "responded": "已反馈",
    "verified": "已核实", "failed": "未通过", "overdue": "逾期", "replied": "已答复",
    "dismissed": "不予受理", "explained": "已说明", "closed": "已关闭",
    # kinds and channels
    "home_service": "上门服务", "site_survey": "现场踏勘", "follow_up": "走访回访",
    "window": "窗口", "home": "上门", "agency": "代办", "appointment": "预约", "green": "绿色通道",
    "phone": "电话", "hotline": "热线", "letter": "信件", "online": "网上",
    "evaluator": "评价器", "callback": "电话回访", "good_bad": "好差评", "third_party": "第三方",
    "department": "部门", "overdue_case": "办件超期", "overdue_complaint": "投诉超期",
    "overdue_rectification": "整改超期", "centre": "中心",
    # ratings
    "very_satisfied": "很满意", "satisfied": "满意", "fairly_satisfied": "比较满意",
    "average": "一般", "dissatisfied": "不满意",
}


def when(value: Any) -> str:
    """Epoch ms as ``YYYY-MM-DD HH:MM`` China time ("" for none)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return ""
    return dt.datetime.fromtimestamp(value / 1000, CST).strftime("%Y-%m-%d %H:%M")


def word(value: Any) -> str:
    """An enum value in Chinese (unknown values as they are)."""
    return WORDS.get(str(value), str(value)) if value is not None else ""


def yes(value: Any) -> str:
    """A boolean as 是/否."""
    return "是" if value is True else "否" if value is False else ""


def text(value: Any) -> Cell:
    """Any value as a cell: numbers stay numbers, lists are joined, the rest is text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _get(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


CellFn = Callable[[dict[str, Any], str | None, Labels], Cell]


def field(path: str, how: Callable[[Any], Cell] = text) -> CellFn:
    """A column reading ``path`` of the record's data through ``how``."""
    return lambda d, _c, _l: how(_get(d, path))


def label(kind: str, path: str) -> CellFn:
    """A column naming what the id at ``path`` refers to (``kind``: matters, users, ...)."""
    def cell(d: dict[str, Any], _c: str | None, labels: Labels) -> Cell:
        value = _get(d, path)
        if isinstance(value, list):
            return "、".join(labels[kind].get(str(v), str(v)) for v in value)
        return labels[kind].get(str(value), str(value)) if value is not None else ""
    return cell


def person(key: str, who: str) -> list[Column]:
    """The name, ID number and phone of the person at ``key``."""
    return [(f"{who}", field(f"{key}.name")), ("身份证号", field(f"{key}.id_number")),
            ("联系电话", field(f"{key}.phone"))]


def _window(d: dict[str, Any], _c: str | None, _l: Labels) -> Cell:
    target = d.get("target") or {}
    return f"窗口 {target.get('window_id', '')}".strip() if target.get("kind") == "window" else "中心"


def _township(_d: dict[str, Any], centre: str | None, labels: Labels) -> Cell:
    return labels["centres"].get(centre or "", centre or "")


COMMON_HEADERS = ("编号", "乡镇")

COLUMNS: dict[str, list[Column]] = {
    "cases": [("事项", label("matters", "matter_id")), *person("applicant", "申请人"),
              ("渠道", field("channel", word)), ("状态", field("status", word)),
              ("受理时间", field("accepted_at", when)), ("承诺办结时间", field("due_at", when)),
              ("办结时间", field("completed_at", when)), ("是否超期", field("overdue", yes)),
              ("经办人", label("users", "handler_id")), ("补正材料", field("missing_materials")),
              ("不予受理/退回理由", field("refusal_reason")), ("备注", field("notes"))],
    "visits": [("类型", field("kind", word)), ("状态", field("status", word)),
               ("关联办件", field("case_id")), *person("applicant", "服务对象"),
               ("地址", field("address")), ("计划时间", field("planned_at", when)),
               ("开始时间", field("started_at", when)), ("结束时间", field("ended_at", when)),
               ("工作人员", label("users", "staff_ids")), ("事由", field("reason")),
               ("结果", field("outcome")), ("照片数", lambda d, _c, _l: len(d.get("photos") or [])),
               ("备注", field("notes"))],
    "inspections": [("考评细则", label("templates", "template_id")),
                    ("细则版本", field("template_version")), ("对象", _window),
                    ("检查人", label("users", "inspector_ids")),
                    ("检查时间", field("started_at", when)), ("提交时间", field("submitted_at", when)),
                    ("得分", field("score")), ("一票否决", field("vetoed", yes)),
                    ("状态", field("status", word)), ("审核意见", field("review.comment"))],
    "rectifications": [("检查编号", field("inspection_id")), ("整改项目", field("item_ids")),
                       ("整改要求", field("order_text")), ("整改期限", field("due_at", when)),
                       ("是否超期", field("overdue", yes)), ("状态", field("status", word)),
                       ("反馈次数", lambda d, _c, _l: len(d.get("responses") or {})),
                       ("复查编号", field("reinspection_id"))],
    "complaints": [("投诉内容", field("content")), ("渠道", field("channel", word)),
                   *person("complainant", "投诉人"), ("收到时间", field("received_at", when)),
                   ("答复期限", field("reply_due", when)), ("答复", field("reply")),
                   ("答复时间", field("replied_at", when)), ("是否超期", field("overdue", yes)),
                   ("状态", field("status", word))],
    "evaluations": [("关联办件", field("case_id")), ("关联走访", field("visit_id")),
                    ("来源", field("source", word)), ("评价", field("rating", word)),
                    ("分值", field("points")), ("评价时间", field("at", when)),
                    ("工作人员", label("users", "staff_id")), ("意见", field("comment"))],
    "accountability": [("对象", lambda d, _c, _l: f"{_get(d, 'subject.collection') or ''}/"
                                                  f"{_get(d, 'subject.record') or ''}"),
                       ("类型", field("kind", word)), ("责任人", label("users", "staff_id")),
                       ("期限", field("due_at", when)), ("发现时间", field("detected_at", when)),
                       ("状态", field("status", word)), ("说明", field("explanation"))],
}

_ID_HEADERS = {"身份证号"}
_PHONE_HEADERS = {"联系电话"}


def headers(collection: str) -> list[str]:
    """The ledger's column headers."""
    return [*COMMON_HEADERS, *(h for h, _f in COLUMNS[collection])]


def cells(collection: str, rec: str, centre: str | None, data: dict[str, Any], labels: Labels,
          masked: bool) -> list[Cell]:
    """One ledger row (ID numbers and phones masked when ``masked``)."""
    out: list[Cell] = [rec, _township(data, centre, labels)]
    for header, fn in COLUMNS[collection]:
        value = fn(data, centre, labels)
        if masked and isinstance(value, str) and value:
            if header in _ID_HEADERS:
                value = mask_id(value)
            elif header in _PHONE_HEADERS:
                value = mask_phone(value)
        out.append(value)
    return out


def _safe(value: Cell) -> Cell:
    """Text a spreadsheet would run as a formula, kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_csv(path: Path, head: list[str], rows: Iterable[list[Cell]]) -> int:
    """Write a UTF-8 CSV with BOM (so Excel in China opens it); returns the row count."""
    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        w = csv.writer(out)
        w.writerow(head)
        for r in rows:
            w.writerow([_safe(c) for c in r])
            n += 1
    return n


def write_xlsx(path: Path, title: str, head: list[str], rows: Iterable[list[Cell]]) -> int:
    """Write an XLSX in constant-memory mode (each row is flushed as it is written)."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False, "strings_to_numbers": False})
    sheet = book.add_worksheet(title)
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, head, bold)
    sheet.freeze_panes(1, 0)
    n = 0
    text_cell, number_cell = sheet.write_string, sheet.write_number
    for n, r in enumerate(rows, start=1):
        # Typed writes, and no cell at all for an empty value: write()'s type dispatch and
        # blank cells are most of the cost of a large ledger.
        for col, value in enumerate(r):
            if isinstance(value, str):
                if value:
                    text_cell(n, col, value)
            else:
                number_cell(n, col, value)
    book.close()
    return n
