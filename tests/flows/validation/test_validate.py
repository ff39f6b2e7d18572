"""The validation layer on tiny inline frames in ingest's shape.

Importing Great Expectations costs seconds, so validate() runs only a few times: once on clean
data, once on data with one planted problem per rule (each row below says which row and why),
once with datasets missing. Every planted problem is asserted by its exact
(severity, file, row, column, rule_id), and nothing else may be reported.
"""

from __future__ import annotations

import io
import shutil
import socket
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from flows.validation.console import exit_code, validation_pass, watch
from flows.validation.ge_runner import _raised
from flows.validation.validate import validate
from tests.helpers import BAD_INPUTS
from transforms.contract import (
    DATASETS,
    SOURCE_FILE,
    SOURCE_ROW,
    SOURCE_SHEET,
    empty_frame,
    polars_dtype,
)
from transforms.findings import Finding, Severity, summarise

YI = Decimal(10) ** 8
WAN = Decimal(10) ** 4

# Valid USCCs (check digits per GB 32100-2015; the first is a published example).
USCC_A = "91350100M000100Y43"
USCC_B = "91450100MA5K00001E"
USCC_C = "91450200MA5K00002N"
USCC_D = "91450100MA5K00003L"


def make_frame(dataset: str, rows: list[dict[str, Any]], sheet: str = "") -> pl.DataFrame:
    """A frame as ingest hands it over: every contract column typed per polars_dtype (absent
    keys are null), plus the source file, sheet and the row number a person sees (header = 1)."""
    ds = DATASETS[dataset]
    schema = {c.name: polars_dtype(c) for c in ds.columns}
    data = {name: [r.get(name) for r in rows] for name in schema}
    frame = pl.DataFrame(data, schema=schema)
    suffix = ".xlsx" if sheet else ".csv"
    return frame.with_columns(
        pl.lit(dataset + suffix).alias(SOURCE_FILE),
        pl.lit(sheet).alias(SOURCE_SHEET),
        pl.Series(SOURCE_ROW, range(2, len(rows) + 2), dtype=pl.Int64),
    )


def yi(x: str) -> Decimal:
    return Decimal(x) * YI


def wan(x: str) -> Decimal:
    return Decimal(x) * WAN


def clean_rows() -> dict[str, list[dict[str, Any]]]:
    """Two zones in Nanning, one in Liuzhou; 2019 (base) and 2024; everything consistent."""
    zones = [
        dict(
            zone_id="NN-01",
            zone_name="南宁经开区",
            level="national",
            city="南宁市",
            approved_date=date(2001, 5, 1),
            status="active",
        ),
        dict(
            zone_id="NN-02",
            zone_name="南宁高新区",
            level="regional",
            city="南宁市",
            approved_date=date(2012, 1, 1),
            status="active",
        ),
        dict(
            zone_id="LZ_01",
            zone_name="柳州经开区",
            level="national",
            city="柳州市",
            approved_date=date(2021, 3, 1),
            status="active",
        ),
    ]
    zone_stats = [
        dict(
            zone_id=z,
            year=y,
            gdp=yi("100.5"),
            fdi_usd=wan("800"),
            trade=yi("20"),
            enterprises=300,
            large_mfg_enterprises=5,
        )
        for z in ("NN-01", "NN-02", "LZ_01")
        for y in (2019, 2024)
    ]
    city_stats = [
        dict(city=c, year=y, gdp=yi("6000"), fdi_usd=wan("90000"), trade=yi("900"))
        for c in ("南宁市", "柳州市")
        for y in (2019, 2024)
    ]
    national_rankings = [
        dict(zone_id="NN-01", year=2024, rank=50, ranked_total=232),
        dict(zone_id="LZ_01", year=2024, rank=120, ranked_total=232),
    ]
    supplier_introductions = [
        dict(
            case_id="S-1",
            zone_id="NN-01",
            year=2024,
            introducer_name="甲公司",
            introducer_uscc=USCC_A,
            introduced_name="乙公司",
            introduced_uscc=USCC_B,
            actual_investment=wan("5000"),
            industry_class="encouraged",
        ),
    ]
    fdi_projects = [
        dict(
            project_id="F-1",
            year=2024,
            zone_id="NN-01",
            enterprise_name="丙公司",
            enterprise_uscc=USCC_C,
            project_type="new",
            industry_code="C3670",
            encouraged=True,
            leading_industry=False,
            quasi_finance=False,
            fdi_received_usd=wan("1200"),
            similar_reward_claimed=False,
        ),
    ]
    exchange_rates = [
        dict(year=2019, usd_cny=Decimal("6.8985")),
        dict(year=2024, usd_cny=Decimal("7.1217")),
    ]
    ambassador_referrals = [
        dict(
            referral_id="R-1",
            zone_id="NN-02",
            year=2024,
            ambassador_name="张三",
            project_name="新材料项目",
            actual_investment=wan("30000"),
        ),
    ]
    researcher_rewards = [
        dict(
            record_id="K-1",
            zone_id="NN-02",
            year=2024,
            institution_name="广西大学",
            institution_type="university",
            nonprofit=True,
            tax_rules_met=True,
            amount=Decimal("200000"),
        ),
    ]
    return {
        "zones": zones,
        "zone_stats": zone_stats,
        "city_stats": city_stats,
        "national_rankings": national_rankings,
        "supplier_introductions": supplier_introductions,
        "fdi_projects": fdi_projects,
        "exchange_rates": exchange_rates,
        "ambassador_referrals": ambassador_referrals,
        "researcher_rewards": researcher_rewards,
    }


