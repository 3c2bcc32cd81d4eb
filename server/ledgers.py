"""Ledgers (台账): the columns of each exported collection, with Chinese headers, and the
writers of the two formats (XLSX streamed into an xlsxwriter workbook, CSV in UTF-8 with BOM).

A column is a header, the path it reads in the record's data, and how that value becomes a
cell; values are strings or numbers, times in China time (``YYYY-MM-DD HH:MM``), enum values in
Chinese. The store extracts every column's path in SQL (one ``json_extract`` per record), so a
row is built from a short list of values rather than a whole decoded record. Text that a
spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@`` first) is kept as text.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from .masking import mask_id, mask_phone
from .xlsxstream import write_sheet

CST = dt.timezone(dt.timedelta(hours=8))
Labels = dict[str, dict[str, str]]
Cell = str | int | float
Fmt = Callable[[Any], Cell]
#: A column: its header, the dotted path it reads, and ``labels -> (value -> cell)``.
Column = tuple[str, str, Callable[[Labels], Fmt]]
Row = Callable[[str, "str | None", Sequence[Any]], list[Cell]]

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


DAY_MS = 86_400_000
_EIGHT_HOURS_MS = 8 * 3_600_000
_days: dict[int, str] = {}
_EPOCH = dt.datetime(1970, 1, 1)


def when(value: Any) -> str:
    """Epoch ms as ``YYYY-MM-DD HH:MM`` China time ("" for none)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return ""
    try:
        day, rest = divmod(int(value // 1) + _EIGHT_HOURS_MS, DAY_MS)
        # The date is looked up per day: a ledger has few distinct days and many rows.
        date = _days.get(day)
        if date is None:
            if len(_days) > 50_000:
                _days.clear()
            date = _days[day] = (_EPOCH + dt.timedelta(days=day)).strftime("%Y-%m-%d")
    except (OverflowError, ValueError):  # beyond any calendar: not a time
        return ""
    minutes = rest // 60_000
    return f"{date} {minutes // 60:02d}:{minutes % 60:02d}"


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
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return yes(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def count(value: Any) -> Cell:
    """How many entries a list or an object has (0 for none)."""
    return len(value) if isinstance(value, list | dict) else 0


def field(path: str, how: Fmt = text) -> tuple[str, Callable[[Labels], Fmt]]:
    """A column reading ``path`` of the record's data through ``how``."""
    return path, lambda _labels: how


def label(kind: str, path: str) -> tuple[str, Callable[[Labels], Fmt]]:
    """A column naming what the id at ``path`` refers to (``kind``: matters, users, ...)."""
    def bind(labels: Labels) -> Fmt:
        names = labels[kind]

        def cell(value: Any) -> Cell:
            if isinstance(value, list):
                return "、".join(names.get(str(v), str(v)) for v in value)
            return names.get(str(value), str(value)) if value is not None else ""
        return cell
    return path, bind


def person(key: str, who: str) -> list[Column]:
    """The name, ID number and phone of the person at ``key``."""
    return [(who, *field(f"{key}.name")), ("身份证号", *field(f"{key}.id_number")),
            ("联系电话", *field(f"{key}.phone"))]


def _window(target: Any) -> Cell:
    if isinstance(target, dict) and target.get("kind") == "window":
        return f"窗口 {target.get('window_id', '')}".strip()
    return "中心"


def _subject(subject: Any) -> Cell:
    subject = subject if isinstance(subject, dict) else {}
    return f"{subject.get('collection') or ''}/{subject.get('record') or ''}"


COMMON_HEADERS = ("编号", "乡镇")

COLUMNS: dict[str, list[Column]] = {
    "cases": [("事项", *label("matters", "matter_id")), *person("applicant", "申请人"),
              ("渠道", *field("channel", word)), ("状态", *field("status", word)),
              ("受理时间", *field("accepted_at", when)), ("承诺办结时间", *field("due_at", when)),
              ("办结时间", *field("completed_at", when)), ("是否超期", *field("overdue", yes)),
              ("经办人", *label("users", "handler_id")), ("补正材料", *field("missing_materials")),
              ("不予受理/退回理由", *field("refusal_reason")), ("备注", *field("notes"))],
    "visits": [("类型", *field("kind", word)), ("状态", *field("status", word)),
               ("关联办件", *field("case_id")), *person("applicant", "服务对象"),
               ("地址", *field("address")), ("计划时间", *field("planned_at", when)),
               ("开始时间", *field("started_at", when)), ("结束时间", *field("ended_at", when)),
               ("工作人员", *label("users", "staff_ids")), ("事由", *field("reason")),
               ("结果", *field("outcome")), ("照片数", *field("photos", count)),
               ("备注", *field("notes"))],
    "inspections": [("考评细则", *label("templates", "template_id")),
                    ("细则版本", *field("template_version")), ("对象", *field("target", _window)),
                    ("检查人", *label("users", "inspector_ids")),
                    ("检查时间", *field("started_at", when)), ("提交时间", *field("submitted_at", when)),
                    ("得分", *field("score")), ("一票否决", *field("vetoed", yes)),
                    ("状态", *field("status", word)), ("审核意见", *field("review.comment"))],
    "rectifications": [("检查编号", *field("inspection_id")), ("整改项目", *field("item_ids")),
                       ("整改要求", *field("order_text")), ("整改期限", *field("due_at", when)),
                       ("是否超期", *field("overdue", yes)), ("状态", *field("status", word)),
                       ("反馈次数", *field("responses", count)),
                       ("复查编号", *field("reinspection_id"))],
    "complaints": [("投诉内容", *field("content")), ("渠道", *field("channel", word)),
                   *person("complainant", "投诉人"), ("收到时间", *field("received_at", when)),
                   ("答复期限", *field("reply_due", when)), ("答复", *field("reply")),
                   ("答复时间", *field("replied_at", when)), ("是否超期", *field("overdue", yes)),
                   ("状态", *field("status", word))],
    "evaluations": [("关联办件", *field("case_id")), ("关联走访", *field("visit_id")),
                    ("来源", *field("source", word)), ("评价", *field("rating", word)),
                    ("分值", *field("points")), ("评价时间", *field("at", when)),
                    ("工作人员", *label("users", "staff_id")), ("意见", *field("comment"))],
    "accountability": [("对象", *field("subject", _subject)),
                       ("类型", *field("kind", word)), ("责任人", *label("users", "staff_id")),
                       ("期限", *field("due_at", when)), ("发现时间", *field("detected_at", when)),
                       ("状态", *field("status", word)), ("说明", *field("explanation"))],
}

_MASKS: dict[str, Callable[[str], str]] = {"身份证号": mask_id, "联系电话": mask_phone}


def headers(collection: str) -> list[str]:
    """The ledger's column headers."""
    return [*COMMON_HEADERS, *(h for h, _p, _f in COLUMNS[collection])]


def paths(collection: str) -> list[str]:
    """The dotted paths the ledger's columns read, in column order (the store extracts them)."""
    return [p for _h, p, _f in COLUMNS[collection]]


def _masked(fmt: Fmt, mask: Callable[[str], str]) -> Fmt:
    def cell(value: Any) -> Cell:
        out = fmt(value)
        return mask(out) if isinstance(out, str) and out else out
    return cell


def row_maker(collection: str, labels: Labels, masked: bool) -> Row:
    """``(id, centre_id, values) -> row``: ``values`` are the record's values at ``paths``
    (None where absent); ID numbers and phones masked when ``masked``."""
    fmts: list[Fmt] = []
    for header, _path, bind in COLUMNS[collection]:
        fmt = bind(labels)
        if masked and header in _MASKS:
            fmt = _masked(fmt, _MASKS[header])
        fmts.append(fmt)
    centres = labels["centres"]

    def row(rec: str, centre: str | None, values: Sequence[Any]) -> list[Cell]:
        out: list[Cell] = [rec, centres.get(centre or "", centre or "")]
        out += [fmt(v) for fmt, v in zip(fmts, values, strict=True)]
        return out
    return row


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


def write_xlsx(path: Path, title: str, head: list[str], rows: Iterable[list[Cell]], total: int) -> int:
    """Write an XLSX of ``total`` rows under ``head`` (the header row bold, frozen), streamed
    row by row (``server.xlsxstream``); returns the row count."""
    return write_sheet(path, title, head, rows, total)
