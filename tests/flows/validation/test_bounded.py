"""A bounded fix list: a problem in many rows is one finding with its first rows and the count,
in every form of the fix list, and the rows of a failing rule are found by its own condition
in Polars (checked against Great Expectations' count), not by GE's per-row listing."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import polars as pl

import flows.validation.validate as validate_module
from flows.ingest.folder import ingest_folder
from flows.settings import DEMO_DATA_DIR
from flows.validation.fix_list import FIX_LIST_COLUMNS, read_csv, write_all
from flows.validation.ge_runner import ROW_INDEX, findings_from_result
from tests.helpers import frame
from transforms.contract import SOURCE_FILE, SOURCE_ROW, SOURCE_SHEET
from transforms.findings import (
    GROUP_AFTER,
    Finding,
    Severity,
    bound_findings,
    group_finding,
    row_ranges,
)

CELL = Finding(Severity.CRITICAL, "zone_stats", "zone_stats.csv", "", 2, "gdp",
               "地区生产总值（亿元）", "abc", "ingest.not_a_number", "“abc”不是数字",
               "填写数字", "GX-NN-01")


def test_row_ranges() -> None:
    assert row_ranges([5, 2, 3, 4, 9, 11, 12]) == "2-5;9;11-12"
    assert row_ranges([2, 3], total=10) == "2-3;…"
    assert row_ranges([]) == ""


def test_bound_findings_groups_only_beyond_five_cells() -> None:
    five = [replace(CELL, row=r) for r in range(2, 2 + GROUP_AFTER)]
    assert bound_findings(five) == five
    six = [replace(CELL, row=r, zone_id=f"Z{r}") for r in range(2, 8)]
    [one] = bound_findings(six)
    assert (one.row, one.rows, one.count, one.zone_id, one.value) == (2, "2-7", 6, "", "abc")
    assert one.message == "“abc”不是数字；本列共 6 处同类问题（第 2—7 行），请逐一修改"
    # a grouped finding counts as all its cells, and grouping again changes nothing
    assert bound_findings([one]) == [one]
    other_column = replace(CELL, column="trade")
    assert bound_findings([*six, other_column])[1] == other_column


def test_new_columns_come_last_and_round_trip(tmp_path: Path) -> None:
    grouped = group_finding(CELL, list(range(2, 200)), 300)
    write_all([grouped, CELL], tmp_path)
    with (tmp_path / "fix_list.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["severity", "dataset", "file", "sheet", "row", "column", "column_label",
                       "value", "rule_id", "message", "hint", "zone_id", "caused_by", "rows", "count"]
    assert FIX_LIST_COLUMNS[-2:] == ["rows", "count"]
    assert {tuple(r[-2:]) for r in rows[1:]} == {("2-101;…", "300"), ("", "1")}
    assert sorted(read_csv(tmp_path / "fix_list.csv"), key=lambda f: f.count) == [CELL, grouped]


def test_failing_rows_come_from_the_rules_condition(monkeypatch) -> None:
    """Every expectation type of the suites (not null, between, unique, compound unique,
    regex, pair, the cross rules' in-set) finds its rows without a second GE pass."""
    frames = dict(ingest_folder(DEMO_DATA_DIR).frames)
    stats = frames["zone_stats"]
    frames["zone_stats"] = pl.concat([
        stats,
        stats.head(1),  # a duplicate key
        stats.slice(1, 1).with_columns(pl.lit(None, pl.String).alias("zone_id")),  # required
        stats.slice(2, 1).with_columns(pl.lit(-5, pl.Int64).alias("enterprises")),  # between
        stats.slice(3, 1).with_columns(pl.lit(10**6, pl.Int64).alias("large_mfg_enterprises")),
    ])
    zones = frames["zones"]
    frames["zones"] = pl.concat([
        zones, zones.head(1).with_columns(pl.lit("GX NN 01").alias("zone_id")),  # regex, unique
    ])
    frames["fdi_projects"] = frames["fdi_projects"].with_columns(
        pl.lit("GX-XX-99").alias("zone_id"))  # not registered: a cross rule
    second_passes: list[str] = []
    original = validate_module.run_suite

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("with_rows"):
            second_passes.append(args[3])
        return original(*args, **kwargs)

    monkeypatch.setattr(validate_module, "run_suite", spy)
    validate_module._DATASET_RUNS.clear()
    found = {f.rule_id for f in validate_module.validate(frames)}
    assert {"zone_stats.key_unique", "zone_stats.zone_id_required",
            "zone_stats.enterprises_non_negative",
            "zone_stats.large_mfg_enterprises_within_enterprises", "zones.zone_id_format",
            "zones.zone_name_unique", "fdi_projects.zone_id_registered"} <= found
    assert second_passes == []


def test_rows_ge_lists_by_position_are_asked_for_again_by_their_keys() -> None:
    """When a rule's own condition cannot list its rows, GE's list is read; positions without
    our row columns (plain integers) are never taken for keys: the rule runs again with them."""
    stats = frame("zone_stats", [{"zone_id": "A", "year": 2025}]).with_columns(
        pl.lit("zone_stats.csv").alias(SOURCE_FILE), pl.lit("").alias(SOURCE_SHEET),
        pl.lit(7).alias(SOURCE_ROW))
    meta = {"rule_id": "zone_stats.gdp_required", "dataset": "zone_stats", "column": "gdp",
            "column_label": "地区生产总值（亿元）", "message": "必填。", "hint": "请补填。"}
    config = SimpleNamespace(meta=meta, severity="critical", type="expect_column_values_to_not_be_null",
                             kwargs={"column": "gdp"}, to_json_dict=lambda: {"meta": meta})

    def outcome(index_list: list) -> SimpleNamespace:
        return SimpleNamespace(expectation_config=config, exception_info=None, success=False,
                               result={"unexpected_count": 1,
                                       "partial_unexpected_index_list": index_list})

    asked: list[dict] = []

    def rerun(expectation: dict) -> SimpleNamespace:
        asked.append(expectation)
        return outcome([{ROW_INDEX: 0, SOURCE_ROW: 7}])

    found = findings_from_result(SimpleNamespace(results=[outcome([0])]),
                                 {"zone_stats": stats}, None, rerun=rerun)
    assert asked == [{"meta": meta}]
    assert [(f.file, f.row, f.column, f.rule_id) for f in found] == [
        ("zone_stats.csv", 7, "gdp", "zone_stats.gdp_required")]