def frames_from(rows: dict[str, list[dict[str, Any]]]) -> dict[str, pl.DataFrame]:
    return {name: make_frame(name, r) for name, r in rows.items()}


def broken_rows() -> dict[str, list[dict[str, Any]]]:
    """The clean data with planted problems; the comment on each names the file row (header = 1,
    so list index i is row i + 2) and the finding it must cause."""
    rows = clean_rows()
    zones = rows["zones"]
    zones[1]["city"] = None  # zones.csv row 3: required
    zones.append(dict(zone_id="NN-01", zone_name="南宁经开区", level="national", city="南宁市"))
    # ^ row 5: zone_id and zone_name duplicate row 2 (both rows 2 and 5 are reported)
    zones.append(
        dict(
            zone_id="桂林 01",
            zone_name="桂林园区",
            level="national",
            city="桂林市",
            approved_date=date(2010, 1, 1),
        )
    )
    # ^ row 6: zone_id format; national, approved 2010, no 2019 stats -> base-year warning
    zones.append(dict(zone_id="nul", zone_name="保留名园区", level="regional", city="南宁市"))
    # ^ row 7: a Windows device name (any case): reports/zones/nul.pdf cannot be opened there
    zones.append(dict(zone_id="lz_01", zone_name="大小写园区", level="regional", city="柳州市"))
    # ^ row 8: differs from row 4's LZ_01 only by case: both rows are reported

    stats = rows["zone_stats"]
    stats[0]["gdp"] = yi("-1")  # zone_stats.csv row 2: gdp negative
    stats[1]["large_mfg_enterprises"] = 301  # row 3: more large firms than firms (300)
    stats[2]["enterprises"] = -1  # row 4: negative count (large_mfg 5 > -1 as well)
    stats[3]["year"] = 1999  # row 5: year out of range
    stats.append(dict(stats[5]))  # row 8: duplicate key of row 7 (LZ_01, 2024)
    stats.append(
        dict(
            zone_id="XX-99",
            year=2024,
            gdp=yi("1"),
            fdi_usd=wan("1"),
            trade=yi("1"),
            enterprises=1,
            large_mfg_enterprises=0,
        )
    )  # row 9: zone not registered

    city = rows["city_stats"]
    city[1]["gdp"] = yi("50")  # city_stats.csv row 3: 南宁 2024 gdp 50 < NN-01's 100.5, so
    # zone_stats.csv row 3 (NN-01 2024) is above its city: reported at the zone's cell, where
    # such a mistake usually is, and not again at the city's (NN-02 has no city after the zones
    # row 3 problem, so it counts for no city)
    city[3]["trade"] = yi("-5")  # row 5: trade negative, and below its zone's 20

    ranks = rows["national_rankings"]
    ranks[1]["rank"] = 240  # national_rankings.csv row 3: rank > ranked_total 232
    ranks.append(dict(zone_id="NN-02", year=2024, rank=0, ranked_total=230))
    # ^ row 4: rank < 1; ranked_total 230 differs from the year's 232

    sup = rows["supplier_introductions"]
    sup.append(
        dict(
            case_id="S-2",
            zone_id="NN-02",
            year=2024,
            introducer_name="丁公司",
            introducer_uscc="91450100MA5K00001F",
            introduced_name="丁公司",
            introduced_uscc=USCC_D,
            actual_investment=Decimal(0),
            industry_class="permitted",
        )
    )
    # ^ row 3: introducer check digit wrong; actual_investment 0
    sup.append(
        dict(
            case_id="S-3",
            zone_id="NN-02",
            year=2024,
            introducer_name="戊公司",
            introducer_uscc=USCC_D,
            introduced_name="戊公司",
            introduced_uscc=USCC_D,
            actual_investment=wan("6000"),
            industry_class="permitted",
        )
    )
    # ^ row 4: introduced is the introducer

    fdi = rows["fdi_projects"]
    fdi.append(
        dict(
            project_id="F-2",
            year=2023,
            zone_id="NN-02",
            enterprise_name="己公司",
            enterprise_uscc="9145O1OOMA5K00003L",
            project_type="capital_increase",
            industry_code="C3670",
            encouraged=False,
            fdi_received_usd=Decimal("-3"),
        )
    )
    # ^ row 3: USCC with letter O; no 2023 exchange rate; fdi_received_usd not > 0

    rows["exchange_rates"][0]["usd_cny"] = Decimal("689.85")  # exchange_rates.csv row 2

    rows["ambassador_referrals"][0]["zone_id"] = "NN-03"  # ambassador_referrals.csv row 2
    rows["researcher_rewards"][0]["amount"] = None  # researcher_rewards.csv row 2: required
    return rows


