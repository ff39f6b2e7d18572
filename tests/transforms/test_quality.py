"""The cross-dataset checks (transforms/quality.py): the USCC check character, the configured
plausibility bands, and the table that runs each kind of cross rule."""

from __future__ import annotations

from datetime import date as d
from decimal import Decimal

import polars as pl
import pytest

from expectations.suites import cross_rules
from flows.demo.data import build_tables
from flows.settings import load_plausibility
from tests.helpers import CITY, frame
from transforms.quality import (
    CROSS_CHECKS,
    CheckInputs,
    Plausibility,
    city_covers_zones,
    run_check,
    uscc_is_valid,
)

# Valid USCCs (check digits per GB 32100-2015; the first is a published example).
USCC_A = "91350100M000100Y43"
USCC_B = "91450100MA5K00001E"


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        (USCC_A, True),  # published example
        (USCC_B, True),
        ("91450100MA5K00001F", False),  # wrong check character
        ("91450100MA5K0001E", False),  # 17 characters
        ("9145O100MA5K00001E", False),  # letter O is not in the alphabet
        ("91450100ma5k00001e", False),  # lower case
    ],
)
def test_uscc_check_digit(code: str, valid: bool) -> None:
    assert uscc_is_valid(code) is valid


def test_plausibility_config_is_checked() -> None:
    config = load_plausibility()
    assert (config.unit_jump_min_ratio, config.unit_jump_max_ratio) == (3000, 30000)
    assert config.yoy_bands[("zone_stats", "gdp")].max_change == Decimal("2.0")
    with pytest.raises(ValueError) as err:
        Plausibility.from_mapping(
            {
                "unit_jump": {"min_ratio": "30000", "max_ratio": "3000"},
                "yoy_band": {"zone_stats": {"zone_name": {"min": "0", "max": "1"},
                                            "gdp": {"min": "x", "max": "1"}}},
            }
        )
    text = str(err.value)
    assert "1 < min_ratio < max_ratio" in text
    assert "yoy_band.zone_stats.zone_name" in text
    assert "“x”不是数字" in text


def test_every_kind_of_cross_rule_has_a_check() -> None:
    kinds = {rule.kind for rule in cross_rules(load_plausibility())}
    assert kinds <= set(CROSS_CHECKS)
    with pytest.raises(ValueError, match="no check for the cross-rule kind 'nonsense'"):
        run_check("nonsense", CheckInputs({"zones": frame("zones", [])}), "zones", "zone_id")


def test_a_rule_whose_dataset_was_not_submitted_does_not_apply() -> None:
    assert run_check("zone_registered", CheckInputs({}), "zone_stats", "zone_id") is None


def test_a_city_total_covers_its_zones() -> None:
    """gdp: 南宁市 2024 has 100 亿元 and its zones 60 + 50 = 110 (fails); 2025: 200 and 150
    (passes); 2023: no zone row, so the rule does not apply."""
    yi = Decimal(10) ** 8
    zones = frame("zones", [{"zone_id": z, "zone_name": z, "level": "national", "city": CITY,
                             "status": "active"} for z in ("A", "B")])
    stats = frame("zone_stats", [
        {"zone_id": "A", "year": 2024, "gdp": 60 * yi}, {"zone_id": "B", "year": 2024, "gdp": 50 * yi},
        {"zone_id": "A", "year": 2025, "gdp": 150 * yi}])
    city = frame("city_stats", [{"city": CITY, "year": y, "gdp": v * yi}
                                for y, v in ((2023, 90), (2024, 100), (2025, 200))])
    outcome = city_covers_zones({"zones": zones, "zone_stats": stats, "city_stats": city}, "gdp")
    assert outcome is not None
    assert outcome.verdict.to_list() == [None, False, True]
    assert outcome.compared.to_list() == [None, 110 * yi, 150 * yi]
    assert outcome.compared.dtype == pl.Decimal(38, 2)


# ---------------------------------------------------------------------------------------------
# The registry's history, the leading-industry flag, one enterprise under two rules


def history_zones() -> pl.DataFrame:
    rows = [
        # ok: recognised 2020, upgraded 2025, approved_date = the upgrade
        ("OK", "national", "active", d(2025, 6, 18), d(2020, 9, 28), d(2025, 6, 18), None),
        # upgraded before it was recognised
        ("BACK", "national", "active", None, d(2022, 1, 1), d(2021, 1, 1), None),
        # a national date on a regional zone
        ("REG", "regional", "active", d(2020, 1, 1), None, d(2024, 1, 1), None),
        # an exit date on an active zone
        ("ACT", "regional", "active", d(2020, 1, 1), None, None, d(2023, 1, 1)),
        # exited without a date
        ("GONE", "regional", "exited", d(2020, 1, 1), None, None, None),
        # exited before it was recognised
        ("EARLY", "regional", "exited", d(2020, 1, 1), None, None, d(2019, 1, 1)),
        # approved_date contradicts the dated column of its level
        ("DIFF", "regional", "active", d(2021, 1, 1), d(2020, 1, 1), None, None),
        # a regional past and no date for the upgrade
        ("UNDATED", "national", "active", None, d(2020, 1, 1), None, None),
    ]
    return frame("zones", [
        {"zone_id": z, "zone_name": z, "level": level, "city": CITY, "status": status,
         "approved_date": approved, "regional_date": regional, "national_date": national,
         "exit_date": exit_date}
        for z, level, status, approved, regional, national, exit_date in rows])


