"""Reward entitlements (policy-rules.md section 2), exact to the fen.

Each rule is a pure function: frames and the policy config in, one row per considered case out
(results/rewards.csv). Eligible cases carry the maximum entitlement (最高可获); ineligible ones
carry 0 and the reason, so staff can answer "why not". Every row has a Chinese explanation a
reader can check with a calculator. Joins and history lookups are Polars; the arithmetic on
each row is Python's Decimal, because the amounts must be exact and the explanations must show
the same numbers the arithmetic used.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl

from transforms.contract import MONEY_DTYPE
from transforms.formatting import beside, grouped, percent, plain, wan_yuan, yuan
from transforms.indicators import assessed_zones
from transforms.industry import industry_division
from transforms.money import frame_from_columns, round_fen, split_funding
from transforms.policy import PolicyConfig, SupplierRule
from transforms.rankings import rank_absence
from transforms.units import WAN

# An entitlement no rule could decide (a rank the rankings do not hold): no amount, and why.
UNDECIDED_PREFIX = "无法判定："

REWARD_SCHEMA: dict[str, pl.DataType] = {
    # The contract's columns first, in its order (data-contract.md, results/rewards.csv) ...
    "zone_id": pl.String(),
    "year": pl.Int64(),
    "rule": pl.String(),
    "subject_id": pl.String(),
    "basis_cny": MONEY_DTYPE,
    "rate": pl.String(),
    "computed_cny": MONEY_DTYPE,
    "cap_cny": MONEY_DTYPE,
    "reward_cny": MONEY_DTYPE,
    "region_share_cny": MONEY_DTYPE,
    "city_share_cny": MONEY_DTYPE,
    "clause": pl.String(),
    # ... then what a reader needs to check the row: the paying city, the case, why.
    "city": pl.String(),
    "subject_name": pl.String(),
    "eligible": pl.Boolean(),
    "explanation": pl.String(),
}

RULE_LABELS = {
    "supplier_introduction": "引进供应商（合作伙伴）奖励",
    "fdi_project": "外资项目奖励",
    "new_national_zone": "新获批国家级经开区奖励",
    "first_top50": "首次进入国家级考核前50名奖励",
    "first_top100": "首次进入国家级考核前100名奖励",
    "rank_improvement": "国家级考核排名提升奖励",
    "investment_ambassador": "招商大使奖励",
}
PROJECT_TYPE_LABELS = {"new": "新项目", "capital_increase": "增资项目",
                       "headquarters": "跨国公司总部或地区总部"}
INDUSTRY_CLASS_LABELS = {"encouraged": "鼓励类", "permitted": "允许类", "restricted": "限制类",
                         "prohibited": "禁止类"}


class _Rows:
    """Entitlement rows, kept as tuples in REWARD_SCHEMA's order and turned into columns once: a
    frame is built from columns several times faster than from one dict per row, with the same
    result."""

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []
        self._rate: tuple[Decimal | None, str | None] = (None, None)  # last rate, its words

    def add(self, zone_id: str, year: int, city: str | None, rule: str, subject_id: str,
            subject_name: str, clause: str, *, basis: Decimal | None = None,
            rate: Decimal | None = None, computed: Decimal | None = None,
            cap: Decimal | None = None, reward: Decimal | None, region_share: Decimal | None,
            eligible: bool, explanation: str) -> None:
        """One entitlement row; the funding split is derived here so it is never computed twice."""
        region = city_part = None
        if reward is not None and region_share is not None:
            region, city_part = split_funding(reward, region_share)
            if reward > 0 and region > 0 and city_part > 0:
                explanation += f"；资金由自治区承担 {yuan(region)}、设区市承担 {yuan(city_part)}"
            elif reward > 0:
                explanation += "；资金由" + ("自治区" if region > 0 else "设区市") + "全额承担"
        if rate is not None and rate is not self._rate[0]:
            # A rule's rate is one object on all its rows: word it once.
            self._rate = (rate, plain(rate))
        self.rows.append((
            zone_id, year, rule, subject_id,
            None if basis is None else round_fen(basis),
            None if rate is None else self._rate[1],
            None if computed is None else round_fen(computed),
            cap, reward, region, city_part, clause, city, subject_name, eligible, explanation,
        ))

    def frame(self) -> pl.DataFrame:
        columns = zip(*self.rows, strict=True) if self.rows else ([] for _ in REWARD_SCHEMA)
        return frame_from_columns(dict(zip(REWARD_SCHEMA, map(list, columns), strict=True)),
                                  REWARD_SCHEMA)


def _zone_cities(zones: pl.DataFrame) -> dict[str, str]:
    return dict(zones.select("zone_id", "city").drop_nulls("zone_id").iter_rows())


def exact_then_rounded(computed: Decimal) -> str:
    """'777,777.765 元，四舍五入到分为 777,777.77 元' when rounding changes it, else one amount."""
    rounded = round_fen(computed)
    if rounded == computed:
        return yuan(rounded)
    return f"{grouped(computed)} 元（四舍五入到分为 {yuan(rounded)}）"


def _against(amount: Decimal, threshold: Decimal, unit: str) -> tuple[str, str]:
    """An amount and the threshold it must reach, in 万元 or 万美元 (`unit`) with every
    significant digit (formatting.beside, exact): 4,999.9999 万元 is never shown as 5,000."""
    amount_text, threshold_text = beside(amount / WAN, threshold / WAN, None)
    return f"{amount_text} {unit}", f"{threshold_text} {unit}"


def _capped(computed: Decimal, cap: Decimal, cap_wan: str) -> tuple[Decimal, str]:
    """The rounded reward and the words about the cap (最高不超过 counts the cap itself);
    cap_wan is wan_yuan(cap), worded once per rule rather than per row."""
    if computed > cap:
        return round_fen(cap), f"超过 {cap_wan}上限，按上限 {yuan(cap)} 计"
    return round_fen(computed), f"未超过 {cap_wan}上限"


# ---------------------------------------------------------------------------------------------
# (二) supplier_introduction
# ---------------------------------------------------------------------------------------------


def _first_rewarded(cases: pl.DataFrame, rule: SupplierRule, year: int,
                    ledger: pl.DataFrame | None, effective_year: int = 0) -> pl.DataFrame:
    """Cases of `year` in (year, case_id) order, each with who first took its introduced
    enterprise's one-time reward.

    Walking the whole history in (year, case_id) order, a case meeting every other condition
    (amount, threshold, industry class) is rewarded exactly when no earlier case of its enterprise
    met them and the ledger holds no grant for it. So per enterprise introduced this year only the
    first such case matters: _first_year and _first_case name it, and _first_pos is its place
    among this year's cases (_pos), null when it is of an earlier year. _ledger, _ledger_year and
    _ledger_case give the ledger's first grant, which takes precedence.
    """
    qualifies = (
        pl.col("actual_investment").is_not_null()
        & (pl.col("actual_investment") >= rule.min_investment)
        & ~pl.col("industry_class").is_in(list(rule.excluded_industry_classes)).fill_null(False)
        & pl.col("introduced_uscc").is_not_null()
        # A case of a year before the rule took effect was never paid: it takes nothing away.
        & (pl.col("year") >= effective_year)
    )
    current = cases.filter(pl.col("year") == year).sort("year", "case_id").with_row_index("_pos")
    introduced = current.select("introduced_uscc").drop_nulls().unique()
    first_columns = (pl.col("year").alias("_first_year"), pl.col("case_id").alias("_first_case"))
    # Earlier years come first in (year, case_id) order; only this year's enterprises matter.
    earlier = (cases.lazy()
               .filter(pl.col("year") < year)
               .join(introduced.lazy(), on="introduced_uscc", how="semi")
               .filter(qualifies)
               .sort("year", "case_id")
               .unique("introduced_uscc", keep="first", maintain_order=True)
               .select("introduced_uscc", pl.lit(None, current.schema["_pos"]).alias("_first_pos"),
                       *first_columns)
               .collect())
    this_year = (current.filter(qualifies)
                 .unique("introduced_uscc", keep="first", maintain_order=True)
                 .select("introduced_uscc", pl.col("_pos").alias("_first_pos"), *first_columns))
    first = pl.concat([earlier, this_year]).unique("introduced_uscc", keep="first",
                                                   maintain_order=True)
    current = current.join(first, on="introduced_uscc", how="left", maintain_order="left")
    if ledger is not None and ledger.height:
        granted = (ledger.filter(pl.col("year") < year, pl.col("introduced_uscc").is_not_null())
                   .sort("year", "case_id")
                   .unique("introduced_uscc", keep="first", maintain_order=True)
                   .select(pl.col("introduced_uscc").cast(current.schema["introduced_uscc"]),
                           pl.lit(True).alias("_ledger"), pl.col("year").alias("_ledger_year"),
                           pl.col("case_id").alias("_ledger_case")))
        return current.join(granted, on="introduced_uscc", how="left", maintain_order="left")
    return current.with_columns(pl.lit(None, pl.Boolean).alias("_ledger"),
                                pl.lit(None, pl.Int64).alias("_ledger_year"),
                                pl.lit(None, pl.String).alias("_ledger_case"))


def supplier_introduction_rewards(cases: pl.DataFrame, zones: pl.DataFrame,
                                  policy: PolicyConfig, year: int,
                                  ledger: pl.DataFrame | None = None) -> pl.DataFrame:
    """条款 三、（二）, [rewards.supplier_introduction]: one row per case declared for `year`; paid
    once per introduced enterprise, ever.

    Cases of earlier years are read as history: an introduced enterprise (by its unified social
    credit code) rewarded before gets nothing again. Within a year the lower case id comes
    first. Cases of later years cannot take a reward away retroactively.

    `ledger` (introduced_uscc, year, case_id) lists rewards actually granted by earlier runs:
    this year's files may no longer carry the earlier case, and the grant still counts.
    """
    rule = policy.rewards.supplier_introduction
    cities = _zone_cities(zones)
    effective = policy.rewards.effective_year_of("supplier_introduction")
    current = _first_rewarded(cases, rule, year, ledger, effective).select(
        "zone_id", "case_id", "introducer_name", "introduced_name", "introduced_uscc",
        "actual_investment", "industry_class", "_pos", "_first_pos", "_first_year", "_first_case",
        "_ledger", "_ledger_year", "_ledger_case")
    # Words that are the same on every row.
    rate_words = percent(rule.rate)
    cap_wan = wan_yuan(rule.cap)
    rows = _Rows()
    for (zone_id, case_id, introducer_name, name, uscc, investment, industry_class, pos,
         first_pos, first_year, first_case, in_ledger, ledger_year, ledger_case
         ) in current.iter_rows():
        name = name or ""
        basis_words = min_words = ""
        if investment is not None:
            amount_words, min_words = _against(investment, rule.min_investment, "万元")
            basis_words = f"被引进企业“{name}”实际投资额 {amount_words}"
        computed = investment * rule.rate if investment is not None else None
        if investment is None:
            eligible, reason = False, "缺少实际投资额，无法认定"
        elif investment < rule.min_investment:
            eligible, reason = False, f"{basis_words} < {min_words}，未达到 5000 万元以上的条件"
        elif industry_class in rule.excluded_industry_classes:
            label = INDUSTRY_CLASS_LABELS.get(industry_class, industry_class)
            eligible, reason = False, f"投资产业属于{label}（涉及禁止和限制类的不予奖励）"
        elif in_ledger:
            eligible, reason = False, (f"被引进企业（统一社会信用代码 {uscc}）已于 {ledger_year} 年"
                                       f"（案例 {ledger_case}）获得奖励，一次性奖励不重复发放")
        elif uscc is not None and first_pos != pos:
            eligible, reason = False, (f"被引进企业（统一社会信用代码 {uscc}）已于 {first_year} 年"
                                       f"（案例 {first_case}）获得奖励，一次性奖励不重复发放")
        else:
            eligible, reason = True, ""
        if eligible:
            reward, cap_words = _capped(computed, rule.cap, cap_wan)
            explanation = (f"{basis_words} ≥ {min_words}，按 {rate_words} "
                           f"计 {exact_then_rounded(computed)}（{cap_words}），奖励原有企业"
                           f"“{introducer_name or ''}” {yuan(reward)}")
        else:
            reward, explanation = Decimal(0), f"不予奖励：{reason}"
        rows.add(
            zone_id, year, cities.get(zone_id), "supplier_introduction", case_id, name,
            rule.clause, basis=investment, rate=rule.rate, computed=computed, cap=rule.cap,
            reward=reward, region_share=rule.region_share, eligible=eligible,
            explanation=explanation)
    return not_yet_effective(rows.frame(), "supplier_introduction", effective, year)


# ---------------------------------------------------------------------------------------------
# (十二) fdi_project
# ---------------------------------------------------------------------------------------------


def fdi_project_rewards(projects: pl.DataFrame, rates: pl.DataFrame, zones: pl.DataFrame,
                        policy: PolicyConfig, year: int) -> pl.DataFrame:
    """条款 五、（十二）, [rewards.fdi_project]: one row per project and year, 2% of the year's FDI
    received, converted at that year's rate."""
    rule = policy.rewards.fdi_project
    cities = _zone_cities(zones)
    rate_of_year = dict(rates.select("year", "usd_cny").drop_nulls().iter_rows())
    usd_cny = rate_of_year.get(year)
    # Words that are the same on every row.
    rate_words = percent(rule.rate)
    cap_wan = wan_yuan(rule.cap)
    usd_cny_words = plain(usd_cny) if usd_cny is not None else ""
    rows = _Rows()
    of_year = projects.filter(pl.col("year") == year).sort("project_id").select(
        "zone_id", "project_id", "enterprise_name", "project_type", "industry_code",
        "encouraged", "leading_industry", "quasi_finance", "similar_reward_claimed",
        "fdi_received_usd")
    for (zone_id, project_id, enterprise_name, ptype, industry_code, encouraged,
         leading_industry, quasi_finance, similar_reward_claimed, received
         ) in of_year.iter_rows():
        threshold = rule.min_fdi_usd.get(ptype)
        type_label = PROJECT_TYPE_LABELS.get(ptype, ptype or "未知类型")
        received_words = threshold_words = ""
        if received is not None and threshold is not None:
            amount_words, threshold_words = _against(received, threshold, "万美元")
            received_words = f"{type_label}当年实际到位外资 {amount_words}"
        division = industry_division(industry_code)
        reason = ""
        if received is None or threshold is None:
            reason = "缺少实际到位外资或项目类型，无法认定"
        elif not (encouraged or leading_industry):
            reason = "既不属于外资鼓励类产业，也不属于园区主导产业"
        elif division in rule.excluded_industry_divisions:
            sector = "房地产业" if division == "70" else "金融业"
            reason = f"行业代码 {industry_code} 属于{sector}（金融业、类金融业和房地产业除外）"
        elif quasi_finance:
            reason = "属于类金融业（金融业、类金融业和房地产业除外）"
        elif similar_reward_claimed:
            reason = "已享受同类奖励政策，不叠加享受"
        elif not received > threshold:
            reason = f"{received_words}，未超过 {threshold_words}"
        elif usd_cny is None:
            reason = f"缺少 {year} 年美元兑人民币汇率，无法折算"
        if reason == "" and division is None:
            # Validation stops such a code. Should one get here all the same, the exclusion of
            # finance and real estate cannot be decided, and "not finance" would be a guess
            # that pays: the row says so and carries no amount.
            rows.add(
                zone_id, year, cities.get(zone_id), "fdi_project", project_id,
                enterprise_name or "", rule.clause, reward=None, region_share=None,
                eligible=False,
                explanation=f"行业代码“{industry_code or ''}”无法对应到 GB/T 4754-2017 的行业"
                            "大类，无法判断是否属于金融业、房地产业，暂无法认定")
            continue
        eligible = reason == ""
        basis = computed = None
        if received is not None and usd_cny is not None:
            basis = received * usd_cny
            computed = basis * rule.rate
        if eligible:
            reward, cap_words = _capped(computed, rule.cap, cap_wan)
            explanation = (f"{received_words} > {threshold_words}，按 {year} 年汇率 "
                           f"{usd_cny_words} 折合 {exact_then_rounded(basis)}，按 "
                           f"{rate_words} 计 {exact_then_rounded(computed)}（{cap_words}），"
                           f"奖励 {yuan(reward)}")
        else:
            reward, explanation = Decimal(0), f"不予奖励：{reason}"
        rows.add(
            zone_id, year, cities.get(zone_id), "fdi_project", project_id,
            enterprise_name or "", rule.clause, basis=basis, rate=rule.rate,
            computed=computed, cap=rule.cap, reward=reward, region_share=rule.region_share,
            eligible=eligible, explanation=explanation)
    return not_yet_effective(rows.frame(), "fdi_project",
                             policy.rewards.effective_year_of("fdi_project"), year)


