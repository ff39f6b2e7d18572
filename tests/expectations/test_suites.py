"""The suites as data: valid GE suites, one rule id each, a rule for every contract promise."""

from __future__ import annotations

import re

import great_expectations as gx
import pytest

from expectations.suites import (
    CITY_TOTAL_COLUMNS,
    DATASET_RULES,
    ZONE_ID_PATTERN,
    all_suites,
    cross_suite,
    dataset_suite,
    rule_inputs,
)
from flows.settings import load_plausibility
from transforms.contract import DATASETS, Kind
from transforms.industry import CODE_PATTERN


def test_suites_round_trip_as_ge_json() -> None:

    rule_ids = []
    for name, suite in all_suites().items():
        built = gx.ExpectationSuite(**suite)
        again = built.to_json_dict()
        assert [e["type"] for e in again["expectations"]] == [
            e["type"] for e in suite["expectations"]
        ]
        for exp in again["expectations"]:
            meta = exp["meta"]
            assert exp["severity"] in ("critical", "warning")
            assert {"rule_id", "dataset", "column", "column_label", "message", "hint"} <= set(meta)
            rule_ids.append(meta["rule_id"])
        assert name
    assert len(rule_ids) == len(set(rule_ids)), "rule ids must be unique"


def test_every_required_column_has_a_rule() -> None:
    suites = all_suites()
    for name, ds in DATASETS.items():
        ids = {e["meta"]["rule_id"] for e in suites[name]["expectations"]}
        for col in ds.columns:
            assert (f"{name}.{col.name}_required" in ids) is col.required
            if col.kind is Kind.MONEY and name in ("zone_stats", "city_stats"):
                assert f"{name}.{col.name}_non_negative" in ids


def test_a_row_of_the_table_is_a_rule_of_its_dataset() -> None:
    """Adding a per-dataset rule is adding a row to DATASET_RULES: its id, type, arguments and
    texts reach the dataset's suite as they are."""
    row = next(r for r in DATASET_RULES if r.check == "rank_within_total")
    (exp,) = [e for e in dataset_suite(row.dataset)["expectations"]
              if e["meta"]["rule_id"] == "national_rankings.rank_within_total"]
    assert exp["type"] == "expect_column_pair_values_a_to_be_greater_than_b"
    assert exp["kwargs"] == {"column_A": "ranked_total", "column_B": "rank", "or_equal": True,
                             "ignore_row_if": "either_value_is_missing"}
    assert exp["meta"]["column"] == "rank" and exp["meta"]["other_column"] == "ranked_total"
    assert exp["severity"] == "critical"
    assert exp["meta"]["message"] and exp["meta"]["hint"]


def test_every_rule_says_which_columns_it_reads() -> None:
    # Every rule of every suite (with the plausibility rules) has its inputs, each a contract
    # column: a finding of a rule whose input could not be read can point at that problem.
    config = load_plausibility()
    inputs = rule_inputs(config)
    rule_ids = {e["meta"]["rule_id"] for suite in all_suites(config).values()
                for e in suite["expectations"]}
    assert rule_ids <= set(inputs)
    for rule_id, reads in inputs.items():
        assert reads, rule_id
        for dataset, column in reads:
            assert column in DATASETS[dataset].column_names, (rule_id, dataset, column)
    assert inputs["zones.base_year_stats_present"] >= {("zone_stats", "year"),
                                                       ("zones", "approved_date")}
    assert inputs["zone_stats.large_mfg_enterprises_within_enterprises"] == {
        ("zone_stats", "large_mfg_enterprises"), ("zone_stats", "enterprises")}
    assert inputs["city_stats.gdp_covers_zones"] >= {("zone_stats", "gdp"), ("zones", "city")}


def test_no_figure_of_the_contract_may_be_negative() -> None:
    """Every amount, count and measure of every dataset has exactly one rule bounding it from
    below (not negative, positive, from 1, or the exchange rate's band); the year has its range."""
    lower = ("_non_negative", "_positive", "_at_least_one", "_range")
    for name, ds in DATASETS.items():
        ids = {e["meta"]["rule_id"] for e in dataset_suite(name)["expectations"]
               if e["type"] == "expect_column_values_to_be_between"}
        for col in ds.columns:
            if col.kind not in (Kind.MONEY, Kind.INT, Kind.DECIMAL, Kind.FLOAT):
                continue
            found = [f"{name}.{col.name}{s}" for s in lower if f"{name}.{col.name}{s}" in ids]
            assert len(found) == 1, (name, col.name, found)
    # the ones the contract table left out before
    for rule_id in ("researcher_rewards.amount_non_negative",
                    "zone_stats.high_tech_enterprises_non_negative",
                    "zone_stats.developed_area_non_negative",
                    "zone_stats.energy_per_gdp_non_negative"):
        assert rule_id in {e["meta"]["rule_id"] for e in all_suites()[rule_id.split(".")[0]]
                           ["expectations"]}


