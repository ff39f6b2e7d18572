"""The year check and the years a set of submissions covers."""

from __future__ import annotations

import pytest

from tests.helpers import frame, ranks, stats
from transforms.years import (
    assessment_year_problem,
    describe_years_covered,
    year_ranges,
    years_covered,
)

AVAILABLE = [2019, 2020, 2021, 2022, 2023, 2024, 2025]


@pytest.mark.parametrize(("year", "ok"), [
    (2018, False),  # before the base year
    (2019, True),  # the base year itself: its targets are "no data", the year is usable
    (2025, True),
    (2026, False),  # after the last year with figures
    (2030, False),
])
def test_which_years_are_usable(year: int, ok: bool) -> None:
    assert (assessment_year_problem(year, 2019, AVAILABLE) is None) is ok


def test_the_messages_say_why_and_what_to_do() -> None:
    assert assessment_year_problem(2018, 2019, AVAILABLE) == (
        "考核年度 2018 年早于政策基准年 2019 年：发展目标和增长率都以 2019 年为基准，无法考核 "
        "2018 年。请选择 2019 年及以后、已报送园区年度统计的年度。")
    assert assessment_year_problem(2030, 2019, AVAILABLE) == (
        "园区年度统计（zone_stats）中没有 2030 年的数据（现有：2019—2025 年），无法考核 2030 年："
        "没有数据就无法计算得分、排名和奖惩。请核对考核年度，或先报送 2030 年的园区年度统计。")
    # A hole in the middle is named as one.
    assert "现有：2019—2021、2023 年" in assessment_year_problem(2022, 2019, [2019, 2020, 2021, 2023])
    assert "现有：无" in assessment_year_problem(2025, 2019, [])


@pytest.mark.parametrize(("years", "text"), [
    ([], "无"),
    ([2025], "2025 年"),
    ([2019, 2020, 2021], "2019—2021 年"),
    ([2023, 2019, 2020, 2020, 2025], "2019—2020、2023、2025 年"),
])
def test_year_ranges(years: list[int], text: str) -> None:
    assert year_ranges(years) == text


def test_years_covered_by_an_inbox() -> None:
    frames = {
        "zones": frame("zones", []),  # no year column: not listed
        "zone_stats": stats([("A", 2024, {}), ("A", 2025, {}), ("B", 2022, {})]),
        "national_rankings": ranks([("A", 2016, 1), ("A", 2017, 1), ("A", 2025, 2)]),
    }
    assert years_covered(frames) == {"zone_stats": [2022, 2024, 2025],
                                     "national_rankings": [2016, 2017, 2025]}
    assert describe_years_covered(frames) == (
        "园区年度统计 2022、2024—2025 年；国家级经开区考核排名 2016—2017、2025 年")
    assert describe_years_covered({}) == "收件箱中没有带年份的数据"