# ---------------------------------------------------------------------------------------------
# (十六) ranking rewards for national zones
# ---------------------------------------------------------------------------------------------


def ranking_rewards(zones: pl.DataFrame, rankings: pl.DataFrame, policy: PolicyConfig,
                    year: int) -> pl.DataFrame:
    """条款 七、（十六）, [rewards.ranking]: new_national_zone, first_top50, first_top100 and
    rank_improvement for `year`.

    A ranking row's year is the data year assessed. First entry looks at every earlier year of
    the ranking history supplied; rank_improvement needs a rank in year - 1 (for a zone that was
    national then). A rule that needs a rank the rankings do not hold is listed as undecided
    (无法判定, no amount) rather than left out. Years before the rules' effective year earn
    nothing (they are history only): their cases are listed with that reason.
    """
    rule = policy.rewards.ranking
    national = assessed_zones(zones, year).filter(pl.col("level") == "national")
    national_before = set(assessed_zones(zones, year - 1).filter(
        pl.col("level") == "national")["zone_id"].to_list())
    ranked_years = set(rankings["year"].drop_nulls().unique().to_list())
    rows = _Rows()

    def absent(y: int) -> str:
        return rank_absence(y, y in ranked_years)[0]

    def undecided(zone: dict, rule_id: str, amount: Decimal, why: str) -> None:
        rows.add(
            zone["zone_id"], year, zone["city"], rule_id, zone["zone_id"], zone["zone_name"],
            rule.clause, cap=amount, reward=None, region_share=None, eligible=False,
            explanation=UNDECIDED_PREFIX + why)

    def add(zone: dict, rule_id: str, amount: Decimal, eligible: bool, explanation: str) -> None:
        rows.add(
            zone["zone_id"], year, zone["city"], rule_id, zone["zone_id"], zone["zone_name"],
            rule.clause, cap=amount, reward=amount if eligible else Decimal(0),
            region_share=rule.region_share, eligible=eligible,
            explanation=explanation if eligible else f"不予奖励：{explanation}")

    for zone in national.iter_rows(named=True):
        history = rankings.filter(pl.col("zone_id") == zone["zone_id"]).drop_nulls("rank")
        ranks = dict(history.select("year", "rank").iter_rows())
        earlier = {y: r for y, r in ranks.items() if y < year}
        approved: dt.date | None = zone["approved_date"]
        if approved is not None and approved.year == year:
            add(zone, "new_national_zone", rule.new_national_zone, True,
                f"{approved.isoformat()} 新获批国家级经开区，给予最高 {wan_yuan(rule.new_national_zone)}奖励")
        rank = ranks.get(year)
        if rank is None:
            for rule_id, amount in (("first_top50", rule.first_top50),
                                    ("first_top100", rule.first_top100)):
                undecided(zone, rule_id, amount, absent(year))
            if zone["zone_id"] in national_before:
                undecided(zone, "rank_improvement", rule.rank_improvement, absent(year))
            continue
        tiers = []
        for rule_id, limit, amount in (("first_top50", rule.first_top50_rank, rule.first_top50),
                                       ("first_top100", rule.first_top100_rank, rule.first_top100)):
            if rank > limit:
                continue
            before = sorted(y for y, r in earlier.items() if r <= limit)
            if before:
                add(zone, rule_id, amount, False,
                    f"{year} 年排名第 {rank} 名，但已于 {before[0]} 年进入前 {limit} 名，不属于首次进入")
            else:
                tiers.append((rule_id, limit, amount))
        for i, (rule_id, limit, amount) in enumerate(tiers):
            words = f"{year} 年排名第 {rank} 名，首次进入前 {limit} 名（含）"
            if i > 0 and not rule.stack_first_entry_tiers:
                higher = tiers[0]
                add(zone, rule_id, amount, False,
                    f"{words}；同年已获首次进入前 {higher[1]} 名奖励，就高不重复")
            else:
                add(zone, rule_id, amount, True, f"{words}，给予最高 {wan_yuan(amount)}奖励")
        previous = ranks.get(year - 1)
        if previous is None and zone["zone_id"] in national_before:
            undecided(zone, "rank_improvement", rule.rank_improvement, absent(year - 1))
        if previous is not None:
            gain = previous - rank
            change = f"提升 {gain} 位" if gain > 0 else ("持平" if gain == 0 else f"下降 {-gain} 位")
            words = f"排名由 {year - 1} 年第 {previous} 名变为 {year} 年第 {rank} 名，{change}"
            if gain >= rule.rank_improvement_places:
                add(zone, "rank_improvement", rule.rank_improvement, True,
                    f"{words}（≥ {rule.rank_improvement_places} 位），给予最高 "
                    f"{wan_yuan(rule.rank_improvement)}奖励")
            else:
                add(zone, "rank_improvement", rule.rank_improvement, False,
                    f"{words}，未达到提升 {rule.rank_improvement_places} 位以上")
    return not_yet_effective(rows.frame(), "ranking", policy.rewards.effective_year_of("ranking"),
                             year)