C, W = Severity.CRITICAL, Severity.WARNING

# (severity, file, row, column, rule_id) of every finding broken_rows() must produce.
EXPECTED_BROKEN = [
    (C, "zones.csv", 3, "city", "zones.city_required"),
    (C, "zones.csv", 2, "zone_id", "zones.key_unique"),
    (C, "zones.csv", 5, "zone_id", "zones.key_unique"),
    (C, "zones.csv", 2, "zone_name", "zones.zone_name_unique"),
    (C, "zones.csv", 5, "zone_name", "zones.zone_name_unique"),
    (C, "zones.csv", 6, "zone_id", "zones.zone_id_format"),
    (W, "zones.csv", 6, "zone_id", "zones.base_year_stats_present"),
    (C, "zones.csv", 7, "zone_id", "zones.zone_id_not_reserved"),
    (C, "zones.csv", 4, "zone_id", "zones.zone_id_case_unique"),
    (C, "zones.csv", 8, "zone_id", "zones.zone_id_case_unique"),
    (C, "zone_stats.csv", 2, "gdp", "zone_stats.gdp_non_negative"),
    (
        C,
        "zone_stats.csv",
        3,
        "large_mfg_enterprises",
        "zone_stats.large_mfg_enterprises_within_enterprises",
    ),
    (C, "zone_stats.csv", 4, "enterprises", "zone_stats.enterprises_non_negative"),
    (
        C,
        "zone_stats.csv",
        4,
        "large_mfg_enterprises",
        "zone_stats.large_mfg_enterprises_within_enterprises",
    ),
    (C, "zone_stats.csv", 5, "year", "zone_stats.year_range"),
    (C, "zone_stats.csv", 7, "zone_id+year", "zone_stats.key_unique"),
    (C, "zone_stats.csv", 8, "zone_id+year", "zone_stats.key_unique"),
    (C, "zone_stats.csv", 9, "zone_id", "zone_stats.zone_id_registered"),
    (C, "zone_stats.csv", 3, "gdp", "zone_stats.gdp_within_city"),
    (C, "city_stats.csv", 5, "trade", "city_stats.trade_non_negative"),
    (C, "city_stats.csv", 5, "trade", "city_stats.trade_covers_zones"),
    (C, "national_rankings.csv", 3, "rank", "national_rankings.rank_within_total"),
    (C, "national_rankings.csv", 4, "rank", "national_rankings.rank_at_least_one"),
    (C, "national_rankings.csv", 4, "ranked_total", "national_rankings.ranked_total_consistent"),
    (
        C,
        "supplier_introductions.csv",
        3,
        "introducer_uscc",
        "supplier_introductions.introducer_uscc_check_digit",
    ),
    (
        C,
        "supplier_introductions.csv",
        3,
        "actual_investment",
        "supplier_introductions.actual_investment_positive",
    ),
    (
        C,
        "supplier_introductions.csv",
        4,
        "introduced_uscc",
        "supplier_introductions.introduced_differs_from_introducer",
    ),
    (C, "fdi_projects.csv", 3, "enterprise_uscc", "fdi_projects.enterprise_uscc_check_digit"),
    (C, "fdi_projects.csv", 3, "year", "fdi_projects.exchange_rate_available"),
    (C, "fdi_projects.csv", 3, "fdi_received_usd", "fdi_projects.fdi_received_usd_positive"),
    (C, "exchange_rates.csv", 2, "usd_cny", "exchange_rates.usd_cny_range"),
    (C, "ambassador_referrals.csv", 2, "zone_id", "ambassador_referrals.zone_id_registered"),
    (C, "researcher_rewards.csv", 2, "amount", "researcher_rewards.amount_required"),
]


