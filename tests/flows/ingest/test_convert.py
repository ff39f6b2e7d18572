"""The column-at-a-time converter agrees with the per-cell reference on awkward cells."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

import flows.ingest.convert as convert
from flows.ingest.convert import PLACEHOLDERS, convert_column
from tests.oracles.cell_reference import clean_text, convert_cell, is_placeholder
from transforms.contract import DATASETS, Kind, polars_dtype

CELLS = [
    None, "", "  ", "—", "/", "空", "N/A", "12", " 12 ", "12.50", "1,234.5", "５００", "１２．５",
    "12亿元", "12万元", "12万美元", "12元", "12户", "12%", "abc", "1.5", "-3", "+4", "1e3",
    "1E-05", ".5", "5.", "0.125", "0.005", "0.0049999", "7777.77765", "12 345", "１２ ３４",
    "是", "否", "Y", "n", "TRUE", "false", "0", "1", "也许", "国家级", "自治区级", "national",
    "南宁", "南宁市", "广州市", " 鼓励类 ", "禁止类", "新设", "增资", "总部", "2023-02-30",
    "2023-2-3", "2023/02/03", "2023.2.3", "20230203", "2023年2月3日", "2023-02-03 00:00:00",
    "ＧＸ－０１", "91450100ma00000011", "贵港经开区（示例）",
    # malformed grouping, units a header contradicts, overflow, a year said with 年
    "1,2,3", "1,234,567.5", "12,34", "1 234,5", "12家", "12 户", "5%", "12平方公里", "2025年",
    "2025 年度", "1e40", "1" * 40, "-" + "9" * 19, "1e999999", "99999999999999999",
]
COLUMNS = [("zone_stats", "year"), ("zone_stats", "developed_area"), ("zone_stats", "gdp"), ("zone_stats", "fdi_usd"), ("zone_stats", "enterprises"),
           ("zone_stats", "energy_per_gdp"), ("exchange_rates", "usd_cny"),
           ("researcher_rewards", "amount"), ("supplier_introductions", "actual_investment"),
           ("fdi_projects", "encouraged"), ("fdi_projects", "leading_industry"),
           ("zones", "level"), ("zones", "city"), ("zones", "status"),
           ("supplier_introductions", "industry_class"), ("fdi_projects", "project_type"),
           ("zones", "approved_date"), ("zones", "zone_id"), ("zones", "zone_name"),
           ("supplier_introductions", "introduced_uscc")]


def reference(col, raw: str | None, factor: Decimal):
    text = clean_text(raw, fold=col.kind is not Kind.TEXT)
    if text is None and col.default is not None:
        text = col.default
    if text is None:
        return None, []
    value, problem = convert_cell(col, text, factor, raw)
    return value, [] if problem is None else [(problem.rule_id, problem.severity)]


@pytest.mark.parametrize(("dataset", "name"), COLUMNS)
def test_column_converter_matches_the_cell_reference(dataset: str, name: str) -> None:
    col = DATASETS[dataset].column(name)
    factor = col.unit_factor
    values, problems = convert_column(pl.Series(CELLS, dtype=pl.String), col, factor,
                                      PLACEHOLDERS)
    got_problems: dict[int, list] = {}
    for pos, p in problems:
        got_problems.setdefault(pos, []).append((p["rule"], p["severity"]))
    for pos, raw in enumerate(CELLS):
        want_value, want_problems = reference(col, raw, factor)
        # Both paths end in a frame column of the contract's dtype (rates keep 6 decimals).
        want_value = pl.Series([want_value], dtype=polars_dtype(col), strict=False)[0]
        got = values[pos]
        if isinstance(want_value, float):
            assert got == pytest.approx(want_value), (raw, got, want_value)
        else:
            assert got == want_value, (raw, got, want_value)
        # The reference reports the first problem of a cell; the column path may add the
        # tidy warning beside a critical one, never a different critical.
        got_rules = got_problems.get(pos, [])
        assert set(want_problems) <= set(got_rules), (raw, got_rules, want_problems)
        extra = set(got_rules) - set(want_problems)
        # Placeholders are reported beside the cell conversion (the folder reader did it in
        # build_frame): "—" is read as empty, never silently.
        allowed = {"ingest.number_tidied"} | ({"ingest.placeholder"} if is_placeholder(raw)
                                              else set())
        assert all(rule in allowed for rule, _ in extra), (raw, extra)


def test_money_rounds_half_up_to_the_fen() -> None:
    col = DATASETS["supplier_introductions"].column("actual_investment")  # 万元
    values, problems = convert_column(pl.Series(["0.0000125", "0.0000135"]), col,
                                      col.unit_factor, PLACEHOLDERS)
    assert values.to_list() == [Decimal("0.13"), Decimal("0.14")]  # 0.125 and 0.135 yuan
    assert [p["rule"] for _, p in problems] == ["ingest.sub_cent", "ingest.sub_cent"]


def test_large_frames_convert_in_threads_with_the_same_result(monkeypatch) -> None:
    """Above 10,000 rows the columns are converted in parallel threads: the frame and the
    findings (row, column, value, rule) are exactly what one thread produces."""
    dataset = DATASETS["zone_stats"]
    height = 12_000
    raw = pl.DataFrame({
        col.name: [CELLS[(i * 7 + j) % len(CELLS)] for i in range(height)]
        for j, col in enumerate(dataset.columns)
    }, schema={col.name: pl.String for col in dataset.columns}).with_columns(
        pl.Series("_source_row", range(2, height + 2), dtype=pl.Int64))
    args = (raw, dataset, {}, "zone_stats.csv", "", PLACEHOLDERS)
    threaded, threaded_findings, threaded_unread = convert.convert_frame(*args)
    monkeypatch.setattr(convert.os, "cpu_count", lambda: 1)
    single, single_findings, single_unread = convert.convert_frame(*args)
    assert threaded.equals(single)
    assert threaded_findings == single_findings
    assert threaded_unread.equals(single_unread)
    # the awkward cells really were awkward, and each column's problem is one finding listing
    # its first rows and the count, not thousands of rows
    assert sum(f.count for f in threaded_findings) > height
    assert len(threaded_findings) < 20 * len(dataset.columns)
    assert threaded.height == height


def test_systematic_problems_are_one_finding_with_the_rows_and_the_count() -> None:
    """185 placeholders in a column: one finding listing the rows (first ROWS_LISTED) and the
    count; three of them: three findings, each at its cell."""
    dataset = DATASETS["zone_stats"]
    rows = [{"zone_id": f"GX-{i:03d}", "year": "2025", "gdp": "—" if i < 185 else "1.5"}
            for i in range(300)]
    raw = pl.DataFrame(rows).with_columns(pl.Series("_source_row", range(2, 302),
                                                    dtype=pl.Int64))
    frame, findings, unread = convert.convert_frame(raw, dataset, {}, "zone_stats.csv", "",
                                                    PLACEHOLDERS)
    gdp = [f for f in findings if f.column == "gdp"]
    assert len(gdp) == 1
    [f] = gdp
    assert (f.rule_id, f.row, f.count, f.rows, f.value) == (
        "ingest.placeholder", 2, 185, "2-101;…", "—")
    assert f.message == ("“—”是占位符，已按空值读取；该项为必填；本列共 185 处同类问题"
                         "（第 2—101 行等），请逐一修改")
    assert f.zone_id == ""  # rows of many zones: listed under no single zone
    assert unread["gdp"].sum() == 185  # the cells ingest emptied, for validation
    small = raw.head(3)
    _, findings, _ = convert.convert_frame(small, dataset, {}, "zone_stats.csv", "", PLACEHOLDERS)
    assert [(f.row, f.count, f.rows) for f in findings if f.column == "gdp"] == [
        (2, 1, ""), (3, 1, ""), (4, 1, "")]


@pytest.mark.parametrize(
    ("name", "cell", "rule", "severity"),
    [
        # A 40-digit count: beyond Int64, never an empty value.
        ("enterprises", "1" * 40, "ingest.number_too_large", "critical"),
        # 1e12 亿元 = 1e20 yuan: beyond what exact money arithmetic holds; refused, not a
        # crash or a null. One digit less is read (plausibility is another rule's business).
        ("gdp", "1e12", "ingest.number_too_large", "critical"),
        ("gdp", "1e28", "ingest.number_too_large", "critical"),
        ("gdp", "1,2,3", "ingest.bad_grouping", "critical"),
        ("gdp", "12%", "ingest.unit_mismatch", "critical"),
        ("gdp", "12户", "ingest.unit_mismatch", "critical"),
        ("gdp", "12家", "ingest.unit_mismatch", "critical"),
        ("enterprises", "12万元", "ingest.unit_mismatch", "critical"),
        ("enterprises", "5%", "ingest.unit_mismatch", "critical"),
        ("year", "2025%", "ingest.unit_mismatch", "critical"),
        ("year", "2025年", "ingest.year_suffix", "warning"),
        ("enterprises", "12家", "ingest.number_tidied", "warning"),
    ],
)
def test_cells_that_cannot_be_right(name: str, cell: str, rule: str, severity: str) -> None:
    col = DATASETS["zone_stats"].column(name)
    values, problems = convert_column(pl.Series([cell]), col, col.unit_factor, PLACEHOLDERS)
    assert [(p["rule"], p["severity"].value) for _, p in problems] == [(rule, severity)]
    if severity == "critical":
        assert values.to_list() == [None]
    elif name == "year":
        assert values.to_list() == [2025]
    else:
        assert values.to_list() == [12]


def test_unit_messages_name_the_header_unit() -> None:
    gdp = DATASETS["zone_stats"].column("gdp")
    _, problems = convert_column(pl.Series(["12%"]), gdp, gdp.unit_factor, PLACEHOLDERS)
    assert problems[0][1]["message"] == "“12%”的单位“%”与表头单位“亿元”不一致，未读取"
    year = DATASETS["zone_stats"].column("year")
    _, problems = convert_column(pl.Series(["2025年"]), year, year.unit_factor, PLACEHOLDERS)
    assert problems[0][1]["message"] == "年份“2025年”带有“年”字，已按 2025 读取"
    _, problems = convert_column(pl.Series(["2025%"]), year, year.unit_factor, PLACEHOLDERS)
    assert problems[0][1]["message"] == "“2025%”带有单位“%”，但“年份”不带单位，未读取"


def test_long_cells_are_refused_and_quoted_short() -> None:
    name = DATASETS["zones"].column("zone_name")
    long = "南宁经济技术开发区" * 300  # 2,700 characters
    values, problems = convert_column(pl.Series([long, "南宁经开区"]), name, name.unit_factor,
                                      PLACEHOLDERS, max_cell_chars=2000)
    assert values.to_list() == [None, "南宁经开区"]
    [(pos, p)] = problems
    assert (pos, p["rule"]) == (0, "ingest.cell_too_large")
    assert p["message"] == ("单元格有 2700 个字符，超过上限 2000 个，未读取（开头为“"
                            + long[:50] + "…”）")
