"""The cross-dataset checks (transforms/quality.py): the USCC check character, the configured
plausibility bands, and the table that runs each kind of cross rule."""

from __future__ import annotations

import re
from datetime import date as d
from decimal import Decimal

import polars as pl
import pytest

from expectations.suites import WINDOWS_RESERVED_PATTERN, cross_rules
from flows.demo.data import build_tables
from flows.settings import load_plausibility
from tests.helpers import CITY, frame
from transforms.quality import (
    CROSS_CHECKS,
    CheckInputs,
    Plausibility,
    city_covers_zones,
    run_check,
    unique_ignoring_case,
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

# The critical value checks: ranges, case bands, a zone within its city, ratio bands, a zone's
# name in its code's place. Amounts below are in yuan / dollars, as ingest hands them over.

YI = Decimal(10) ** 8
WAN = Decimal(10) ** 4


def test_value_sections_of_the_config_are_checked() -> None:
    config = load_plausibility()
    # bounds are written in the header's unit and kept in the base unit
    supplier = config.ranges[("supplier_introductions", "actual_investment")]
    assert (supplier.low, supplier.high) == (None, 200000000 * WAN)
    band = config.case_bands[("supplier_introductions", "actual_investment")]
    assert (band.low, band.high, band.unit_factor) == (20 * WAN, 10000000 * WAN, WAN)
    assert config.case_bands[("researcher_rewards", "amount")].low == 100  # 元: factor 1
    assert config.ranges[("zone_stats", "enterprises")].high == 1000000
    gdp = config.ratio_bands[("zone_stats", "gdp")]
    assert (gdp.reference, gdp.city, gdp.low, gdp.high) == ("gdp", True, Decimal("0.00002"), None)
    with pytest.raises(ValueError) as err:
        Plausibility.from_mapping({
            "range": {"nowhere": {"gdp": {"max": "1"}},
                      "zone_stats": {"zone_name": {"max": "1"}, "gdp": {"min": "5", "max": "1"},
                                     "trade": {}}},
            "case_band": {"fdi_projects": {"fdi_received_usd": {"min": "-1"}}},
            "ratio_band": {"city_stats": {"gdp": {"of": "trade", "max": "1"}},
                           "zone_stats": {"tax_revenue": {"of": "city.tax_revenue", "max": "1"},
                                          "trade": {"of": "gdp", "min": "0"},
                                          "gdp": {"of": "trade", "max": "2"}}},
        })
    text = str(err.value)
    for problem in ("range.nowhere：没有这个数据集",
                    "range.zone_stats.zone_name：不是该数据集的数值字段",
                    "range.zone_stats.gdp：应给出 min 或 max，且 0 <= min < max",
                    "range.zone_stats.trade：应给出 min 或 max",
                    "case_band.fdi_projects.fdi_received_usd：应给出 min 或 max，且 0 <= min < max",
                    "ratio_band.city_stats：不支持该数据集",
                    "ratio_band.zone_stats.tax_revenue.of：“city.tax_revenue”应为本表另一数值字段",
                    "ratio_band.zone_stats.trade：应给出 min 或 max，且 0 < min < max",
                    "ratio_band.zone_stats.gdp：参照字段循环引用"):
        assert problem in text, problem


def plausibility(**sections: dict) -> Plausibility:
    return Plausibility.from_mapping(sections)


def test_a_case_amount_outside_its_range_or_band() -> None:
    """Band 20 .. 10,000,000 万元 and range up to 200,000,000 万元 (hand-set, as in the config)."""
    config = plausibility(
        range={"supplier_introductions": {"actual_investment": {"max": "200000000"}}},
        case_band={"supplier_introductions": {"actual_investment": {"min": "20",
                                                                    "max": "10000000"}}})
    amounts_wan = ["5000", "50000000", "1E20", "10000000", "10000000.01", "20", "19.99", "0",
                   "-5", None]
    cases = frame("supplier_introductions", [
        {"case_id": f"C{i}", "actual_investment": None if a is None else Decimal(a) * WAN}
        for i, a in enumerate(amounts_wan)])
    inputs = CheckInputs({"supplier_introductions": cases}, config)
    in_range = run_check("within_range", inputs, "supplier_introductions", "actual_investment")
    in_band = run_check("case_band", inputs, "supplier_introductions", "actual_investment")
    assert in_range is not None and in_band is not None
    # 1e20 万元 cannot be; a negative is the non-negative rule's finding, not the range's
    assert in_range.verdict.to_list() == [True, True, False, True, True, True, True, True,
                                          None, None]
    # 元 typed into the 万元 cell (50,000,000) is out of the band; both ends count as inside;
    # 1e20 is the range's finding only; 0 and negatives are the positive rule's
    assert in_band.verdict.to_list() == [True, False, None, True, False, True, False, None,
                                         None, None]


def two_zones_in_nanning() -> dict[str, pl.DataFrame]:
    zones = frame("zones", [{"zone_id": z, "zone_name": name, "level": "regional", "city": CITY,
                             "status": "active"} for z, name in (("A", "甲经开区"),
                                                                 ("B", "乙经开区"))])
    stats = frame("zone_stats", [
        # A: 1,200亿元 in a city of 1,000亿元: above its city (a 亿元 column filled wrong)
        {"zone_id": "A", "year": 2024, "gdp": 1200 * YI, "investment_actual": 5 * YI},
        # B: sound GDP; 招商引资 in 万元 under the 亿元 header: 300 x 10^4 亿元 vs GDP 100亿元
        {"zone_id": "B", "year": 2024, "gdp": 100 * YI, "investment_actual": 3000000 * YI},
        {"zone_id": "B", "year": 2025, "gdp": 120 * YI, "investment_actual": 36 * YI},
        # 2023: no city figure; B's GDP 0.01亿元 has nothing to be compared with
        {"zone_id": "B", "year": 2023, "gdp": YI / 100, "investment_actual": 1 * YI},
        {"zone_id": "B", "year": 2026, "gdp": 150 * YI, "investment_actual": 45 * YI},
    ])
    city = frame("city_stats", [{"city": CITY, "year": y, "gdp": v * YI}
                                for y, v in ((2024, 1000), (2025, 10000000))])
    return {"zones": zones, "zone_stats": stats, "city_stats": city}


def test_a_zone_above_its_city_is_reported_at_the_zone() -> None:
    frames = two_zones_in_nanning()
    inputs = CheckInputs(frames, plausibility())
    outcome = run_check("zone_within_city", inputs, "zone_stats", "gdp")
    assert outcome is not None
    assert outcome.verdict.to_list() == [False, True, True, None, None]
    assert outcome.compared.to_list() == [1000 * YI, 1000 * YI, 10000000 * YI, None, None]
    assert outcome.compared_label.to_list() == [CITY] * 5  # the zone's city, with a figure or not
    # the city's own row is not blamed as well: 1,000 < 1,300 but one zone alone is above it
    covers = city_covers_zones(frames, "gdp")
    assert covers is not None and covers.verdict.to_list() == [None, True]


def test_a_figure_out_of_line_with_the_zones_gdp_or_its_city() -> None:
    """investment_actual / gdp within 0.002 .. 10; gdp / the city's gdp at least 0.00002."""
    frames = two_zones_in_nanning()
    config = plausibility(ratio_band={"zone_stats": {
        "investment_actual": {"of": "gdp", "min": "0.002", "max": "10"},
        "gdp": {"of": "city.gdp", "min": "0.00002"}}})
    inputs = CheckInputs(frames, config)
    actual = run_check("ratio_band", inputs, "zone_stats", "investment_actual")
    assert actual is not None
    # A: its GDP is above the city, so GDP is the suspect, not this column (null);
    # B 2024: 3,000,000 / 100 = 30,000 > 10; B 2025: GDP out of line with its city (below), so
    # GDP is the suspect again; B 2023: 1 / 0.01 = 100 > 10; B 2026: 45 / 150 = 0.3
    assert actual.verdict.to_list() == [None, False, None, False, True]
    assert actual.compared.to_list() == [1200 * YI, 100 * YI, 120 * YI, YI / 100, 150 * YI]
    assert actual.compared_label.to_list() == ["地区生产总值"] * 5
    assert actual.compared_column == ("zone_stats", "gdp")
    gdp = run_check("ratio_band", inputs, "zone_stats", "gdp")
    assert gdp is not None
    # A: above its city (the other rule's finding); B 2024: 100 / 1,000 = 0.1;
    # B 2025: 120 / 10,000,000 = 0.000012 < 0.00002 (a 亿元 figure under a 万元 header, or
    # the city's the other way round); 2023 and 2026: no city figure
    assert gdp.verdict.to_list() == [None, True, False, None, None]
    assert gdp.compared_label.to_list() == ["南宁市地区生产总值"] * 5


def test_a_zone_name_where_its_code_belongs() -> None:
    zones = two_zones_in_nanning()["zones"]
    stats = frame("zone_stats", [{"zone_id": z, "year": 2024} for z in
                                 ("A", "甲经开区", " 乙 经开区", "ＡＢ", "丙经开区", None)])
    frames = {"zones": zones, "zone_stats": stats}
    named = run_check("zone_id_not_a_name", CheckInputs(frames), "zone_stats", "zone_id")
    assert named is not None
    # spaces and full-width forms do not hide a name; an unknown name is not a registered zone
    assert named.verdict.to_list() == [None, False, False, None, None, None]
    assert named.compared.to_list() == [None, "A", "B", None, None, None]
    registered = run_check("zone_registered", CheckInputs(frames), "zone_stats", "zone_id")
    assert registered is not None
    assert registered.verdict.to_list() == [True, None, None, False, False, None]


@pytest.mark.parametrize(("ids", "verdicts"), [
    # NN-01 and nn-01 name the same file on Windows: both rows are wrong
    (["NN-01", "nn-01", "LZ_01"], [False, False, True]),
    # an exact duplicate is the key rule's finding, not this one's
    (["NN-01", "NN-01"], [True, True]),
    # three spellings of one id: all three rows
    (["Gx-1", "GX-1", "gx-1", "GX-2"], [False, False, False, True]),
    # an empty id is the required rule's
    (["NN-01", None], [True, None]),
])
def test_zone_ids_that_differ_only_by_case(ids: list[str | None], verdicts: list) -> None:
    assert unique_ignoring_case(pl.DataFrame({"zone_id": ids}, schema={"zone_id": pl.String}),
                                "zone_id").to_list() == verdicts


@pytest.mark.parametrize(("zone_id", "reserved"), [
    ("CON", True), ("con", True), ("Nul", True), ("AUX", True), ("PRN", True),
    ("COM1", True), ("com9", True), ("LPT0", True), ("lpt3", True),
    # not device names: longer, prefixed, or COM with two digits
    ("CONS", False), ("NN-CON", False), ("COM10", False), ("NUL_1", False), ("GX-NN-01", False),
])
def test_windows_device_names_are_refused(zone_id: str, reserved: bool) -> None:
    assert bool(re.search(WINDOWS_RESERVED_PATTERN, zone_id)) is reserved
