"""The reward and scoring code as it was before compute_step was made fast: the test oracle.

transforms/rewards.py now finds who first took a one-time supplier reward in Polars and words
only the assessed year's cases, and transforms/scores.py keeps scores as integers over common
denominators and scores each year once per run; this is the straightforward per-case, Fraction
based code they replaced, verbatim (money formats included), kept only so that
tests/test_compute_equivalence.py can check that both give the same frames on awkward data.
It has no tests of its own. Production code never imports it.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

import polars as pl

from transforms.contract import DATASETS
from transforms.indicators import assessed_zones
from transforms.methodology import MethodologyConfig, ScoringIndicator
from transforms.policy import PolicyConfig
from transforms.rewards import (
    INDUSTRY_CLASS_LABELS,
    PROJECT_TYPE_LABELS,
    REWARD_SCHEMA,
    RULE_LABELS,
    industry_division,
)
from transforms.scores import (
    INDICATOR_VALUE_SCHEMA,
    LAST_HISTORY_SCHEMA,
    ROBUSTNESS_SCHEMA,
    SCORE_DECIMALS,
    SCORE_DTYPE,
    VALUE_DECIMALS,
    VALUE_DTYPE,
)

# ---------------------------------------------------------------------------------------------
# transforms/money.py
# ---------------------------------------------------------------------------------------------

FEN = Decimal("0.01")
WAN = Decimal(10) ** 4
YI = Decimal(10) ** 8


def round_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def split_funding(reward: Decimal, region_share: Decimal) -> tuple[Decimal, Decimal]:
    """(region, city): the region's part rounded half up, the city's the exact remainder."""
    region = round_fen(reward * region_share)
    return region, reward - region


def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 7777.7777, 5000, 0.5."""
    text = format(value.normalize(), "f")
    return text


def grouped(value: Decimal, places: int | None = None) -> str:
    """Thousands separators; `places` fixes the decimals, None keeps the significant ones."""
    if places is not None:
        return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,.{places}f}"
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return f"{normal:,.{decimals}f}"


def yuan(amount: Decimal) -> str:
    """777777.77 -> '777,777.77 元'."""
    return f"{grouped(amount, 2)} 元"


def wan_yuan(amount_yuan: Decimal) -> str:
    """An amount in yuan shown in 万元 with every significant digit: 77777777 -> '7,777.7777 万元'."""
    return f"{grouped(amount_yuan / WAN)} 万元"


def wan_usd(amount_usd: Decimal) -> str:
    return f"{grouped(amount_usd / WAN)} 万美元"


def percent(rate: Decimal) -> str:
    """0.01 -> '1%', 0.0015 -> '0.15%'."""
    return f"{plain(rate * 100)}%"


# ---------------------------------------------------------------------------------------------
# transforms/scores.py
# ---------------------------------------------------------------------------------------------

_QUOTIENT_PRECISION = 40

# (floor, span): score = floor + span x position in the group, position in [0, 1].
# A missing value scores the floor; a group with max = min scores floor + span = 100.
_NORMALISER_SCALE = {"efficacy": (Fraction(60), Fraction(40)), "minmax": (Fraction(0), Fraction(100))}


def _short_label(column: str) -> str:
    return DATASETS["zone_stats"].column(column).short_label