# ---------------------------------------------------------------------------------------------
# (十一) investment_ambassador
# ---------------------------------------------------------------------------------------------


def ambassador_rewards(referrals: pl.DataFrame, zones: pl.DataFrame, policy: PolicyConfig,
                       year: int) -> pl.DataFrame:
    """条款 五、（十一）, [rewards.investment_ambassador]: the host city's rate x the project's
    actual investment, paid by the city.

    A city with no configured rate gets a row saying so, with no amount: 0 would claim the city
    decided to pay nothing.
    """
    rule = policy.rewards.investment_ambassador
    cities = _zone_cities(zones)
    rows = _Rows()
    for r in referrals.filter(pl.col("year") == year).sort("referral_id").iter_rows(named=True):
        city = cities.get(r["zone_id"])
        investment = r["actual_investment"]
        rate = rule.city_rates.get(city) if city else None
        who = f"招商大使{r['ambassador_name'] or ''}引进“{r['project_name'] or ''}”"
        if rate is None or investment is None:
            missing = "实际投资额缺失" if investment is None else f"{city or '所在设区市'}未设定招商大使奖励比例"
            rows.add(
                r["zone_id"], year, city, "investment_ambassador", r["referral_id"],
                r["project_name"] or "", rule.clause, basis=investment, reward=None,
                region_share=None, eligible=False,
                explanation=f"{who}，{missing}，暂无法计算奖励")
            continue
        computed = investment * rate
        reward = round_fen(computed)
        rows.add(
            r["zone_id"], year, city, "investment_ambassador", r["referral_id"],
            r["project_name"] or "", rule.clause, basis=investment, rate=rate, computed=computed,
            reward=reward, region_share=Decimal(0), eligible=True,
            explanation=(f"{who}，实际投资额 {wan_yuan(investment)} × {city}奖励比例 "
                         f"{percent(rate)} = {exact_then_rounded(computed)}，由{city}人民政府发放"))
    return not_yet_effective(rows.frame(), "investment_ambassador",
                             policy.rewards.effective_year_of("investment_ambassador"), year)


