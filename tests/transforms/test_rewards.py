"""Reward rules of policy-rules.md section 2: hand-computed amounts on both sides of each boundary.

Money in the frames is in yuan / dollars (ingest has converted 万元 and 万美元 already).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal as D

import polars as pl
import pytest

from flows.ingest.folder import ingest_folder
from flows.settings import DEMO_DATA_DIR, load_policy
from tests.helpers import CITY, frame
from transforms.money import split_funding
from transforms.rewards import (
    all_rewards,
    ambassador_rewards,
    fdi_project_rewards,
    industry_division,
    ranking_rewards,
    researcher_taxable_amounts,
    supplier_introduction_rewards,
)

POLICY = load_policy()
WAN = D(10000)
ZONES = frame("zones", [
    {"zone_id": "A", "zone_name": "甲经开区", "level": "national", "city": CITY,
     "approved_date": dt.date(2001, 1, 1), "status": "active"},
    {"zone_id": "B", "zone_name": "乙经开区", "level": "national", "city": "桂林市",
     "approved_date": dt.date(2025, 6, 18), "status": "active"},
    {"zone_id": "R", "zone_name": "丙经开区（示例）", "level": "regional", "city": "钦州市",
     "approved_date": dt.date(2020, 1, 1), "status": "active"},
])
USCC_1 = "91450100MA00000011"
USCC_2 = "91450100MA00000022"


def case(case_id: str, wan: str, year: int = 2025, industry_class: str = "encouraged",
         uscc: str = USCC_1) -> dict:
    return {"case_id": case_id, "zone_id": "A", "year": year, "introducer_name": "原有企业",
            "introducer_uscc": "91450100MA00000099", "introduced_name": "被引进企业",
            "introduced_uscc": uscc, "actual_investment": D(wan) * WAN,
            "industry_class": industry_class}


def one(df: pl.DataFrame) -> dict:
    assert df.height == 1, df
    return df.row(0, named=True)


# (万元 invested, expected reward in yuan, why)
SUPPLIER_CASES = [
    ("5000", D("500000.00"), "5000万元以上 counts the boundary: 1% of 50,000,000"),
    ("4999.99", D("0"), "just below 5000万元"),
    ("5000.01", D("500001.00"), "just above: 1% of 50,000,100"),
    ("300000", D("30000000.00"), "1% is exactly the 3000万元 cap: paid in full"),
    ("299999.99", D("29999999.00"), "just below the cap"),
    ("300000.01", D("30000000.00"), "1% is 30,000,001: capped"),
    ("7777.77765", D("777777.77"), "1% = 777,777.765: half up gives .77 (half even: .76)"),
    ("7777.77745", D("777777.75"), "1% = 777,777.745: half up gives .75 (half even: .74)"),
]


@pytest.mark.parametrize(("wan", "expected", "why"), SUPPLIER_CASES)
def test_supplier_introduction_boundaries(wan: str, expected: D, why: str) -> None:
    row = one(supplier_introduction_rewards(frame("supplier_introductions", [case("C1", wan)]),
                                            ZONES, POLICY, 2025))
    assert row["reward_cny"] == expected, why
    assert row["eligible"] is (expected > 0)
    assert row["region_share_cny"] + row["city_share_cny"] == row["reward_cny"]
    assert row["cap_cny"] == D("30000000")
    assert row["rule"] == "supplier_introduction" and row["clause"].startswith("三、（二）")


def test_supplier_explanation_reads_like_the_issue_example() -> None:
    row = one(supplier_introduction_rewards(
        frame("supplier_introductions", [case("C1", "7777.77765")]), ZONES, POLICY, 2025))
    assert row["explanation"].startswith(
        "被引进企业“被引进企业”实际投资额 7,777.77765 万元 ≥ 5,000 万元，按 1% 计 777,777.765 元"
        "（四舍五入到分为 777,777.77 元）（未超过 3,000 万元上限）")
    # Odd cents: the region's half is rounded half up, the city takes the remainder.
    assert (row["region_share_cny"], row["city_share_cny"]) == (D("388888.89"), D("388888.88"))
    assert "资金由自治区承担 388,888.89 元、设区市承担 388,888.88 元" in row["explanation"]


@pytest.mark.parametrize(("industry_class", "eligible"), [
    ("encouraged", True), ("permitted", True), ("restricted", False), ("prohibited", False),
])
def test_supplier_excluded_industry_classes(industry_class: str, eligible: bool) -> None:
    row = one(supplier_introduction_rewards(
        frame("supplier_introductions", [case("C1", "6000", industry_class=industry_class)]),
        ZONES, POLICY, 2025))
    assert row["eligible"] is eligible
    assert row["reward_cny"] == (D("600000.00") if eligible else D(0))


def test_supplier_reward_is_paid_once_per_introduced_enterprise_across_years() -> None:
    cases = frame("supplier_introductions", [
        case("C-2023", "4000", year=2023),  # ineligible then: does not use up the one-time reward
        case("C-2024", "6000", year=2024),  # first eligible case: rewarded in 2024
        case("C-2025a", "8000", year=2025),  # same enterprise again: nothing
        case("C-2025b", "8000", year=2025, uscc=USCC_2),  # another enterprise: paid
    ])
    y2024 = supplier_introduction_rewards(cases, ZONES, POLICY, 2024)
    assert y2024["subject_id"].to_list() == ["C-2024"]
    assert y2024["reward_cny"].to_list() == [D("600000.00")]
    y2025 = supplier_introduction_rewards(cases, ZONES, POLICY, 2025).sort("subject_id")
    assert y2025["reward_cny"].to_list() == [D(0), D("800000.00")]
    assert "已于 2024 年（案例 C-2024）获得奖励" in y2025["explanation"][0]
    # Two cases of one enterprise in one year: the lower case id is paid.
    same_year = frame("supplier_introductions", [case("C-2", "6000"), case("C-1", "7000")])
    paid = supplier_introduction_rewards(same_year, ZONES, POLICY, 2025).sort("subject_id")
    assert paid["reward_cny"].to_list() == [D("700000.00"), D(0)]


# ---------------------------------------------------------------------------------------------
# (十二) FDI projects
# ---------------------------------------------------------------------------------------------

RATES = frame("exchange_rates", [{"year": 2024, "usd_cny": D("7.1217")},
                                 {"year": 2025, "usd_cny": D("7.18")}])


def project(wan_usd: str, project_type: str = "new", year: int = 2025, **flags) -> dict:
    return {"project_id": "P1", "year": year, "zone_id": "A", "enterprise_name": "外资企业",
            "project_type": project_type, "industry_code": flags.pop("industry_code", "3311"),
            "encouraged": flags.pop("encouraged", True),
            "leading_industry": flags.pop("leading_industry", False),
            "quasi_finance": flags.pop("quasi_finance", False),
            "fdi_received_usd": D(wan_usd) * WAN,
            "similar_reward_claimed": flags.pop("similar_reward_claimed", False)}


def fdi(*rows: dict, year: int = 2025) -> dict:
    return one(fdi_project_rewards(frame("fdi_projects", list(rows)), RATES, ZONES, POLICY, year))


# (type, 万美元 received, expected yuan): 超过 is strict; 2% of dollars x 7.18.
FDI_CASES = [
    ("new", "5000", D(0)),  # exactly 5000万美元 is not 超过
    ("new", "4999.99", D(0)),
    ("new", "5000.01", D("7180014.36")),  # 50,000,100 x 7.18 x 2% = 7,180,014.36
    ("capital_increase", "2999.99", D(0)),
    ("capital_increase", "3000", D(0)),
    ("capital_increase", "3000.01", D("4308014.36")),  # 30,000,100 x 7.18 x 2%
    ("headquarters", "999.99", D(0)),
    ("headquarters", "1000", D(0)),
    ("headquarters", "1000.01", D("1436014.36")),  # 10,000,100 x 7.18 x 2%
    ("new", "69637.8830", D("99999999.99")),  # 696,378,830 x 7.18 x 2% = 99,999,999.988 -> .99
    ("new", "69637.8831", D("100000000.00")),  # 100,000,000.13: capped at 1亿元
    ("new", "80000", D("100000000.00")),  # 114,880,000: capped
]


@pytest.mark.parametrize(("project_type", "wan_usd", "expected"), FDI_CASES)
def test_fdi_thresholds_and_cap(project_type: str, wan_usd: str, expected: D) -> None:
    row = fdi(project(wan_usd, project_type))
    assert row["reward_cny"] == expected
    assert row["basis_cny"] == (D(wan_usd) * WAN * D("7.18")).quantize(D("0.01"))
    assert row["region_share_cny"] + row["city_share_cny"] == row["reward_cny"]


def test_fdi_at_exactly_the_cap_is_paid_in_full() -> None:
    # 2% of 5,000,000,000 yuan is exactly 1亿元: 最高不超过 includes the cap.
    rates = frame("exchange_rates", [{"year": 2025, "usd_cny": D("8")}])
    row = one(fdi_project_rewards(frame("fdi_projects", [project("62500")]), rates, ZONES,
                                  POLICY, 2025))
    assert row["reward_cny"] == D("100000000.00")
    assert "未超过 10,000 万元上限" in row["explanation"]


def test_fdi_uses_the_rate_of_the_projects_year() -> None:
    row = fdi(project("6000", year=2024), year=2024)
    assert row["basis_cny"] == D("427302000.00")  # 60,000,000 x 7.1217
    assert row["reward_cny"] == D("8546040.00")  # x 2%
    assert "按 2024 年汇率 7.1217" in row["explanation"]


@pytest.mark.parametrize(("flags", "eligible", "reason"), [
    ({"industry_code": "6621"}, False, "属于金融业"),  # division 66
    ({"industry_code": "6910"}, False, "属于金融业"),  # division 69
    ({"industry_code": "J6711"}, False, "属于金融业"),  # section letter in front
    ({"industry_code": "7010"}, False, "属于房地产业"),  # division 70
    ({"industry_code": "7110"}, True, ""),  # division 71 (leasing) is not excluded
    ({"quasi_finance": True}, False, "类金融业"),
    ({"similar_reward_claimed": True}, False, "不叠加享受"),
    ({"encouraged": False, "leading_industry": True}, True, ""),  # the zone's leading industry
    ({"encouraged": False, "leading_industry": False}, False, "既不属于外资鼓励类产业"),
])
def test_fdi_exclusions(flags: dict, eligible: bool, reason: str) -> None:
    row = fdi(project("6000", **flags))
    assert row["eligible"] is eligible
    assert row["reward_cny"] == (D("8616000.00") if eligible else D(0))  # 60,000,000 x 7.18 x 2%
    assert reason in row["explanation"]


def test_industry_division() -> None:
    assert [industry_division(c) for c in ("6621", "J6621", "70", "7", None, "")] == [
        "66", "66", "70", None, None, None]


@pytest.mark.parametrize("code", ["K", "J", "房地产", "98", "J3670", "66211", "", None])
def test_an_unresolvable_industry_code_is_never_paid_as_not_finance(code: str | None) -> None:
    """Validation stops these codes; should one reach the rule anyway, the finance and
    real-estate exclusion cannot be decided: no amount, and the row says why (before, "K"
    resolved to no division, so not to 66-70, and 8,616,000.00 was paid)."""
    row = fdi(project("6000", industry_code=code))
    assert row["eligible"] is False
    assert row["reward_cny"] is None and row["region_share_cny"] is None
    assert row["basis_cny"] is None and row["computed_cny"] is None
    assert row["explanation"] == (f"行业代码“{code or ''}”无法对应到 GB/T 4754-2017 的行业大类，"
                                  "无法判断是否属于金融业、房地产业，暂无法认定")


def test_an_unresolvable_code_does_not_hide_another_reason() -> None:
    """Not paid for a reason that holds whatever the industry: 0 with that reason, as before."""
    row = fdi(project("6000", industry_code="K", encouraged=False))
    assert (row["reward_cny"], row["eligible"]) == (D(0), False)
    assert "既不属于外资鼓励类产业" in row["explanation"]
    row = fdi(project("5000", industry_code="K"))  # not above 5000万美元
    assert row["reward_cny"] == D(0) and "未超过 5,000 万美元" in row["explanation"]


# ---------------------------------------------------------------------------------------------
# (十六) ranking rewards
# ---------------------------------------------------------------------------------------------


def rankings(rows: list[tuple[str, int, int]]) -> pl.DataFrame:
    return frame("national_rankings",
                 [{"zone_id": z, "year": y, "rank": r, "ranked_total": 230} for z, y, r in rows])


def rewards_of(rows: list[tuple[str, int, int]], policy=POLICY, year: int = 2025) -> dict:
    df = ranking_rewards(ZONES, rankings(rows), policy, year).filter(pl.col("zone_id") == "A")
    return {r["rule"]: r["reward_cny"] for r in df.iter_rows(named=True)}


def with_effective(section: str, year: int) -> object:
    years = {**POLICY.rewards.effective_years, section: year}
    return dataclasses.replace(POLICY, rewards=dataclasses.replace(POLICY.rewards,
                                                                   effective_years=years))


def test_new_national_zone_and_effective_year() -> None:
    df = ranking_rewards(ZONES, rankings([]), POLICY, 2025)
    new = df.filter(pl.col("rule") == "new_national_zone")
    assert new.select("zone_id", "reward_cny", "region_share_cny").rows() == [
        ("B", D("10000000"), D("10000000.00"))]  # funded by the region
    # No 2025 ranking at all: the rules that need it are listed undecided, with no amount. B
    # was not national in 2024, so rank_improvement does not apply to it.
    assert df.filter(pl.col("reward_cny").is_null()).select("zone_id", "rule").rows() == [
        ("A", "first_top50"), ("A", "first_top100"), ("A", "rank_improvement"),
        ("B", "first_top50"), ("B", "first_top100")]
    assert set(df.filter(pl.col("reward_cny").is_null())["explanation"]) == {
        "无法判定：缺少 2025 年国家级考核排名"}
    # Before the rules' effective year every case is listed, decided: 0, with the reason.
    early = ranking_rewards(ZONES, rankings([]), with_effective("ranking", 2026), 2025)
    assert early.height == df.height
    assert set(early["reward_cny"]) == {D(0)} and not early["eligible"].any()
    assert set(early["explanation"]) == {
        "不予奖励：条款（十六）国家级考核排名奖励自 2026 年度起施行，2025 年度的事项不予奖励"}
    assert early["computed_cny"].null_count() == early.height


@pytest.mark.parametrize(("history", "expected"), [
    # rank 2025, earlier ranks -> rewards
    ([("A", 2024, 130), ("A", 2025, 101)], {"rank_improvement": D("2000000")}),  # 29 places
    ([("A", 2024, 120), ("A", 2025, 100)],  # exactly 100 and exactly 20 places: both count
     {"first_top100": D("5000000"), "rank_improvement": D("2000000")}),
    ([("A", 2024, 119), ("A", 2025, 100)],  # 19 places: no improvement reward
     {"first_top100": D("5000000"), "rank_improvement": D(0)}),
    ([("A", 2016, 90), ("A", 2024, 120), ("A", 2025, 99)],  # top 100 before, in 2016
     {"first_top100": D(0), "rank_improvement": D("2000000")}),
    ([("A", 2024, 60), ("A", 2025, 51)],  # 51 is not top 50; was top 100 already
     {"first_top100": D(0), "rank_improvement": D(0)}),
    ([("A", 2024, 110), ("A", 2025, 50)],  # both tiers first time: the higher only (default)
     {"first_top50": D("8000000"), "first_top100": D(0), "rank_improvement": D("2000000")}),
    # No 2024 rank although A was national then: rank_improvement undecided (no amount).
    ([("A", 2025, 40)], {"first_top50": D("8000000"), "first_top100": D(0),
                         "rank_improvement": None}),
])
def test_first_entry_and_rank_improvement(history, expected) -> None:
    assert rewards_of(history) == expected


def test_stack_first_entry_tiers_switch_pays_both() -> None:
    stacked = dataclasses.replace(POLICY, rewards=dataclasses.replace(
        POLICY.rewards, ranking=dataclasses.replace(POLICY.rewards.ranking,
                                                    stack_first_entry_tiers=True)))
    history = [("A", 2024, 110), ("A", 2025, 50)]
    assert rewards_of(history, stacked) == {
        "first_top50": D("8000000"), "first_top100": D("5000000"), "rank_improvement": D("2000000")}
    both = ranking_rewards(ZONES, rankings(history), stacked, 2025)
    assert "就高不重复" not in " ".join(both["explanation"].to_list())
    default = ranking_rewards(ZONES, rankings(history), POLICY, 2025)
    assert "就高不重复" in default.filter(pl.col("rule") == "first_top100")["explanation"][0]


# ---------------------------------------------------------------------------------------------
# (十一) ambassadors and (四) researchers
# ---------------------------------------------------------------------------------------------


def test_ambassador_rate_per_city_and_missing_rate() -> None:
    referrals = frame("ambassador_referrals", [
        {"referral_id": "D1", "zone_id": "A", "year": 2025, "ambassador_name": "甲",
         "project_name": "项目一", "actual_investment": D("85005000")},  # 南宁市 0.1%
        {"referral_id": "D2", "zone_id": "R", "year": 2025, "ambassador_name": "乙",
         "project_name": "项目二", "actual_investment": D("12345678.90")},  # 钦州市 0.2%
        {"referral_id": "D3", "zone_id": "B", "year": 2025, "ambassador_name": "丙",
         "project_name": "项目三", "actual_investment": D("10000000")},  # 桂林市: no rate
    ])
    df = ambassador_rewards(referrals, ZONES, POLICY, 2025)
    rows = {r["subject_id"]: r for r in df.iter_rows(named=True)}
    assert rows["D1"]["reward_cny"] == D("85005.00")
    assert (rows["D1"]["region_share_cny"], rows["D1"]["city_share_cny"]) == (D(0), D("85005.00"))
    assert rows["D2"]["reward_cny"] == D("24691.36")  # 24,691.3578 half up
    assert rows["D3"]["reward_cny"] is None and rows["D3"]["rate"] is None  # not a zero
    assert "桂林市未设定招商大使奖励比例" in rows["D3"]["explanation"]


def test_researcher_taxable_amounts() -> None:
    records = frame("researcher_rewards", [
        {"record_id": "K1", "zone_id": "A", "year": 2025, "institution_name": "研究所",
         "institution_type": "research_institute", "nonprofit": True, "tax_rules_met": True,
         "amount": D("33333.33")},
        {"record_id": "K2", "zone_id": "A", "year": 2025, "institution_name": "大学",
         "institution_type": "university", "nonprofit": True, "tax_rules_met": False,
         "amount": D("80000")},
        {"record_id": "K3", "zone_id": "A", "year": 2025, "institution_name": "公司",
         "institution_type": "other", "nonprofit": True, "tax_rules_met": True,
         "amount": D("50000")},
        {"record_id": "K4", "zone_id": "A", "year": 2025, "institution_name": "营利性研究所",
         "institution_type": "research_institute", "nonprofit": False, "tax_rules_met": True,
         "amount": D("10000")},
    ])
    df = researcher_taxable_amounts(records, POLICY, 2025)
    # 33,333.33 x 50% = 16,666.665 -> 16,666.67 half up; the others count in full.
    assert df["taxable_cny"].to_list() == [D("16666.67"), D("80000.00"), D("50000.00"),
                                           D("10000.00")]
    assert df["eligible"].to_list() == [True, False, False, False]


def test_split_funding_always_adds_up() -> None:
    for cents in range(0, 1001):
        reward = D(cents) / 100
        region, city = split_funding(reward, D("0.5"))
        assert region + city == reward and region - city in (D(0), D("0.01"))


def test_all_rewards_on_the_demo_data_exercises_every_rule() -> None:
    frames = ingest_folder(DEMO_DATA_DIR).frames
    df = all_rewards(frames, POLICY, 2025)
    paid = set(df.filter(pl.col("reward_cny") > 0)["rule"].to_list())
    assert paid == {"supplier_introduction", "fdi_project", "new_national_zone", "first_top50",
                    "first_top100", "rank_improvement", "investment_ambassador"}
    # first_top100 without the top 50: GX-FCG-01, ranked 97 in its first national year.
    assert df.filter((pl.col("rule") == "first_top100") & (pl.col("reward_cny") > 0))[
        "zone_id"].to_list() == ["GX-FCG-01"]
    # first_top100 appears, unpaid, with its reason (就高不重复 for GX-QZ-02).
    assert df.filter((pl.col("rule") == "first_top100") & (pl.col("zone_id") == "GX-QZ-02"))[
        "reward_cny"].to_list() == [D(0)]
    assert df.filter(pl.col("reward_cny").is_not_null()).select(
        (pl.col("region_share_cny") + pl.col("city_share_cny") == pl.col("reward_cny")).all()
    ).item()


# An amount against its threshold is printed with every significant digit (formatting.beside,
# exact), so the words always agree with the verdict however close the amount is.
AMOUNT_WORDS = [
    (lambda: supplier_introduction_rewards(
        frame("supplier_introductions", [case("C1", "4999.9999")]), ZONES, POLICY, 2025),
     "不予奖励：被引进企业“被引进企业”实际投资额 4,999.9999 万元 < 5,000 万元，"
     "未达到 5000 万元以上的条件"),
    (lambda: supplier_introduction_rewards(
        frame("supplier_introductions", [case("C1", "5000.0001")]), ZONES, POLICY, 2025),
     "被引进企业“被引进企业”实际投资额 5,000.0001 万元 ≥ 5,000 万元，按 1% 计 500,000.01 元"),
    (lambda: fdi_project_rewards(frame("fdi_projects", [project("5000")]), RATES, ZONES, POLICY,
                                 2025),
     "不予奖励：新项目当年实际到位外资 5,000 万美元，未超过 5,000 万美元"),
    (lambda: fdi_project_rewards(frame("fdi_projects", [project("5000.0001")]), RATES, ZONES,
                                 POLICY, 2025),
     "新项目当年实际到位外资 5,000.0001 万美元 > 5,000 万美元，按 2025 年汇率 7.18 折合 "),
]


@pytest.mark.parametrize(("rows", "words"), AMOUNT_WORDS)
def test_amount_against_threshold_words(rows, words: str) -> None:
    assert one(rows())["explanation"].startswith(words)

# ---------------------------------------------------------------------------------------------
# Effective years, rule by rule
# ---------------------------------------------------------------------------------------------


def test_supplier_cases_before_the_effective_year_are_listed_unpaid_and_use_up_nothing() -> None:
    cases = frame("supplier_introductions", [case("C-2019", "6000", year=2019),
                                             case("C-2021", "7000", year=2021)])
    y2019 = one(supplier_introduction_rewards(cases, ZONES, POLICY, 2019))
    assert (y2019["reward_cny"], y2019["eligible"], y2019["computed_cny"]) == (D(0), False, None)
    assert y2019["basis_cny"] == D("60000000.00")  # the case's own figure stays
    assert y2019["explanation"] == (
        "不予奖励：条款（二）引进供应商（合作伙伴）奖励自 2020 年度起施行，2019 年度的事项不予奖励")
    # 2019 paid nothing, so the enterprise's one-time reward is still there in 2021.
    assert one(supplier_introduction_rewards(cases, ZONES, POLICY, 2021))["reward_cny"] == D(
        "700000.00")
    later = with_effective("supplier_introduction", 2022)
    assert one(supplier_introduction_rewards(cases, ZONES, later, 2021))["reward_cny"] == D(0)


@pytest.mark.parametrize(("section", "rule_call"), [
    ("fdi_project", lambda policy: fdi_project_rewards(
        frame("fdi_projects", [project("6000", year=2025)]), RATES, ZONES, policy, 2025)),
    ("investment_ambassador", lambda policy: ambassador_rewards(
        frame("ambassador_referrals", [{"referral_id": "D1", "zone_id": "A", "year": 2025,
                                        "ambassador_name": "甲", "project_name": "项目",
                                        "actual_investment": D("10000000")}]),
        ZONES, policy, 2025)),
])
def test_each_rule_has_its_own_effective_year(section, rule_call) -> None:
    assert one(rule_call(POLICY))["reward_cny"] > 0
    row = one(rule_call(with_effective(section, 2026)))
    assert (row["reward_cny"], row["region_share_cny"], row["city_share_cny"]) == (D(0), D(0),
                                                                                    D(0))
    assert row["explanation"].endswith("自 2026 年度起施行，2025 年度的事项不予奖励")


def test_researcher_rule_before_its_effective_year_counts_in_full() -> None:
    records = frame("researcher_rewards", [
        {"record_id": "K1", "zone_id": "A", "year": 2025, "institution_name": "研究所",
         "institution_type": "research_institute", "nonprofit": True, "tax_rules_met": True,
         "amount": D("1000")}])
    row = one(researcher_taxable_amounts(records, with_effective("researcher_cash_reward", 2026),
                                         2025))
    assert (row["eligible"], row["taxable_cny"]) == (False, D("1000.00"))
    assert row["explanation"] == "本条款自 2026 年度起施行，2025 年度不适用，现金奖励 1,000.00 元 全额计入工资、薪金所得"


def test_policy_reads_every_sections_effective_year_with_the_default() -> None:
    assert POLICY.rewards.effective_years == dict.fromkeys(
        ("supplier_introduction", "fdi_project", "ranking", "investment_ambassador",
         "researcher_cash_reward"), 2020)
    assert POLICY.rewards.effective_year_of("ranking") == 2020


# ---------------------------------------------------------------------------------------------
# 同类奖励政策不叠加享受: one enterprise under (二) and (十二) in one year is paid once
# ---------------------------------------------------------------------------------------------


def stacked_frames(wan: str = "10000", usd_wan: str = "6000", fdi_year: int = 2025) -> dict:
    """USCC_1 introduced under (二) for 10000万元 (1% = 1,000,000.00) and, the same year, an FDI
    project of USCC_1 with 6000万美元 (x 7.18 x 2% = 8,616,000.00)."""
    fdi_row = {**project(usd_wan, year=fdi_year), "enterprise_uscc": USCC_1}
    return {"zones": ZONES, "supplier_introductions": frame("supplier_introductions",
                                                            [case("C1", wan)]),
            "fdi_projects": frame("fdi_projects", [fdi_row]), "exchange_rates": RATES,
            "national_rankings": rankings([("A", 2024, 120), ("A", 2025, 120)]),
            "ambassador_referrals": frame("ambassador_referrals", [])}


def paid_by_rule(frames: dict, policy=POLICY) -> dict[str, tuple]:
    df = all_rewards(frames, policy, 2025).filter(
        pl.col("rule").is_in(["supplier_introduction", "fdi_project"]))
    return {r["rule"]: (r["reward_cny"], r["eligible"], r["explanation"])
            for r in df.iter_rows(named=True)}


def test_the_higher_of_the_two_is_paid_by_default() -> None:
    got = paid_by_rule(stacked_frames())
    assert got["fdi_project"][0] == D("8616000.00")
    assert got["supplier_introduction"] == (D(0), False, (
        f"不予奖励：该企业（统一社会信用代码 {USCC_1}）2025 年已按外资项目奖励获得 "
        "8,616,000.00 元（较高），同类奖励政策不叠加享受"))
    # The supplier case is worth more: it stands, the FDI project yields.
    got = paid_by_rule(stacked_frames(wan="100000"))  # 1% of 10亿 = 10,000,000.00
    assert got["supplier_introduction"][0] == D("10000000.00")
    assert got["fdi_project"][0] == D(0)
    # A tie keeps clause 二: 1% of 86,160万元 = 8,616,000.00.
    tie = paid_by_rule(stacked_frames(wan="86160"))
    assert (tie["supplier_introduction"][0], tie["fdi_project"][0]) == (D("8616000.00"), D(0))


def test_the_switch_keeps_the_rule_it_names() -> None:
    keep_supplier = dataclasses.replace(POLICY, rewards=dataclasses.replace(
        POLICY.rewards, no_stacking_keep="supplier_introduction"))
    got = paid_by_rule(stacked_frames(), keep_supplier)
    assert got["supplier_introduction"][0] == D("1000000.00")
    assert got["fdi_project"] == (D(0), False, (
        f"不予奖励：该企业（统一社会信用代码 {USCC_1}）2025 年已按引进供应商（合作伙伴）奖励获得 "
        "1,000,000.00 元，同类奖励政策不叠加享受"))


def test_different_years_or_an_unpaid_side_stack_nothing() -> None:
    other_year = paid_by_rule(stacked_frames(fdi_year=2024))
    assert other_year["supplier_introduction"][0] == D("1000000.00")
    # The FDI project does not qualify (exactly 5000万美元): nothing to stack, (二) is paid.
    unpaid = paid_by_rule(stacked_frames(usd_wan="5000"))
    assert (unpaid["supplier_introduction"][0], unpaid["fdi_project"][0]) == (D("1000000.00"),
                                                                              D(0))
