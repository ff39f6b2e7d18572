"""Composite scores and the regional ranking, with hand-computed values (policy-rules.md section 4).

Most cases use a three-category mini method so every number can be checked on paper; the
bundled method (config/methodology.toml) is checked for its national-2021 weights and run on the
demo data, whose designed regional last place (data/demo/README.md) the ranking must find.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal as D
from pathlib import Path

import polars as pl
import pytest

from flows.ingest.folder import ingest_folder
from flows.settings import DEFAULT_METHODOLOGY, DEMO_DATA_DIR, load_methodology
from tests.helpers import city, ranks, stats, zones
from transforms.methodology import MethodologyConfig, MethodologyConfigError
from transforms.scores import (
    composite_scores,
    indicator_values,
    rank_robustness,
    regional_last_history,
    score_explanation,
    with_unscored_rows,
)

# Mini method: 规模 (gdp level and its growth) 0.5, 比重 (city share, R&D intensity) 0.3,
# 绿色 (energy per GDP, lower is better) 0.2.
MINI_TOML = """
[meta]
version = "test.1"
title = "测试方法"

[scoring]
normaliser = "efficacy"

[[categories]]
id = "scale"
label = "规模"
weight = "0.5"
  [[categories.indicators]]
  id = "gdp"
  label = "地区生产总值"
  derivation = "column"
  column = "gdp"
  direction = "higher"
  unit = "元"
  [[categories.indicators]]
  id = "gdp_yoy"
  label = "地区生产总值比上年增长"
  derivation = "yoy"
  column = "gdp"
  direction = "higher"
  unit = "增长率"

[[categories]]
id = "share"
label = "比重"
weight = "0.3"
  [[categories.indicators]]
  id = "gdp_city_share"
  label = "地区生产总值占设区市比重"
  derivation = "city_share"
  column = "gdp"
  direction = "higher"
  unit = "比重"
  [[categories.indicators]]
  id = "rd_intensity"
  label = "R&D经费支出占地区生产总值比重"
  derivation = "ratio"
  numerator = "rd_expenditure"
  denominator = "gdp"
  direction = "higher"
  unit = "比重"

[[categories]]
id = "green"
label = "绿色"
weight = "0.2"
  [[categories.indicators]]
  id = "energy_per_gdp"
  label = "单位地区生产总值能耗"
  derivation = "column"
  column = "energy_per_gdp"
  direction = "lower"
  unit = "吨标准煤/万元"
