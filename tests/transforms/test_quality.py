"""The cross-dataset checks (transforms/quality.py): the USCC check character, the configured
plausibility bands, and the table that runs each kind of cross rule."""

from __future__ import annotations

import re
from decimal import Decimal

import polars as pl
import pytest

from expectations.suites import WINDOWS_RESERVED_PATTERN, cross_rules
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