def key(f: Finding) -> tuple:
    return (f.severity, f.file, f.row, f.column, f.rule_id)


@pytest.fixture(scope="module")
def clean_findings() -> list[Finding]:
    return validate(frames_from(clean_rows()))


@pytest.fixture(scope="module")
def broken_findings() -> list[Finding]:
    return validate(frames_from(broken_rows()))


def test_clean_data_has_no_findings(clean_findings: list[Finding]) -> None:
    assert clean_findings == []


@pytest.mark.parametrize("expected", EXPECTED_BROKEN, ids=lambda e: f"{e[4]}@{e[2]}")
def test_each_planted_problem_is_found(broken_findings: list[Finding], expected: tuple) -> None:
    assert expected in [key(f) for f in broken_findings]


def test_nothing_else_is_found(broken_findings: list[Finding]) -> None:
    assert sorted(map(key, broken_findings), key=str) == sorted(EXPECTED_BROKEN, key=str)


def test_findings_point_at_the_cell(broken_findings: list[Finding]) -> None:
    by_key = {key(f): f for f in broken_findings}
    gdp = by_key[(C, "zone_stats.csv", 2, "gdp", "zone_stats.gdp_non_negative")]
    # money is shown in the unit of the header data staff filled in (亿元), not in yuan
    assert (gdp.value, gdp.column_label, gdp.zone_id, gdp.sheet) == (
        "-1",
        "地区生产总值（亿元）",
        "NN-01",
        "",
    )
    assert gdp.message == "地区生产总值不能为负数。"
    assert "亿元" in gdp.hint

    above = by_key[(C, "zone_stats.csv", 3, "gdp", "zone_stats.gdp_within_city")]
    assert above.value == "100.5（南宁市：50）"
    assert above.message == "园区地区生产总值高于所在设区市的全市地区生产总值。"

    pair = by_key[
        (
            C,
            "zone_stats.csv",
            3,
            "large_mfg_enterprises",
            "zone_stats.large_mfg_enterprises_within_enterprises",
        )
    ]
    assert pair.value == "301（企业数量：300）"

    dup = by_key[(C, "zone_stats.csv", 8, "zone_id+year", "zone_stats.key_unique")]
    assert (dup.value, dup.column_label) == ("LZ_01+2024", "园区代码+年份")

    required = by_key[(C, "zones.csv", 3, "city", "zones.city_required")]
    assert (required.value, required.zone_id) == ("", "NN-02")

    assert (
        by_key[(C, "exchange_rates.csv", 2, "usd_cny", "exchange_rates.usd_cny_range")].value
        == "689.85"
    )
    for f in broken_findings:
        assert f.message and f.hint and f.column_label, f


