"""The streamed XLSX sheet (server.xlsxstream) is the sheet xlsxwriter's constant-memory mode
writes for the same cells, byte for byte, and the rest of the package is xlsxwriter's own."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import xlsxwriter

from server.xlsxstream import BLOCK, STRMAX, write_sheet

HEAD = ["编号", "文本", "数", "空"]
ODD = ["A&B <c> \"d\"", "  两头空格  ", "行一\n行二", "控制\x01字符", "字面 _x0041_ 转义", "=1+1", "中文",
       "长" * (STRMAX + 10), "\t制表"]


def cells(n: int) -> list[list[str | int | float]]:
    """Rows of every kind of cell: odd texts, ints, floats, big and small numbers, empty cells,
    and rows with no cell at all."""
    numbers: list[int | float] = [0, 7, -3, 3.5, -0.1, 1e-20, 10**17, 2**53 + 1, 123456.789]
    rows: list[list[str | int | float]] = []
    for i in range(n):
        if i % 11 == 5:
            rows.append(["", "", "", ""])
            continue
        rows.append([f"r{i}", ODD[i % len(ODD)], numbers[i % len(numbers)], ""])
    return rows


def with_xlsxwriter(path: Path, rows: list[list[str | int | float]]) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False, "strings_to_numbers": False})
    sheet = book.add_worksheet("办件台账")
    sheet.write_row(0, 0, HEAD, book.add_format({"bold": True}))
    sheet.freeze_panes(1, 0)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, str):
                if value:
                    sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, value)
    book.close()


def test_xlsxstream_sheet_is_xlsxwriters_byte_for_byte(tmp_path: Path) -> None:
    rows = cells(2 * BLOCK + 37)
    ours, theirs = tmp_path / "ours.xlsx", tmp_path / "theirs.xlsx"
    assert write_sheet(ours, "办件台账", HEAD, rows, len(rows)) == len(rows)
    with_xlsxwriter(theirs, rows)
    with zipfile.ZipFile(ours) as a, zipfile.ZipFile(theirs) as b:
        assert [i.filename for i in a.infolist()] == [i.filename for i in b.infolist()]
        for info in b.infolist():
            if info.filename != "docProps/core.xml":  # holds the time it was made
                assert a.read(info.filename) == b.read(info.filename), info.filename


def test_xlsxstream_reads_back_with_openpyxl(tmp_path: Path) -> None:
    rows = cells(40)
    path = tmp_path / "x.xlsx"
    write_sheet(path, "台账", HEAD, rows, len(rows))
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    got = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert sheet.max_row == len(rows) + 1 and got[0] == HEAD
    for want, have in zip(rows, got[1:], strict=True):
        if want == ["", "", "", ""]:
            assert have == [None] * 4
            continue
        text = str(want[1])
        # openpyxl keeps Excel's _xHHHH_ escapes as they are (Excel itself reads them back).
        text = text.replace("_x0041_", "_x005F_x0041_").replace("\x01", "_x0001_")[:STRMAX]
        # Numbers are doubles in a spreadsheet (2**53 + 1 is not one), 16 digits as xlsxwriter.
        assert have[:2] == [want[0], text] and have[2] == float(f"{want[2]:.16G}") and have[3] is None