@pytest.mark.parametrize(("rule", "failing", "applying"), [
    ("national_after_regional", {"BACK"}, {"OK", "BACK"}),
    ("national_level", {"REG"}, {"OK", "BACK", "REG"}),
    ("exit_status", {"ACT"}, {"ACT", "EARLY"}),
    ("exit_dated", {"GONE"}, {"GONE", "EARLY"}),
    ("exit_after_start", {"EARLY"}, {"ACT", "EARLY"}),
    ("approved_matches", {"DIFF"}, {"OK", "DIFF"}),
    ("upgrade_dated", {"UNDATED"}, {"OK", "BACK", "UNDATED"}),
])
def test_registry_history_rules(rule: str, failing: set[str], applying: set[str]) -> None:
    zones = history_zones()
    outcome = run_check(f"zone_history.{rule}", CheckInputs({"zones": zones}), "zones", "zone_id")
    verdicts = dict(zip(zones["zone_id"], outcome.verdict, strict=True))
    assert {z for z, v in verdicts.items() if v is False} == failing
    assert {z for z, v in verdicts.items() if v is not None} == applying


def test_the_demo_registry_passes_every_history_rule() -> None:
    zones = frame("zones", build_tables()["zones"])
    for rule in ("national_after_regional", "national_level", "exit_status", "exit_dated",
                 "exit_after_start", "approved_matches", "upgrade_dated"):
        outcome = run_check(f"zone_history.{rule}", CheckInputs({"zones": zones}), "zones",
                            "zone_id")
        assert not (outcome.verdict == False).any(), rule  # noqa: E712


def fdi_rows(*rows: tuple[str, str, bool | None, str | None, int]) -> pl.DataFrame:
    return frame("fdi_projects", [
        {"project_id": f"P{i}", "zone_id": z, "industry_code": code, "leading_industry": flag,
         "enterprise_uscc": uscc, "year": year}
        for i, (z, code, flag, uscc, year) in enumerate(rows)])


def test_leading_industry_flag_against_the_registered_industries() -> None:
    zones = frame("zones", [
        {"zone_id": "A", "zone_name": "A", "level": "national", "city": CITY,
         "leading_industries": "食品加工；生物医药"},
        {"zone_id": "B", "zone_name": "B", "level": "regional", "city": CITY,
         "leading_industries": "边境加工贸易"},  # not in the mapping: not judged
        {"zone_id": "C", "zone_name": "C", "level": "regional", "city": CITY,
         "leading_industries": None},
    ])
    projects = fdi_rows(
        ("A", "1310", True, None, 2025),  # 13 ⊂ 食品加工
        ("A", "2720", True, None, 2025),  # 27 ⊂ 生物医药
        ("A", "3311", True, None, 2025),  # 33: neither -> contradicts the registry
        ("A", "3311", False, None, 2025),  # not flagged: nothing to check
        ("B", "3311", True, None, 2025),  # unknown name: cannot tell
        ("C", "1310", True, None, 2025),  # no leading industry registered at all
        ("A", None, True, None, 2025),  # no code: the code's own rules
    )
    config = load_plausibility()
    outcome = run_check("leading_industry_matches",
                        CheckInputs({"zones": zones, "fdi_projects": projects}, config),
                        "fdi_projects", "leading_industry")
    assert outcome.verdict.to_list() == [True, True, False, None, None, False, None]
    assert config.leading_industry_divisions["先进装备制造"] == (
        "33", "34", "35", "36", "37", "38", "39", "40")
    with pytest.raises(ValueError, match="leading_industries.食品加工"):
        Plausibility.from_mapping({"leading_industries": {"食品加工": ["131"]}})


def test_one_enterprise_claimed_under_both_rules_in_one_year() -> None:
    uscc = "91450100MA5K00001E"
    cases = frame("supplier_introductions", [
        {"case_id": "C1", "zone_id": "A", "year": 2025, "introduced_uscc": uscc}])
    projects = fdi_rows(("A", "3311", False, uscc, 2025), ("A", "3311", False, uscc, 2024),
                        ("A", "3311", False, "91350100M000100Y43", 2025),
                        ("A", "3311", False, None, 2025))
    outcome = run_check("not_claimed_under_both",
                        CheckInputs({"supplier_introductions": cases, "fdi_projects": projects}),
                        "fdi_projects", "enterprise_uscc")
    assert outcome.verdict.to_list() == [False, True, True, None]
