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
]
COLUMNS = [("zone_stats", "gdp"), ("zone_stats", "fdi_usd"), ("zone_stats", "enterprises"),
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
    threaded, threaded_findings = convert.convert_frame(*args)
    monkeypatch.setattr(convert.os, "cpu_count", lambda: 1)
    single, single_findings = convert.convert_frame(*args)
    assert threaded.equals(single)
    assert threaded_findings == single_findings
    assert len(threaded_findings) > height  # the awkward cells really were awkward
    assert threaded.height == height
