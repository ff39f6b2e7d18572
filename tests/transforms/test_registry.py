"""The registry's history: each year's populations, hand-listed for 2019-2025, and the year's
changes. Today's files (no dated columns) keep meaning "always at the current level"."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from flows.settings import load_policy
from tests.helpers import CITY, frame
from transforms.registry import registry_changes, zone_timeline, zones_in_year
from transforms.targets import province_targets

D = dt.date
POLICY = load_policy()


def registry(history: bool = True) -> pl.DataFrame:
    """N1 national since 2001; U regional 2020-09-28, upgraded 2025-06-18; R1 regional
    2020-04-10; R2 regional on 2022-12-31, the last day of 2022; X regional 2019-08-02, exited
    2023-03-31; Y exited with no date; L regional with no date at all. Without `history`, the
    same registry as today's files have it: no dated columns."""
    rows = [
        {"zone_id": "N1", "level": "national", "approved_date": D(2001, 5, 16)},
        {"zone_id": "U", "level": "national", "approved_date": D(2025, 6, 18),
         "regional_date": D(2020, 9, 28), "national_date": D(2025, 6, 18)},
        {"zone_id": "R1", "level": "regional", "approved_date": D(2020, 4, 10)},
        {"zone_id": "R2", "level": "regional", "approved_date": D(2022, 12, 31)},
        {"zone_id": "X", "level": "regional", "approved_date": D(2019, 8, 2),
         "status": "exited", "exit_date": D(2023, 3, 31)},
        {"zone_id": "Y", "level": "regional", "approved_date": D(2019, 1, 1),
         "status": "exited"},
        {"zone_id": "L", "level": "regional", "approved_date": None},
    ]
    for r in rows:
        r.update(zone_name=f"园区{r['zone_id']}", city=CITY)
        r.setdefault("status", "active")
        if not history:
            r.pop("regional_date", None)
            r.pop("national_date", None)
            r.pop("exit_date", None)
    return frame("zones", rows)


def population(zones: pl.DataFrame, year: int) -> tuple[list[str], list[str]]:
    assessed = zones_in_year(zones, year)
    return (assessed.filter(pl.col("level") == "national")["zone_id"].to_list(),
            assessed.filter(pl.col("level") == "regional")["zone_id"].to_list())


# (year, national zones, regional zones): each zone at the level it held on 31 December.
POPULATIONS = [
    (2019, ["N1"], ["L", "X"]),
    (2020, ["N1"], ["L", "R1", "U", "X"]),  # U recognised in September: regional for 2020
    (2021, ["N1"], ["L", "R1", "U", "X"]),
    (2022, ["N1"], ["L", "R1", "R2", "U", "X"]),  # R2 on the last day counts
    (2023, ["N1"], ["L", "R1", "R2", "U"]),  # X exited in March 2023: out from 2023 on
    (2024, ["N1"], ["L", "R1", "R2", "U"]),
    (2025, ["N1", "U"], ["L", "R1", "R2"]),  # U upgraded in June 2025: national for 2025
]


@pytest.mark.parametrize(("year", "national", "regional"), POPULATIONS)
def test_each_years_population_comes_from_the_history(year, national, regional) -> None:
    assert population(registry(), year) == (national, regional)


@pytest.mark.parametrize(("year", "national", "regional"), [
    # Without dates: U has been national since approved_date (not assessed before 2025), and
    # both exited zones are out of every year, as before the history existed.
    (2019, ["N1"], ["L"]),
    (2023, ["N1"], ["L", "R1", "R2"]),
    (2025, ["N1", "U"], ["L", "R1", "R2"]),
])
def test_todays_files_mean_always_at_the_current_level(year, national, regional) -> None:
    assert population(registry(history=False), year) == (national, regional)


def test_the_approval_date_of_the_years_level() -> None:
    dates = {y: dict(zones_in_year(registry(), y).select("zone_id", "approved_date").iter_rows())
             for y in (2024, 2025)}
    assert dates[2024]["U"] == D(2020, 9, 28)  # regional in 2024: its recognition
    assert dates[2025]["U"] == D(2025, 6, 18)  # national in 2025: its upgrade
    assert dates[2025]["L"] is None


def test_province_count_follows_each_years_population() -> None:
    counts = {y: province_targets(registry(), POLICY, y)["value"][0] for y in range(2019, 2026)}
    assert counts == {2019: 2, 2020: 4, 2021: 4, 2022: 5, 2023: 4, 2024: 4, 2025: 3}


@pytest.mark.parametrize(("year", "changes"), [
    (2019, [("X", "recognised", D(2019, 8, 2))]),
    (2020, [("R1", "recognised", D(2020, 4, 10)), ("U", "recognised", D(2020, 9, 28))]),
    (2022, [("R2", "recognised", D(2022, 12, 31))]),
    (2023, [("X", "exited", D(2023, 3, 31))]),
    (2024, []),
    (2025, [("U", "upgraded", D(2025, 6, 18))]),
])
def test_the_years_changes(year, changes) -> None:
    got = registry_changes(registry(), year)
    assert got.select("zone_id", "change", "date").rows() == changes


def test_a_zone_approved_national_without_a_regional_past_is_new_not_upgraded() -> None:
    zones = frame("zones", [{"zone_id": "N", "zone_name": "新", "level": "national",
                             "city": CITY, "approved_date": D(2024, 3, 1), "status": "active"}])
    assert registry_changes(zones, 2024).select("zone_id", "change", "level_before").rows() == [
        ("N", "approved_national", None)]


def test_timeline_columns() -> None:
    timeline = zone_timeline(registry()).filter(pl.col("zone_id").is_in(["U", "Y"]))
    assert timeline.select("zone_id", "regional_ever", "regional_from", "national_ever",
                           "national_from", "exited", "exited_on").sort("zone_id").rows() == [
        ("U", True, D(2020, 9, 28), True, D(2025, 6, 18), False, None),
        ("Y", True, D(2019, 1, 1), False, None, True, None),
    ]