def test_every_figure_has_a_configured_range_and_every_case_amount_a_band() -> None:
    config = load_plausibility()
    for name, ds in DATASETS.items():
        for col in ds.columns:
            numeric = col.kind in (Kind.MONEY, Kind.INT, Kind.FLOAT) and col.name != "year"
            if numeric and name not in ("exchange_rates",):
                assert (name, col.name) in config.ranges, (name, col.name)
    # the amounts a reward or a taxable amount is computed from
    for key in (("supplier_introductions", "actual_investment"),
                ("ambassador_referrals", "actual_investment"),
                ("fdi_projects", "fdi_received_usd"), ("researcher_rewards", "amount")):
        assert key in config.case_bands, key
    # every money figure of a zone without a city figure is held against the zone's GDP
    for col in DATASETS["zone_stats"].columns:
        if col.kind is Kind.MONEY and col.name not in CITY_TOTAL_COLUMNS:
            assert config.ratio_bands[("zone_stats", col.name)].reference == "gdp", col.name


def test_configured_value_rules_are_critical_and_worded() -> None:
    suite = cross_suite(load_plausibility())
    by_id = {e["meta"]["rule_id"]: e for e in suite["expectations"]}
    kinds = ("_within_range", "_case_band", "_ratio_to_", "_within_city", "zone_id_not_a_name")
    value_rules = [e for rule_id, e in by_id.items() if any(k in rule_id for k in kinds)]
    assert len(value_rules) > 30
    for e in value_rules:
        assert e["severity"] == "critical", e["meta"]["rule_id"]
        assert "{" not in e["meta"]["message"] + e["meta"]["hint"], e["meta"]["rule_id"]
    band = by_id["supplier_introductions.actual_investment_case_band"]["meta"]
    assert band["message"] == ("实际投资额超出单个案例的合理范围（20～10,000,000 万元），"
                               "疑似单位填错（相差约1万倍）。")
    assert band["hint"] == (
        "请按表头“实际投资额（万元）”核对：数值约为实际的1万倍时，多半是按元填报，请除以10000后重填；"
        "数值约为实际的万分之一时，多半是按亿元填报，请乘以10000后重填。"
        "数额确实如此的，请联系自治区商务厅核实。")
    enterprises = by_id["zone_stats.enterprises_within_range"]["meta"]
    assert enterprises["message"] == (
        "企业数量超出该项可能的数值范围（不大于 1,000,000 户），不可能是真实数据。")
    assert enterprises["hint"] == ("请按表头“企业数量（户）”核对该数值的位数和单位，"
                                   "是否多填了零或填进了其他栏的数。")  # a count: no 10^4 unit
    assert by_id["zone_stats.gdp_within_range"]["meta"]["hint"] == (
        "请按表头“地区生产总值（亿元）”核对该数值的位数和单位，是否多填了零或填进了其他栏的数；"
        "数值约为实际的1万倍时，多半是按万元填报，请除以10000后重填。")
    assert by_id["zone_stats.developed_area_within_range"]["meta"]["message"] == (
        "已开发面积超出该项可能的数值范围（不大于 5,000 平方公里），不可能是真实数据。")
    ratio = by_id["zone_stats.investment_actual_ratio_to_gdp"]["meta"]
    assert ratio["message"] == ("招商引资实际到位资金与地区生产总值之比超出合理范围（0.002～10 倍），"
                                "很可能单位填错（相差约1万倍）。")
    assert by_id["zone_stats.gdp_ratio_to_city_gdp"]["meta"]["message"] == (
        "地区生产总值与所在设区市地区生产总值之比超出合理范围（不小于 0.00002 倍），"
        "很可能单位填错（相差约1万倍）。")
    # the researcher's amount is in 元: no smaller unit to advise
    hint = by_id["researcher_rewards.amount_case_band"]["meta"]["hint"]
    assert "按万元填报，请乘以10000" in hint and "除以10000" not in hint


def test_industry_codes_are_checked_against_the_standard() -> None:
    fdi = {e["meta"]["rule_id"]: e for e in dataset_suite("fdi_projects")["expectations"]}
    rule = fdi["fdi_projects.industry_code_division"]
    assert rule["severity"] == "critical"  # it decides the finance and real-estate exclusion
    assert rule["kwargs"]["regex"] == CODE_PATTERN
    supplier = {e["meta"]["rule_id"]: e
                for e in dataset_suite("supplier_introductions")["expectations"]}
    assert supplier["supplier_introductions.industry_code_division"]["severity"] == "warning"


@pytest.mark.parametrize(("zone_id", "ok"), [
    ("GX-NN-01", True), ("A1", True), ("9_Z", True),
    ("-A1", False),  # would be written '-A1 in every results CSV (formula neutralising)
    ("_A1", False), ("A", False), ("A" * 33, False), ("GX NN", False)])
def test_zone_ids_start_with_a_letter_or_digit(zone_id: str, ok: bool) -> None:
    assert bool(re.fullmatch(ZONE_ID_PATTERN, zone_id)) is ok
