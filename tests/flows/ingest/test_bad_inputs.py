"""The bad-input corpus (tests/bad_inputs/, written by make_corpus.py): each folder holds one
real file with one kind of problem data staff send, and must produce exactly these findings:
(severity, file, sheet, row, column, rule_id). Missing-dataset findings are left out: each
folder holds one dataset on purpose."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from flows.ingest.folder import ingest_folder
from flows.ingest.limits import IngestLimits
from flows.validation.validate import validate_step
from tests.helpers import BAD_INPUTS
from transforms.contract import SOURCE_ROW
from transforms.findings import VALUE_QUOTED, Finding, Severity

CORPUS = BAD_INPUTS
C, W = Severity.CRITICAL, Severity.WARNING
SHEET = "园区年度统计"

EXPECTED: dict[str, list[tuple]] = {
    # GBK bytes decode; the one bad cell is found at its row: 北京市 is not a Guangxi city
    "gbk_csv": [(C, "zones.csv", "", 3, "city", "ingest.not_in_vocabulary")],
    # UTF-16 ("Unicode 文本"): the whole file, not a traceback
    "unknown_encoding": [(C, "zone_stats.csv", "", None, "", "ingest.encoding")],
    "renamed_xlsx": [(C, "zone_stats.xlsx", "", None, "", "ingest.xlsx_unreadable")],
    "unknown_header": [(W, "zone_stats.csv", "", 1, "", "ingest.unknown_header")],
    "duplicate_header": [(C, "zone_stats.csv", "", 1, "gdp", "ingest.duplicate_header")],
    # one finding for the absent column, not a "year required" for each of the two rows
    "missing_column": [(C, "zone_stats.csv", "", 1, "year", "ingest.missing_column")],
    "number_formats": [
        (W, "zone_stats.csv", "", 2, "gdp", "ingest.number_tidied"),  # "1,234.5"
        (W, "zone_stats.csv", "", 3, "gdp", "ingest.number_tidied"),  # full-width digits
        (W, "zone_stats.csv", "", 4, "gdp", "ingest.number_tidied"),  # 12.5亿元 in 亿元
        (C, "zone_stats.csv", "", 5, "gdp", "ingest.unit_mismatch"),  # 12万元 in 亿元
    ],
    "placeholders": [
        (C, "zone_stats.csv", "", 2, "trade", "ingest.placeholder"),  # "/" in a required column
        (W, "zone_stats.csv", "", 2, "tax_revenue", "ingest.placeholder"),  # "—", optional
        (C, "zone_stats.csv", "", 3, "fdi_usd", "ingest.placeholder"),  # "空", required
    ],
    "total_row": [(W, "zone_stats.csv", "", 4, "", "ingest.total_row")],
    "impossible_date": [(C, "zones.csv", "", 2, "approved_date", "ingest.bad_date")],
    # 1,250,000 亿元 after 120.5: about 10^4, a 万元 figure in the 亿元 column; beyond any
    # zone's GDP, so it stops the run (the range's finding, not also the jump's warning)
    "unit_jump": [(C, "zone_stats.csv", "", 3, "gdp", "zone_stats.gdp_within_range")],
    # C1:D1 merged: the header names column C only; D's 实际利用外资 header is lost
    "merged_header": [
        (W, "zone_stats.xlsx", SHEET, 1, "gdp", "ingest.merged_header"),
        (C, "zone_stats.xlsx", SHEET, 1, "fdi_usd", "ingest.missing_column"),
    ],
    # group titles merged above the header: a header over two rows, read as such without a
    # word (nothing is wrong with it), and the data below it is read (row 4's "abc" is found
    # where it is)
    "merged_group_title": [
        (C, "zone_stats.xlsx", SHEET, 4, "trade", "ingest.not_a_number"),
    ],
    # --- reading files as people send them ---
    # <dimension> says A1:G2, rows 3-6 hold data: all read, row 6's "abc" found where it is
    "stale_dimension": [(C, "zone_stats.xlsx", SHEET, 6, "trade", "ingest.not_a_number")],
    "hidden_row": [(C, "zone_stats.xlsx", SHEET, 3, "", "ingest.hidden_row")],
    "hidden_column": [(C, "zone_stats.xlsx", SHEET, 1, "fdi_usd", "ingest.hidden_column")],
    "hidden_sheet": [(W, "zone_stats.xlsx", "旧数据", None, "", "ingest.hidden_sheet")],
    # assessing 2025: the 2025年 sheet is read, the 2024年 one before it is named
    "last_year_sheet_first": [(W, "zone_stats.xlsx", "2024年", None, "", "ingest.sheet_not_read")],
    "other_year_sheet": [(C, "zone_stats.xlsx", "2024年", None, "", "ingest.sheet_other_year")],
    "instructions_sheet_first": [],
    "title_rows": [(W, "zone_stats.xlsx", SHEET, 1, "", "ingest.rows_above_header")],
    "two_row_header": [],
    "unit_line": [],
    "csv_title_rows": [(W, "zone_stats.csv", "", 1, "", "ingest.rows_above_header")],
    "subtotal_any_column": [(W, "zone_stats.csv", "", 3, "", "ingest.total_row"),
                            (W, "zone_stats.csv", "", 5, "", "ingest.total_row")],
    # residue read as on screen without a word; 12% in a 亿元 column is a unit contradiction
    "excel_numbers": [(C, "zone_stats.xlsx", SHEET, 3, "trade", "ingest.unit_mismatch")],
    "formula_no_value": [(C, "zone_stats.xlsx", SHEET, 3, "gdp", "ingest.formula_no_value")],
    "xls_file": [(C, "zone_stats.xls", SHEET, 3, "trade", "ingest.not_a_number")],
    "unsupported_format": [(C, "zone_stats.ods", "", None, "", "ingest.unsupported_format")],
    "symlink": [(C, "zone_stats.csv", "", None, "", "ingest.not_a_regular_file")],
    "dataset_folder": [(C, "zone_stats.csv", "", None, "", "ingest.not_a_regular_file")],
    "cells_out_of_range": [
        (C, "zone_stats.csv", "", 2, "enterprises", "ingest.number_too_large"),  # 40 digits
        (C, "zone_stats.csv", "", 3, "gdp", "ingest.bad_grouping"),  # 1,2,3
        (W, "zone_stats.csv", "", 4, "year", "ingest.year_suffix"),  # 2025年
        (C, "zone_stats.csv", "", 5, "enterprises", "ingest.unit_mismatch"),  # 30%
        (C, "zone_stats.csv", "", 5, "large_mfg_enterprises", "ingest.unit_mismatch"),  # 5万元
    ],
    "cell_too_large": [(C, "zones.csv", "", 2, "zone_name", "ingest.cell_too_large")],
    "file_too_large": [(C, "zone_stats.csv", "", None, "", "ingest.file_too_large")],
    # one finding each, at the first row, listing the rows and the count
    "systematic_placeholders": [(C, "zone_stats.csv", "", 2, "trade", "ingest.placeholder")],
    "rule_fails_on_thousands": [
        (C, "zone_stats.csv", "", 2, "gdp", "zone_stats.gdp_non_negative")],
    # 0690 kept by Excel as the number 690: which division is unknowable; critical where the
    # code decides the finance exclusion, a warning where it decides nothing
    "industry_code_as_number": [
        (C, "fdi_projects.xlsx", "外资项目", 2, "industry_code", "ingest.code_as_number"),
        (W, "supplier_introductions.xls", "引进案例", 2, "industry_code", "ingest.code_as_number"),
    ],
}
# The assessment year a case is read for (choosing the sheet), and lowered limits.
YEARS = {"last_year_sheet_first": 2025, "other_year_sheet": 2025}
LIMITS = {"file_too_large": IngestLimits(max_file_bytes=1024)}


def key(f: Finding) -> tuple:
    return (f.severity, f.file, f.sheet, f.row, f.column, f.rule_id)


def findings_for(case: str) -> list[Finding]:
    found = validate_step(ingest_folder(CORPUS / case, YEARS.get(case), LIMITS.get(case)))
    return [f for f in found if f.rule_id != "dataset.missing"]


def frame_of(case: str):
    return ingest_folder(CORPUS / case, YEARS.get(case)).frames["zone_stats"]


def test_every_case_folder_is_tested() -> None:
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert folders == set(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_case_reports_exactly_its_problem(case: str) -> None:
    found = findings_for(case)
    assert sorted(map(key, found), key=str) == sorted(EXPECTED[case], key=str)
    for f in found:  # where, why and how to fix, in Chinese
        assert f.message and f.hint, f


def test_messages_name_the_value_and_the_fix() -> None:
    merged = {f.rule_id: f for f in findings_for("merged_header")}["ingest.merged_header"]
    assert merged.value == "C1:D1（地区生产总值（亿元））"
    assert "取消合并" in merged.hint
    placeholders = {(f.row, f.column): f for f in findings_for("placeholders")}
    assert placeholders[(2, "tax_revenue")].value == "—"
    assert placeholders[(2, "trade")].message == "“/”是占位符，已按空值读取；该项为必填"
    encoding = findings_for("unknown_encoding")[0]
    assert "UTF-16" in encoding.message and "UTF-8" in encoding.hint
    jump = findings_for("unit_jump")[0]
    assert jump.value == "1250000"
    assert "万元" in jump.hint and "除以10000" in jump.hint


def test_group_title_rows_do_not_hide_the_data() -> None:
    ingested = ingest_folder(CORPUS / "merged_group_title")
    frame = ingested.frames["zone_stats"]
    assert frame["zone_id"].to_list() == ["GX-NN-01", "GX-NN-02"]
    assert frame[SOURCE_ROW].to_list() == [3, 4]


def test_rows_beyond_a_stale_dimension_are_read() -> None:
    frame = frame_of("stale_dimension")
    assert frame[SOURCE_ROW].to_list() == [2, 3, 4, 5, 6]
    assert frame["zone_id"].to_list()[-1] == "GX-BH-01"


def test_the_assessment_years_sheet_is_read_and_said() -> None:
    ingested = ingest_folder(CORPUS / "last_year_sheet_first", 2025)
    assert ingested.frames["zone_stats"]["year"].unique().to_list() == [2024]  # the 2025年 sheet
    assert ingested.sheets_read() == ["zone_stats.xlsx：读取工作表“2025年”"]
    [note] = findings_for("last_year_sheet_first")
    assert note.message == "工作表“2024年”也有“园区年度统计”的表头，未读取；本次读取的是工作表“2025年”"
    other = ingest_folder(CORPUS / "other_year_sheet", 2025)
    assert "zone_stats" not in other.frames  # never taken silently
    assert other.findings[0].message == (
        "有“园区年度统计”表头的工作表 “2024年” 不是考核年度 2025 年的，未读取")
    # the sheet with the header, after a 填表说明 sheet
    assert ingest_folder(CORPUS / "instructions_sheet_first").sheets_read() == [
        "zone_stats.xlsx：读取工作表“Sheet1”"]


@pytest.mark.parametrize("case", ["title_rows", "two_row_header", "instructions_sheet_first"])
def test_header_layouts_read_the_same_figures(case: str) -> None:
    frame = frame_of(case)
    assert frame["zone_id"].to_list() == ["GX-NN-01", "GX-NN-02", "GX-LZ-01", "GX-GL-01"]
    assert frame["gdp"].to_list() == [Decimal("12050000000"), Decimal("8000000000"),
                                      Decimal("9525000000"), Decimal("6000000000")]
    assert frame["enterprises"].to_list() == [300, 200, 260, 150]


def test_unit_line_under_the_names_converts_from_it() -> None:
    frame = frame_of("unit_line")
    assert frame[SOURCE_ROW].to_list() == [3]
    assert frame["gdp"].to_list() == [Decimal("12050000000")]  # 120.5 亿元
    assert frame["fdi_usd"].to_list() == [Decimal("8000000")]  # 800 万美元


def test_excel_numbers_read_as_excel_shows_them() -> None:
    frame = frame_of("excel_numbers")
    # 475.7696999999999 on screen is 475.7697 (15 significant digits): exactly that, no warning
    assert frame["gdp"][0] == Decimal("47576970000")
    assert frame["trade"][1] is None  # 12% in a 亿元 column: refused at its cell


def test_xls_is_read_with_the_rows_a_person_sees() -> None:
    ingested = ingest_folder(CORPUS / "xls_file")
    frame = ingested.frames["zone_stats"]
    assert frame[SOURCE_ROW].to_list() == [2, 3]
    assert frame["gdp"].to_list() == [Decimal("12050000000"), Decimal("8000000000")]
    assert [f.encoding for f in ingested.files] == ["xls"]


def test_codes_read_as_excel_shows_them_and_stored_numbers_are_named() -> None:
    ingested = ingest_folder(CORPUS / "industry_code_as_number")
    # the stored 690 is read as empty (its finding stops the run; no rule reads it as
    # finance); a 0000 format shows 690 as 0690: read so, a coal-mining code
    assert ingested.frames["fdi_projects"]["industry_code"].to_list() == [
        None, "0690", "3670", "0690"]
    assert ingested.unread["fdi_projects"]["industry_code"].to_list() == [
        True, False, False, False]
    assert ingested.frames["supplier_introductions"]["industry_code"].to_list() == [
        "111", "0111"]
    fdi, supplier = sorted(findings_for("industry_code_as_number"), key=lambda f: f.file)
    assert fdi.value == "690"
    assert fdi.message == (
        "“国民经济行业代码”在 Excel 中保存成了数字 690，代码开头的 0 会被去掉：无法确认是"
        "“690”（J 金融业 / 69 其他金融业）还是“0690”（B 采矿业 / 06 煤炭开采和洗选业），"
        "两者的判定可能不同")
    assert fdi.hint.startswith("把该列单元格格式设为“文本”后重新输入完整代码（如 0690）")
    assert supplier.message.endswith(
        "“111”（B 采矿业 / 11 开采专业及辅助性活动）还是“0111”（A 农、林、牧、渔业 / 01 农业）")


def test_links_and_folders_are_never_opened() -> None:
    [link] = findings_for("symlink")
    assert "root:" not in link.message + link.value  # /etc/passwd was not read
    assert link.message == ("“zone_stats.csv”是符号链接（快捷方式），不是提交的数据文件，未读取"
                            "（名称像是“园区年度统计”）")


def test_bounded_findings_list_rows_and_count() -> None:
    [placeholder] = findings_for("systematic_placeholders")
    assert (placeholder.count, placeholder.rows) == (185, "2-101;…")
    [negative] = findings_for("rule_fails_on_thousands")
    assert (negative.count, negative.rows, negative.value) == (3000, "2-101;…", "-1")
    assert negative.message == ("地区生产总值不能为负数；本列共 3000 处同类问题（第 2—101 行等），"
                                "请逐一修改")


def test_values_are_quoted_to_fifty_characters() -> None:
    [long] = findings_for("cell_too_large")
    assert long.value == "南宁经济技术开发区" * 5 + "南宁经济技" + "…"
    assert len(long.value) == VALUE_QUOTED + 1
    assert long.message.endswith("（开头为“" + long.value + "”）")
    big = {f.rule_id: f for f in findings_for("cells_out_of_range")}["ingest.number_too_large"]
    assert big.value == "1" * 40  # 40 characters: quoted whole


def test_corpus_is_reproducible(tmp_path: Path) -> None:
    """make_corpus.py writes the committed bytes again (fixed xlsx creation time)."""
    import importlib.util
    import shutil

    copy = tmp_path / "bad_inputs"
    shutil.copytree(CORPUS, copy, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    spec = importlib.util.spec_from_file_location("make_corpus", copy / "make_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make()
    for path in CORPUS.rglob("*"):
        copied = copy / path.relative_to(CORPUS)
        if path.is_symlink():
            assert copied.readlink() == path.readlink(), path
        elif path.is_file() and "__pycache__" not in path.parts:
            assert copied.read_bytes() == path.read_bytes(), path



# =============================================================================================
# Values that cannot be right (validation's value checks; make_corpus.py make_value_cases):
# each file reads cleanly and must be stopped at the cell, with the rule that explains it.

VALUE_CASES: dict[str, list[tuple]] = {
    # 元 typed into 万元 / 万美元 cells, a 万元 figure into the 元 column: out of a case's band
    "case_amount_units": [
        (C, "supplier_introductions.xlsx", "引进案例", 3, "actual_investment",
         "supplier_introductions.actual_investment_case_band"),
        (C, "ambassador_referrals.csv", "", 2, "actual_investment",
         "ambassador_referrals.actual_investment_case_band"),
        (C, "fdi_projects.csv", "", 2, "fdi_received_usd", "fdi_projects.fdi_received_usd_case_band"),
        (C, "researcher_rewards.csv", "", 3, "amount", "researcher_rewards.amount_case_band"),
    ],
    # 1e20 万元, a negative cash reward, 3,000,000,000 enterprises
    "impossible_values": [
        # 1e20 万元 = 1e24 元: beyond what a money cell holds, stopped as it is read
        (C, "supplier_introductions.csv", "", 2, "actual_investment", "ingest.number_too_large"),
        (C, "researcher_rewards.csv", "", 2, "amount", "researcher_rewards.amount_non_negative"),
        (C, "zone_stats.csv", "", 2, "enterprises", "zone_stats.enterprises_within_range"),
    ],
    # the whole column 10^4 off, found against each row's GDP (row 4 is beyond the range too)
    "investment_column_in_wan": [
        (C, "zone_stats.csv", "", 2, "investment_actual", "zone_stats.investment_actual_ratio_to_gdp"),
        (C, "zone_stats.csv", "", 3, "investment_actual", "zone_stats.investment_actual_ratio_to_gdp"),
        (C, "zone_stats.csv", "", 4, "investment_actual", "zone_stats.investment_actual_within_range"),
        (C, "zone_stats.csv", "", 5, "investment_actual", "zone_stats.investment_actual_ratio_to_gdp"),
    ],
    # at the zone's cells, and not also at the city's (its sum rule stays silent)
    "zone_above_city": [
        (C, "zone_stats.csv", "", 2, "gdp", "zone_stats.gdp_within_city"),
        (C, "zone_stats.csv", "", 3, "gdp", "zone_stats.gdp_within_city"),
    ],
    # K, 房地产, 98, J3670; C3670 (row 6) is sound
    "industry_codes": [
        (C, "fdi_projects.csv", "", row, "industry_code", "fdi_projects.industry_code_division")
        for row in (2, 3, 4, 5)
    ],
    "zone_name_as_code": [
        (C, "zone_stats.csv", "", 3, "zone_id", "zone_stats.zone_id_not_a_name"),
        (C, "fdi_projects.csv", "", 2, "zone_id", "fdi_projects.zone_id_not_a_name"),
    ],
}
EXPECTED.update(VALUE_CASES)  # every folder is tested (test_every_case_folder_is_tested)


@pytest.mark.parametrize("case", sorted(VALUE_CASES))
def test_value_case_reports_exactly_its_problem(case: str) -> None:
    found = findings_for(case)
    assert sorted(map(key, found), key=str) == sorted(VALUE_CASES[case], key=str)
    for f in found:  # where, why and how to fix, in Chinese
        assert f.message and f.hint, f


def test_value_findings_show_what_the_cell_was_compared_with() -> None:
    at = {(f.file, f.row, f.column): f for f in findings_for("investment_column_in_wan")}
    ratio = at[("zone_stats.csv", 2, "investment_actual")]
    assert ratio.value == "45000（地区生产总值：120.5）"
    assert "按万元填报，请除以10000" in ratio.hint
    city = findings_for("zone_above_city")[0]
    assert city.value == "12050（南宁市：5400）"
    named = {f.file: f for f in findings_for("zone_name_as_code")}
    assert named["fdi_projects.csv"].value == "南宁经济技术开发区（园区名录中的园区代码：GX-NN-01）"
    assert "园区名录" in named["zone_stats.csv"].hint
    band = {f.file: f for f in findings_for("case_amount_units")}["supplier_introductions.xlsx"]
    assert band.value == "50000000"
    assert "多半是按元填报，请除以10000" in band.hint
    codes = [f.value for f in findings_for("industry_codes")]
    assert codes == ["K", "房地产", "98", "J3670"]