def test_findings_are_in_fix_list_order(broken_findings: list[Finding]) -> None:
    assert broken_findings == sorted(broken_findings, key=Finding.sort_key)
    assert broken_findings[-1].severity is W


def test_missing_datasets_and_sheets() -> None:
    """Required datasets absent: one finding each; optional ones absent: nothing. A row from an
    Excel sheet keeps its sheet name. Runs with the network cut off: validation must not call
    out."""
    rows = clean_rows()
    frames = {
        "zones": make_frame("zones", rows["zones"]),
        "zone_stats": make_frame(
            "zone_stats",
            rows["zone_stats"][:5] + [dict(rows["zone_stats"][5], gdp=None)],
            sheet="2024年",
        ),
    }

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("validation tried to open a network connection")

    original = socket.socket.connect
    socket.socket.connect = no_network  # type: ignore[method-assign]
    try:
        findings = validate(frames)
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]

    missing = {f.dataset for f in findings if f.rule_id == "dataset.missing"}
    assert missing == {
        "city_stats",
        "national_rankings",
        "supplier_introductions",
        "fdi_projects",
        "exchange_rates",
    }
    for f in findings:
        if f.rule_id == "dataset.missing":
            assert (f.severity, f.file, f.row, f.column) == (C, f"{f.dataset}.csv/.xlsx", None, "")
    rest = [key(f) + (f.sheet,) for f in findings if f.rule_id != "dataset.missing"]
    assert rest == [(C, "zone_stats.xlsx", 7, "gdp", "zone_stats.gdp_required", "2024年")]


def test_empty_optional_frame_is_fine() -> None:
    frames = frames_from(clean_rows())
    frames["researcher_rewards"] = empty_frame("researcher_rewards")
    assert validate(frames) == []


def test_summarise(broken_findings: list[Finding]) -> None:
    summary = summarise(broken_findings)
    assert summary["total"] == len(EXPECTED_BROKEN)
    assert summary["by_severity"] == {"critical": len(EXPECTED_BROKEN) - 1, "warning": 1}
    assert summary["by_dataset"]["zones"] == {"critical": 9, "warning": 1}
    assert summary["blocking"] is True


def test_a_check_that_raised_is_detected() -> None:
    """GE reports an exception flat or keyed by metric id; either must surface, never pass."""
    assert _raised({"raised_exception": False, "exception_message": None}) is None
    assert _raised({"raised_exception": True, "exception_message": "boom"}) == "boom"
    keyed = {"MetricConfigurationID(...)": {"raised_exception": True, "exception_message": "x"}}
    assert _raised(keyed) == "x"


# ---------------------------------------------------------------------------------------------
# Plausibility warnings (config/validation.toml): a ~10^4 jump and a year-on-year band; a
# value the critical checks report gets their finding instead


def plausibility_rows() -> dict[str, list[dict[str, Any]]]:
    """The clean data plus consecutive years for NN-01 and NN-02; comments name the row."""
    rows = clean_rows()
    base = dict(rows["zone_stats"][0])  # NN-01 2019: gdp 100.5亿元
    rows["zone_stats"] += [
        dict(base, year=2020),  # zone_stats.csv row 8: same as 2019, fine
        dict(base, year=2021, gdp=yi("1005000")),
        # ^ row 9: 10^4 x 2020: a 万元 figure typed into the 亿元 column; 1,005,000亿元 is
        #   beyond any zone's GDP -> gdp_within_range (critical), not also gdp_unit_jump
        dict(base, year=2022),
        # ^ row 10: back to 100.5, 1/10^4 of 2021 -> gdp_unit_jump (the hint says the previous
        #   year may be the wrong one); not also gdp_yoy_band: one cell, one finding
        dict(base, year=2023),  # row 11: fine (2024, row 3, is not consecutive: no band)
        dict(base, zone_id="NN-02", year=2020, gdp=yi("50.25")),  # row 12: -50% exactly, fine
        dict(base, zone_id="NN-02", year=2021, gdp=yi("175.875")),
        # ^ row 13: 3.5 x 50.25 = +250% > +200% -> gdp_yoy_band
        dict(base, zone_id="LZ_01", year=2020, fdi_usd=wan("8")),
        # ^ row 14: fdi 800 -> 8 万美元 is -99% (band -90%) -> fdi_usd_yoy_band
        dict(base, zone_id="LZ_01", year=2021, gdp=yi("1"), fdi_usd=wan("8")),
        # ^ row 15: gdp 100.5 -> 1 is -99% -> gdp_yoy_band
        dict(base, zone_id="LZ_01", year=2022, gdp=yi("10000"), fdi_usd=wan("8")),
        # ^ row 16: 10^4 x 2021, yet within GDP's range and no city figure that year to compare
        #   with: only the jump shows -> gdp_unit_jump (a warning)
    ]
    return rows


