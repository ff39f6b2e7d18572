"""The targets table's printed figures (flows/reporting/tables.py): each figure beside its
threshold agrees with the verdict beside it, however close it is. Every case is a real targets
row computed by transforms.targets from hand-picked inputs."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import polars as pl
import pytest

from flows.reporting.tables import (
    STATUS_LABELS,
    province_target_legend,
    ranking_rows,
    score_block,
    target_texts,
)
from flows.settings import DEFAULT_POLICY, load_policy
from tests.helpers import city, ranks, stats, zones
from transforms.targets import exact_figures, zone_targets

POLICY = load_policy(DEFAULT_POLICY)
TARGETS = {t.id: t for t in POLICY.zone_targets}
YI = D(10) ** 8


def row_of(target_id: str, year: int, base: dict, current: dict, city_values: dict | None = None,
           rankings: tuple[int, int] | None = None) -> dict:
    result = zone_targets(
        zones(("A", "national")),
        stats([("A", 2019, base), ("A", year, current)]),
        city(year, **(city_values or {})),
        ranks([("A", 2019, rankings[0]), ("A", year, rankings[1])] if rankings else []),
        POLICY, year)
    return result.filter(pl.col("target_id") == target_id).row(0, named=True)


# (target, year, base-year values, year values, city values, ranks, status,
#  printed value, printed threshold of the year, printed final threshold)
# 1.2^6 = 2.985984; 1.19996^6 = 2.98538685296...; 1.1999996^6 = 2.98598202803...
CASES = [
    # growth (CAGR) against 20%
    ("gdp_cagr", 2025, {"gdp": 250 * YI}, {"gdp": D("74649600000")}, None, None,
     "met", "20.00%", "≥ 20%", "≥ 20%"),  # 250 亿元 x 1.2^6 exactly: on the boundary
    ("gdp_cagr", 2025, {"gdp": 250 * YI}, {"gdp": D("74634671324.10")}, None, None,
     "not_met", "19.996%", "≥ 20%", "≥ 20%"),  # 250 亿元 x 1.19996^6: the 19.996%
    ("gdp_cagr", 2025, {"gdp": 250 * YI}, {"gdp": D("74649450700.92")}, None, None,
     "not_met", "19.99996%", "≥ 20%", "≥ 20%"),  # x 1.1999996^6: 0.200000 in targets.csv
    ("gdp_cagr", 2025, {"gdp": 250 * YI}, {"gdp": D("74649599999.99")}, None, None,
     "not_met", "19.999999999997%", "≥ 20%", "≥ 20%"),  # one fen short of the boundary
    ("gdp_cagr", 2025, {"gdp": 250 * YI}, {"gdp": D("74700000000")}, None, None,
     "met", "20.01%", "≥ 20%", "≥ 20%"),
    # share of the city against 10%
    ("gdp_city_share", 2025, {}, {"gdp": D("9999.99")}, {"gdp": D("100000")}, None,
     "not_met", "9.99999%", "≥ 10%", "≥ 10%"),
    ("gdp_city_share", 2025, {}, {"gdp": D("10000.01")}, {"gdp": D("100000")}, None,
     "met", "10.00001%", "≥ 10%", "≥ 10%"),
    ("gdp_city_share", 2025, {}, {"gdp": D("10000")}, {"gdp": D("100000")}, None,
     "met", "10.00%", "≥ 10%", "≥ 10%"),
    # growth since the base year against a pro-rata threshold: 50% x 1/6 = 8.333...% in 2020
    ("large_mfg_growth", 2020, {"large_mfg_enterprises": 12000},
     {"large_mfg_enterprises": 12999}, None, None,
     "not_met", "8.325%", "≥ 8.333%", "≥ 50%"),  # 8.33 against 8.33 at two places
    ("large_mfg_growth", 2020, {"large_mfg_enterprises": 12}, {"large_mfg_enterprises": 13},
     None, None, "met", "8.33%", "≥ 8.33%", "≥ 50%"),  # exactly 1/12
    ("large_mfg_growth", 2020, {"large_mfg_enterprises": 13}, {"large_mfg_enterprises": 14},
     None, None, "not_met", "7.69%", "≥ 8.33%", "≥ 50%"),
    # places gained in the national ranking (whole numbers)
    ("national_rank_gain", 2025, {}, {}, None, (100, 70), "met", "提升 30 位", "≥ 30 位",
     "≥ 30 位"),
    ("national_rank_gain", 2020, {}, {}, None, (100, 96), "not_met", "提升 4 位", "≥ 5 位",
     "≥ 30 位"),
    # no data: the thresholds still print, the figure is a dash
    ("gdp_cagr", 2025, {}, {"gdp": D("1")}, None, None, "no_data", "—", "≥ 20%", "≥ 20%"),
]


@pytest.mark.parametrize(("target_id", "year", "base", "current", "city_values", "rankings",
                          "status", "value", "threshold", "final"), CASES)
def test_target_figures_agree_with_their_verdict(target_id, year, base, current, city_values,
                                                 rankings, status, value, threshold,
                                                 final) -> None:
    row = row_of(target_id, year, base, current, city_values, rankings)
    assert row["status"] == status
    assert target_texts(TARGETS[target_id], row, POLICY) == (value, threshold, final)


def test_exact_figures_go_behind_the_six_decimals_of_targets_csv() -> None:
    row = row_of("gdp_cagr", 2025, {"gdp": 250 * YI}, {"gdp": D("74649450700.92")})
    # targets.csv rounds to 0.2, the threshold itself, beside 未达标
    assert (row["value"], row["threshold"], STATUS_LABELS[row["status"]]) == (0.2, "0.2",
                                                                              "未达标")
    figure, threshold = exact_figures(TARGETS["gdp_cagr"], row, POLICY)
    assert threshold == D("0.2") and D("0.1999995") < figure < D("0.2")
    on_boundary = row_of("gdp_cagr", 2025, {"gdp": 250 * YI}, {"gdp": D("74649600000")})
    assert exact_figures(TARGETS["gdp_cagr"], on_boundary, POLICY) == (D("0.2"), D("0.2"))


def test_gap_to_the_next_rank_is_never_printed_as_a_tie() -> None:
    scores = pl.DataFrame({"zone_id": ["R"], "score": [D("70.5")], "regional_rank": [2],
                           "regional_last": [False], "national_rank": [None],
                           "missing_indicators": [""]},
                          schema_overrides={"national_rank": pl.Int64})
    details = pl.DataFrame({"zone_id": ["R"], "category": ["c"], "category_label": ["类"],
                            "category_weight": [D("1")], "category_score": [D("70.5")],
                            "contribution": [D("70.5")], "indicator_label": ["指标"],
                            "unit": ["元"], "missing": [False], "value": [D("1")],
                            "group_min": [D("1")], "group_max": [D("2")], "direction": ["higher"],
                            "indicator_score": [D("70.5")], "missing_reason": [""],
                            "gap_to_next_rank": [D("0.004")]})
    assert score_block("R", scores, details, 3)["gap"] == "距上一名次差 0.004 分"


def test_scores_a_rank_apart_never_print_equal() -> None:
    """85.234 and 85.231 would both print 85.23 at two decimals, the second zone last and
    summoned: the column takes a third decimal; the tie at 80.000000 prints equal."""
    scores = pl.DataFrame({
        "zone_id": ["A", "B", "C", "D"],
        "score": [D("85.234000"), D("85.231000"), D("80.000000"), D("80.000000")],
        "regional_rank": [1, 2, 3, 3], "regional_last": [False, False, True, True]})
    rows = ranking_rows(scores, pl.DataFrame({"zone_id": []}, schema={"zone_id": pl.String}),
                        {"A": "甲", "B": "乙", "C": "丙", "D": "丁"})
    assert [(r["rank"], r["zone_name"], r["score"]) for r in rows] == [
        (1, "甲", "85.234"), (2, "乙", "85.231"), (3, "丙", "80.000"), (3, "丁", "80.000")]
    apart = scores.with_columns(pl.Series("score", [D("90"), D("85.23"), D("80"), D("80")]))
    assert [r["score"] for r in ranking_rows(apart, pl.DataFrame(
        {"zone_id": []}, schema={"zone_id": pl.String}), {})] == [
        "90.00", "85.23", "80.00", "80.00"]  # two decimals tell them apart: two it is


def test_the_province_target_legend_follows_the_config() -> None:
    """The legend under the province table says how the config judges the target: counted
    against 15 from the target year (the default), or pro-rated year by year before it."""
    assert province_target_legend(POLICY) == (
        "“15家以上”是到目标年应达到的数量：目标年及以后按 15 家判定达标与否；目标年之前列出当年数量和"
        "距目标的差距（“进行中”），不按年份折算。")
    pro_rata = dataclasses.replace(POLICY, province_target=dataclasses.replace(
        POLICY.province_target, threshold=D("12"), before_target_year="pro_rata"))
    assert province_target_legend(pro_rata) == (
        f"“12家以上”按年份折算：{POLICY.target_year} 年之前按当年折算的数量判定达标与否，"
        f"{POLICY.target_year} 年及以后按 12 家判定。")
