"""Targets of policy-rules.md section 1, with hand-computed values on both sides of each boundary."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import polars as pl
import pytest

from flows.settings import DEFAULT_POLICY, load_policy
from tests.helpers import CITY, city, frame, ranks, stats, zones
from transforms.contract import MONEY_DTYPE
from transforms.policy import PolicyConfig, PolicyConfigError
from transforms.targets import province_targets, zone_targets

POLICY = load_policy(DEFAULT_POLICY)


def status_of(result: pl.DataFrame, target_id: str, zone_id: str = "A") -> dict:
    return result.filter((pl.col("target_id") == target_id) & (pl.col("zone_id") == zone_id)).row(
        0, named=True)


# Each case: target, base-year values, year values, expected status. Money in yuan/dollars.
# 1.2^6 = 2.985984, 1.15^6 = 2.313060765625, 1.1^6 = 1.771561, 1.3^6 = 4.826809.
GROWTH_CASES = [
    # 250.0000 亿元 x 2.985984 = 746.4960 亿元 exactly: on the boundary counts (以上).
    ("gdp_cagr", {"gdp": D("25000000000")}, {"gdp": D("74649600000")}, "met"),
    ("gdp_cagr", {"gdp": D("25000000000")}, {"gdp": D("74649599999.99")}, "not_met"),
    ("gdp_cagr", {"gdp": D("25000000000")}, {"gdp": D("74649600000.01")}, "met"),
    # 1000 万美元 x 2.313060765625 = 23,130,607.65625 dollars: cents decide.
    ("fdi_cagr", {"fdi_usd": D("10000000")}, {"fdi_usd": D("23130607.66")}, "met"),
    ("fdi_cagr", {"fdi_usd": D("10000000")}, {"fdi_usd": D("23130607.65")}, "not_met"),
    # 100 亿元 x 1.771561 = 177.1561 亿元.
    ("trade_cagr", {"trade": D("10000000000")}, {"trade": D("17715610000")}, "met"),
    ("trade_cagr", {"trade": D("10000000000")}, {"trade": D("17715609999.99")}, "not_met"),
    # 100 firms x 4.826809 = 482.68: 483 meets, 482 does not.
    ("enterprises_cagr", {"enterprises": 100}, {"enterprises": 483}, "met"),
    ("enterprises_cagr", {"enterprises": 100}, {"enterprises": 482}, "not_met"),
    # Large manufacturers 4 -> 6 is +50% exactly: met in 2025; 4 -> 5 is +25%: not.
    ("large_mfg_growth", {"large_mfg_enterprises": 4}, {"large_mfg_enterprises": 6}, "met"),
    ("large_mfg_growth", {"large_mfg_enterprises": 4}, {"large_mfg_enterprises": 5}, "not_met"),
    # no_data: a missing or zero base, or a missing year value; never a crash, never a silent 0.
    ("gdp_cagr", {}, {"gdp": D("1")}, "no_data"),
    ("gdp_cagr", {"gdp": D("0")}, {"gdp": D("1")}, "no_data"),
    ("gdp_cagr", {"gdp": D("1")}, {}, "no_data"),
    ("large_mfg_growth", {"large_mfg_enterprises": 0}, {"large_mfg_enterprises": 3}, "no_data"),
]


@pytest.mark.parametrize(("target_id", "base", "current", "expected"), GROWTH_CASES)
def test_growth_targets_2025(target_id: str, base: dict, current: dict, expected: str) -> None:
    result = zone_targets(
        zones(("A", "national")),
        stats([("A", 2019, base), ("A", 2025, current)]),
        city(2025), ranks([]), POLICY, 2025,
    )
    assert status_of(result, target_id)["status"] == expected


def test_cagr_boundary_value_and_note() -> None:
    result = zone_targets(
        zones(("A", "national")),
        stats([("A", 2019, {"gdp": D("25000000000")}), ("A", 2025, {"gdp": D("74649600000")})]),
        city(2025), ranks([]), POLICY, 2025,
    )
    row = status_of(result, "gdp_cagr")
    assert row["value"] == pytest.approx(0.2, abs=1e-9)
    assert (row["threshold"], row["final_threshold"], row["base_year"]) == ("0.2", "0.2", 2019)
    assert (row["base_value"], row["year_value"]) == ("25000000000.00", "74649600000.00")
    missing = zone_targets(zones(("A", "national")), stats([("A", 2025, {"gdp": D("1")})]),
                           city(2025), ranks([]), POLICY, 2025)
    assert status_of(missing, "gdp_cagr")["note"] == "缺少 2019 年（基准年）数据"
    assert status_of(missing, "gdp_cagr")["value"] is None


# City shares: zone / city >= t, boundary exact.
SHARE_CASES = [
    ("gdp_city_share", "gdp", D("10000"), D("100000"), "met"),  # exactly 10%
    ("gdp_city_share", "gdp", D("9999.99"), D("100000"), "not_met"),
    ("fdi_city_share", "fdi_usd", D("40"), D("100"), "met"),  # exactly 40%
    ("fdi_city_share", "fdi_usd", D("39.99"), D("100"), "not_met"),
    ("trade_city_share", "trade", D("20.00"), D("100.00"), "met"),
    ("trade_city_share", "trade", D("19.99"), D("100.00"), "not_met"),
    ("trade_city_share", "trade", D("5"), D("0"), "no_data"),  # zero city base
    ("trade_city_share", "trade", D("5"), None, "no_data"),  # no city figure
]


@pytest.mark.parametrize(("target_id", "column", "zone_value", "city_value", "expected"),
                         SHARE_CASES)
def test_city_share_targets(target_id, column, zone_value, city_value, expected) -> None:
    city_frame = city(2025, **({column: city_value} if city_value is not None else {}))
    result = zone_targets(
        zones(("A", "national")), stats([("A", 2025, {column: zone_value})]),
        city_frame, ranks([]), POLICY, 2025,
    )
    assert status_of(result, target_id)["status"] == expected


# Cumulative targets before 2025 are pro-rata: threshold x (Y - 2019) / 6.
PRO_RATA_CASES = [
    # 2022: 50% x 3/6 = 25%: 4 -> 5 is exactly +25%.
    (2022, {"large_mfg_enterprises": 4}, {"large_mfg_enterprises": 5}, "large_mfg_growth", "0.25",
     "met"),
    (2022, {"large_mfg_enterprises": 5}, {"large_mfg_enterprises": 6}, "large_mfg_growth", "0.25",
     "not_met"),  # +20%
    # 2020: 50% x 1/6 = 1/12, a repeating decimal: 12 -> 13 is exactly +1/12, met.
    (2020, {"large_mfg_enterprises": 12}, {"large_mfg_enterprises": 13}, "large_mfg_growth",
     "0.083333", "met"),
    (2020, {"large_mfg_enterprises": 13}, {"large_mfg_enterprises": 14}, "large_mfg_growth",
     "0.083333", "not_met"),  # +1/13 < 1/12
]


@pytest.mark.parametrize(("year", "base", "current", "target_id", "threshold", "expected"),
                         PRO_RATA_CASES)
def test_pro_rata_growth(year, base, current, target_id, threshold, expected) -> None:
    result = zone_targets(zones(("A", "national")), stats([("A", 2019, base), ("A", year, current)]),
                          city(year), ranks([]), POLICY, year)
    row = status_of(result, target_id)
    assert (row["threshold"], row["final_threshold"], row["status"]) == (threshold, "0.5", expected)


RANK_CASES = [
    (2025, 100, 70, "30", "met"),  # 30 places gained: 以上 counts the boundary
    (2025, 100, 71, "30", "not_met"),
    (2022, 100, 85, "15", "met"),  # pro-rata 30 x 3/6
    (2022, 100, 86, "15", "not_met"),
    (2020, 100, 95, "5", "met"),  # 30 x 1/6
    (2020, 100, 96, "5", "not_met"),
    (2025, 100, 120, "30", "not_met"),  # lost 20 places
]


@pytest.mark.parametrize(("year", "base_rank", "rank", "threshold", "expected"), RANK_CASES)
def test_national_rank_gain(year, base_rank, rank, threshold, expected) -> None:
    result = zone_targets(zones(("A", "national")), stats([]), city(year),
                          ranks([("A", 2019, base_rank), ("A", year, rank)]), POLICY, year)
    row = status_of(result, "national_rank_gain")
    assert (row["threshold"], row["status"]) == (threshold, expected)
    assert row["value"] == base_rank - rank


def test_rank_gain_without_base_rank_is_no_data() -> None:
    result = zone_targets(zones(("A", "national")), stats([]), city(2025),
                          ranks([("A", 2025, 60)]), POLICY, 2025)
    row = status_of(result, "national_rank_gain")
    assert (row["status"], row["note"]) == ("no_data", "缺少 2019 年国家级考核排名")


def test_only_national_zones_active_and_approved_get_targets() -> None:
    registry = frame("zones", [
        {"zone_id": "A", "zone_name": "A", "level": "national", "city": CITY,
         "approved_date": dt.date(2001, 1, 1), "status": "active"},
        {"zone_id": "R", "zone_name": "R", "level": "regional", "city": CITY,
         "approved_date": dt.date(2020, 1, 1), "status": "active"},
        {"zone_id": "X", "zone_name": "X", "level": "national", "city": CITY,
         "approved_date": dt.date(2001, 1, 1), "status": "exited"},
        {"zone_id": "N", "zone_name": "N", "level": "national", "city": CITY,
         "approved_date": dt.date(2026, 3, 1), "status": "active"},  # approved after the year
    ])
    result = zone_targets(registry, stats([]), city(2025), ranks([]), POLICY, 2025)
    assert result["zone_id"].unique().to_list() == ["A"]
    assert result["target_id"].to_list() == [t.id for t in POLICY.zone_targets]
    assert result.columns[:7] == ["zone_id", "year", "target_id", "value", "threshold",
                                  "final_threshold", "status"]


def test_assessing_the_base_year_itself_is_no_data() -> None:
    result = zone_targets(zones(("A", "national")),
                          stats([("A", 2019, {"gdp": D("1"), "large_mfg_enterprises": 1})]),
                          city(2019), ranks([("A", 2019, 50)]), POLICY, 2019)
    for target_id in ("gdp_cagr", "large_mfg_growth", "national_rank_gain"):
        assert status_of(result, target_id)["status"] == "no_data", target_id


@pytest.mark.parametrize(("year", "regional", "threshold", "status", "gap"), [
    # 15家以上 is a stock to reach by 2025: before it, progress (no verdict, no pro-rated
    # threshold), the count and the distance; from 2025 on, judged against 15.
    (2022, 8, None, "in_progress", "7"),
    (2024, 15, None, "in_progress", "0"),  # reached early: still progress until 2025
    (2025, 15, "15", "met", "0"),  # 15家以上: 15 counts
    (2025, 14, "15", "not_met", "1"),
    (2026, 14, "15", "not_met", "1"),  # after the target year: still 15
])
def test_province_target_is_a_stock(year, regional, threshold, status, gap) -> None:
    specs = [(f"R{i:02d}", "regional") for i in range(regional)] + [("A", "national")]
    result = province_targets(zones(*specs), POLICY, year).row(0, named=True)
    assert (result["value"], result["threshold"], result["final_threshold"], result["status"],
            result["gap"], result["target_year"]) == (regional, threshold, "15", status, gap,
                                                      2025)


def policy_with_province(text: str, tmp_path: Path) -> PolicyConfig:
    source = DEFAULT_POLICY.read_text(encoding="utf-8")
    path = tmp_path / "policy.toml"
    path.write_text(source.replace('before_target_year = "progress"', text), encoding="utf-8")
    return load_policy(path)


@pytest.mark.parametrize(("setting", "year", "regional", "threshold", "status"), [
    # pro_rata: 15 x (2022 - 2019) / 6 = 7.5
    ('before_target_year = "pro_rata"', 2022, 8, "7.5", "met"),
    ('before_target_year = "pro_rata"', 2022, 7, "7.5", "not_met"),
    ('before_target_year = "full"', 2022, 8, "15", "not_met"),
    # A policy file from before the switch says `cumulative` and keeps its meaning.
    ("cumulative = true", 2022, 7, "7.5", "not_met"),
    ("cumulative = false", 2022, 14, "15", "not_met"),
    ('before_target_year = "pro_rata"', 2025, 15, "15", "met"),  # the target year: full
])
def test_province_target_switch(tmp_path, setting, year, regional, threshold, status) -> None:
    policy = policy_with_province(setting, tmp_path)
    specs = [(f"R{i:02d}", "regional") for i in range(regional)]
    result = province_targets(zones(*specs), policy, year).row(0, named=True)
    assert (result["threshold"], result["status"]) == (threshold, status)


def test_province_target_switch_is_validated(tmp_path) -> None:
    with pytest.raises(PolicyConfigError) as err:
        policy_with_province('before_target_year = "yearly"', tmp_path)
    assert any("before_target_year “yearly”无效" in p for p in err.value.problems)


def test_money_stays_decimal_through_targets() -> None:
    df = stats([("A", 2025, {"gdp": D("1.23")})])
    assert df.schema["gdp"] == MONEY_DTYPE


# ---------------------------------------------------------------------------------------------
# The policy config is validated when loaded
# ---------------------------------------------------------------------------------------------


def test_policy_file_loads_with_every_target() -> None:
    assert POLICY.version == "2025.2"
    assert (POLICY.base_year, POLICY.target_year) == (2019, 2025)
    assert {t.id: t.threshold for t in POLICY.zone_targets} == {
        "gdp_cagr": D("0.20"), "gdp_city_share": D("0.10"), "fdi_cagr": D("0.15"),
        "fdi_city_share": D("0.40"), "trade_cagr": D("0.10"), "trade_city_share": D("0.20"),
        "enterprises_cagr": D("0.30"), "large_mfg_growth": D("0.50"),
        "national_rank_gain": D("30"),
    }
    assert POLICY.province_target.threshold == D("15")
    assert all(t.clause for t in POLICY.zone_targets)


def test_broken_policy_lists_every_problem(tmp_path: Path) -> None:
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    text = text.replace('threshold = "0.20"', "threshold = 0.20", 1)  # a binary float
    text = text.replace('kind = "city_share"', 'kind = "share"', 1)
    text = text.replace("target_year = 2025", "target_year = 2018")
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyConfigError) as err:
        load_policy(path)
    problems = err.value.problems
    assert any("带引号的小数" in p and "targets.zone 第 1 条.threshold" in p for p in problems)
    assert any("kind “share”无效" in p for p in problems)
    assert any("必须晚于 base_year" in p for p in problems)


def test_missing_policy_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(PolicyConfigError, match="找不到政策参数文件"):
        load_policy(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[meta\nversion=", encoding="utf-8")
    with pytest.raises(PolicyConfigError, match="不是合法的 TOML"):
        load_policy(bad)


def test_progress_is_exact_and_clamped() -> None:
    from fractions import Fraction

    assert POLICY.progress(2020) == Fraction(1, 6)
    assert POLICY.progress(2025) == 1
    assert POLICY.progress(2030) == 1
    assert POLICY.progress(2018) == 0
    assert isinstance(POLICY, PolicyConfig)