EXPECTED_PLAUSIBILITY = [
    (C, "zone_stats.csv", 9, "gdp", "zone_stats.gdp_within_range"),
    (W, "zone_stats.csv", 10, "gdp", "zone_stats.gdp_unit_jump"),
    (W, "zone_stats.csv", 13, "gdp", "zone_stats.gdp_yoy_band"),
    (W, "zone_stats.csv", 14, "fdi_usd", "zone_stats.fdi_usd_yoy_band"),
    (W, "zone_stats.csv", 15, "gdp", "zone_stats.gdp_yoy_band"),
    (W, "zone_stats.csv", 16, "gdp", "zone_stats.gdp_unit_jump"),
]


def test_plausibility_warnings() -> None:
    findings = validate(frames_from(plausibility_rows()))
    assert sorted(map(key, findings), key=str) == sorted(EXPECTED_PLAUSIBILITY, key=str)
    by_row = {f.row: f for f in findings}
    assert by_row[9].value == "1005000"
    assert by_row[9].message == "地区生产总值超出该项可能的数值范围（不大于 20,000 亿元），不可能是真实数据。"
    assert by_row[10].value == "100.5（2021年：1005000）"
    jump = by_row[16]
    assert jump.value == "10000（2021年：1）"
    assert jump.column_label == "地区生产总值（亿元）"
    assert "万元" in jump.hint and "除以10000" in jump.hint
    assert by_row[13].message == "地区生产总值比上年变化超出合理范围（-50%～+200%）。"
    assert by_row[13].value == "175.875（2020年：50.25）"
    assert by_row[14].value == "8（2019年：800）"
    assert by_row[14].zone_id == "LZ_01"


# ---------------------------------------------------------------------------------------------
# Values that cannot be right (critical, config/validation.toml and the contract): each stops the
# run at its cell