"""


def write_method(tmp_path: Path, text: str, name: str = "methodology.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def mini(tmp_path: Path) -> MethodologyConfig:
    return load_methodology(write_method(tmp_path, MINI_TOML))


def one_indicator_method(derivation: str = "column", column: str = "gdp",
                         direction: str = "higher", normaliser: str = "efficacy",
                         indicator_id: str = "x") -> MethodologyConfig:
    return MethodologyConfig.from_mapping({
        "meta": {"version": "t", "title": "t"},
        "scoring": {"normaliser": normaliser},
        "categories": [{"id": "only", "label": "唯一", "weight": "1", "indicators": [
            {"id": indicator_id, "label": "指标", "derivation": derivation, "column": column,
             "direction": direction, "unit": "元"}]}],
    })


# The three-zone example. City GDP 1000 (南宁市, every zone's host city).
#          gdp 2025  gdp 2024  R&D   energy   level
#   A      200       125       4     0.5      regional
#   B      100       100       3     0.3      regional
#   C      300       200       3     0.7      national (official rank 65)
THREE_ZONES = zones(("A", "regional"), ("B", "regional"), ("C", "national"))
THREE_STATS = stats([
    ("A", 2024, {"gdp": D("125")}),
    ("A", 2025, {"gdp": D("200"), "rd_expenditure": D("4"), "energy_per_gdp": 0.5}),
    ("B", 2024, {"gdp": D("100")}),
    ("B", 2025, {"gdp": D("100"), "rd_expenditure": D("3"), "energy_per_gdp": 0.3}),
    ("C", 2024, {"gdp": D("200")}),
    ("C", 2025, {"gdp": D("300"), "rd_expenditure": D("3"), "energy_per_gdp": 0.7}),
])
THREE_CITY = city(2025, gdp=D("1000"))
THREE_RANKS = ranks([("C", 2025, 65), ("C", 2024, 85)])


def by_zone(frame: pl.DataFrame) -> dict[str, dict]:
    return {row["zone_id"]: row for row in frame.iter_rows(named=True)}


def test_indicator_values_are_exact_decimals(mini: MethodologyConfig) -> None:
    values = indicator_values(THREE_ZONES, THREE_STATS, THREE_CITY, mini, 2025)
    assert values.columns == ["zone_id", "year", "level", "category", "indicator", "value",
                              "missing", "missing_reason"]
    assert values.schema["value"] == pl.Decimal(38, 12)
    got = {(r["zone_id"], r["indicator"]): r["value"] for r in values.iter_rows(named=True)}
    assert got == {
        ("A", "gdp"): D("200"), ("B", "gdp"): D("100"), ("C", "gdp"): D("300"),
        # 200 / 125 - 1, 100 / 100 - 1, 300 / 200 - 1
        ("A", "gdp_yoy"): D("0.6"), ("B", "gdp_yoy"): D("0"), ("C", "gdp_yoy"): D("0.5"),
        # zone GDP / 1000
        ("A", "gdp_city_share"): D("0.2"), ("B", "gdp_city_share"): D("0.1"),
        ("C", "gdp_city_share"): D("0.3"),
        # 4 / 200, 3 / 100, 3 / 300
        ("A", "rd_intensity"): D("0.02"), ("B", "rd_intensity"): D("0.03"),
        ("C", "rd_intensity"): D("0.01"),
        # floats typed as 0.5 etc. come back as exactly 0.5, not 0.5000000000000000277...
        ("A", "energy_per_gdp"): D("0.5"), ("B", "energy_per_gdp"): D("0.3"),
        ("C", "energy_per_gdp"): D("0.7"),
    }
    assert not values["missing"].any()
    assert values.filter(pl.col("zone_id") == "C")["level"].unique().to_list() == ["national"]


def test_three_zones_hand_computed(mini: MethodologyConfig) -> None:
    # Indicator scores, efficacy 60 + 40 x (x - min) / (max - min), over A, B and C together:
    #   gdp        100..300    A 60+40*100/200 = 80   B 60    C 100
    #   gdp_yoy    0..0.6      A 100                   B 60    C 60+40*0.5/0.6 = 93 1/3
    #   city share 0.1..0.3    A 80                    B 60    C 100
    #   R&D        0.01..0.03  A 80                    B 100   C 60
    #   energy     0.3..0.7 (lower is better: 60+40*(max-x)/(max-min))
    #                          A 60+40*0.2/0.4 = 80    B 100   C 60
    # Categories (means): 规模 A 90, B 60, C 96 2/3; 比重 A 80, B 80, C 80; 绿色 A 80, B 100, C 60.
    # Composite: A 0.5*90 + 0.3*80 + 0.2*80 = 85; B 30 + 24 + 20 = 74; C 48 1/3 + 24 + 12 = 84 1/3.
    result = by_zone(composite_scores(THREE_ZONES, THREE_STATS, THREE_CITY, THREE_RANKS, mini, 2025))
    a, b, c = result["A"], result["B"], result["C"]
    assert (a["scale"], a["share"], a["green"], a["score"]) == (D("90"), D("80"), D("80"), D("85"))
    assert (b["scale"], b["share"], b["green"], b["score"]) == (D("60"), D("80"), D("100"), D("74"))
    assert (c["scale"], c["share"], c["green"], c["score"]) == (
        D("96.666667"), D("80"), D("60"), D("84.333333"))
    # Only A and B are ranked; B is last. C, a national zone, keeps its official rank.
    assert (a["regional_rank"], a["regional_last"], a["national_rank"]) == (1, False, None)
    assert (b["regional_rank"], b["regional_last"], b["national_rank"]) == (2, True, None)
    assert (c["regional_rank"], c["regional_last"], c["national_rank"]) == (None, False, 65)
    assert a["missing_indicators"] == ""


def test_scores_frame_columns_and_csv(mini: MethodologyConfig) -> None:
    scores = composite_scores(THREE_ZONES, THREE_STATS, THREE_CITY, THREE_RANKS, mini, 2025)
    assert scores.columns == ["zone_id", "year", "level", "scale", "share", "green", "score",
                              "regional_rank", "national_rank", "regional_last",
                              "missing_indicators"]
    csv = scores.write_csv()
    assert "C,2025,national,96.666667,80.000000,60.000000,84.333333,,65,false," in csv


def test_bundled_method_uses_national_2021_categories() -> None:
    method = load_methodology(DEFAULT_METHODOLOGY)
    assert method.version == "2025.1"
    assert method.normaliser == "efficacy"
    assert [(c.id, c.label, c.weight, len(c.indicators)) for c in method.categories] == [
        ("open_economy", "对外开放", D("0.30"), 6),
        ("development_quality", "发展质量", D("0.30"), 6),
        ("innovation", "科技创新", D("0.15"), 3),
        ("green", "绿色发展", D("0.15"), 2),
        ("coordination", "统筹协调", D("0.10"), 3),
    ]
    energy = next(i for i in method.indicators if i.id == "energy_per_gdp")
    assert energy.direction == "lower"


def test_explanation_adds_up_and_gives_gap(mini: MethodologyConfig) -> None:
    explained = score_explanation(THREE_ZONES, THREE_STATS, THREE_CITY, THREE_RANKS, mini, 2025)
    c = explained.filter(pl.col("zone_id") == "C")
    # contribution = weight x indicator score / indicators in the category:
    # gdp 0.5*100/2 = 25, gdp_yoy 0.5*93 1/3/2 = 23 1/3, share 0.3*100/2 = 15,
    # R&D 0.3*60/2 = 9, energy 0.2*60/1 = 12; 84 1/3 in all.
    assert c["contribution"].to_list() == [D("25"), D("23.333333"), D("15"), D("9"), D("12")]
    assert c["contribution"].sum() == c["score"][0] == D("84.333333")
    yoy = c.filter(pl.col("indicator") == "gdp_yoy").row(0, named=True)
    assert (yoy["value"], yoy["group_min"], yoy["group_max"]) == (D("0.5"), D("0"), D("0.6"))
    assert (yoy["indicator_score"], yoy["category_score"], yoy["category_weight"]) == (
        D("93.333333"), D("96.666667"), D("0.5"))
    # Gap to the next rank up: B (74) needs 85 - 74 = 11 to reach A; A is first; C is national.
    gaps = dict(explained.group_by("zone_id").agg(pl.col("gap_to_next_rank").first()).iter_rows())
    assert gaps == {"A": None, "B": D("11"), "C": None}
    for zone in ("A", "B"):
        rows = explained.filter(pl.col("zone_id") == zone)
        assert rows["contribution"].sum() == rows["score"][0]


# Ties: composites 100, 80, 80, 60, 60 (gdp 400, 300, 300, 100, 100 on one indicator, range
# 100..400 -> 60 + 40 x (x - 100)/300). "min" ranking: 1, 2, 2, 4, 4; both 60s are last.
def test_ties_share_rank_and_last_place() -> None:
    ids = ["R1", "R2", "R3", "R4", "R5"]
    gdp = [D("400"), D("250"), D("250"), D("100"), D("100")]
    result = by_zone(composite_scores(
        zones(*[(z, "regional") for z in ids]),
        stats([(z, 2025, {"gdp": g}) for z, g in zip(ids, gdp, strict=True)]),
        city(2025, gdp=D("1000")), ranks([]), one_indicator_method(), 2025))
    assert [result[z]["score"] for z in ids] == [D("100"), D("80"), D("80"), D("60"), D("60")]
    assert [result[z]["regional_rank"] for z in ids] == [1, 2, 2, 4, 4]
    assert [result[z]["regional_last"] for z in ids] == [False, False, False, True, True]


def test_single_regional_zone_is_last() -> None:
    # One regional zone among national ones is also the lowest regional composite: 末位.
    result = by_zone(composite_scores(
        zones(("N", "national"), ("R", "regional")),
        stats([("N", 2025, {"gdp": D("10")}), ("R", 2025, {"gdp": D("900")})]),
        city(2025), ranks([]), one_indicator_method(), 2025))
    assert (result["R"]["regional_rank"], result["R"]["regional_last"]) == (1, True)
    assert result["N"]["regional_last"] is False
    assert result["N"]["national_rank"] is None  # no official rank supplied for 2025


def test_missing_value_scores_floor_and_is_flagged() -> None:
    # yoy: A has no 2024 figure, B's 2024 figure is 0: both missing and flagged (60 under
    # efficacy). C 300 -> 100 is -2/3 (kept to 12 decimals, half up) and D 100 -> 150 is +0.5;
    # the group is C and D only: C 60, D 100.
    registry = zones(("A", "regional"), ("B", "regional"), ("C", "regional"), ("D", "regional"))
    zone_stats = stats([
        ("A", 2025, {"gdp": D("100")}),
        ("B", 2024, {"gdp": D("0")}), ("B", 2025, {"gdp": D("100")}),
        ("C", 2024, {"gdp": D("300")}), ("C", 2025, {"gdp": D("100")}),
        ("D", 2024, {"gdp": D("100")}), ("D", 2025, {"gdp": D("150")}),
    ])
    method = one_indicator_method("yoy", indicator_id="gdp_yoy")
    values = by_zone(indicator_values(registry, zone_stats, city(2025), method, 2025))
    assert values["A"]["missing"] and values["B"]["missing"]
    assert values["A"]["missing_reason"] == "缺少 2024 年地区生产总值，无法计算比上年增长"
    assert values["B"]["missing_reason"] == "2024 年地区生产总值为零，无法计算比上年增长"
    assert values["C"]["value"] == D("-0.666666666667")
    scores = by_zone(composite_scores(registry, zone_stats, city(2025), ranks([]), method, 2025))
    assert [scores[z]["score"] for z in "ABCD"] == [D("60"), D("60"), D("60"), D("100")]
    assert [scores[z]["missing_indicators"] for z in "ABCD"] == ["gdp_yoy", "gdp_yoy", "", ""]
    # The three 60s tie for last (a missing value is no excuse).
    assert [scores[z]["regional_last"] for z in "ABCD"] == [True, True, True, False]
    # Under minmax a missing value scores 0, and C (the group minimum) also 0.
    minmax = one_indicator_method("yoy", normaliser="minmax", indicator_id="gdp_yoy")
    scores = by_zone(composite_scores(registry, zone_stats, city(2025), ranks([]), minmax, 2025))
    assert [scores[z]["score"] for z in "ABCD"] == [D("0"), D("0"), D("0"), D("100")]


def test_missing_city_figure_and_zero_denominator() -> None:
    registry = zones(("A", "regional"), ("B", "regional"))
    zone_stats = stats([("A", 2025, {"gdp": D("5"), "rd_expenditure": D("1")}),
                        ("B", 2025, {"gdp": D("0"), "rd_expenditure": D("1")})])
    share = one_indicator_method("city_share")
    values = by_zone(indicator_values(registry, zone_stats, city(2025), share, 2025))
    assert values["A"]["missing_reason"] == "缺少 2025 年所在设区市地区生产总值"
    ratio = MethodologyConfig.from_mapping({
        "meta": {"version": "t", "title": "t"},
        "categories": [{"id": "c", "label": "类", "weight": "1", "indicators": [
            {"id": "rd", "label": "研发强度", "derivation": "ratio", "numerator": "rd_expenditure",
             "denominator": "gdp", "direction": "higher", "unit": "比重"}]}],
    })
    assert ratio.normaliser == "efficacy"  # the default when [scoring] is left out
    values = by_zone(indicator_values(registry, zone_stats, city(2025), ratio, 2025))
    assert values["A"]["value"] == D("0.2")
    assert values["B"]["missing_reason"] == "2025 年地区生产总值为零，无法计算"


def test_equal_values_all_score_100() -> None:
    # max = min: nobody is behind anybody, so every zone scores the top (100), not 60 or 0/0.
    registry = zones(("A", "regional"), ("B", "regional"), ("C", "national"))
    zone_stats = stats([(z, 2025, {"energy_per_gdp": 0.42}) for z in "ABC"])
    for normaliser in ("efficacy", "minmax"):
        method = one_indicator_method("column", "energy_per_gdp", "lower", normaliser)
        scores = by_zone(composite_scores(registry, zone_stats, city(2025), ranks([]), method, 2025))
        assert [scores[z]["score"] for z in "ABC"] == [D("100")] * 3
        assert [scores[z]["regional_rank"] for z in "AB"] == [1, 1]  # both first, both last
        assert [scores[z]["regional_last"] for z in "AB"] == [True, True]


def test_lower_is_better() -> None:
    # energy 0.3, 0.5, 0.7: the lowest consumer scores 100, the highest 60, the middle 80.
    registry = zones(("A", "regional"), ("B", "regional"), ("C", "regional"))
    zone_stats = stats([("A", 2025, {"energy_per_gdp": 0.3}), ("B", 2025, {"energy_per_gdp": 0.5}),
                        ("C", 2025, {"energy_per_gdp": 0.7})])
    method = one_indicator_method("column", "energy_per_gdp", "lower")
    scores = by_zone(composite_scores(registry, zone_stats, city(2025), ranks([]), method, 2025))
    assert [scores[z]["score"] for z in "ABC"] == [D("100"), D("80"), D("60")]
    assert [scores[z]["regional_rank"] for z in "ABC"] == [1, 2, 3]


def test_minmax_selected_in_config_changes_scores(tmp_path: Path) -> None:
    # Same three zones under minmax, 100 x (x - min) / (max - min):
    #   gdp A 50, B 0, C 100; yoy A 100, B 0, C 83 1/3; share A 50, B 0, C 100;
    #   R&D A 50, B 100, C 0; energy A 50, B 100, C 0.
    # 规模 A 75, B 0, C 91 2/3; 比重 50 each; 绿色 A 50, B 100, C 0.
    # Composite A 37.5 + 15 + 10 = 62.5; B 0 + 15 + 20 = 35; C 45 5/6 + 15 + 0 = 60 5/6.
    text = MINI_TOML.replace('normaliser = "efficacy"', 'normaliser = "minmax"')
    method = load_methodology(write_method(tmp_path, text))
    result = by_zone(composite_scores(THREE_ZONES, THREE_STATS, THREE_CITY, THREE_RANKS, method,
                                      2025))
    assert [result[z]["score"] for z in "ABC"] == [D("62.5"), D("35"), D("60.833333")]
    assert [result[z]["scale"] for z in "ABC"] == [D("75"), D("0"), D("91.666667")]


def test_weight_change_in_config_changes_ranking(tmp_path: Path) -> None:
    # With 规模 0.1, 比重 0.3, 绿色 0.6, B's energy lead outweighs A's size:
    # A 0.1*90 + 0.3*80 + 0.6*80 = 81; B 0.1*60 + 0.3*80 + 0.6*100 = 90. B first, A last.
    text = (MINI_TOML.replace('weight = "0.5"', 'weight = "0.1"')
            .replace('weight = "0.2"', 'weight = "0.6"'))
    method = load_methodology(write_method(tmp_path, text))
    result = by_zone(composite_scores(THREE_ZONES, THREE_STATS, THREE_CITY, THREE_RANKS, method,
                                      2025))
    assert (result["A"]["score"], result["B"]["score"]) == (D("81"), D("90"))
    assert (result["B"]["regional_rank"], result["A"]["regional_rank"]) == (1, 2)
    assert (result["A"]["regional_last"], result["B"]["regional_last"]) == (True, False)


BROKEN_CASES = [
    # (edit to MINI_TOML, expected Chinese problem, substring)
    (('weight = "0.5"', "weight = 0.5"), "请写成带引号的小数"),
    (('weight = "0.5"', 'weight = "0.6"'), "各类别权重之和应恰好为 1，现为 0.6 + 0.3 + 0.2 = 1.1"),
    (('column = "energy_per_gdp"', 'column = "energy"'), "“energy”不是园区年度统计中的数值列"),
    (('derivation = "yoy"', 'derivation = "cagr"'), "derivation “cagr”无效"),
    (('id = "rd_intensity"', 'id = "gdp"'), "指标“gdp”：指标 id 重复"),
    (('id = "green"', 'id = "share"'), "类别“share”：类别 id 重复"),
    (('normaliser = "efficacy"', 'normaliser = "zscore"'), "scoring.normaliser “zscore”无效"),
    (('direction = "lower"', 'direction = "down"'), "direction “down”无效"),
    (('derivation = "city_share"\n  column = "gdp"', 'derivation = "city_share"\n  column = "tax_revenue"'),
     "占设区市比重只适用于 gdp, fdi_usd, trade"),
    (('numerator = "rd_expenditure"', ''), "缺少 类别“share” 指标“rd_intensity”.numerator"),
]


@pytest.mark.parametrize(("edit", "problem"), BROKEN_CASES)
def test_broken_methodology_rejected_in_chinese(tmp_path: Path, edit: tuple[str, str],
                                                 problem: str) -> None:
    old, new = edit
    assert old in MINI_TOML
    with pytest.raises(MethodologyConfigError) as err:
        load_methodology(write_method(tmp_path, MINI_TOML.replace(old, new, 1)))
    assert any(problem in p for p in err.value.problems), err.value.problems
    assert str(err.value).startswith("评分方法文件有误")


def test_every_problem_listed_at_once() -> None:
    data = tomllib.loads(MINI_TOML)
    data["scoring"]["normaliser"] = "zscore"
    data["categories"][0]["weight"] = "0.4"
    data["categories"][2]["indicators"][0]["direction"] = "down"
    data["categories"][1]["indicators"][1]["derivation"] = "product"
    with pytest.raises(MethodologyConfigError) as err:
        MethodologyConfig.from_mapping(data)
    assert len(err.value.problems) == 4


def test_unreadable_methodology_files(tmp_path: Path) -> None:
    with pytest.raises(MethodologyConfigError, match="找不到评分方法文件"):
        load_methodology(tmp_path / "absent.toml")
    with pytest.raises(MethodologyConfigError, match="不是合法的 TOML"):
        load_methodology(write_method(tmp_path, "[meta\nversion = 1"))


# Robustness: two categories of weight 0.5, gdp and trade, ranges 0..100 each.
#   P gdp 100, trade 100 -> 100 and 100: composite 100, far ahead.
#   Q gdp 90,  trade 0   -> 96 and 60:  composite 78.
#   R gdp 0,   trade 95  -> 60 and 98:  composite 79.  R 2nd, Q 3rd, one point apart.
# 规模 +10% (weights 0.55/1.05, 0.5/1.05): Q 82.8/1.05 = 78.86 > R 82/1.05 = 78.10: they swap.
# 贸易 -10% (0.5/0.95, 0.45/0.95): Q 75/0.95 = 78.95 > R 74.1/0.95 = 78.00: they swap.
# 规模 -10% and 贸易 +10% widen R's lead. P stays first under all four.
def test_rank_robustness_flags_close_zones_only() -> None:
    method = MethodologyConfig.from_mapping({
        "meta": {"version": "t", "title": "t"},
        "categories": [
            {"id": "size", "label": "规模", "weight": "0.5", "indicators": [
                {"id": "gdp", "label": "地区生产总值", "derivation": "column", "column": "gdp",
                 "direction": "higher", "unit": "元"}]},
            {"id": "trade", "label": "贸易", "weight": "0.5", "indicators": [
                {"id": "trade", "label": "进出口总额", "derivation": "column", "column": "trade",
                 "direction": "higher", "unit": "元"}]},
        ],
    })
    registry = zones(("P", "regional"), ("Q", "regional"), ("R", "regional"))
    zone_stats = stats([("P", 2025, {"gdp": D("100"), "trade": D("100")}),
                        ("Q", 2025, {"gdp": D("90"), "trade": D("0")}),
                        ("R", 2025, {"gdp": D("0"), "trade": D("95")})])
    result = rank_robustness(registry, zone_stats, city(2025), ranks([]), method, 2025)
    assert result.columns == ["zone_id", "base_rank", "min_rank", "max_rank", "robust",
                              "changed_by"]
    rows = by_zone(result)
    assert rows["P"] == {"zone_id": "P", "base_rank": 1, "min_rank": 1, "max_rank": 1,
                         "robust": True, "changed_by": ""}
    assert rows["R"] == {"zone_id": "R", "base_rank": 2, "min_rank": 2, "max_rank": 3,
                         "robust": False, "changed_by": "规模 +10%；贸易 -10%"}
    assert rows["Q"] == {"zone_id": "Q", "base_rank": 3, "min_rank": 2, "max_rank": 3,
                         "robust": False, "changed_by": "规模 +10%；贸易 -10%"}
    # A 1% nudge is too small to close a one-point gap.
    small = by_zone(rank_robustness(registry, zone_stats, city(2025), ranks([]), method, 2025,
                                    D("0.01")))
    assert all(row["robust"] for row in small.values())


def test_last_history_uses_each_years_assessed_set() -> None:
    # 2024: A and B assessed, B last. 2025: C (approved 2025) joins and is worse than B.
    registry = zones(("A", "regional"), ("B", "regional"), ("C", "regional"))
    registry = registry.with_columns(
        pl.when(pl.col("zone_id") == "C").then(pl.date(2025, 3, 1))
        .otherwise(pl.col("approved_date")).alias("approved_date"))
    zone_stats = stats([(z, y, {"gdp": g}) for y in (2024, 2025)
                        for z, g in (("A", D("300")), ("B", D("200")), ("C", D("100")))])
    history = regional_last_history(registry, zone_stats, city(2025), ranks([]),
                                    one_indicator_method(), [2025, 2024])
    assert history.columns[:3] == ["zone_id", "year", "regional_last"]
    assert history.filter("regional_last").select("zone_id", "year", "regional_rank").rows() == [
        ("B", 2024, 2), ("C", 2025, 3)]
    assert history.height == 5  # 2 zones in 2024, 3 in 2025


@pytest.fixture(scope="module")
def demo() -> dict[str, pl.DataFrame]:
    return ingest_folder(DEMO_DATA_DIR).frames


def test_demo_regional_last_is_the_designed_zone(demo: dict[str, pl.DataFrame]) -> None:
    # data/demo/README.md: GX-LZ-02 is strictly worst among regional zones on every indicator in
    # 2023-2025, so it is the one regional last place each of those years (exit in 2025).
    method = load_methodology()
    args = (demo["zones"], demo["zone_stats"], demo["city_stats"], demo["national_rankings"],
            method)
    scores = composite_scores(*args, 2025)
    assert scores.filter("regional_last")["zone_id"].to_list() == ["GX-LZ-02"]
    assert scores["score"].min() >= D("60") and scores["score"].max() <= D("100")
    assert scores.filter(pl.col("level") == "regional")["regional_rank"].null_count() == 0
    national = scores.filter(pl.col("level") == "national")
    assert national["regional_rank"].null_count() == national.height
    assert dict(national.select("zone_id", "national_rank").iter_rows())["GX-QZ-02"] == 50
    assert (scores["missing_indicators"] == "").all()
    history = regional_last_history(*args, [2023, 2024, 2025])
    assert history.filter("regional_last").select("zone_id", "year").rows() == [
        ("GX-LZ-02", 2023), ("GX-LZ-02", 2024), ("GX-LZ-02", 2025)]
    explained = score_explanation(*args, 2025)
    sums = explained.group_by("zone_id").agg(pl.col("contribution").sum(), pl.col("score").first())
    assert (sums["contribution"] == sums["score"]).all()


def test_unscored_zones_keep_their_line_and_national_rank(mini: MethodologyConfig) -> None:
    """Every assessed zone left out for missing statistics: data_missing, no score, no regional
    rank; a national zone keeps the national rank the rankings publish (C: 65). Also when no
    zone at all could be scored (a year-on-year method with no year before)."""
    assessed = THREE_ZONES.select("zone_id", "level")
    scores = composite_scores(THREE_ZONES, THREE_STATS, THREE_CITY, THREE_RANKS, mini, 2025,
                              excluded=frozenset({"A", "B", "C"}))
    assert scores.is_empty()
    rows = with_unscored_rows(scores, assessed, frozenset({"A", "B", "C"}), THREE_RANKS, 2025)
    assert rows.select("zone_id", "year", "score", "regional_rank", "national_rank",
                       "data_missing").rows() == [
        ("A", 2025, None, None, None, True), ("B", 2025, None, None, None, True),
        ("C", 2025, None, None, 65, True)]
    some = composite_scores(THREE_ZONES, THREE_STATS, THREE_CITY, THREE_RANKS, mini, 2025,
                            excluded=frozenset({"C"}))
    rows = with_unscored_rows(some, assessed, frozenset({"C"}), THREE_RANKS, 2025)
    assert rows.select("zone_id", "national_rank", "data_missing").rows() == [
        ("A", None, False), ("B", None, False), ("C", 65, True)]