# ---------------------------------------------------------------------------------------------
# (四) researcher cash rewards: a taxable amount, not a payment
# ---------------------------------------------------------------------------------------------

RESEARCHER_SCHEMA: dict[str, pl.DataType] = {
    "record_id": pl.String(), "zone_id": pl.String(), "year": pl.Int64(),
    "institution_name": pl.String(), "amount_cny": MONEY_DTYPE, "taxable_share": pl.String(),
    "taxable_cny": MONEY_DTYPE, "eligible": pl.Boolean(), "clause": pl.String(),
    "explanation": pl.String(),
}
INSTITUTION_LABELS = {"research_institute": "研究开发机构", "university": "高等院校",
                      "other": "其他单位"}


def researcher_taxable_amounts(records: pl.DataFrame, policy: PolicyConfig, year: int
                               ) -> pl.DataFrame:
    """条款 三、（四）, [rewards.researcher_cash_reward]: 50% of an eligible cash reward counts
    toward that month's wage income; otherwise all."""
    rule = policy.rewards.researcher_cash_reward
    effective = policy.rewards.effective_year_of("researcher_cash_reward")
    rows = []
    for r in records.filter(pl.col("year") == year).sort("record_id").iter_rows(named=True):
        amount = r["amount"]
        kind = INSTITUTION_LABELS.get(r["institution_type"], r["institution_type"] or "未知单位")
        if year < effective:
            reason = f"本条款自 {effective} 年度起施行，{year} 年度不适用"
        elif r["institution_type"] not in rule.institution_types:
            reason = f"发放单位为{kind}，不是研究开发机构或高等院校"
        elif not r["nonprofit"]:
            reason = "发放单位不是非营利性机构"
        elif not r["tax_rules_met"]:
            reason = "未标记为符合税收政策相关规定"
        else:
            reason = ""
        eligible = reason == "" and amount is not None
        share = rule.taxable_share if eligible else Decimal(1)
        taxable = round_fen(amount * share) if amount is not None else None
        if amount is None:
            explanation = "缺少现金奖励金额"
        elif eligible:
            explanation = (f"非营利性{kind}发放现金奖励 {yuan(amount)}，减按 {percent(share)} "
                           f"计入当月工资、薪金所得：{yuan(taxable)}")
        else:
            explanation = f"{reason}，现金奖励 {yuan(amount)} 全额计入工资、薪金所得"
        rows.append({
            "record_id": r["record_id"], "zone_id": r["zone_id"], "year": year,
            "institution_name": r["institution_name"], "amount_cny": amount,
            "taxable_share": plain(share), "taxable_cny": taxable, "eligible": eligible,
            "clause": rule.clause, "explanation": explanation,
        })
    if not rows:
        return pl.DataFrame(schema=RESEARCHER_SCHEMA)
    return pl.DataFrame(rows, schema=RESEARCHER_SCHEMA, orient="row")


