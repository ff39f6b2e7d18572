"""Which years a run may assess, and which years a set of submissions covers.

Checked before any work: a year before the policy's base year has no base to grow from, and a
year the zone statistics hold no figures for would score every zone on nothing (each zone
60.00, all "last", interviewed and ordered to exit for years with no data at all).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from transforms.contract import DATASETS

# Datasets with a year column, in the order the nightly message names them.
YEAR_DATASETS = ("zone_stats", "city_stats", "national_rankings", "exchange_rates",
                 "supplier_introductions", "fdi_projects", "ambassador_referrals",
                 "researcher_rewards")


def year_ranges(years: Iterable[int]) -> str:
    """2019, 2020, 2021, 2023 -> '2019—2021、2023 年'; nothing -> '无'."""
    ordered = sorted(set(years))
    if not ordered:
        return "无"
    runs: list[tuple[int, int]] = []
    for year in ordered:
        if runs and year == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], year)
        else:
            runs.append((year, year))
    return "、".join(str(a) if a == b else f"{a}—{b}" for a, b in runs) + " 年"


def assessment_year_problem(year: int, base_year: int, stats_years: Iterable[int]) -> str | None:
    """Why `year` cannot be assessed, in Chinese, or None when it can.

    `stats_years` are the years the zone statistics (zone_stats) hold rows for.
    """
    available = sorted(set(stats_years))
    if year < base_year:
        return (f"考核年度 {year} 年早于政策基准年 {base_year} 年：发展目标和增长率都以 "
                f"{base_year} 年为基准，无法考核 {year} 年。请选择 {base_year} 年及以后、"
                "已报送园区年度统计的年度。")
    if year not in available:
        return (f"园区年度统计（zone_stats）中没有 {year} 年的数据（现有：{year_ranges(available)}），"
                f"无法考核 {year} 年：没有数据就无法计算得分、排名和奖惩。请核对考核年度，"
                f"或先报送 {year} 年的园区年度统计。")
    return None


def dataset_years(frame: pl.DataFrame) -> list[int]:
    """The years a dataset's accepted rows hold."""
    if "year" not in frame.columns:
        return []
    return sorted(frame["year"].drop_nulls().unique().to_list())


def years_covered(frames: dict[str, pl.DataFrame]) -> dict[str, list[int]]:
    """Per submitted dataset with a year column: the years its rows hold."""
    return {name: dataset_years(frames[name]) for name in YEAR_DATASETS if name in frames}


def describe_years_covered(frames: dict[str, pl.DataFrame]) -> str:
    """'园区年度统计 2019—2025 年；设区市年度统计 2019—2025 年；…' for the nightly message."""
    covered = years_covered(frames)
    if not covered:
        return "收件箱中没有带年份的数据"
    return "；".join(f"{DATASETS[name].label} {year_ranges(years)}"
                    for name, years in covered.items())
