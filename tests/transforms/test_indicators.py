"""Indicators: values in base units, year-on-year growth, growth since 2019, city shares."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import polars as pl
import pytest

from tests.helpers import CITY, city, frame, stats
from transforms.indicators import ZONE_INDICATORS, assessed_zones, zone_indicators


def registry() -> pl.DataFrame:
    return frame("zones", [
        {"zone_id": "A", "zone_name": "甲", "level": "national", "city": CITY,
         "approved_date": dt.date(2001, 1, 1), "status": "active"},
        {"zone_id": "B", "zone_name": "乙（示例）", "level": "regional", "city": CITY,
         "approved_date": None, "status": "active"},
        {"zone_id": "X", "zone_name": "丙", "level": "regional", "city": CITY,
         "approved_date": dt.date(2019, 1, 1), "status": "exited"},
        {"zone_id": "L", "zone_name": "丁", "level": "regional", "city": CITY,
         "approved_date": dt.date(2025, 12, 31), "status": "active"},
    ])


def test_assessed_zones_by_status_and_approval_date() -> None:
    # X has exited; L is approved on the last day of 2025: assessed in 2025, not in 2024.
    assert assessed_zones(registry(), 2025)["zone_id"].to_list() == ["A", "B", "L"]
    assert assessed_zones(registry(), 2024)["zone_id"].to_list() == ["A", "B"]


def test_growth_and_shares_hand_computed() -> None:
    zone_stats = stats([
        ("A", 2019, {"gdp": D("100"), "enterprises": 10}),
        ("A", 2024, {"gdp": D("200"), "enterprises": 40}),
        ("A", 2025, {"gdp": D("250"), "enterprises": 40, "energy_per_gdp": 0.4567891}),
    ])
    result = zone_indicators(registry(), zone_stats, city(2025, gdp=D("1000")), 2025, 2019)
    assert result.columns == ["zone_id", "year", "indicator", "value", "unit", "yoy_growth",
                              "cagr_since_base", "city_share"]
    gdp = result.filter((pl.col("zone_id") == "A") & (pl.col("indicator") == "gdp")).row(
        0, named=True)
    assert gdp["value"] == "250.00"
    assert gdp["unit"] == "CNY"
    assert gdp["yoy_growth"] == pytest.approx(0.25)  # 250 / 200 - 1
    assert gdp["cagr_since_base"] == pytest.approx(2.5 ** (1 / 6) - 1, abs=1e-6)  # 0.164993
    assert gdp["city_share"] == pytest.approx(0.25)  # 250 / 1000
    ent = result.filter((pl.col("zone_id") == "A") & (pl.col("indicator") == "enterprises")).row(
        0, named=True)
    assert (ent["value"], ent["unit"], ent["yoy_growth"], ent["city_share"]) == ("40", "户", 0.0,
                                                                                  None)
    energy = result.filter(
        (pl.col("zone_id") == "A") & (pl.col("indicator") == "energy_per_gdp")).row(0, named=True)
    assert energy["value"] == "0.456789"


def test_every_assessed_zone_has_every_indicator_even_without_data() -> None:
    result = zone_indicators(registry(), stats([]), city(2025), 2025, 2019)
    assert result.height == 3 * len(ZONE_INDICATORS)
    assert result["value"].null_count() == result.height
    assert result["yoy_growth"].null_count() == result.height