def value_problem_rows() -> dict[str, list[dict[str, Any]]]:
    """The clean data with one value problem a row; comments name the file row (header = 1)."""
    rows = clean_rows()
    stats = rows["zone_stats"]
    # rows 2 and 3 (NN-01 2019, 2024): the whole 招商引资实际到位资金 column in 万元 under the
    # 亿元 header: no year-on-year jump, but 3.5 and 4 亿元 became 35,000 and 40,000 (within the
    # field's range), some 400 times the zone's GDP of 100.5 (band 0.002 .. 10) -> ratio_to_gdp
    # on each; read as typed, the target of 5 亿元 missed (an interview) would count as met
    stats[0].update(investment_target=yi("5"), investment_actual=yi("35000"))
    stats[1].update(investment_target=yi("5"), investment_actual=yi("40000"))
    stats[2]["enterprises"] = 10**12  # row 4: no zone has 10^12 enterprises -> within_range
    stats[3]["high_tech_enterprises"] = -3  # row 5: a negative count -> non_negative
    stats[5]["fdi_usd"] = wan("800000")
    # ^ row 7 (LZ_01 2024): 800,000 万美元 in a city of 90,000 -> within_city (and not also the
    #   city's covers_zones, nor the +99,900% year-on-year warning: one cell, one finding)
    stats.append(dict(stats[2], zone_id="南宁高新区", year=2023, enterprises=300))
    # ^ row 8: the zone's name where its code belongs -> zone_id_not_a_name, naming NN-02

    sup = rows["supplier_introductions"]
    sup.append(dict(sup[0], case_id="S-2", introduced_uscc=USCC_C, industry_code="K",
                    actual_investment=wan("50000000")))
    # ^ row 3: a 5,000万元 case typed in 元 into the 万元 cell -> case_band; industry code "K"
    #   -> a warning (a supplier case's code decides no reward); it introduces the enterprise of
    #   FDI project F-1 (USCC_C) the same year -> fdi_projects row 2 not_claimed_under_both
    sup.append(dict(sup[0], case_id="S-3", introduced_uscc=USCC_D,
                    actual_investment=Decimal("1E20") * WAN))
    # ^ row 4: 1e20 万元 = 1e24 元, beyond what any money cell holds: ingest's number_too_large
    #   in a real file; handed over typed, as here, within_range (not also case_band)

    fdi = rows["fdi_projects"]
    fdi[0]["industry_code"] = "K"  # row 2: a section letter alone -> industry_code_division
    fdi.append(dict(fdi[0], project_id="F-2", industry_code="3670", enterprise_uscc=None,
                    fdi_received_usd=wan("1500000")))
    # ^ row 3: 150万美元 typed in 美元 into the 万美元 cell: 150亿美元 is within the field's
    #   range (200亿美元) but not a case's band (100亿美元) -> case_band

    rows["ambassador_referrals"][0]["zone_id"] = "南宁经开区"  # row 2: NN-01's name
    rewards = rows["researcher_rewards"]
    rewards[0]["amount"] = Decimal("-33333.33")  # row 2: a negative cash reward -> non_negative
    rewards.append(dict(rewards[0], record_id="K-2", amount=Decimal("20")))
    # ^ row 3: 20万元 typed in 万元 into the 元 column -> case_band
    return rows


EXPECTED_VALUE_PROBLEMS = [
    (C, "zone_stats.csv", 2, "investment_actual", "zone_stats.investment_actual_ratio_to_gdp"),
    (C, "zone_stats.csv", 3, "investment_actual", "zone_stats.investment_actual_ratio_to_gdp"),
    (C, "zone_stats.csv", 4, "enterprises", "zone_stats.enterprises_within_range"),
    (C, "zone_stats.csv", 5, "high_tech_enterprises",
     "zone_stats.high_tech_enterprises_non_negative"),
    (C, "zone_stats.csv", 7, "fdi_usd", "zone_stats.fdi_usd_within_city"),
    (C, "zone_stats.csv", 8, "zone_id", "zone_stats.zone_id_not_a_name"),
    (C, "supplier_introductions.csv", 3, "actual_investment",
     "supplier_introductions.actual_investment_case_band"),
    (W, "supplier_introductions.csv", 3, "industry_code",
     "supplier_introductions.industry_code_division"),
    (C, "supplier_introductions.csv", 4, "actual_investment",
     "supplier_introductions.actual_investment_within_range"),
    (C, "fdi_projects.csv", 2, "industry_code", "fdi_projects.industry_code_division"),
    (W, "fdi_projects.csv", 2, "enterprise_uscc", "fdi_projects.not_claimed_under_both"),
    (C, "fdi_projects.csv", 3, "fdi_received_usd", "fdi_projects.fdi_received_usd_case_band"),
    (C, "ambassador_referrals.csv", 2, "zone_id", "ambassador_referrals.zone_id_not_a_name"),
    (C, "researcher_rewards.csv", 2, "amount", "researcher_rewards.amount_non_negative"),
    (C, "researcher_rewards.csv", 3, "amount", "researcher_rewards.amount_case_band"),
]