def _as_decimal(value: Any) -> Decimal | None:
    """A zone_stats cell as an exact Decimal. Physical ratios (energy per GDP, area) arrive as
    floats; their shortest repr is the decimal the data staff typed (<= 4 decimals in the
    contract), so Decimal(repr(x)) recovers it where Decimal(x) would keep the binary noise."""
    if value is None:
        return None
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _keep(value: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = _QUOTIENT_PRECISION
        return value.quantize(Decimal(1).scaleb(-VALUE_DECIMALS), rounding=ROUND_HALF_UP)


def _quotient(num: Decimal, den: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = _QUOTIENT_PRECISION
        return _keep(num / den)


def _round(value: Fraction, places: int = SCORE_DECIMALS) -> Decimal:
    """Exact half-up rounding of a rational (no intermediate decimal division)."""
    scaled = abs(value) * 10**places
    q, r = divmod(scaled.numerator, scaled.denominator)
    if 2 * r >= scaled.denominator:
        q += 1
    return Decimal(-q if value < 0 else q).scaleb(-places)


def _raw_value(ind: ScoringIndicator, row: dict[str, Any], year: int
               ) -> tuple[Decimal | None, str | None]:
    """(value, None) or (None, reason in Chinese)."""
    if ind.derivation == "ratio":
        num, den = _as_decimal(row[ind.numerator]), _as_decimal(row[ind.denominator])
        if num is None:
            return None, f"缺少 {year} 年{_short_label(ind.numerator)}"
        if den is None:
            return None, f"缺少 {year} 年{_short_label(ind.denominator)}"
        if den == 0:
            return None, f"{year} 年{_short_label(ind.denominator)}为零，无法计算"
        return _quotient(num, den), None
    cur = _as_decimal(row[ind.column])
    label = _short_label(ind.column)
    if cur is None:
        return None, f"缺少 {year} 年{label}"
    if ind.derivation == "column":
        return _keep(cur), None
    if ind.derivation == "yoy":
        prev = _as_decimal(row[ind.column + "_prev"])
        if prev is None:
            return None, f"缺少 {year - 1} 年{label}，无法计算比上年增长"
        if prev == 0:
            return None, f"{year - 1} 年{label}为零，无法计算比上年增长"
        return _quotient(cur - prev, prev), None
    # city_share
    city = _as_decimal(row[ind.column + "_city"])
    if city is None:
        return None, f"缺少 {year} 年所在设区市{label}"
    if city == 0:
        return None, f"{year} 年所在设区市{label}为零，无法计算比重"
    return _quotient(cur, city), None


@dataclass(frozen=True)
class _Cell:
    value: Decimal | None
    reason: str | None
    score: Fraction


@dataclass(frozen=True)
class _YearScores:
    """Everything scored for one year, exact; the public functions format from it."""

    year: int
    methodology: MethodologyConfig
    zones: tuple[tuple[str, str], ...]  # (zone_id, level), sorted by zone_id
    cells: dict[tuple[str, str], _Cell]  # (zone_id, indicator id)
    bounds: dict[str, tuple[Decimal | None, Decimal | None]]  # indicator id -> (min, max)
    category_scores: dict[tuple[str, str], Fraction]  # (zone_id, category id)

    def composites(self, weights: dict[str, Fraction] | None = None) -> dict[str, Fraction]:
        w = weights or {c.id: Fraction(c.weight) for c in self.methodology.categories}
        return {
            z: sum((w[c.id] * self.category_scores[z, c.id] for c in self.methodology.categories),
                   Fraction(0))
            for z, _ in self.zones
        }

    @property
    def regional(self) -> list[str]:
        return [z for z, level in self.zones if level == "regional"]

    def regional_ranks(self, composites: dict[str, Fraction]) -> dict[str, int]:
        """Rank = 1 + number of regional zones with a strictly higher composite ("min" method)."""
        ordered = sorted(self.regional, key=lambda z: composites[z], reverse=True)
        ranks: dict[str, int] = {}
        for position, z in enumerate(ordered, start=1):
            tied = position > 1 and composites[z] == composites[ordered[position - 2]]
            ranks[z] = ranks[ordered[position - 2]] if tied else position
        return ranks

    def next_composite_up(self, composites: dict[str, Fraction]) -> dict[str, Fraction]:
        """Per regional zone not ranked first: the composite of the zone(s) ranked just above."""
        distinct = sorted({composites[z] for z in self.regional})
        return {z: distinct[k + 1] for z in self.regional
                if (k := bisect_left(distinct, composites[z])) + 1 < len(distinct)}

    def regional_last(self, composites: dict[str, Fraction]) -> set[str]:
        if not self.regional:
            return set()
        lowest = min(composites[z] for z in self.regional)
        return {z for z in self.regional if composites[z] == lowest}

    def missing(self, zone_id: str) -> list[str]:
        return [i.id for i in self.methodology.indicators if self.cells[zone_id, i.id].value is None]


def _score_year(zones: pl.DataFrame, zone_stats: pl.DataFrame, city_stats: pl.DataFrame,
                methodology: MethodologyConfig, year: int) -> _YearScores:
    indicators = methodology.indicators
    columns = sorted({c for i in indicators for c in (i.column, i.numerator, i.denominator) if c})
    yoy_columns = sorted({i.column for i in indicators if i.derivation == "yoy"})
    city_columns = sorted({i.column for i in indicators if i.derivation == "city_share"})
    # Join in Polars (assessed set, year Y, year Y-1, host city), then score row by row.
    wide = (
        assessed_zones(zones, year).select("zone_id", "level", "city")
        .join(zone_stats.filter(pl.col("year") == year).select("zone_id", *columns),
              on="zone_id", how="left")
        .join(zone_stats.filter(pl.col("year") == year - 1)
              .select("zone_id", *[pl.col(c).alias(c + "_prev") for c in yoy_columns]),
              on="zone_id", how="left")
        .join(city_stats.filter(pl.col("year") == year)
              .select("city", *[pl.col(c).alias(c + "_city") for c in city_columns]),
              on="city", how="left")
        .sort("zone_id")
    )
    rows = wide.to_dicts()
    zone_levels = tuple((r["zone_id"], r["level"]) for r in rows)
    raw = {(r["zone_id"], i.id): _raw_value(i, r, year) for r in rows for i in indicators}

    floor, span = _NORMALISER_SCALE[methodology.normaliser]
    cells: dict[tuple[str, str], _Cell] = {}
    bounds: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    for ind in indicators:
        present = [raw[z, ind.id][0] for z, _ in zone_levels if raw[z, ind.id][0] is not None]
        lo, hi = (min(present), max(present)) if present else (None, None)
        bounds[ind.id] = (lo, hi)
        for z, _ in zone_levels:
            value, reason = raw[z, ind.id]
            if value is None:
                score = floor
            elif hi == lo:
                score = floor + span
            else:
                above = value - lo if ind.higher_is_better else hi - value
                score = floor + span * Fraction(above) / Fraction(hi - lo)
            cells[z, ind.id] = _Cell(value, reason, score)

    category_scores = {
        (z, c.id): sum((cells[z, i.id].score for i in c.indicators), Fraction(0)) / len(c.indicators)
        for z, _ in zone_levels
        for c in methodology.categories
    }
    return _YearScores(year, methodology, zone_levels, cells, bounds, category_scores)


def indicator_values(zones: pl.DataFrame, zone_stats: pl.DataFrame, city_stats: pl.DataFrame,
                     methodology: MethodologyConfig, year: int) -> pl.DataFrame:
    """One row per assessed zone (both levels) and scoring indicator: the raw value and why it
    is missing, if it is."""
    scored = _score_year(zones, zone_stats, city_stats, methodology, year)
    records = [
        {"zone_id": z, "year": year, "level": level, "category": i.category, "indicator": i.id,
         "value": scored.cells[z, i.id].value, "missing": scored.cells[z, i.id].value is None,
         "missing_reason": scored.cells[z, i.id].reason}
        for z, level in scored.zones
        for i in methodology.indicators
    ]
    return pl.DataFrame(records, schema=INDICATOR_VALUE_SCHEMA, orient="row")


def _national_ranks(national_rankings: pl.DataFrame, year: int) -> dict[str, int]:
    rows = national_rankings.filter(pl.col("year") == year).select("zone_id", "rank")
    return dict(zip(rows["zone_id"].to_list(), rows["rank"].to_list(), strict=True))


def _scores_schema(methodology: MethodologyConfig) -> dict[str, pl.DataType]:
    return {
        "zone_id": pl.String(),
        "year": pl.Int64(),
        "level": pl.String(),
        **{c.id: SCORE_DTYPE for c in methodology.categories},
        "score": SCORE_DTYPE,
        "regional_rank": pl.Int64(),
        "national_rank": pl.Int64(),
        "regional_last": pl.Boolean(),
        "missing_indicators": pl.String(),
    }


def _scores_frame(scored: _YearScores, national_rankings: pl.DataFrame) -> pl.DataFrame:
    methodology = scored.methodology
    composites = scored.composites()
    ranks = scored.regional_ranks(composites)
    last = scored.regional_last(composites)
    national = _national_ranks(national_rankings, scored.year)
    records = [
        {
            "zone_id": z,
            "year": scored.year,
            "level": level,
            **{c.id: _round(scored.category_scores[z, c.id]) for c in methodology.categories},
            "score": _round(composites[z]),
            "regional_rank": ranks.get(z),
            "national_rank": national.get(z) if level == "national" else None,
            "regional_last": z in last,
            "missing_indicators": ";".join(scored.missing(z)),
        }
        for z, level in scored.zones
    ]
    return pl.DataFrame(records, schema=_scores_schema(methodology), orient="row")


def composite_scores(zones: pl.DataFrame, zone_stats: pl.DataFrame, city_stats: pl.DataFrame,
                     national_rankings: pl.DataFrame, methodology: MethodologyConfig,
                     year: int) -> pl.DataFrame:
    """results/scores.csv: category scores, composite, regional rank and 末位 per assessed zone.

    National zones are scored for comparison but not ranked regionally: regional_rank is null,
    national_rank is their official rank for the year (null if absent), regional_last False.
    Scores are rounded to 6 decimals here; ranks and last place were decided on exact values.
    """
    scored = _score_year(zones, zone_stats, city_stats, methodology, year)
    return _scores_frame(scored, national_rankings)


def _split_rounded(parts: list[Fraction], total: Fraction) -> list[Decimal]:
    """Round non-negative parts to 6 decimals so that they add up to round(total) exactly
    (largest remainder: the parts closest to rounding up take the missing millionths)."""
    unit = Fraction(1, 10**SCORE_DECIMALS)
    floors = [math.floor(p / unit) for p in parts]
    target = int(_round(total) / Decimal(1).scaleb(-SCORE_DECIMALS))
    order = sorted(range(len(parts)), key=lambda k: parts[k] / unit - floors[k], reverse=True)
    for k in order[: target - sum(floors)]:
        floors[k] += 1
    return [Decimal(f).scaleb(-SCORE_DECIMALS) for f in floors]


def score_explanation(zones: pl.DataFrame, zone_stats: pl.DataFrame, city_stats: pl.DataFrame,
                      national_rankings: pl.DataFrame, methodology: MethodologyConfig,
                      year: int) -> pl.DataFrame:
    """Per zone and indicator, every number needed to redo the composite by hand.

    contribution = category weight x indicator score / number of indicators in the category, so
    a category's contributions add up to weight x category score and all of a zone's to its
    composite. Displayed to 6 decimals, they are rounded so that they add up to the displayed
    composite exactly (the largest remainders take the missing millionths), which can move one
    contribution by 0.000001 from its own rounding.
    gap_to_next_rank = composite of the regional zone ranked just above minus this zone's (null
    for rank 1 and national zones): what the zone would need to gain to move up.
    """
    scored = _score_year(zones, zone_stats, city_stats, methodology, year)
    composites = scored.composites()
    ranks = scored.regional_ranks(composites)
    records: list[dict[str, Any]] = []
    next_up = scored.next_composite_up(composites)
    for z, level in scored.zones:
        gap = _round(next_up[z] - composites[z]) if z in next_up else None
        exact = [
            Fraction(c.weight) * scored.cells[z, i.id].score / len(c.indicators)
            for c in methodology.categories for i in c.indicators
        ]
        contributions = iter(_split_rounded(exact, composites[z]))
        for c in methodology.categories:
            for i in c.indicators:
                cell = scored.cells[z, i.id]
                lo, hi = scored.bounds[i.id]
                records.append({
                    "zone_id": z, "year": year, "level": level,
                    "category": c.id, "category_label": c.label, "category_weight": c.weight,
                    "indicator": i.id, "indicator_label": i.label, "unit": i.unit,
                    "direction": i.direction, "value": cell.value,
                    "missing": cell.value is None, "missing_reason": cell.reason,
                    "group_min": lo, "group_max": hi, "indicator_score": _round(cell.score),
                    "category_score": _round(scored.category_scores[z, c.id]),
                    "contribution": next(contributions), "score": _round(composites[z]),
                    "regional_rank": ranks.get(z), "gap_to_next_rank": gap,
                })
    schema = {
        "zone_id": pl.String, "year": pl.Int64, "level": pl.String, "category": pl.String,
        "category_label": pl.String, "category_weight": SCORE_DTYPE, "indicator": pl.String,
        "indicator_label": pl.String, "unit": pl.String, "direction": pl.String,
        "value": VALUE_DTYPE, "missing": pl.Boolean, "missing_reason": pl.String,
        "group_min": VALUE_DTYPE, "group_max": VALUE_DTYPE, "indicator_score": SCORE_DTYPE,
        "category_score": SCORE_DTYPE, "contribution": SCORE_DTYPE, "score": SCORE_DTYPE,
        "regional_rank": pl.Int64, "gap_to_next_rank": SCORE_DTYPE,
    }
    return pl.DataFrame(records, schema=schema, orient="row")


def regional_last_history(zones: pl.DataFrame, zone_stats: pl.DataFrame,
                          city_stats: pl.DataFrame, national_rankings: pl.DataFrame,
                          methodology: MethodologyConfig, years: Iterable[int]) -> pl.DataFrame:
    """zone_id, year, regional_last for every zone assessed in each year, each year ranked over
    its own assessed set (连续3年末位 needs Y-2, Y-1 and Y). level, score and regional_rank come
    along so that transforms.supervision can word its findings from this frame alone."""
    frames = [
        _scores_frame(_score_year(zones, zone_stats, city_stats, methodology, year),
                      national_rankings).select(*LAST_HISTORY_SCHEMA)
        for year in sorted(set(years))
    ]
    return pl.concat(frames) if frames else pl.DataFrame(schema=LAST_HISTORY_SCHEMA)


def _percent(p: Decimal) -> str:
    return format((p * 100).normalize(), "f")


def rank_robustness(zones: pl.DataFrame, zone_stats: pl.DataFrame, city_stats: pl.DataFrame,
                    national_rankings: pl.DataFrame, methodology: MethodologyConfig, year: int,
                    perturbation: Decimal = Decimal("0.10")) -> pl.DataFrame:
    """Does a regional zone's rank survive a modest change of the category weights?

    Each category weight in turn is scaled by 1 + p and by 1 - p, and all weights are divided by
    their new sum so that they add up to 1 again; the regional ranks are recomputed from the same
    category scores. robust is False when any of these 2 x categories perturbations changes the
    zone's rank; changed_by names them, e.g. "发展质量 +10%".
    """
    scored = _score_year(zones, zone_stats, city_stats, methodology, year)
    base = scored.regional_ranks(scored.composites())
    seen: dict[str, list[int]] = {z: [r] for z, r in base.items()}
    changed: dict[str, list[str]] = {z: [] for z in base}
    p = Fraction(perturbation)
    for c in methodology.categories:
        for sign, mark in ((1, "+"), (-1, "-")):
            raw = {k.id: Fraction(k.weight) * (1 + sign * p if k.id == c.id else 1)
                   for k in methodology.categories}
            total = sum(raw.values(), Fraction(0))
            ranks = scored.regional_ranks(scored.composites({k: w / total for k, w in raw.items()}))
            for z, r in ranks.items():
                seen[z].append(r)
                if r != base[z]:
                    changed[z].append(f"{c.label} {mark}{_percent(perturbation)}%")
    records = [
        {"zone_id": z, "base_rank": base[z], "min_rank": min(seen[z]), "max_rank": max(seen[z]),
         "robust": not changed[z], "changed_by": "；".join(changed[z])}
        for z in sorted(base, key=lambda k: (base[k], k))
    ]
    return pl.DataFrame(records, schema=ROBUSTNESS_SCHEMA, orient="row")


# ---------------------------------------------------------------------------------------------
# transforms/rewards.py (without the researcher amounts, which did not change)
# ---------------------------------------------------------------------------------------------


def _row(zone_id: str, year: int, city: str | None, rule: str, subject_id: str,
         subject_name: str, clause: str, *, basis: Decimal | None = None,
         rate: Decimal | None = None, computed: Decimal | None = None,
         cap: Decimal | None = None, reward: Decimal | None, region_share: Decimal | None,
         eligible: bool, explanation: str) -> dict[str, Any]:
    """One entitlement row; the funding split is derived here so it is never computed twice."""
    region = city_part = None
    if reward is not None and region_share is not None:
        region, city_part = split_funding(reward, region_share)
        if reward > 0 and region > 0 and city_part > 0:
            explanation += f"；资金由自治区承担 {yuan(region)}、设区市承担 {yuan(city_part)}"
        elif reward > 0:
            explanation += "；资金由" + ("自治区" if region > 0 else "设区市") + "全额承担"
    return {
        "zone_id": zone_id, "year": year, "city": city, "rule": rule, "subject_id": subject_id,
        "subject_name": subject_name,
        "basis_cny": None if basis is None else round_fen(basis),
        "rate": None if rate is None else plain(rate),
        "computed_cny": None if computed is None else round_fen(computed),
        "cap_cny": cap, "reward_cny": reward, "region_share_cny": region,
        "city_share_cny": city_part, "clause": clause, "eligible": eligible,
        "explanation": explanation,
    }


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=REWARD_SCHEMA, orient="row") if rows else pl.DataFrame(
        schema=REWARD_SCHEMA)


def _zone_cities(zones: pl.DataFrame) -> dict[str, str]:
    return dict(zones.select("zone_id", "city").drop_nulls("zone_id").iter_rows())


def exact_then_rounded(computed: Decimal) -> str:
    """'777,777.765 元，四舍五入到分为 777,777.77 元' when rounding changes it, else one amount."""
    rounded = round_fen(computed)
    if rounded == computed:
        return yuan(rounded)
    return f"{grouped(computed)} 元（四舍五入到分为 {yuan(rounded)}）"


def _capped(computed: Decimal, cap: Decimal) -> tuple[Decimal, str]:
    """The rounded reward and the words about the cap (最高不超过 counts the cap itself)."""
    if computed > cap:
        return round_fen(cap), f"超过 {wan_yuan(cap)}上限，按上限 {yuan(cap)} 计"
    return round_fen(computed), f"未超过 {wan_yuan(cap)}上限"


# ---------------------------------------------------------------------------------------------
# (二) supplier_introduction
# ---------------------------------------------------------------------------------------------


def supplier_introduction_rewards(cases: pl.DataFrame, zones: pl.DataFrame,
                                  policy: PolicyConfig, year: int,
                                  ledger: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per case declared for `year`; paid once per introduced enterprise, ever.

    Cases of earlier years are read as history: an introduced enterprise (by its unified social
    credit code) rewarded before gets nothing again. Within a year the lower case id comes
    first. Cases of later years cannot take a reward away retroactively.

    `ledger` (introduced_uscc, year, case_id) lists rewards actually granted by earlier runs:
    this year's files may no longer carry the earlier case, and the grant still counts.
    """
    rule = policy.rewards.supplier_introduction
    cities = _zone_cities(zones)
    rewarded: dict[str, tuple[int, str]] = {}  # uscc -> (year, case_id) first rewarded
    if ledger is not None and ledger.height:
        granted = (ledger.filter(pl.col("year") < year, pl.col("introduced_uscc").is_not_null())
                   .sort("year", "case_id"))
        for uscc, first_year, first_case in granted.select(
                "introduced_uscc", "year", "case_id").iter_rows():
            rewarded.setdefault(uscc, (first_year, first_case))
    rows = []
    history = cases.filter(pl.col("year") <= year).sort("year", "case_id")
    for case in history.iter_rows(named=True):
        investment = case["actual_investment"]
        uscc = case["introduced_uscc"]
        name = case["introduced_name"] or ""
        basis_words = f"被引进企业“{name}”实际投资额 {wan_yuan(investment)}" if investment is not None else ""
        computed = investment * rule.rate if investment is not None else None
        if investment is None:
            eligible, reason = False, "缺少实际投资额，无法认定"
        elif investment < rule.min_investment:
            eligible, reason = False, (f"{basis_words} < {wan_yuan(rule.min_investment)}，"
                                       "未达到 5000 万元以上的条件")
        elif case["industry_class"] in rule.excluded_industry_classes:
            label = INDUSTRY_CLASS_LABELS.get(case["industry_class"], case["industry_class"])
            eligible, reason = False, f"投资产业属于{label}（涉及禁止和限制类的不予奖励）"
        elif uscc in rewarded:
            first_year, first_case = rewarded[uscc]
            eligible, reason = False, (f"被引进企业（统一社会信用代码 {uscc}）已于 {first_year} 年"
                                       f"（案例 {first_case}）获得奖励，一次性奖励不重复发放")
        else:
            eligible, reason = True, ""
        if eligible and uscc is not None:
            rewarded[uscc] = (case["year"], case["case_id"])
        if case["year"] != year:
            continue
        if eligible:
            reward, cap_words = _capped(computed, rule.cap)
            explanation = (f"{basis_words} ≥ {wan_yuan(rule.min_investment)}，按 {percent(rule.rate)} "
                           f"计 {exact_then_rounded(computed)}（{cap_words}），奖励原有企业"
                           f"“{case['introducer_name'] or ''}” {yuan(reward)}")
        else:
            reward, explanation = Decimal(0), f"不予奖励：{reason}"
        rows.append(_row(
            case["zone_id"], year, cities.get(case["zone_id"]), "supplier_introduction",
            case["case_id"], name, rule.clause, basis=investment, rate=rule.rate,
            computed=computed, cap=rule.cap, reward=reward, region_share=rule.region_share,
            eligible=eligible, explanation=explanation))
    return _frame(rows)


# ---------------------------------------------------------------------------------------------
# (十二) fdi_project
# ---------------------------------------------------------------------------------------------


def fdi_project_rewards(projects: pl.DataFrame, rates: pl.DataFrame, zones: pl.DataFrame,
                        policy: PolicyConfig, year: int) -> pl.DataFrame:
    """One row per project and year: 2% of the year's FDI received, converted at that year's rate."""
    rule = policy.rewards.fdi_project
    cities = _zone_cities(zones)
    rate_of_year = dict(rates.select("year", "usd_cny").drop_nulls().iter_rows())
    usd_cny = rate_of_year.get(year)
    rows = []
    for p in projects.filter(pl.col("year") == year).sort("project_id").iter_rows(named=True):
        received = p["fdi_received_usd"]
        ptype = p["project_type"]
        threshold = rule.min_fdi_usd.get(ptype)
        division = industry_division(p["industry_code"])
        type_label = PROJECT_TYPE_LABELS.get(ptype, ptype or "未知类型")
        received_words = f"{type_label}当年实际到位外资 {wan_usd(received)}" if received is not None else ""
        reason = ""
        if received is None or threshold is None:
            reason = "缺少实际到位外资或项目类型，无法认定"
        elif not (p["encouraged"] or p["leading_industry"]):
            reason = "既不属于外资鼓励类产业，也不属于园区主导产业"
        elif division in rule.excluded_industry_divisions:
            sector = "房地产业" if division == "70" else "金融业"
            reason = f"行业代码 {p['industry_code']} 属于{sector}（金融业、类金融业和房地产业除外）"
        elif p["quasi_finance"]:
            reason = "属于类金融业（金融业、类金融业和房地产业除外）"
        elif p["similar_reward_claimed"]:
            reason = "已享受同类奖励政策，不叠加享受"
        elif not received > threshold:
            reason = f"{received_words}，未超过 {wan_usd(threshold)}"
        elif usd_cny is None:
            reason = f"缺少 {year} 年美元兑人民币汇率，无法折算"
        if reason == "" and division is None:  # an unresolvable code is never "not finance"
            rows.append(_row(
                p["zone_id"], year, cities.get(p["zone_id"]), "fdi_project", p["project_id"],
                p["enterprise_name"] or "", rule.clause, reward=None, region_share=None,
                eligible=False,
                explanation=f"行业代码“{p['industry_code'] or ''}”无法对应到 GB/T 4754-2017 的"
                            "行业大类，无法判断是否属于金融业、房地产业，暂无法认定"))
            continue
        eligible = reason == ""
        basis = computed = None
        if received is not None and usd_cny is not None:
            basis = received * usd_cny
            computed = basis * rule.rate
        if eligible:
            reward, cap_words = _capped(computed, rule.cap)
            explanation = (f"{received_words} > {wan_usd(threshold)}，按 {year} 年汇率 "
                           f"{plain(usd_cny)} 折合 {exact_then_rounded(basis)}，按 "
                           f"{percent(rule.rate)} 计 {exact_then_rounded(computed)}（{cap_words}），"
                           f"奖励 {yuan(reward)}")
        else:
            reward, explanation = Decimal(0), f"不予奖励：{reason}"
        rows.append(_row(
            p["zone_id"], year, cities.get(p["zone_id"]), "fdi_project", p["project_id"],
            p["enterprise_name"] or "", rule.clause, basis=basis, rate=rule.rate,
            computed=computed, cap=rule.cap, reward=reward, region_share=rule.region_share,
            eligible=eligible, explanation=explanation))
    return _frame(rows)


# ---------------------------------------------------------------------------------------------
# (十六) ranking rewards for national zones
# ---------------------------------------------------------------------------------------------


def ranking_rewards(zones: pl.DataFrame, rankings: pl.DataFrame, policy: PolicyConfig,
                    year: int) -> pl.DataFrame:
    """new_national_zone, first_top50, first_top100 and rank_improvement for `year`.

    A ranking row's year is the data year assessed. First entry looks at every earlier year of
    the ranking history supplied; rank_improvement needs a rank in year - 1. Years before the
    policy's effective year earn nothing (they are history only).
    """
    rule = policy.rewards.ranking
    if year < policy.rewards.effective_year:
        return _frame([])
    national = assessed_zones(zones, year).filter(pl.col("level") == "national")
    rows = []

    def add(zone: dict, rule_id: str, amount: Decimal, eligible: bool, explanation: str) -> None:
        rows.append(_row(
            zone["zone_id"], year, zone["city"], rule_id, zone["zone_id"], zone["zone_name"],
            rule.clause, cap=amount, reward=amount if eligible else Decimal(0),
            region_share=rule.region_share, eligible=eligible,
            explanation=explanation if eligible else f"不予奖励：{explanation}"))

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
    return _frame(rows)


# ---------------------------------------------------------------------------------------------
# (十一) investment_ambassador
# ---------------------------------------------------------------------------------------------


def ambassador_rewards(referrals: pl.DataFrame, zones: pl.DataFrame, policy: PolicyConfig,
                       year: int) -> pl.DataFrame:
    """The host city's rate x the project's actual investment, paid by the city.

    A city with no configured rate gets a row saying so, with no amount: 0 would claim the city
    decided to pay nothing.
    """
    rule = policy.rewards.investment_ambassador
    cities = _zone_cities(zones)
    rows = []
    for r in referrals.filter(pl.col("year") == year).sort("referral_id").iter_rows(named=True):
        city = cities.get(r["zone_id"])
        investment = r["actual_investment"]
        rate = rule.city_rates.get(city) if city else None
        who = f"招商大使{r['ambassador_name'] or ''}引进“{r['project_name'] or ''}”"
        if rate is None or investment is None:
            missing = "实际投资额缺失" if investment is None else f"{city or '所在设区市'}未设定招商大使奖励比例"
            rows.append(_row(
                r["zone_id"], year, city, "investment_ambassador", r["referral_id"],
                r["project_name"] or "", rule.clause, basis=investment, reward=None,
                region_share=None, eligible=False,
                explanation=f"{who}，{missing}，暂无法计算奖励"))
            continue
        computed = investment * rate
        reward = round_fen(computed)
        rows.append(_row(
            r["zone_id"], year, city, "investment_ambassador", r["referral_id"],
            r["project_name"] or "", rule.clause, basis=investment, rate=rate, computed=computed,
            reward=reward, region_share=Decimal(0), eligible=True,
            explanation=(f"{who}，实际投资额 {wan_yuan(investment)} × {city}奖励比例 "
                         f"{percent(rate)} = {exact_then_rounded(computed)}，由{city}人民政府发放")))
    return _frame(rows)


# ---------------------------------------------------------------------------------------------
# all rules
# ---------------------------------------------------------------------------------------------


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
    return (
        pl.concat(parts)
        .with_columns(pl.col("rule").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
        .sort("zone_id", "_o", "subject_id")
        .drop("_o")
    )
