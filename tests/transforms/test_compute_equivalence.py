"""The fast compute step gives exactly the frames of the per-case code it replaced.

The reference is tests/oracles/compute_reference.py.

transforms/rewards.py words only the assessed year's supplier cases and finds the earlier grants
in Polars; transforms/scores.py scores with integers over common denominators and shares each
year's scoring through a ScoringCache. Both must reproduce the reference to the last digit, row
and character, on a seeded data set built to hit the awkward cases: boundaries, repeats of an
introduced enterprise within and across years, missing values, zero denominators, ties, the
ledger, later years, unknown vocabulary.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import polars as pl
import pytest

import tests.oracles.compute_reference as ref
from flows.settings import load_methodology, load_policy
from tests.helpers import frame
from transforms import formatting, money, rewards, scores
from transforms.methodology import MethodologyConfig
from transforms.rewards import LEDGER_COLUMNS

# The reference predates the rewards' effective years (cases of a year before one are listed
# unpaid and do not use up a one-time reward) and the undecided ranking rows: both are tested in
# test_rewards.py. Here every rule is in force from 2000, so the seeded years 2018-2026 compare
# what the fast code and the reference both do.
_LOADED = load_policy()
POLICY = dataclasses.replace(_LOADED, rewards=dataclasses.replace(
    _LOADED.rewards, effective_year=2000,
    effective_years=dict.fromkeys(_LOADED.rewards.effective_years, 2000)))
SEED = 20251231
CITIES = ["南宁市", "桂林市", "钦州市", "柳州市"]  # 柳州市 has no city figures: shares missing
YEARS = range(2021, 2026)


def assert_same(new: pl.DataFrame, old: pl.DataFrame) -> None:
    assert new.schema == old.schema
    assert new.height == old.height
    for index, (a, b) in enumerate(zip(new.rows(), old.rows(), strict=True)):
        assert a == b, (index, a, b)
    assert new.equals(old)


def money_value(rng: random.Random, top: int = 10**12) -> D:
    return D(rng.randint(0, top)).scaleb(-2)


# ---------------------------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------------------------


def scoring_inputs() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    rng = random.Random(SEED)
    zone_rows, stat_rows, rank_rows = [], [], []
    for k in range(60):
        zone_id = f"Z{k:03d}"
        level = "national" if k % 5 == 0 else "regional"
        # Some zones are approved (and so assessed) only from 2024 or 2025 on, some have exited.
        approved = dt.date(rng.choice([2001, 2010, 2018, 2024, 2025]), 6, 1)
        status = "exited" if k % 23 == 7 else rng.choice(["active", None])
        zone_rows.append({"zone_id": zone_id, "zone_name": zone_id, "level": level,
                          "city": CITIES[k % len(CITIES)], "approved_date": approved,
                          "status": status})
        for year in YEARS:
            if rng.random() < 0.04:
                continue  # no row at all for that year
            values = {
                "gdp": money_value(rng), "fdi_usd": money_value(rng, 10**11),
                "trade": money_value(rng, 10**14), "enterprises": rng.randint(0, 5000),
                "large_mfg_enterprises": rng.randint(0, 300),
                "tax_revenue": money_value(rng), "fixed_asset_investment": money_value(rng),
                "industrial_output": money_value(rng), "rd_expenditure": money_value(rng, 10**10),
                "high_tech_enterprises": rng.randint(0, 400),
                "energy_per_gdp": round(rng.uniform(0.1, 2.0), 4),
                "developed_area": round(rng.uniform(1, 300), 2),
                "investment_target": money_value(rng), "investment_actual": money_value(rng),
            }
            for column in list(values):
                roll = rng.random()
                if roll < 0.04:
                    values[column] = None
                elif roll < 0.06:
                    values[column] = 0 if isinstance(values[column], int) else (
                        0.0 if isinstance(values[column], float) else D("0.00"))
            stat_rows.append({"zone_id": zone_id, "year": year, **values})
        if level == "national":
            for year in YEARS:
                if rng.random() < 0.8:
                    rank_rows.append({"zone_id": zone_id, "year": year,
                                      "rank": rng.randint(1, 230), "ranked_total": 230})
    # Twins: zones whose figures equal another zone's every year tie on every score, so ranks,
    # last place and the rounding of contributions meet exact ties.
    by_zone: dict[str, list[dict]] = {}
    for row in stat_rows:
        by_zone.setdefault(row["zone_id"], []).append(row)
    for twin, original in (("Z011", "Z012"), ("Z013", "Z014"), ("Z016", "Z017"), ("Z018", "Z019")):
        stat_rows = [r for r in stat_rows if r["zone_id"] != twin]
        stat_rows += [{**r, "zone_id": twin} for r in by_zone[original]]
        zone_rows[int(twin[1:])]["city"] = zone_rows[int(original[1:])]["city"]
        zone_rows[int(twin[1:])]["approved_date"] = dt.date(2001, 1, 1)
        zone_rows[int(original[1:])]["approved_date"] = dt.date(2001, 1, 1)
    city_rows = []
    for city in CITIES[:3]:
        for year in YEARS:
            city_rows.append({"city": city, "year": year,
                              "gdp": D(0) if (city, year) == ("钦州市", 2024) else
                              money_value(rng, 10**14),
                              "fdi_usd": money_value(rng, 10**13),
                              "trade": money_value(rng, 10**15)})
    return (frame("zones", zone_rows), frame("zone_stats", stat_rows),
            frame("city_stats", city_rows), frame("national_rankings", rank_rows))


ODD_WEIGHTS = MethodologyConfig.from_mapping({
    "meta": {"version": "t", "title": "t"},
    "scoring": {"normaliser": "efficacy"},
    "categories": [
        {"id": "a", "label": "甲", "weight": "0.37", "indicators": [
            {"id": "gdp_yoy", "label": "增长", "derivation": "yoy", "column": "gdp",
             "direction": "higher", "unit": "增长率"},
            {"id": "trade_share", "label": "比重", "derivation": "city_share", "column": "trade",
             "direction": "higher", "unit": "比重"},
            {"id": "energy", "label": "能耗", "derivation": "column", "column": "energy_per_gdp",
             "direction": "lower", "unit": "吨标准煤/万元"}]},
        {"id": "b", "label": "乙", "weight": "0.33", "indicators": [
            {"id": "rd", "label": "研发强度", "derivation": "ratio", "numerator": "rd_expenditure",
             "denominator": "gdp", "direction": "higher", "unit": "比重"},
            {"id": "area", "label": "面积", "derivation": "column", "column": "developed_area",
             "direction": "lower", "unit": "平方公里"}]},
        {"id": "c", "label": "丙", "weight": "0.3", "indicators": [
            {"id": "firms", "label": "企业", "derivation": "column", "column": "enterprises",
             "direction": "higher", "unit": "户"},
            {"id": "per_firm", "label": "户均税收", "derivation": "ratio",
             "numerator": "tax_revenue", "denominator": "enterprises", "direction": "higher",
             "unit": "元"},
            {"id": "fdi_yoy", "label": "外资增长", "derivation": "yoy", "column": "fdi_usd",
             "direction": "lower", "unit": "增长率"}]},
    ],
})


def methodologies() -> dict[str, MethodologyConfig]:
    bundled = load_methodology()
    return {"bundled": bundled, "minmax": dataclasses.replace(bundled, normaliser="minmax"),
            "odd_weights": ODD_WEIGHTS}


@pytest.fixture(scope="module")
def scoring() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    return scoring_inputs()


def test_inputs_reach_the_awkward_cases(scoring) -> None:
    zones, zone_stats, city_stats, rankings = scoring
    composite = ref.composite_scores(zones, zone_stats, city_stats, rankings, load_methodology(),
                                     2025)
    regional = composite.filter(pl.col("level") == "regional")
    assert regional["score"].n_unique() < regional.height  # ties
    assert regional["regional_rank"].n_unique() < regional.height
    assert (composite["missing_indicators"] != "").sum() > 10
    assert composite.height < zones.height  # not every zone is assessed in 2025
    assert ref.composite_scores(zones, zone_stats, city_stats, rankings, load_methodology(),
                                2023).height < composite.height


@pytest.mark.parametrize("method", ["bundled", "minmax", "odd_weights"])
def test_scores_match_the_reference(scoring, method: str) -> None:
    methodology = methodologies()[method]
    args = (*scoring, methodology)
    zones, zone_stats, city_stats, _ = scoring
    cache = scores.ScoringCache()
    for year in (2023, 2024, 2025):
        for function in (scores.composite_scores, scores.score_explanation,
                         scores.rank_robustness):
            expected = getattr(ref, function.__name__)(*args, year)
            for shared in (None, cache):
                assert_same(function(*args, year, cache=shared), expected)
        assert_same(scores.indicator_values(zones, zone_stats, city_stats, methodology, year),
                    ref.indicator_values(zones, zone_stats, city_stats, methodology, year))
    for perturbation in (D("0.01"), D("0.5"), D("1")):
        assert_same(scores.rank_robustness(*args, 2025, perturbation, cache=cache),
                    ref.rank_robustness(*args, 2025, perturbation))
    expected = ref.regional_last_history(*args, [2025, 2023, 2024])
    for shared in (None, cache):
        assert_same(scores.regional_last_history(*args, [2025, 2023, 2024], cache=shared),
                    expected)
    assert_same(scores.regional_last_history(*args, []), ref.regional_last_history(*args, []))


def test_cache_is_keyed_on_the_inputs(scoring) -> None:
    zones, zone_stats, city_stats, rankings = scoring
    methodology = load_methodology()
    cache = scores.ScoringCache()
    first = scores.composite_scores(zones, zone_stats, city_stats, rankings, methodology, 2025,
                                    cache=cache)
    # Other figures (a new frame), another method or another year: scored afresh.
    doubled = zone_stats.with_columns(pl.col("gdp") * 2)
    for args in ((zones, doubled, city_stats, rankings, methodology, 2025),
                 (zones, zone_stats, city_stats, rankings, ODD_WEIGHTS, 2025),
                 (zones, zone_stats, city_stats, rankings, methodology, 2024)):
        assert_same(scores.composite_scores(*args, cache=cache), ref.composite_scores(*args))
    assert_same(scores.composite_scores(zones, zone_stats, city_stats, rankings, methodology,
                                        2025, cache=cache), first)


def test_exact_halves_round_up() -> None:
    # gdp 0, 1 and 80,000,000 over one indicator: the middle zone scores 60 + 40 / 8e7 =
    # 60.0000005 exactly, shown as 60.000001 (half up); its contribution likewise.
    method = MethodologyConfig.from_mapping({
        "meta": {"version": "t", "title": "t"},
        "categories": [{"id": "only", "label": "唯一", "weight": "1", "indicators": [
            {"id": "gdp", "label": "地区生产总值", "derivation": "column", "column": "gdp",
             "direction": "higher", "unit": "元"}]}],
    })
    zones = frame("zones", [{"zone_id": z, "zone_name": z, "level": "regional", "city": CITIES[0],
                             "approved_date": dt.date(2001, 1, 1), "status": "active"}
                            for z in "ABC"])
    zone_stats = frame("zone_stats", [{"zone_id": z, "year": 2025, "gdp": D(g)}
                                      for z, g in (("A", "0"), ("B", "1"), ("C", "80000000"))])
    args = (zones, zone_stats, frame("city_stats", []), frame("national_rankings", []), method,
            2025)
    explained = scores.score_explanation(*args)
    assert explained["indicator_score"].to_list() == [D(60), D("60.000001"), D(100)]
    assert explained["contribution"].to_list() == [D(60), D("60.000001"), D(100)]
    assert_same(explained, ref.score_explanation(*args))
    assert_same(scores.composite_scores(*args), ref.composite_scores(*args))


def test_scores_of_an_empty_year(scoring) -> None:
    zones, zone_stats, city_stats, rankings = scoring
    args = (zones, zone_stats, city_stats, rankings, load_methodology(), 1990)
    assert_same(scores.composite_scores(*args), ref.composite_scores(*args))
    assert_same(scores.score_explanation(*args), ref.score_explanation(*args))
    assert_same(scores.rank_robustness(*args), ref.rank_robustness(*args))


# ---------------------------------------------------------------------------------------------
# Rewards
# ---------------------------------------------------------------------------------------------

RULE = POLICY.rewards.supplier_introduction
FDI = POLICY.rewards.fdi_project
INVESTMENTS = [RULE.min_investment - D("0.01"), RULE.min_investment,
               RULE.min_investment + D("0.01"), RULE.cap / RULE.rate,
               RULE.cap / RULE.rate - D("0.01"), RULE.cap / RULE.rate + D("0.01"),
               D("77777776.50"), D("77777774.50"), D("0.00")]


def supplier_cases(rng: random.Random, usccs: list[str | None]) -> pl.DataFrame:
    rows = []
    for k in range(3000):
        roll = rng.random()
        investment = (None if roll < 0.02 else rng.choice(INVESTMENTS) if roll < 0.3
                      else money_value(rng, 5 * 10**11))
        rows.append({
            "case_id": f"C{rng.randint(0, 10**6):06d}-{k}", "zone_id": f"Z{rng.randint(0, 95):03d}",
            "year": rng.randint(2018, 2026),
            "introducer_name": None if rng.random() < 0.05 else f"原有企业{k}",
            "introducer_uscc": "91450100MA00000099",
            "introduced_name": None if rng.random() < 0.05 else f"被引进企业{k}",
            "introduced_uscc": rng.choice(usccs), "actual_investment": investment,
            "industry_class": rng.choice(["encouraged", "permitted", "restricted", "prohibited",
                                          None]),
        })
    return frame("supplier_introductions", rows)


def ledger_rows(rng: random.Random, usccs: list[str | None]) -> pl.DataFrame:
    rows = []
    for k in range(200):
        supplier = rng.random() < 0.8
        rows.append({
            "year": rng.randint(2016, 2026), "zone_id": f"Z{rng.randint(0, 95):03d}",
            "rule": "supplier_introduction" if supplier else "fdi_project",
            "subject_id": f"L{k}",
            "introduced_uscc": (rng.choice(usccs + [f"9145LEDGERONLY{k:04d}"]) if supplier
                                else None),
            "case_id": rng.choice([f"L{k}", f"L{k % 7}"]) if supplier else None,
            "reward_cny": money_value(rng, 10**9),
        })
    return pl.DataFrame(rows, schema=LEDGER_COLUMNS, orient="row")


def fdi_projects(rng: random.Random) -> pl.DataFrame:
    near = [t + d for t in FDI.min_fdi_usd.values() for d in (D("-0.01"), D(0), D("0.01"))]
    rows = []
    for k in range(1500):
        roll = rng.random()
        received = (None if roll < 0.03 else rng.choice(near) if roll < 0.4
                    else money_value(rng, 5 * 10**10))
        rows.append({
            "project_id": f"P{rng.randint(0, 10**6):06d}-{k}", "year": rng.randint(2019, 2026),
            "zone_id": f"Z{rng.randint(0, 95):03d}",
            "enterprise_name": None if rng.random() < 0.05 else f"外资企业{k}",
            "enterprise_uscc": None,
            "project_type": rng.choice([*FDI.min_fdi_usd, None, "joint_venture"]),
            "industry_code": rng.choice(["3311", "6621", "J6621", "7010", "70", "C3311", "1", "",
                                         None, "6901", "K7010"]),
            "encouraged": rng.choice([True, False, None]),
            "leading_industry": rng.choice([True, False, False, None]),
            "quasi_finance": rng.random() < 0.1, "fdi_received_usd": received,
            "similar_reward_claimed": rng.choice([False, False, False, True, None]),
        })
    return frame("fdi_projects", rows)


@pytest.fixture(scope="module")
def reward_inputs(scoring) -> dict[str, pl.DataFrame]:
    rng = random.Random(SEED + 1)
    usccs: list[str | None] = [f"91450100MA{k:08d}" for k in range(900)] + [None] * 20
    zones, _, _, rankings = scoring
    referrals = frame("ambassador_referrals", [
        {"referral_id": f"A{k:03d}", "zone_id": f"Z{rng.randint(0, 95):03d}",
         "year": rng.randint(2023, 2025), "ambassador_name": f"大使{k}",
         "project_name": None if k % 9 == 0 else f"项目{k}",
         "actual_investment": None if k % 11 == 0 else money_value(rng, 10**11)}
        for k in range(80)])
    return {
        "zones": zones, "national_rankings": rankings, "ambassador_referrals": referrals,
        "supplier_introductions": supplier_cases(rng, usccs),
        "fdi_projects": fdi_projects(rng),
        "exchange_rates": frame("exchange_rates", [
            {"year": y, "usd_cny": D(rng.randint(6000000, 7400000)).scaleb(-6)}
            for y in range(2019, 2025)]),  # no 2025 rate: those projects cannot be converted
        "ledger": ledger_rows(rng, usccs),
    }


def test_reward_inputs_reach_the_awkward_cases(reward_inputs) -> None:
    cases, ledger = reward_inputs["supplier_introductions"], reward_inputs["ledger"]
    old = ref.supplier_introduction_rewards(cases, reward_inputs["zones"], POLICY, 2025, ledger)
    words = old["explanation"].to_list()
    assert sum("已于" in w and "获得奖励" in w for w in words) > 20  # repeats blocked
    assert any("未达到 5000 万元" in w for w in words)
    assert any("超过 3,000 万元上限" in w for w in words)
    assert any("四舍五入到分" in w for w in words)
    assert old.filter(pl.col("eligible")).height > 20
    in_ledger = set(ledger.filter(pl.col("year") < 2025)["introduced_uscc"].drop_nulls())
    this_year = cases.filter(pl.col("year") == 2025)
    assert this_year.filter(pl.col("introduced_uscc").is_in(list(in_ledger))).height > 5
    # Enterprises introduced twice in one year, and again in later years.
    counts = this_year.group_by("introduced_uscc").len()
    assert counts.filter(pl.col("len") > 1).height > 5


@pytest.mark.parametrize("year", [2018, 2021, 2025, 2026])
@pytest.mark.parametrize("with_ledger", [False, True])
def test_supplier_rewards_match_the_reference(reward_inputs, year: int, with_ledger: bool) -> None:
    cases, zones = reward_inputs["supplier_introductions"], reward_inputs["zones"]
    ledger = reward_inputs["ledger"] if with_ledger else None
    assert_same(rewards.supplier_introduction_rewards(cases, zones, POLICY, year, ledger),
                ref.supplier_introduction_rewards(cases, zones, POLICY, year, ledger))


def test_supplier_rewards_edge_inputs(reward_inputs) -> None:
    zones, ledger = reward_inputs["zones"], reward_inputs["ledger"]
    empty_cases = frame("supplier_introductions", [])
    empty_ledger = pl.DataFrame(schema=LEDGER_COLUMNS)
    cases = reward_inputs["supplier_introductions"]
    no_exclusions = dataclasses.replace(POLICY, rewards=dataclasses.replace(
        POLICY.rewards, supplier_introduction=dataclasses.replace(
            RULE, excluded_industry_classes=())))
    for args in ((empty_cases, zones, POLICY, 2025, ledger),
                 (cases, zones, POLICY, 2025, empty_ledger),
                 (cases.filter(pl.col("year") < 2025), zones, POLICY, 2025, ledger),
                 (cases, zones, no_exclusions, 2025, ledger)):
        assert_same(rewards.supplier_introduction_rewards(*args),
                    ref.supplier_introduction_rewards(*args))


@pytest.mark.parametrize("year", [2019, 2024, 2025])
def test_fdi_rewards_match_the_reference(reward_inputs, year: int) -> None:
    args = (reward_inputs["fdi_projects"], reward_inputs["exchange_rates"],
            reward_inputs["zones"], POLICY, year)
    assert_same(rewards.fdi_project_rewards(*args), ref.fdi_project_rewards(*args))


@pytest.mark.parametrize("year", [2019, 2024, 2025])
def test_all_rewards_match_the_reference(reward_inputs, year: int) -> None:
    frames = {k: v for k, v in reward_inputs.items() if k != "ledger"}
    # The reference left out a ranking rule it could not decide; these list it, undecided.
    undecided = (pl.col("rule").is_in(list(rewards.SECTION_RULES["ranking"]))
                 & pl.col("reward_cny").is_null())
    for ledger in (None, reward_inputs["ledger"]):
        fast = rewards.all_rewards(frames, POLICY, year, ledger)
        assert_same(fast.filter(~undecided), ref.all_rewards(frames, POLICY, year, ledger))


# ---------------------------------------------------------------------------------------------
# Money formats and Decimal columns
# ---------------------------------------------------------------------------------------------

AMOUNTS = [D("0"), D("-0"), D("0.00"), D("5000"), D("5E+3"), D("1E+30"), D("-5E+2"), D("0.1"),
           D("123456789.123456789"), D("-0.00001"), D("1E-30"), D("777777.765"), D("777777.745"),
           D("-777777.765"), D("30000000"), D("1.2345678901234567890123456789012345"),
           D("NaN"), D("Infinity")]


def outcome(function: Callable[..., str], *args: Any) -> tuple[str, Any]:
    """The text, or the kind of error (a value too long to quantize fails in both)."""
    try:
        return "text", function(*args)
    except ArithmeticError as error:
        return "error", type(error)


def test_money_formats_match_the_reference() -> None:
    rng = random.Random(SEED + 2)
    amounts = AMOUNTS + [D(rng.randint(-10**rng.randint(0, 30), 10**rng.randint(0, 30)))
                         .scaleb(rng.randint(-20, 20)) for _ in range(5000)]
    for value in amounts:
        for name, args in (("grouped", (value,)), ("grouped", (value, 2)),
                           ("grouped", (value, 4)), ("yuan", (value,)),
                           ("wan_yuan", (value,)), ("wan_usd", (value,))):
            assert outcome(getattr(formatting, name), *args) == outcome(getattr(ref, name), *args), (
                name, args)


@pytest.mark.parametrize("scale", [0, 2, 6, 12])
def test_decimal_series_is_polars_own_conversion(scale: int) -> None:
    rng = random.Random(SEED + scale)
    dtype = pl.Decimal(38, scale)
    values = [None, D("0"), D("-0"), D("0E-12"), D("3E+7"), D("-0.000"), D("1E-12"), D("1.005"),
              D("-1.015"), D("12345678901234567890123456.123456789012")]
    values += [D(rng.randint(-10**rng.randint(0, 24), 10**rng.randint(0, 24)))
               .scaleb(-rng.randint(-3, scale + 2)) for _ in range(3000)]
    for sample in (values, [v for v in values if v is None or v.as_tuple().exponent >= -scale],
                   [None, None], []):
        expected = pl.Series("x", sample, dtype=dtype)
        got = money.decimal_series("x", sample, dtype)
        assert got.dtype == expected.dtype
        assert got.to_list() == expected.to_list()