def test_values_that_cannot_be_right_are_critical_at_their_cell() -> None:
    findings = validate(frames_from(value_problem_rows()))
    assert sorted(map(key, findings), key=str) == sorted(EXPECTED_VALUE_PROBLEMS, key=str)
    at = {(f.file, f.row, f.column): f for f in findings}
    ratio = at[("zone_stats.csv", 3, "investment_actual")]
    assert ratio.value == "40000（地区生产总值：100.5）"
    assert ratio.column_label == "招商引资实际到位资金（亿元）"
    assert "按万元填报，请除以10000" in ratio.hint
    assert at[("zone_stats.csv", 4, "enterprises")].value == "1000000000000"
    city = at[("zone_stats.csv", 7, "fdi_usd")]
    assert (city.value, city.zone_id) == ("800000（柳州市：90000）", "LZ_01")
    named = at[("zone_stats.csv", 8, "zone_id")]
    assert named.value == "南宁高新区（园区名录中的园区代码：NN-02）"
    assert named.message == "园区代码一栏填写的是园区名称，不是园区代码。"
    assert at[("ambassador_referrals.csv", 2, "zone_id")].value == (
        "南宁经开区（园区名录中的园区代码：NN-01）")
    band = at[("supplier_introductions.csv", 3, "actual_investment")]
    assert band.value == "50000000"  # in the header's unit, as typed
    assert band.message.startswith("实际投资额超出单个案例的合理范围（20～10,000,000 万元）")
    assert at[("supplier_introductions.csv", 4, "actual_investment")].value == (
        "100000000000000000000")
    code = at[("fdi_projects.csv", 2, "industry_code")]
    assert (code.value, code.column_label) == ("K", "国民经济行业代码")
    assert "GB/T 4754-2017" in code.message and "金融业、房地产业" in code.hint
    assert at[("researcher_rewards.csv", 2, "amount")].value == "-33333.33"
    assert at[("researcher_rewards.csv", 3, "amount")].message.startswith(
        "现金奖励金额超出单个案例的合理范围（100～100,000,000 元）")


# ---------------------------------------------------------------------------------------------
# The console: one pass prints ingest's findings before the expectations run; --watch


def test_validation_pass_prints_ingest_findings_first(tmp_path: Path) -> None:
    corpus = BAD_INPUTS / "total_row"
    out = io.StringIO()
    findings = validation_pass(corpus, tmp_path / "v", out)
    text = out.getvalue()
    assert exit_code(findings) == 2  # the other required datasets are missing
    assert text.index("读取阶段的问题：") < text.index("校验完成")
    assert "[警告] zone_stats.csv 第 4 行（值：合计）：第 4 行是汇总行（合计），未作为数据读取。" in text
    assert sorted(p.name for p in (tmp_path / "v").iterdir()) == [
        "annotated", "data_docs", "fix_list.csv", "fix_list.html", "fix_list.xlsx",
        "summary.json"]
    # the file with findings, annotated (flows/validation/annotated.py)
    assert [p.name for p in (tmp_path / "v" / "annotated").iterdir()] == ["zone_stats_批注.xlsx"]


def test_watch_revalidates_when_a_file_changes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(BAD_INPUTS / "total_row", data)

    class Lines(list):
        def write(self, text: str) -> None:
            self.append(text)

        def flush(self) -> None:
            pass

    out = Lines()
    codes: list[int] = []
    thread = threading.Thread(
        target=lambda: codes.append(watch(data, tmp_path / "v", max_passes=2, interval=0.1,
                                          out=out)))
    thread.start()
    deadline = time.monotonic() + 120
    while not any("正在监视" in line for line in out) and time.monotonic() < deadline:
        time.sleep(0.05)
    # staff delete the 合计 row and, in the same save, type text into a number
    path = data / "zone_stats.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:2] + [lines[2].replace(",79.5,", ",七十九,")]) + "\n",
                    encoding="utf-8")
    thread.join(timeout=120)
    assert not thread.is_alive()
    text = "".join(out)
    assert "与上一次相比：已解决 1 条，新增 1 条，仍未解决 6 条" in text  # 6 missing datasets
    assert "已解决：\n  [警告] zone_stats.csv 第 4 行" in text
    assert "新增：\n  [严重] zone_stats.csv 第 3 行 “地区生产总值（亿元）”（值：七十九）" in text
    assert codes == [2]
