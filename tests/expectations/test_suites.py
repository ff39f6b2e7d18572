"""The suites as data: valid GE suites, one rule id each, a rule for every contract promise."""

from __future__ import annotations

import great_expectations as gx

from expectations.suites import DATASET_RULES, all_suites, dataset_suite, rule_inputs
from flows.settings import load_plausibility
from transforms.contract import DATASETS, Kind


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
