"""Completeness: every zone-year and ranking year the rules of year Y read, and what a draft run
does without them (数据缺失), over three assessment years computed by hand.

Three regional zones R1, R2, R3 (recognised 2020) and a national zone N; one scoring indicator,
GDP of the year (efficacy: 60 + 40 x (x - min) / (max - min) over every zone scored that year).

    gdp    2021  2022  2023  2024  2025
    R1      100   100   100   100   100
    R2       85    95    —     40    80      R2's 2023 row is missing
    R3       90    90    50    50    —       R3's 2025 row is missing
    N       300   300   300   300   300

Last place, each year over the zones scored that year: 2021 R2, 2022 R3, 2023 R3 (R2 left
out), 2024 R2, 2025 R2 (R3 left out).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import polars as pl
import pytest

from flows.settings import load_methodology, load_policy
from tests.helpers import CITY, frame, ranks, stats
from transforms.completeness import (
    ScoringYears,
    completeness_findings,
    missing_ranking_years,
    missing_zone_years,
    unscored_by_year,
)
from transforms.compute import compute_year
from transforms.findings import Severity
from transforms.methodology import MethodologyConfig

POLICY = load_policy()
GDP = {
    "R1": {2021: 100, 2022: 100, 2023: 100, 2024: 100, 2025: 100},
    "R2": {2021: 85, 2022: 95, 2024: 40, 2025: 80},
    "R3": {2021: 90, 2022: 90, 2023: 50, 2024: 50},
    "N": {2019: 300, 2021: 300, 2022: 300, 2023: 300, 2024: 300, 2025: 300},
}
ZONES = frame("zones", [
    {"zone_id": z, "zone_name": f"园区{z}", "level": "national" if z == "N" else "regional",
     "city": CITY, "approved_date": dt.date(2001 if z == "N" else 2020, 1, 1),
     "status": "active"} for z in GDP])
STATS = stats([(z, y, {"gdp": D(v)}) for z, years in GDP.items() for y, v in years.items()])
RANKS = ranks([("N", 2019, 150), ("N", 2022, 125), ("N", 2023, 120), ("N", 2024, 110), ("N", 2025, 100)])


def gdp_method(derivation: str = "column") -> MethodologyConfig:
    return MethodologyConfig.from_mapping({
        "meta": {"version": "t", "title": "t"},
        "scoring": {"normaliser": "efficacy"},
        "categories": [{"id": "only", "label": "唯一", "weight": "1", "indicators": [
            {"id": "x", "label": "地区生产总值", "derivation": derivation, "column": "gdp",
             "direction": "higher", "unit": "元"}]}],
    })


COLUMN = gdp_method()
FRAMES = {"zones": ZONES, "zone_stats": STATS, "national_rankings": RANKS}


def test_scoring_reads_the_year_before_only_for_growth_and_never_before_the_base() -> None:
    assert ScoringYears.of(POLICY, COLUMN).needed(2025) == [2025]
    growth = ScoringYears.of(POLICY, gdp_method("yoy"))
    assert growth.needed(2025) == [2025, 2024]
    assert growth.needed(2019) == [2019]  # the series starts at the base year
    assert ScoringYears.of(POLICY, load_methodology()).reads_previous_year


def test_missing_zone_years_of_each_assessment_year() -> None:
    def gaps(year: int, method: MethodologyConfig = COLUMN) -> list[tuple]:
        return missing_zone_years(ZONES, STATS, POLICY, method, year).select(
            "zone_id", "year", "missing_year").rows()

    # 2023 reads its own year and, for the exit rule, 2021 and 2022 (complete).
    assert gaps(2023) == [("R2", 2023, 2023)]
    assert gaps(2024) == [("R2", 2023, 2023)]  # the 2023 ranking the exit rule looks back on
    assert gaps(2025) == [("R2", 2023, 2023), ("R3", 2025, 2025)]
    # With a growth indicator, 2024's own ranking reads R2's 2023 row too; 2020 is read by
    # 2021's growth but 2021 is outside 2025's look-back, and N's 2020 row is never needed.
    assert gaps(2025, gdp_method("yoy")) == [("R2", 2024, 2023), ("R3", 2025, 2025)]
    wording = missing_zone_years(ZONES, STATS, POLICY, COLUMN, 2025).row(0, named=True)
    assert wording["needed_for"] == ("2023 年自治区级经开区排名（2025 年度连续末位的退出和预警"
                                     "判定要回看该年）")


def test_the_base_year_is_read_for_national_zones_only() -> None:
    without_base = STATS.filter(~((pl.col("zone_id") == "N") & (pl.col("year") == 2019)))
    rows = missing_zone_years(ZONES, without_base, POLICY, COLUMN, 2025).filter(
        pl.col("zone_id") == "N").rows(named=True)
    assert [(r["missing_year"], r["needed_for"]) for r in rows] == [
        (2019, "2025 年度国家级经开区发展目标（以 2019 年为基数）")]
    # The regional zones have no 2019 row either, and need none.


def test_unscored_zones_per_year() -> None:
    assert unscored_by_year(ZONES, STATS, POLICY, COLUMN, [2021, 2022, 2023, 2024, 2025]) == {
        2021: frozenset(), 2022: frozenset(), 2023: {"R2"}, 2024: frozenset(), 2025: {"R3"}}
    growth = unscored_by_year(ZONES, STATS, POLICY, gdp_method("yoy"), [2024])
    assert growth == {2024: {"R2"}}  # its 2023 row is the base of its 2024 growth


def test_official_runs_stop_draft_runs_warn() -> None:
    for official, severity in ((True, Severity.CRITICAL), (False, Severity.WARNING)):
        findings = completeness_findings(FRAMES, POLICY, COLUMN, 2025, official)
        assert [(f.severity, f.rule_id, f.zone_id, f.value, f.column) for f in findings] == [
            (severity, "completeness.zone_year_missing", "R2", "2023", "year"),
            (severity, "completeness.zone_year_missing", "R3", "2025", "year"),
        ]
    r3 = completeness_findings(FRAMES, POLICY, COLUMN, 2025, True)[1]
    assert r3.message.startswith("缺少园区R3（R3） 2025 年的园区年度统计：2025 年度的指标、综合得分"
                                 "和排名需要这一年的数据。正式考核不能在缺少数据的情况下进行")
    assert r3.hint == ("请在园区年度统计中补报园区R3（R3） 2025 年的数据（一行），或核对该园区"
                       "已报送行的园区代码和年份是否填错。")
    assert (r3.dataset, r3.row, r3.column_label) == ("zone_stats", None, "年份")


def test_missing_ranking_years_name_the_rules_they_leave_undecided() -> None:
    def gap(rankings: pl.DataFrame, year: int = 2025) -> list[tuple]:
        return missing_ranking_years(ZONES, rankings, POLICY, year).rows()

    assert gap(RANKS) == []
    assert gap(RANKS.filter(pl.col("year") != 2025)) == [
        (2025, "国家级考核排名后10位约谈、首次进入国家级考核前50名、前100名奖励、国家级考核排名"
               "提升奖励、国家级考核排名较基准年提升目标")]
    assert gap(RANKS.filter(pl.col("year") != 2024)) == [(2024, "国家级考核排名提升奖励")]
    assert gap(RANKS.filter(pl.col("year") != 2019)) == [
        (2019, "国家级考核排名较基准年提升目标")]
    # The base year itself: no reward (before 2020), no rank gain to measure.
    assert gap(RANKS.filter(pl.col("year") != 2019), 2019) == [
        (2019, "国家级考核排名后10位约谈")]
    findings = completeness_findings(
        {**FRAMES, "national_rankings": RANKS.filter(pl.col("year") != 2024)}, POLICY, COLUMN,
        2025, True)
    ranking = [f for f in findings if f.rule_id == "completeness.ranking_year_missing"]
    assert [(f.severity, f.value) for f in ranking] == [(Severity.WARNING, "2024")]


# --- a draft run without the missing rows, year by year -----------------------------------------


@pytest.fixture(scope="module")
def runs() -> dict[int, object]:
    return {y: compute_year(FRAMES, POLICY, COLUMN, y) for y in (2023, 2024, 2025)}


@pytest.mark.parametrize(("year", "scores", "missing"), [
    # 2023: R1 60 + 40 x 50 / 250 = 68; R3 60; N 100; R2 not scored.
    (2023, {"R1": D("68"), "R3": D("60"), "N": D("100")}, "R2"),
    # 2024: min 40, span 260: R1 60 + 40 x 60 / 260 = 69.230769; R3 60 + 40 x 10 / 260 =
    # 61.538462; R2 60.
    (2024, {"R1": D("69.230769"), "R2": D("60"), "R3": D("61.538462"), "N": D("100")}, None),
    # 2025: min 80, span 220: R1 60 + 40 x 20 / 220 = 63.636364; R2 60; R3 not scored.
    (2025, {"R1": D("63.636364"), "R2": D("60"), "N": D("100")}, "R3"),
])
def test_a_zone_without_its_figures_is_not_scored_but_listed(runs, year, scores, missing) -> None:
    result = runs[year].scores
    scored = result.filter(~pl.col("data_missing"))
    assert dict(scored.select("zone_id", "score").iter_rows()) == scores
    left_out = result.filter(pl.col("data_missing"))
    assert left_out["zone_id"].to_list() == ([missing] if missing else [])
    if missing:
        row = left_out.row(0, named=True)
        assert (row["score"], row["regional_rank"], row["regional_last"]) == (None, None, False)
        assert runs[year].unscored == {missing}
    ranked = scored.filter(pl.col("regional_rank").is_not_null())
    assert ranked.height == 3 - (1 if missing else 0)


def test_supervision_says_what_an_incomplete_ranking_cannot_decide(runs) -> None:
    def actions(year: int) -> list[tuple]:
        return runs[year].supervision.filter(pl.col("reason").str.starts_with("regional")).select(
            "zone_id", "action", "reason").rows()

    def undecided(year: int) -> list[tuple]:
        return runs[year].undecided.select("zone_id", "rule", "reason").rows()

    # 2023: R3 last among the zones scored; its exit is decided (not last in 2021), its early
    # warning is not (last in 2022; 2023 left R2 out).
    assert actions(2023) == [("R3", "interview", "regional_last")]
    assert runs[2023].supervision["explanation"][0] == (
        "2023 年自治区级经开区综合发展水平考核综合得分 60.00，列第 2 名（共 2 家），位于末位"
        "（2023 年有 1 家园区数据缺失、未参加排名，末位以数据补齐后的排名为准）")
    assert undecided(2023) == [("R3", "regional_last_two_years",
                                "2023 年有 1 家园区数据缺失、未参加排名：连续末位预警无法判定")]
    # 2024: a complete year; R2 last. Not last in 2022 (complete): no exit. 2023 left R2 out:
    # its early warning cannot be decided.
    assert actions(2024) == [("R2", "interview", "regional_last")]
    assert "数据缺失" not in runs[2024].supervision["explanation"][0]
    assert undecided(2024) == [("R2", "regional_last_two_years",
                                "2023 年有 1 家园区数据缺失、未参加排名：连续末位预警无法判定")]
    # 2025: R2 last again, among R1 and R2; 2023 and 2025 both left a zone out: no exit
    # ordered, and none ruled out.
    assert actions(2025) == [("R2", "interview", "regional_last")]
    assert undecided(2025) == [(
        "R2", "regional_last_three_years",
        "2023 年有 1 家园区数据缺失、未参加排名；2025 年有 1 家园区数据缺失、未参加排名："
        "连续 3 年末位的退出无法判定")]


def test_without_a_ranking_year_the_ranking_rules_are_listed_undecided() -> None:
    frames = {**FRAMES, "national_rankings": RANKS.filter(pl.col("year") != 2025)}
    result = compute_year(frames, POLICY, COLUMN, 2025)
    assert result.undecided.filter(pl.col("zone_id") == "N").select(
        "rule", "reason", "cause").rows() == [
        ("first_top100", "缺少 2025 年国家级考核排名", "ranking_year_missing"),
        ("first_top50", "缺少 2025 年国家级考核排名", "ranking_year_missing"),
        ("national_bottom_ten", "缺少 2025 年国家级考核排名", "ranking_year_missing"),
        ("rank_improvement", "缺少 2025 年国家级考核排名", "ranking_year_missing"),
    ]
    ranking_rows = result.rewards.filter(pl.col("rule") != "new_national_zone")
    assert ranking_rows.select("rule", "reward_cny", "explanation").rows() == [
        ("first_top50", None, "无法判定：缺少 2025 年国家级考核排名"),
        ("first_top100", None, "无法判定：缺少 2025 年国家级考核排名"),
        ("rank_improvement", None, "无法判定：缺少 2025 年国家级考核排名"),
    ]
    assert result.ranking_gaps["missing_year"].to_list() == [2025]
    gain = result.targets.filter(pl.col("target_id") == "national_rank_gain").row(0, named=True)
    assert (gain["status"], gain["note"]) == ("no_data", "缺少 2025 年国家级考核排名")


def test_a_zone_left_out_of_a_published_ranking_is_not_ranked_that_year() -> None:
    """2025's ranking is published (another zone's row) but leaves N out; 2024's holds N, so
    only the rules reading 2025 are undecided, each with the cause not_ranked."""
    rankings = pl.concat([RANKS.filter(pl.col("year") != 2025), ranks([("X", 2025, 7)])])
    result = compute_year({**FRAMES, "national_rankings": rankings}, POLICY, COLUMN, 2025)
    assert result.undecided.filter(pl.col("zone_id") == "N").select(
        "rule", "reason", "cause").rows() == [
        ("first_top100", "未列入 2025 年国家级考核排名", "not_ranked"),
        ("first_top50", "未列入 2025 年国家级考核排名", "not_ranked"),
        ("national_bottom_ten", "未列入 2025 年国家级考核排名", "not_ranked"),
        ("rank_improvement", "未列入 2025 年国家级考核排名", "not_ranked"),
    ]
