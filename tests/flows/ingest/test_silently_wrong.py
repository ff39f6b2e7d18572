"""The reading mistakes that once changed a run's results without a word, on the demo data: a
stale stored sheet size, last year's sheet first, a hidden case, a 40-digit count, a symbolic
link, an .xls file and the header layouts statistics offices send. Each now reads right (the
same amounts as the clean file) or stops the run with a critical finding at its cell."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import zipfile
from functools import cache
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter
import xlwt

from flows.cli import main as etdz
from flows.ingest.folder import ingest_folder
from flows.ingest.limits import IngestLimits, load_limits
from flows.settings import DEMO_DATA_DIR
from flows.validation.validate import validate_step
from transforms.contract import SOURCE_COLUMNS
from transforms.findings import Severity

YEAR = 2025
SUPPLIER = "supplier_introductions.xlsx"


@cache
def clean_frames() -> dict[str, pl.DataFrame]:
    return ingest_folder(DEMO_DATA_DIR, YEAR).frames


def figures(frame: pl.DataFrame) -> pl.DataFrame:
    """What feeds the results: every column but where a row came from."""
    return frame.drop(SOURCE_COLUMNS)


def demo_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DEMO_DATA_DIR, tmp_path / "data"))


def sheet_rows(name: str) -> list[tuple]:
    wb = openpyxl.load_workbook(DEMO_DATA_DIR / name, read_only=True)
    rows = [r for r in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    return rows


def write_rows(ws: object, wb: xlsxwriter.Workbook, rows: list[tuple], start: int = 0) -> None:
    dates = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows, start=start):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, dates)  # type: ignore[attr-defined]
            elif value is not None:
                ws.write(r, c, value)  # type: ignore[attr-defined]


def critical(findings: list) -> list[tuple]:
    return [(f.file, f.sheet, f.row, f.column, f.rule_id) for f in findings
            if f.severity is Severity.CRITICAL]


def test_a_stale_sheet_size_loses_no_case(tmp_path: Path) -> None:
    data = demo_copy(tmp_path)
    path = data / SUPPLIER
    with zipfile.ZipFile(path) as z:
        entries = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for info, body in entries:
            if info.filename.startswith("xl/worksheets/sheet"):
                # what an exporting program left: the sheet "ends" at its first case
                body = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:K2"/>', body)
            z.writestr(info, body)
    ingested = ingest_folder(data, YEAR)
    assert [f for f in ingested.findings if f.file == SUPPLIER] == []
    assert figures(ingested.frames["supplier_introductions"]).equals(
        figures(clean_frames()["supplier_introductions"]))


def test_last_years_sheet_first_is_not_read_for_this_year(tmp_path: Path) -> None:
    data = demo_copy(tmp_path)
    rows = sheet_rows(SUPPLIER)
    last_year = [rows[0]] + [(*r[:8], r[8] * 2, *r[9:]) for r in rows[1:]]  # other amounts
    wb = xlsxwriter.Workbook(data / SUPPLIER)
    write_rows(wb.add_worksheet("2024年"), wb, last_year)
    write_rows(wb.add_worksheet("2025年"), wb, rows)
    wb.close()
    ingested = ingest_folder(data, YEAR)
    assert figures(ingested.frames["supplier_introductions"]).equals(
        figures(clean_frames()["supplier_introductions"]))
    assert [(f.severity, f.sheet, f.rule_id) for f in ingested.findings] == [
        (Severity.WARNING, "2024年", "ingest.sheet_not_read")]
    assert f"{SUPPLIER}：读取工作表“2025年”" in ingested.sheets_read()


def test_a_hidden_case_stops_the_run(prefect_server, tmp_path: Path) -> None:
    data = demo_copy(tmp_path)
    rows = sheet_rows(SUPPLIER)
    wb = xlsxwriter.Workbook(data / SUPPLIER)
    ws = wb.add_worksheet("引进案例")
    write_rows(ws, wb, rows)
    ws.set_row(3, None, None, {"hidden": True})  # Excel row 4: a case hidden as withdrawn
    wb.close()
    out = tmp_path / "out"
    assert etdz(["assess", "--data", str(data), "--year", str(YEAR), "--out", str(out),
                 "--report-date", "2026-01-15"]) == 2
    fix_list = (out / "validation" / "fix_list.csv").read_text(encoding="utf-8-sig")
    assert f"critical,supplier_introductions,{SUPPLIER},引进案例,4,,,,ingest.hidden_row" in fix_list
    assert not (out / "results" / "rewards.csv").exists()  # nothing computed, nothing paid


def test_a_forty_digit_count_is_not_an_empty_value(tmp_path: Path) -> None:
    data = demo_copy(tmp_path)
    path = data / "zone_stats.csv"
    lines = path.read_bytes().decode("gbk").split("\n")
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("企业数量（户）")] = "1" * 40
    lines[1] = ",".join(cells)
    path.write_bytes("\n".join(lines).encode("gbk"))
    findings = validate_step(ingest_folder(data, YEAR))
    assert ("zone_stats.csv", "", 2, "enterprises", "ingest.number_too_large") in critical(findings)


def test_links_devices_and_dataset_folders_are_refused_unopened(tmp_path: Path) -> None:
    data = demo_copy(tmp_path)
    elsewhere = tmp_path / "elsewhere.xlsx"
    shutil.move(data / "zones.xlsx", elsewhere)
    os.symlink(elsewhere, data / "zones.xlsx")
    os.symlink("/etc/passwd", data / "notes.csv")
    os.mkfifo(data / "city_stats.csv.bak")  # a pipe: opening it to read would block
    (data / "ambassador_referrals.csv").unlink()
    (data / "ambassador_referrals.csv").mkdir()
    ingested = ingest_folder(data, YEAR)
    refused = {(f.severity, f.file) for f in ingested.findings
               if f.rule_id == "ingest.not_a_regular_file"}
    assert refused == {(Severity.CRITICAL, "zones.xlsx"), (Severity.WARNING, "notes.csv"),
                       (Severity.WARNING, "city_stats.csv.bak"),
                       (Severity.CRITICAL, "ambassador_referrals.csv")}
    assert "zones" not in ingested.frames
    assert not any("root:" in f.message + f.value for f in ingested.findings)


def test_an_xls_file_is_read_not_ignored(tmp_path: Path) -> None:
    data = demo_copy(tmp_path)
    rows = sheet_rows(SUPPLIER)
    (data / SUPPLIER).unlink()
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("引进案例")
    dates = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write(r, c, value, dates)
            elif value is not None:
                sheet.write(r, c, value)
    book.save(str(data / "supplier_introductions.xls"))
    ingested = ingest_folder(data, YEAR)
    assert ingested.findings == []
    assert figures(ingested.frames["supplier_introductions"]).equals(
        figures(clean_frames()["supplier_introductions"]))


def test_header_layouts_offices_send_read_the_same_registry(tmp_path: Path) -> None:
    """填表说明 first; then a title, a 填报单位 line and a header merged over two rows."""
    data = demo_copy(tmp_path)
    rows = sheet_rows("zones.xlsx")
    wb = xlsxwriter.Workbook(data / "zones.xlsx")
    wb.add_worksheet("填表说明").write_column(0, 0, ["填表说明", "级别填 国家级 或 自治区级"])
    ws = wb.add_worksheet("Sheet1")
    ws.merge_range("A1:G1", "广西壮族自治区经济技术开发区名录（2025年）")
    ws.write(1, 0, "填报单位：自治区商务厅")
    ws.merge_range("A3:D3", "基本情况")
    ws.merge_range("E3:G3", "其他")
    write_rows(ws, wb, rows, start=3)  # the labels on row 4 under the group titles
    wb.close()
    ingested = ingest_folder(data, YEAR)
    assert [(f.severity, f.row, f.rule_id) for f in ingested.findings] == [
        (Severity.WARNING, 1, "ingest.rows_above_header")]
    assert ingested.findings[0].message == (
        "第 1—2 行在表头（第 3 行）之上，是标题、单位、填报单位或说明，未作为数据读取")
    assert figures(ingested.frames["zones"]).equals(figures(clean_frames()["zones"]))


def test_limits_come_from_the_validation_config(tmp_path: Path) -> None:
    assert load_limits() == IngestLimits(max_file_bytes=512 * 2**20, max_cell_chars=2000)
    path = tmp_path / "validation.toml"
    path.write_text("[limits]\nmax_file_mb = 1\n", encoding="utf-8")
    assert load_limits(path) == IngestLimits(max_file_bytes=2**20, max_cell_chars=2000)
    path.write_text("[limits]\nmax_cell_chars = -5\n", encoding="utf-8")
    with pytest.raises(ValueError, match="max_cell_chars 应为正整数"):
        load_limits(path)
