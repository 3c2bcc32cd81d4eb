"""An XLSX of one large sheet, streamed: xlsxwriter writes the workbook, we stream the rows.

xlsxwriter (constant-memory mode) makes the workbook with the header row: its package parts,
styles, the bold header, the frozen first row. The data rows are then written into that
sheet's ``<sheetData>`` as the same inline-string cells xlsxwriter's constant-memory mode
writes (``<c r="B2" t="inlineStr"><is><t>…</t></is></c>``, numbers as ``<v>``, no cell for an
empty value), straight into the deflated zip entry, a block of rows at a time. Going through
xlsxwriter's per-cell API cost about 80 µs a row of 16 cells, two thirds of a 100,000-case
export; this costs a fraction of it, and memory holds one block of rows.

Text is escaped as xlsxwriter escapes it: ``& < >`` as entities, control characters as
``_xHHHH_`` (and a literal ``_xHHHH_`` as ``_x005F_xHHHH_``), leading or trailing whitespace
kept with ``xml:space="preserve"``, at most 32,767 characters a cell.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from math import isfinite
from pathlib import Path
from typing import IO

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

SHEET = "xl/worksheets/sheet1.xml"
STRMAX = 32_767
BLOCK = 500  # rows per write into the zip entry
_ESCAPE_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')


def _escape(value: str) -> str:
    if _ESCAPE_ESCAPE.search(value):
        value = _ESCAPE_ESCAPE.sub(r"_x005F\1", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)


def _template(path: Path, title: str, head: Sequence[str]) -> bytes:
    """The workbook xlsxwriter writes (at ``path``) with only the header row. Written to a
    file: xlsxwriter's ``in_memory`` option would turn constant-memory mode off."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False, "strings_to_numbers": False})
    sheet = book.add_worksheet(title)
    sheet.write_row(0, 0, list(head), book.add_format({"bold": True}))
    sheet.freeze_panes(1, 0)
    book.close()
    return path.read_bytes()


def write_sheet(path: Path, title: str, head: Sequence[str],
                rows: Iterable[Sequence[str | int | float]], total: int) -> int:
    """Write an XLSX whose one sheet ``title`` has ``head`` and then ``rows`` (strings and
    numbers; "" is an empty cell); ``total`` is the number of rows counted beforehand, for the
    sheet's dimension (written before the rows). Returns the number of rows written."""
    letters = [xl_col_to_name(i) for i in range(len(head))]
    last = f"{letters[-1]}{total + 1}" if head else "A1"
    with zipfile.ZipFile(io.BytesIO(_template(path, title, head))) as tpl, \
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as out:
        n = 0
        for info in tpl.infolist():
            data = tpl.read(info)
            if info.filename != SHEET:
                out.writestr(info, data)
                continue
            xml = _DIMENSION.sub(f'<dimension ref="A1:{last}"/>', data.decode("utf-8"), count=1)
            before, after = xml.split("</sheetData>", 1)
            entry = zipfile.ZipInfo(SHEET, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with out.open(entry, "w", force_zip64=True) as sheet:
                sheet.write(before.encode("utf-8"))
                n = _rows(sheet, letters, rows)
                sheet.write(("</sheetData>" + after).encode("utf-8"))
    return n


def _text(value: str) -> str:
    if len(value) > STRMAX // 2 and len(value.encode("utf-16-le", "surrogatepass")) > 2 * STRMAX:
        value = value.encode("utf-16-le", "surrogatepass")[:2 * STRMAX].decode("utf-16-le", "ignore")
    return _escape(value)


def _rows(sheet: IO[bytes], letters: Sequence[str], rows: Iterable[Sequence[str | int | float]]) -> int:
    write = sheet.write
    special = _SPECIAL.search
    block: list[str] = []
    add = block.append
    n = 0
    for n, row in enumerate(rows, start=1):
        r = str(n + 1)
        cells: list[str] = []
        cell = cells.append
        for letter, value in zip(letters, row, strict=True):
            if isinstance(value, str):
                if not value:
                    continue
                if len(value) > STRMAX // 2 or special(value):
                    value = _text(value)
                t = "<t xml:space=\"preserve\">" if value[0].isspace() or value[-1].isspace() else "<t>"
                cell(f'<c r="{letter}{r}" t="inlineStr"><is>{t}{value}</t></is></c>')
            elif isfinite(value):
                cell(f'<c r="{letter}{r}"><v>{value:.16G}</v></c>')
            else:  # NaN and infinities are no spreadsheet numbers
                cell(f'<c r="{letter}{r}" t="inlineStr"><is><t>{value}</t></is></c>')
        if cells:  # as xlsxwriter: a row without cells is not written
            add(f'<row r="{r}">{"".join(cells)}</row>')
        if n % BLOCK == 0:
            write("".join(block).encode("utf-8", "replace"))
            block.clear()
    if block:
        write("".join(block).encode("utf-8", "replace"))
    return n
