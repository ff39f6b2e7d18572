"""Supervision rules of policy-rules.md section 3, with the regional ranking given as input."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal as D

import polars as pl
import pytest

from flows.settings import DEFAULT_POLICY, load_policy
from tests.helpers import CITY, frame, stats
from transforms.compute import compute_year
from transforms.methodology import MethodologyConfig
from transforms.policy import ConfigError
from transforms.supervision import supervision_actions, supervision_outcome

POLICY = load_policy()
ZONES = frame("zones", [
    {"zone_id": z, "zone_name": z, "level": level, "city": CITY,
     "approved_date": dt.date(2001, 1, 1), "status": "active"}
    for z, level in (("N1", "national"), ("N2", "national"), ("R1", "regional"),
                     ("R2", "regional"), ("R3", "regional"))
])


def ranking(rank_n1: int, rank_n2: int, total: int = 230) -> pl.DataFrame:
    return frame("national_rankings", [
        {"zone_id": "N1", "year": 2025, "rank": rank_n1, "ranked_total": total},
        {"zone_id": "N2", "year": 2025, "rank": rank_n2, "ranked_total": total},
    ])


def regional(rows: list[tuple[str, int, str, int, bool]]) -> pl.DataFrame:
    """(zone, year, score, regional_rank, last)."""
    return pl.DataFrame(
        [{"zone_id": z, "year": y, "score": D(s), "regional_rank": r, "regional_last": last}
         for z, y, s, r, last in rows],
        schema={"zone_id": pl.String, "year": pl.Int64, "score": pl.Decimal(38, 6),
                "regional_rank": pl.Int64, "regional_last": pl.Boolean},
    )


NO_REGIONAL = regional([])


def actions(df: pl.DataFrame) -> set[tuple[str, str, str]]:
    return set(df.select("zone_id", "action", "reason").iter_rows())


@pytest.mark.parametrize(("rank", "flagged"), [
    (220, False),  # 230 - 10 = 220: the 11th from the bottom
    (221, True),  # the 10th from the bottom: 后10位
    (230, True),
])
def test_national_bottom_ten_boundary(rank: int, flagged: bool) -> None:
    df = supervision_actions(ZONES, stats([]), ranking(rank, 1), NO_REGIONAL, POLICY, 2025)
    assert (("N1", "interview", "national_bottom_ten") in actions(df)) is flagged
    if flagged:
        assert df["explanation"][0] == (f"2025 年国家级考核排名第 {rank} 名（共 230 个），"
                                        "位于后 10 位（第 221 名及以后）")


def test_ties_for_last_place_are_all_last_and_three_years_means_exit() -> None:
    scores = regional([
        ("R1", 2023, "61.5", 3, True), ("R2", 2023, "70", 1, False), ("R3", 2023, "65", 2, False),
        ("R1", 2024, "62.0", 3, True), ("R2", 2024, "71", 1, False), ("R3", 2024, "66", 2, False),
        # 2025: R1 and R3 tie for last (rank 2, 2): both are last.
        ("R1", 2025, "63.25", 2, True), ("R2", 2025, "72", 1, False),
        ("R3", 2025, "63.25", 2, True),
    ])
    df = supervision_actions(ZONES, stats([]), ranking(1, 2), scores, POLICY, 2025)
    assert actions(df) == {
        ("R1", "interview", "regional_last"),
        ("R3", "interview", "regional_last"),
        ("R1", "exit", "regional_last_three_years"),  # last in 2023, 2024 and 2025
    }
    exit_row = df.filter(pl.col("action") == "exit").row(0, named=True)
    assert exit_row["explanation"] == "2023、2024、2025 年连续 3 年位于自治区级考核末位，实行退出机制"
    r1 = df.filter((pl.col("zone_id") == "R1") & (pl.col("reason") == "regional_last")).row(
        0, named=True)
    assert r1["explanation"] == ("2025 年自治区级经开区综合发展水平考核综合得分 63.25，列第 2 名"
                                 "（共 3 家），位于末位")


def test_last_two_years_only_is_an_early_warning_not_an_exit() -> None:
    scores = regional([
        ("R1", 2023, "70", 1, False), ("R1", 2024, "60", 2, True), ("R1", 2025, "60", 2, True),
        ("R2", 2023, "60", 2, True), ("R2", 2024, "70", 1, False), ("R2", 2025, "70", 1, False),
    ])
    df = supervision_actions(ZONES, stats([]), ranking(1, 2), scores, POLICY, 2025)
    assert actions(df) == {("R1", "interview", "regional_last"),
                           ("R1", "early_warning", "regional_last_two_years")}
    warning = df.filter(pl.col("action") == "early_warning").row(0, named=True)
    assert warning["explanation"] == ("2024、2025 年连续 2 年位于自治区级考核末位；再有 1 年位于末位，"
                                      "将因连续 3 年末位实行退出机制")
    assert warning["clause"] == POLICY.supervision.clause_early_warning
    off = dataclasses.replace(POLICY, supervision=dataclasses.replace(
        POLICY.supervision, early_warning_after_years_last=0))
    assert actions(supervision_actions(ZONES, stats([]), ranking(1, 2), scores, off, 2025)) == {
        ("R1", "interview", "regional_last")}


# R1 is last in 2022? no; 2023 yes; 2024 yes; 2025 yes. Year by year, as three runs see it.
RUN_OF_LAST = regional([
    ("R1", 2022, "70", 1, False), ("R2", 2022, "60", 2, True),
    ("R1", 2023, "60", 2, True), ("R2", 2023, "70", 1, False),
    ("R1", 2024, "60", 2, True), ("R2", 2024, "70", 1, False),
    ("R1", 2025, "60", 2, True), ("R2", 2025, "70", 1, False),
])


@pytest.mark.parametrize(("year", "expected"), [
    (2023, {("R1", "interview", "regional_last")}),  # first year last: an interview only
    (2024, {("R1", "interview", "regional_last"),  # 2023 and 2024: one more year means exit
            ("R1", "early_warning", "regional_last_two_years")}),
    (2025, {("R1", "interview", "regional_last"),  # 2023-2025: exit, no more warning
            ("R1", "exit", "regional_last_three_years")}),
])
def test_interview_warning_exit_over_three_years(year: int, expected: set) -> None:
    df = supervision_actions(ZONES, stats([]), ranking_of(year), RUN_OF_LAST, POLICY, year)
    assert actions(df) == expected


def ranking_of(year: int) -> pl.DataFrame:
    return frame("national_rankings", [
        {"zone_id": z, "year": year, "rank": r, "ranked_total": 230}
        for z, r in (("N1", 1), ("N2", 2))])


def test_a_missing_national_rank_is_undecided_not_left_out() -> None:
    only_n1 = frame("national_rankings", [
        {"zone_id": "N1", "year": 2025, "rank": 225, "ranked_total": 230}])
    df, undecided = supervision_outcome(ZONES, stats([]), only_n1, NO_REGIONAL, POLICY, 2025)
    assert actions(df) == {("N1", "interview", "national_bottom_ten")}
    assert undecided.select("zone_id", "rule", "reason", "cause").rows() == [
        ("N2", "national_bottom_ten", "未列入 2025 年国家级考核排名", "not_ranked")]
    _, nothing_ranked = supervision_outcome(ZONES, stats([]), only_n1.clear(), NO_REGIONAL,
                                            POLICY, 2025)
    assert nothing_ranked.select("zone_id", "reason", "cause").rows() == [
        ("N1", "缺少 2025 年国家级考核排名", "ranking_year_missing"),
        ("N2", "缺少 2025 年国家级考核排名", "ranking_year_missing")]


@pytest.mark.parametrize(("target", "actual", "expected"), [
    ("100", "99.99", ("interview", "investment_target_missed")),
    ("100", "100", ("commendation", "investment_target_met")),  # equal counts as met
    ("100", "150", ("commendation", "investment_target_met")),
])
def test_investment_target(target: str, actual: str, expected: tuple[str, str]) -> None:
    yi = D(10) ** 8
    zone_stats = stats([("N1", 2025, {"investment_target": D(target) * yi,
                                      "investment_actual": D(actual) * yi})])
    df = supervision_actions(ZONES, zone_stats, ranking(1, 2), NO_REGIONAL, POLICY, 2025)
    assert actions(df) == {("N1", *expected)}
    assert f"目标任务 {D(target):,.2f} 亿元" in df["explanation"][0]


def test_missing_investment_figures_give_no_action() -> None:
    zone_stats = stats([("N1", 2025, {"investment_target": D(100)})])
    df = supervision_actions(ZONES, zone_stats, ranking(1, 2), NO_REGIONAL, POLICY, 2025)
    assert df.is_empty()
    assert df.columns == ["zone_id", "year", "action", "reason", "level", "city", "clause",
                          "explanation"]


# (target, actual in 亿元, the explanation's figures): each printed figure lies on the side of
# its threshold that the verdict says, however close (completion rate against 100%, the actual
# amount against the target).
COMPLETION_CASES = [
    ("100", "99.99", "实际到位 99.99 亿元，低于目标任务 100.00 亿元（完成 99.99%）"),
    ("100", "99.9999", "实际到位 99.9999 亿元，低于目标任务 100.0000 亿元（完成 99.9999%）"),
    ("100", "99.95", "实际到位 99.95 亿元，低于目标任务 100.00 亿元（完成 99.95%）"),
    ("100", "99.94", "实际到位 99.94 亿元，低于目标任务 100.00 亿元（完成 99.9%）"),
    ("100", "100", "实际到位 100.00 亿元，达到目标任务 100.00 亿元（完成 100.0%）"),
    ("100", "100.0001", "实际到位 100.0001 亿元，达到目标任务 100.0000 亿元（完成 100.0001%）"),
    ("182.52", "173.91", "实际到位 173.91 亿元，低于目标任务 182.52 亿元（完成 95.3%）"),
    # 0.00004 亿元 short of 100.00004: both are 100.00 at two places
    ("100.00004", "100", "实际到位 100.00000 亿元，低于目标任务 100.00004 亿元（完成 99.99996%）"),
]


@pytest.mark.parametrize(("target", "actual", "words"), COMPLETION_CASES)
def test_completion_rate_and_amounts_never_contradict_the_verdict(target: str, actual: str,
                                                                  words: str) -> None:
    yi = D(10) ** 8
    zone_stats = stats([("N1", 2025, {"investment_target": D(target) * yi,
                                      "investment_actual": D(actual) * yi})])
    df = supervision_actions(ZONES, zone_stats, ranking(1, 2), NO_REGIONAL, POLICY, 2025)
    assert df["explanation"].to_list() == [f"2025 年招商引资{words}"]

def test_each_year_is_ranked_over_its_own_population() -> None:
    """U is regional from 2020 and upgraded to national in June 2025; X exits in March 2024.

    GDP, the one scoring indicator (efficacy over every zone scored that year):
            2022  2023  2024  2025
        U     30    10    10    10      last among the regional zones in 2023 and 2024
        X     20    20    —     —       exits in 2024: out of the 2024 and 2025 populations
        R1    50    50    40    20
        R2    60    60    60    60
    2022: X last. 2023: U last (X is not). 2024: U last again, not in 2022: an early warning,
    no exit. 2025: U is national, so the
    regional zones are R1 and R2 and R1 is last; U is neither interviewed nor excluded for
    "three years running", and R1 was not last before 2025: no exit anyone.
    """
    zones = frame("zones", [
        {"zone_id": "U", "zone_name": "U", "level": "national", "city": CITY,
         "approved_date": dt.date(2025, 6, 18), "regional_date": dt.date(2020, 9, 28),
         "national_date": dt.date(2025, 6, 18), "status": "active"},
        {"zone_id": "X", "zone_name": "X", "level": "regional", "city": CITY,
         "approved_date": dt.date(2019, 8, 2), "status": "exited",
         "exit_date": dt.date(2024, 3, 31)},
        *[{"zone_id": z, "zone_name": z, "level": "regional", "city": CITY,
           "approved_date": dt.date(2020, 1, 1), "status": "active"} for z in ("R1", "R2")],
    ])
    gdp = {"U": (30, 10, 10, 10), "X": (20, 20, None, None), "R1": (50, 50, 40, 20),
           "R2": (60, 60, 60, 60)}
    zone_stats = stats([(z, y, {"gdp": D(v)}) for z, values in gdp.items()
                        for y, v in zip((2022, 2023, 2024, 2025), values, strict=True) if v])
    method = MethodologyConfig.from_mapping({
        "meta": {"version": "t", "title": "t"}, "scoring": {"normaliser": "efficacy"},
        "categories": [{"id": "only", "label": "唯一", "weight": "1", "indicators": [
            {"id": "x", "label": "地区生产总值", "derivation": "column", "column": "gdp",
             "direction": "higher", "unit": "元"}]}]})
    frames = {"zones": zones, "zone_stats": zone_stats,
              "national_rankings": frame("national_rankings", [
                  {"zone_id": "U", "year": 2025, "rank": 150, "ranked_total": 230}])}
    seen = {}
    for year in (2023, 2024, 2025):
        result = compute_year(frames, POLICY, method, year)
        regional = result.scores.filter(pl.col("regional_rank").is_not_null())
        seen[year] = (sorted(regional["zone_id"].to_list()),
                      regional.filter(pl.col("regional_last"))["zone_id"].to_list(),
                      sorted(actions(result.supervision)))
    assert seen == {
        2023: (["R1", "R2", "U", "X"], ["U"], [("U", "interview", "regional_last")]),
        2024: (["R1", "R2", "U"], ["U"], [("U", "early_warning", "regional_last_two_years"),
                                           ("U", "interview", "regional_last")]),
        2025: (["R1", "R2"], ["R1"], [("R1", "interview", "regional_last")]),
    }


@pytest.mark.parametrize(("years", "accepted"), [(0, True), (2, True), (1, False), (3, False)])
def test_the_early_warning_comes_the_year_before_the_exit_or_not_at_all(
        tmp_path, years: int, accepted: bool) -> None:
    """Its words say one more year means exit: with exit after 3 years it is given after 2."""
    text = DEFAULT_POLICY.read_text(encoding="utf-8").replace(
        "early_warning_after_years_last = 2", f"early_warning_after_years_last = {years}")
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    if accepted:
        assert load_policy(path).supervision.early_warning_after_years_last == years
    else:
        with pytest.raises(ConfigError, match=r"supervision.early_warning_after_years_last 应为 "
                                              r"0（不预警）或 exit_after_years_last − 1（2）"):
            load_policy(path)