# The rules each [rewards.<section>] covers, for its effective year.
SECTION_RULES = {
    "supplier_introduction": ("supplier_introduction",),
    "fdi_project": ("fdi_project",),
    "ranking": ("new_national_zone", "first_top50", "first_top100", "rank_improvement"),
    "investment_ambassador": ("investment_ambassador",),
}
SECTION_LABELS = {"supplier_introduction": "条款（二）引进供应商（合作伙伴）奖励",
                  "fdi_project": "条款（十二）外资项目奖励",
                  "ranking": "条款（十六）国家级考核排名奖励",
                  "investment_ambassador": "条款（十一）招商大使奖励"}


def not_yet_effective(rewards: pl.DataFrame, section: str, effective_year: int, year: int
                      ) -> pl.DataFrame:
    """Before its effective year a rule pays nothing: each case is still listed, with that
    reason, no computed amount and a reward of 0 (decided, not pending)."""
    if year >= effective_year or rewards.is_empty():
        return rewards
    reason = (f"不予奖励：{SECTION_LABELS[section]}自 {effective_year} 年度起施行，"
              f"{year} 年度的事项不予奖励")
    zero = pl.lit(Decimal(0), MONEY_DTYPE)
    return rewards.with_columns(
        pl.lit(None, MONEY_DTYPE).alias("computed_cny"),
        zero.alias("reward_cny"), zero.alias("region_share_cny"), zero.alias("city_share_cny"),
        pl.lit(False).alias("eligible"), pl.lit(reason).alias("explanation"))


