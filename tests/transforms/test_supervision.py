"""Supervision rules of policy-rules.md section 3, with the regional ranking given as input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import polars as pl
import pytest

from flows.settings import load_policy
from tests.helpers import CITY, frame, stats
from transforms.supervision import supervision_actions

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


def test_last_two_years_only_is_no_exit() -> None:
    scores = regional([
        ("R1", 2023, "70", 1, False), ("R1", 2024, "60", 2, True), ("R1", 2025, "60", 2, True),
        ("R2", 2023, "60", 2, True), ("R2", 2024, "70", 1, False), ("R2", 2025, "70", 1, False),
    ])
    df = supervision_actions(ZONES, stats([]), ranking(1, 2), scores, POLICY, 2025)
    assert actions(df) == {("R1", "interview", "regional_last")}


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
