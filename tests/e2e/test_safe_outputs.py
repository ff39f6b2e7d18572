"""Every file the product writes is safe to open: a run and a night on submissions whose cells
and file names hold formulas, then every CSV (results, fix list, history, the CSVs attached
inside each PDF) and every workbook is read back as a spreadsheet would read it."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from flows.cli import main as etdz
from flows.settings import DEMO_DATA_DIR
from tests.helpers import DEMO_REPORT_DATE, DEMO_YEAR

# Spreadsheets evaluate a cell starting with one of these (after a leading tab or CR)...
EVALUATED = ("=", "+", "-", "@", "\t", "\r")
# ... unless it is just a number.
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")

LINK = '=HYPERLINK("http://example.invalid","点我")'
SUBJECT = "+cmd|' /C calc'!A0"
ZONE_NAME = "@SUM(1+1)示例开发区"
UNKNOWN_FILE = "=cmd.csv"


def would_evaluate(cell: str) -> bool:
    return cell.startswith(EVALUATED) and not NUMBER.fullmatch(cell)


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


@pytest.fixture(scope="module")
def hostile_inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(DEMO_DATA_DIR, data)
    book = openpyxl.load_workbook(data / "supplier_introductions.xlsx")
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        if row[2].value == DEMO_YEAR:  # the first case of the assessed year
            row[5].value = LINK  # 被引进企业名称
            row[5].data_type = "s"  # text that looks like a formula, not a formula
            break
    book.save(data / "supplier_introductions.xlsx")
    book = openpyxl.load_workbook(data / "zones.xlsx")
    book.worksheets[0].cell(3, 2).value = ZONE_NAME  # 园区名称 of the second zone
    book.save(data / "zones.xlsx")
    (data / UNKNOWN_FILE).write_text("a\n1\n", encoding="utf-8")  # a warning: unknown file
    return data


def test_no_output_of_a_run_can_be_evaluated_by_a_spreadsheet(
        hostile_inbox: Path, tmp_path: Path, prefect_server: None) -> None:
    out = tmp_path / "out"
    assert etdz(["assess", "--data", str(hostile_inbox), "--year", str(DEMO_YEAR), "--out",
                 str(out), "--report-date", DEMO_REPORT_DATE]) == 0
    published = (out / "current").resolve()
    texts = {p.relative_to(published).as_posix(): p.read_text(encoding="utf-8")
             for p in published.rglob("*.csv")}
    for pdf in sorted(published.rglob("*.pdf")):
        for name, data in PdfReader(pdf).attachments.items():
            texts[f"{pdf.relative_to(published)}#{name}"] = data[0].decode("utf-8")
    assert any("#" in name for name in texts) and "validation/fix_list.csv" in texts
    for name, text in texts.items():
        assert [c for c in cells(text) if would_evaluate(c)] == [], name
    # ... and the planted texts are there, shown as text, not dropped
    assert "'" + LINK in cells(texts["results/rewards.csv"])
    assert "'" + UNKNOWN_FILE in cells(texts["validation/fix_list.csv"])
    attached = [n for n, t in texts.items() if n.startswith("reports/") and "'" + LINK in cells(t)]
    assert "reports/province.pdf#rewards.csv" in attached and len(attached) == 2, attached
    negative = [c for c in cells(texts["results/indicators.csv"]) if c.startswith("-")]
    assert negative and all(NUMBER.fullmatch(c) for c in negative)  # numbers stay numbers

    for book in sorted(published.rglob("*.xlsx")):
        workbook = openpyxl.load_workbook(book)
        values = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
        assert [c.coordinate for c in values if c.data_type == "f"] == [], book
    names = {c.value for ws in openpyxl.load_workbook(published / "results" / "assessment.xlsx"
                                                      ).worksheets for row in ws.iter_rows()
             for c in row}
    assert LINK in names  # as text, exactly as submitted


def test_no_file_of_a_night_can_be_evaluated_by_a_spreadsheet(
        hostile_inbox: Path, tmp_path: Path, prefect_server: None) -> None:
    out = tmp_path / "nightly"
    assert etdz(["nightly", "--data", str(hostile_inbox), "--out", str(out),
                 "--date", "2026-01-15"]) == 1  # the unknown file is a warning
    files = sorted(out.rglob("*.csv"))
    assert {p.name for p in files} == {"fix_list.csv", "counts.csv"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert [c for c in cells(text) if would_evaluate(c)] == [], path
    assert "'" + UNKNOWN_FILE in cells((out / "latest" / "fix_list.csv").read_text("utf-8-sig"))