def no_stacking_across_rules(rewards: pl.DataFrame, cases: pl.DataFrame,
                             projects: pl.DataFrame, policy: PolicyConfig, year: int
                             ) -> pl.DataFrame:
    """同类奖励政策不叠加享受 (五、（十二）): an enterprise introduced under 三、（二） and an FDI
    project of the same enterprise (the same unified social credit code) in the same year are
    paid once. [rewards] no_stacking_keep says which stands: the higher total (a tie keeps
    三、（二）) or always the one named; the other's granted rows become 0, saying why.
    Validation reports the double claim as a warning (fdi_projects.not_claimed_under_both)."""
    keep = policy.rewards.no_stacking_keep
    supplier_uscc = cases.filter(pl.col("year") == year).select(
        pl.col("case_id").cast(pl.String).alias("subject_id"),
        pl.col("introduced_uscc").alias("_uscc"), pl.lit("supplier_introduction").alias("rule"))
    fdi_uscc = projects.filter(pl.col("year") == year).select(
        pl.col("project_id").cast(pl.String).alias("subject_id"),
        pl.col("enterprise_uscc").alias("_uscc"), pl.lit("fdi_project").alias("rule"))
    keyed = rewards.join(pl.concat([supplier_uscc, fdi_uscc]).drop_nulls("_uscc"),
                         on=["rule", "subject_id"], how="left", maintain_order="left")
    granted = keyed.filter(pl.col("_uscc").is_not_null() & (pl.col("reward_cny") > 0))
    totals = granted.group_by("_uscc", "rule").agg(pl.col("reward_cny").sum().alias("total"))
    both = totals.group_by("_uscc").agg(pl.len().alias("n")).filter(pl.col("n") == 2)
    if both.is_empty():
        return rewards
    total = {(u, r): t for u, r, t in totals.iter_rows()}
    # uscc -> (the rule that yields, the other rule's total, the other rule)
    losing: dict[str, tuple[str, Decimal, str]] = {}
    for uscc in both["_uscc"].to_list():
        supplier, fdi = total[(uscc, "supplier_introduction")], total[(uscc, "fdi_project")]
        if keep == "supplier_introduction" or (keep == "higher" and supplier >= fdi):
            losing[uscc] = ("fdi_project", supplier, "supplier_introduction")
        else:
            losing[uscc] = ("supplier_introduction", fdi, "fdi_project")
    words: list[str | None] = []
    for uscc, rule, reward in keyed.select("_uscc", "rule", "reward_cny").iter_rows():
        hit = losing.get(uscc) if uscc is not None else None
        if hit is None or hit[0] != rule or not (reward is not None and reward > 0):
            words.append(None)
            continue
        _, amount, other = hit
        words.append(f"不予奖励：该企业（统一社会信用代码 {uscc}）{year} 年已按{RULE_LABELS[other]}"
                     f"获得 {yuan(amount)}" + ("（较高）" if keep == "higher" else "")
                     + "，同类奖励政策不叠加享受")
    yields = pl.Series("_yields", words, dtype=pl.String)
    zero = pl.lit(Decimal(0), MONEY_DTYPE)
    hit = pl.col("_yields").is_not_null()
    return keyed.with_columns(yields).with_columns(
        *(pl.when(hit).then(zero).otherwise(pl.col(c)).alias(c)
          for c in ("reward_cny", "region_share_cny", "city_share_cny")),
        pl.when(hit).then(False).otherwise(pl.col("eligible")).alias("eligible"),
        pl.when(hit).then(pl.col("_yields")).otherwise(pl.col("explanation")).alias("explanation"),
    ).select(list(REWARD_SCHEMA))


