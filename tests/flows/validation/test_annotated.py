"""The annotated copy: the staff's own file with each finding's cell filled by severity and
commented with the explanation and the hint (flows/validation/annotated.py), and `etdz
validate` writing one per file with findings next to the fix list."""

from __future__ import annotations

import shutil

import openpyxl

from flows.cli import main as etdz
from flows.settings import DEMO_DATA_DIR
from flows.validation.annotated import LIST_SHEET, annotate, annotated_name
from tests.helpers import csv_bytes, demo_zone_stats_rows, set_cell
from transforms.findings import Finding, Severity

RED, YELLOW = "00FFC7CE", "00FFEB9C"


def finding(severity, file, sheet, row, column, label, value, message, hint, dataset="zones"):
    return Finding(severity, dataset, file, sheet, row, column, label, value, "test.rule",
                   message, hint)


def test_an_xlsx_is_annotated_in_a_copy_keeping_its_sheets(tmp_path):
    source = tmp_path / "zones.xlsx"
    shutil.copy(DEMO_DATA_DIR / "zones.xlsx", source)
    findings = [
        finding(Severity.WARNING, "zones.xlsx", "园区名录", 3, "zone_name", "园区名称", "x",
                "名称有空格", "删除空格"),
        finding(Severity.CRITICAL, "zones.xlsx", "园区名录", 3, "city", "所在设区市", "火星市",
                "不是允许的取值", "从列表中选择"),
        finding(Severity.CRITICAL, "zones.xlsx", "园区名录", 3, "city", "所在设区市", "火星市",
                "第二条", "再改"),
        finding(Severity.CRITICAL, "zones.xlsx", "", None, "", "", "", "整个文件的问题", "看清单"),
    ]
    before = source.read_bytes()
    out = annotate(source, findings, tmp_path / "out" / annotated_name("zones.xlsx"))
    assert out.name == "zones_批注.xlsx" and source.read_bytes() == before  # never in place
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [LIST_SHEET, "园区名录"]
    ws = wb["园区名录"]
    # the header row has 园区名称 in column B and 所在设区市 in column D (see the demo file)
    assert ws["B3"].fill.start_color.rgb == YELLOW
    assert ws["B3"].comment.text == "【警告】名称有空格。\n修改建议：删除空格"
    # two findings on one cell: the worse colour, both texts
    assert ws["D3"].fill.start_color.rgb == RED
    assert ws["D3"].comment.text == ("【严重】不是允许的取值。\n修改建议：从列表中选择\n\n"
                                     "【严重】第二条。\n修改建议：再改")
    assert ws["A3"].comment is None and ws["D4"].comment is None
    listed = [row for row in wb[LIST_SHEET].iter_rows(min_row=2, values_only=True)]
    # critical first; the whole-file finding has no cell to link to
    assert [(r[0], r[2], r[7]) for r in listed] == [
        ("严重", "整个文件", None), ("严重", "3", "D3"), ("严重", "3", "D3"), ("警告", "3", "B3")]
    assert wb[LIST_SHEET]["H3"].hyperlink.location is None  # internal link, below
    assert wb[LIST_SHEET]["H3"].hyperlink.target == "#'园区名录'!D3"


def test_a_csv_becomes_a_workbook_with_its_text_as_typed(tmp_path):
    header, rows = demo_zone_stats_rows("GX-NN-01,2019")
    source = tmp_path / "zone_stats.csv"
    source.write_bytes(csv_bytes(header, [set_cell(rows[0], 2, "=1+1")]))
    f = finding(Severity.CRITICAL, "zone_stats.csv", "", 2, "gdp", "地区生产总值（亿元）", "=1+1",
                "“=1+1”不是数字", "填写数字", dataset="zone_stats")
    wb = openpyxl.load_workbook(annotate(source, [f], tmp_path / "a.xlsx"))
    ws = wb["园区年度统计"]
    assert ws["C1"].value == "地区生产总值（亿元）"
    # a formula typed in a CSV stays text in the copy, never evaluated
    assert ws["C2"].value == "=1+1" and ws["C2"].data_type == "s"
    assert ws["C2"].fill.start_color.rgb == RED
    assert ws["A2"].value == "GX-NN-01" and ws["A2"].fill.start_color.rgb != RED


def test_etdz_validate_writes_the_annotated_copy_beside_the_fix_list(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(DEMO_DATA_DIR, data)
    header, rows = demo_zone_stats_rows("")
    rows[0] = set_cell(rows[0], 2, "abc")
    (data / "zone_stats.csv").write_bytes(csv_bytes(header, rows))
    out = tmp_path / "out"
    assert etdz(["validate", "--data", str(data), "--out", str(out)]) == 2
    assert "带批注的原文件副本" in capsys.readouterr().out
    copies = sorted(p.name for p in (out / "annotated").iterdir())
    assert copies == ["zone_stats_批注.xlsx"]
    ws = openpyxl.load_workbook(out / "annotated" / copies[0])["园区年度统计"]
    assert ws["C2"].value == "abc" and ws["C2"].fill.start_color.rgb == RED
    assert ws["C2"].comment.text.startswith("【严重】“abc”不是数字。\n修改建议：")
    # fixed: the stale copy goes away on the next pass
    shutil.copy(DEMO_DATA_DIR / "zone_stats.csv", data / "zone_stats.csv")
    etdz(["validate", "--data", str(data), "--out", str(out)])
    assert list((out / "annotated").iterdir()) == []


def test_a_file_ingest_refuses_is_not_opened_for_its_copy(tmp_path):
    """A link in the data folder is refused by ingest (未读取): its copy holds the findings'
    list only, never the rows of the file the link points at."""
    secret = tmp_path / "elsewhere.csv"
    secret.write_text("园区代码,园区名称\nSECRET-TARGET,机密\n", encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "zones.csv").symlink_to(secret)
    f = finding(Severity.CRITICAL, "zones.csv", "", None, "", "", "",
                "该文件是符号链接（快捷方式），未读取", "把实际文件复制到数据文件夹中")
    wb = openpyxl.load_workbook(annotate(data / "zones.csv", [f], tmp_path / "a.xlsx"))
    assert wb.sheetnames == [LIST_SHEET]
    cells = [c.value for row in wb[LIST_SHEET].iter_rows() for c in row]
    assert "该文件是符号链接（快捷方式），未读取" in cells
    assert not any("SECRET" in str(c) for c in cells)