def all_rewards(frames: dict[str, pl.DataFrame], policy: PolicyConfig, year: int,
                ledger: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every entitlement of `year`, in rule order then subject (results/rewards.csv).

    `ledger`: rewards granted by earlier runs (the warehouse's reward_ledger), see
    supplier_introduction_rewards.
    """
    zones = frames["zones"]
    parts = [
        supplier_introduction_rewards(frames["supplier_introductions"], zones, policy, year,
                                      ledger),
        fdi_project_rewards(frames["fdi_projects"], frames["exchange_rates"], zones, policy, year),
        ranking_rewards(zones, frames["national_rankings"], policy, year),
        ambassador_rewards(frames["ambassador_referrals"], zones, policy, year),
    ]
    order = {rule: i for i, rule in enumerate(RULE_LABELS)}
    combined = (
        pl.concat(parts)
        .with_columns(pl.col("rule").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
        .sort("zone_id", "_o", "subject_id")
        .drop("_o")
    )
    return no_stacking_across_rules(combined, frames["supplier_introductions"],
                                    frames["fdi_projects"], policy, year)


# One row per reward granted (amount > 0): the warehouse's reward_ledger, which later years read.
LEDGER_COLUMNS = {"year": pl.Int64, "zone_id": pl.String, "rule": pl.String,
                  "subject_id": pl.String, "introduced_uscc": pl.String,
                  "case_id": pl.String, "reward_cny": pl.Decimal(20, 2)}


def granted_rewards(rewards: pl.DataFrame, cases: pl.DataFrame) -> pl.DataFrame:
    """The ledger rows of a run: rewards with an amount, and for supplier introductions the
    introduced enterprise's USCC (the key the once-only rule of 条款（二） is about)."""
    uscc = cases.select(pl.col("case_id").cast(pl.String),
                        pl.col("introduced_uscc").cast(pl.String))
    granted = (rewards.filter(pl.col("reward_cny") > 0)
               .select("year", "zone_id", "rule", pl.col("subject_id").cast(pl.String),
                       "reward_cny"))
    return (granted
            .join(uscc, left_on="subject_id", right_on="case_id", how="left")
            .with_columns(
                pl.when(pl.col("rule") == "supplier_introduction")
                .then(pl.col("introduced_uscc")).otherwise(None).alias("introduced_uscc"),
                pl.when(pl.col("rule") == "supplier_introduction")
                .then(pl.col("subject_id")).otherwise(None).alias("case_id"))
            .select(list(LEDGER_COLUMNS)))
