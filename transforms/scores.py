"""The composite score and the regional ranking (自治区级经开区综合发展水平考核评价).

The policy orders a ranking of regional zones (末位约谈, 连续3年末位退出: policy-rules.md sections 3
and 4) but gives no method; config/methodology.toml is the method (transforms/methodology.py).
Four steps a zone leader can redo by hand:

1. Raw value of each indicator, year Y, in exact decimal arithmetic: a zone_stats column, a
   year-on-year growth v_Y / v_{Y-1} - 1, a share of the host city, or a ratio of two columns.
   A quotient is taken with 40 significant digits and kept to 12 decimals; the kept value is the
   one scored, so the published value is exactly what was scored. Missing input or a zero
   denominator leaves the value missing, with the reason in Chinese.
2. Indicator score, normalised over every zone assessed that year (national and regional
   together, so national zones are a yardstick): efficacy (功效系数法) 60 + 40 x (x - min) /
   (max - min), minmax 100 x (x - min) / (max - min); reversed for lower-is-better; every zone
   scores 100 when max = min; a missing value scores the floor (60 or 0) and is flagged.
3. Category score = mean of its indicators' scores; composite = sum of weight x category score.
4. Regional zones ranked by composite, highest first, ties sharing the best rank ("min": 1, 2, 2,
   4). 末位 is every regional zone with the lowest composite (policy-rules.md, 末位).

Scores are exact rationals until they are written: ranks, ties and last place are decided on
exact values, and rounding (6 decimals, half up) happens only in the output columns. They are
held as integer numerators over common denominators (a raw value is an integer number of
1e-12), which is exact like fractions.Fraction but needs no gcd per operation. Frames are
zones x indicators: small at any scale, so the arithmetic runs in Python. A run scores each year
once and shares it between the public functions through a ScoringCache.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, getcontext
from fractions import Fraction
from typing import Any, NamedTuple

import polars as pl

from transforms.contract import DATASETS
from transforms.formatting import percent
from transforms.indicators import assessed_zones
from transforms.methodology import MethodologyConfig, ScoringIndicator
from transforms.money import decimal_series, frame_from_columns

VALUE_DECIMALS = 12
SCORE_DECIMALS = 6
VALUE_DTYPE = pl.Decimal(38, VALUE_DECIMALS)
SCORE_DTYPE = pl.Decimal(38, SCORE_DECIMALS)
_QUOTIENT_PRECISION = 40
_VALUE_QUANTUM = Decimal(1).scaleb(-VALUE_DECIMALS)
_GRID = 10**VALUE_DECIMALS

# (floor, span): score = floor + span x position in the group, position in [0, 1].
# A missing value scores the floor; a group with max = min scores floor + span = 100.
_NORMALISER_SCALE = {"efficacy": (60, 40), "minmax": (0, 100)}

INDICATOR_VALUE_SCHEMA = {
    "zone_id": pl.String,
    "year": pl.Int64,
    "level": pl.String,
    "category": pl.String,
    "indicator": pl.String,
    "value": VALUE_DTYPE,
    "missing": pl.Boolean,
    "missing_reason": pl.String,
}
LAST_HISTORY_SCHEMA = {
    "zone_id": pl.String,
    "year": pl.Int64,
    "regional_last": pl.Boolean,
    "level": pl.String,
    "score": SCORE_DTYPE,
    "regional_rank": pl.Int64,
}
ROBUSTNESS_SCHEMA = {
    "zone_id": pl.String,
    "base_rank": pl.Int64,
    "min_rank": pl.Int64,
    "max_rank": pl.Int64,
    "robust": pl.Boolean,
    "changed_by": pl.String,
}


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


def _keep(value: Decimal, ctx: Context) -> Decimal:
    """Kept to 12 decimals, half up; `ctx` has the quotient precision (_score_year)."""
    return value.quantize(_VALUE_QUANTUM, rounding=ROUND_HALF_UP, context=ctx)


def _quotient(num: Decimal, den: Decimal, ctx: Context) -> Decimal:
    return _keep(ctx.divide(num, den), ctx)


def _round(num: int, den: int, places: int = SCORE_DECIMALS) -> Decimal:
    """Exact half-up rounding of the rational num / den, den > 0 (no decimal division)."""
    q, r = divmod(abs(num) * 10**places, den)
    if 2 * r >= den:
        q += 1
    return Decimal(-q if num < 0 else q).scaleb(-places)


def _grid(value: Decimal) -> int:
    """value x 10**12 as an exact integer. Raw values are kept to 12 decimals and differences of
    them (rounded to the context's precision or not) stay on that grid."""
    num, den = value.as_integer_ratio()
    q, r = divmod(num * _GRID, den)
    if r:
        raise ValueError(f"{value} is not a multiple of 1e-{VALUE_DECIMALS}")
    return q


def _raw_value(ind: ScoringIndicator, row: dict[str, Decimal | None], year: int, ctx: Context
               ) -> tuple[Decimal | None, str | None]:
    """(value, None) or (None, reason in Chinese) from a row of inputs already read as Decimals
    (_as_decimal). `ctx` carries the quotient precision."""
    if ind.derivation == "ratio":
        num, den = row[ind.numerator], row[ind.denominator]
        if num is None:
            return None, f"缺少 {year} 年{_short_label(ind.numerator)}"
        if den is None:
            return None, f"缺少 {year} 年{_short_label(ind.denominator)}"
        if den == 0:
            return None, f"{year} 年{_short_label(ind.denominator)}为零，无法计算"
        return _quotient(num, den, ctx), None
    cur = row[ind.column]
    if cur is None:
        return None, f"缺少 {year} 年{_short_label(ind.column)}"
    if ind.derivation == "column":
        return _keep(cur, ctx), None
    if ind.derivation == "yoy":
        prev = row[ind.column + "_prev"]
        if prev is None:
            return None, f"缺少 {year - 1} 年{_short_label(ind.column)}，无法计算比上年增长"
        if prev == 0:
            return None, f"{year - 1} 年{_short_label(ind.column)}为零，无法计算比上年增长"
        # The difference is taken in the caller's context, as it always was.
        return _quotient(cur - prev, prev, ctx), None
    # city_share
    city = row[ind.column + "_city"]
    if city is None:
        return None, f"缺少 {year} 年所在设区市{_short_label(ind.column)}"
    if city == 0:
        return None, f"{year} 年所在设区市{_short_label(ind.column)}为零，无法计算比重"
    return _quotient(cur, city, ctx), None


class _Composites(NamedTuple):
    """Composite scores as exact rationals numerators[k] / denominator, k in zone order."""

    numerators: list[int]
    denominator: int
    # category id -> its weight / its number of indicators, as a numerator over
    # denominator / unit: a category total times it, over the denominator, is its contribution.
    coefficients: dict[str, int]


@dataclass(frozen=True)
class _YearScores:
    """Everything scored for one year, exact; the public functions format from it.

    Scores are rationals held as integers over common denominators, so that sums, comparisons
    and half-up rounding are integer arithmetic (what Fraction did, without a gcd per step).
    Per-zone lists are in `zones` order.
    """

    year: int
    methodology: MethodologyConfig
    zones: tuple[tuple[str, str], ...]  # (zone_id, level), sorted by zone_id
    values: dict[str, list[Decimal | None]]  # indicator id -> raw value per zone
    reasons: dict[str, list[str | None]]  # indicator id -> why the value is missing
    bounds: dict[str, tuple[Decimal | None, Decimal | None]]  # indicator id -> (min, max)
    # Indicator score = score_numerators[id][k] / score_denominators[id].
    score_numerators: dict[str, list[int]]
    score_denominators: dict[str, int]
    # unit = lcm of the score denominators; category total = sum of its indicators' scores x
    # unit, so a category score is category_totals[id][k] / (indicators x unit).
    unit: int
    category_totals: dict[str, list[int]]

    def scaled_scores(self, indicator_id: str) -> list[int]:
        """The indicator's scores x unit."""
        factor = self.unit // self.score_denominators[indicator_id]
        return [n * factor for n in self.score_numerators[indicator_id]]

    def composites(self, weights: dict[str, Fraction] | None = None) -> _Composites:
        categories = self.methodology.categories
        w = weights or {c.id: Fraction(c.weight) for c in categories}
        # weight / number of indicators for each category, over one common denominator.
        scale = math.lcm(*(w[c.id].denominator * len(c.indicators) for c in categories))
        coefficients = {
            c.id: w[c.id].numerator * (scale // (w[c.id].denominator * len(c.indicators)))
            for c in categories}
        numerators = [0] * len(self.zones)
        for c in categories:
            k = coefficients[c.id]
            numerators = [n + k * t for n, t in zip(numerators, self.category_totals[c.id],
                                                    strict=True)]
        return _Composites(numerators, scale * self.unit, coefficients)

    @property
    def regional(self) -> list[int]:
        """Positions of the regional zones."""
        return [k for k, (_, level) in enumerate(self.zones) if level == "regional"]

    def regional_ranks(self, composites: list[int]) -> dict[str, int]:
        """Rank = 1 + number of regional zones with a strictly higher composite ("min" method).
        `composites` are numerators over one positive denominator: they order as the scores."""
        ordered = sorted(self.regional, key=composites.__getitem__, reverse=True)
        ranks: dict[str, int] = {}
        rank = 0
        for position, k in enumerate(ordered, start=1):
            if position == 1 or composites[k] != composites[ordered[position - 2]]:
                rank = position
            ranks[self.zones[k][0]] = rank
        return ranks

    def next_composite_up(self, composites: list[int]) -> dict[int, int]:
        """Per regional zone not ranked first: the composite of the zone(s) ranked just above."""
        distinct = sorted({composites[k] for k in self.regional})
        return {k: distinct[i + 1] for k in self.regional
                if (i := bisect_left(distinct, composites[k])) + 1 < len(distinct)}

    def regional_last(self, composites: list[int]) -> set[str]:
        regional = self.regional
        if not regional:
            return set()
        lowest = min(composites[k] for k in regional)
        return {self.zones[k][0] for k in regional if composites[k] == lowest}

    def missing(self, k: int) -> list[str]:
        return [i.id for i in self.methodology.indicators if self.values[i.id][k] is None]


def _score_year(zones: pl.DataFrame, zone_stats: pl.DataFrame, city_stats: pl.DataFrame,
                methodology: MethodologyConfig, year: int,
                excluded: frozenset[str] = frozenset()) -> _YearScores:
    indicators = methodology.indicators
    columns = sorted({c for i in indicators for c in (i.column, i.numerator, i.denominator) if c})
    yoy_columns = sorted({i.column for i in indicators if i.derivation == "yoy"})
    city_columns = sorted({i.column for i in indicators if i.derivation == "city_share"})
    # Join in Polars (assessed set, year Y, year Y-1, host city), then score row by row.
    wide = (
        assessed_zones(zones, year).select("zone_id", "level", "city")
        # Zones whose statistics are missing (transforms/completeness.py) are not scored at
        # all: scored, they would take the floor on every indicator and be ranked on nothing.
        .filter(~pl.col("zone_id").is_in(list(excluded)))
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
    zone_levels = tuple(zip(wide["zone_id"].to_list(), wide["level"].to_list(), strict=True))
    # Each input column is read as Decimals once, however many indicators use it.
    inputs = [c for c in wide.columns if c not in ("zone_id", "level", "city")]
    rows = [dict(zip(inputs, cells, strict=True)) for cells in zip(
        *([_as_decimal(v) for v in wide[c].to_list()] for c in inputs), strict=True)]
    # One copy of the caller's context with the quotient precision, rather than one per value.
    ctx = getcontext().copy()
    ctx.prec = _QUOTIENT_PRECISION

    floor, span = _NORMALISER_SCALE[methodology.normaliser]
    values: dict[str, list[Decimal | None]] = {}
    reasons: dict[str, list[str | None]] = {}
    bounds: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    numerators: dict[str, list[int]] = {}
    denominators: dict[str, int] = {}
    for ind in indicators:
        raw = [_raw_value(ind, r, year, ctx) for r in rows]
        column = [value for value, _ in raw]
        values[ind.id] = column
        reasons[ind.id] = [reason for _, reason in raw]
        present = [v for v in column if v is not None]
        lo, hi = (min(present), max(present)) if present else (None, None)
        bounds[ind.id] = (lo, hi)
        # score = floor + span x above / (hi - lo): numerator over (hi - lo) x 10**12. The
        # differences are Decimal subtractions in the caller's context, as they always were.
        if lo is None or hi == lo:
            denominators[ind.id] = 1
            numerators[ind.id] = [floor if v is None else floor + span for v in column]
            continue
        den = _grid(hi - lo)
        base = floor * den
        if ind.higher_is_better:
            nums = [base if v is None else base + span * _grid(v - lo) for v in column]
        else:
            nums = [base if v is None else base + span * _grid(hi - v) for v in column]
        denominators[ind.id] = den
        numerators[ind.id] = nums

    unit = math.lcm(*denominators.values())
    category_totals: dict[str, list[int]] = {}
    for c in methodology.categories:
        totals = [0] * len(rows)
        for i in c.indicators:
            factor = unit // denominators[i.id]
            totals = [t + n * factor for t, n in zip(totals, numerators[i.id], strict=True)]
        category_totals[c.id] = totals
    return _YearScores(year, methodology, zone_levels, values, reasons, bounds, numerators,
                       denominators, unit, category_totals)


class ScoringCache:
    """Years already scored from one set of inputs, so that one run's scores, explanation,
    robustness check and last-place history score each year once (flows/annual.py
    compute_step). Keyed on the identity of the input frames, which it keeps alive so that an
    identity cannot be reused while cached; use one cache per run and drop it after."""

    def __init__(self) -> None:
        self._years: dict[tuple[Any, ...], tuple[tuple[pl.DataFrame, ...], _YearScores]] = {}

    def scored(self, zones: pl.DataFrame, zone_stats: pl.DataFrame, city_stats: pl.DataFrame,
               methodology: MethodologyConfig, year: int,
               excluded: frozenset[str] = frozenset()) -> _YearScores:
        inputs = (zones, zone_stats, city_stats)
        key = (*map(id, inputs), methodology, year, excluded)
        hit = self._years.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], inputs, strict=True)):
            return hit[1]
        scored = _score_year(zones, zone_stats, city_stats, methodology, year, excluded)
        self._years[key] = (inputs, scored)
        return scored


def _scored(cache: ScoringCache | None, zones: pl.DataFrame, zone_stats: pl.DataFrame,
            city_stats: pl.DataFrame, methodology: MethodologyConfig, year: int,
            excluded: frozenset[str] = frozenset()) -> _YearScores:
    if cache is None:
        return _score_year(zones, zone_stats, city_stats, methodology, year, excluded)
    return cache.scored(zones, zone_stats, city_stats, methodology, year, excluded)


def indicator_values(zones: pl.DataFrame, zone_stats: pl.DataFrame, city_stats: pl.DataFrame,
                     methodology: MethodologyConfig, year: int, *,
                     cache: ScoringCache | None = None,
                     excluded: frozenset[str] = frozenset()) -> pl.DataFrame:
    """One row per assessed zone (both levels) and scoring indicator: the raw value and why it
    is missing, if it is. `excluded`: zones not scored (their statistics are missing)."""
    scored = _scored(cache, zones, zone_stats, city_stats, methodology, year, excluded)
    records = [
        {"zone_id": z, "year": year, "level": level, "category": i.category, "indicator": i.id,
         "value": scored.values[i.id][k], "missing": scored.values[i.id][k] is None,
         "missing_reason": scored.reasons[i.id][k]}
        for k, (z, level) in enumerate(scored.zones)
        for i in methodology.indicators
    ]
    return pl.DataFrame(records, schema=INDICATOR_VALUE_SCHEMA, orient="row")


def _national_ranks(national_rankings: pl.DataFrame, year: int) -> dict[str, int]:
    rows = national_rankings.filter(pl.col("year") == year).select("zone_id", "rank")
    return dict(zip(rows["zone_id"].to_list(), rows["rank"].to_list(), strict=True))


def with_unscored_rows(scores: pl.DataFrame, assessed: pl.DataFrame,
                       unscored: frozenset[str], national_rankings: pl.DataFrame,
                       year: int) -> pl.DataFrame:
    """scores.csv: the scored zones, then a row for each zone left out for missing statistics
    (data_missing true, no score, no regional rank; a national zone's published national rank
    all the same), so every assessed zone has its line, even when no zone could be scored."""
    scored = scores.with_columns(pl.lit(False).alias("data_missing"))
    missing = assessed.filter(pl.col("zone_id").is_in(list(unscored)))
    if missing.is_empty():
        return scored
    national = _national_ranks(national_rankings, year)
    ranks = pl.DataFrame({"zone_id": list(national), "national_rank": list(national.values())},
                         schema={"zone_id": pl.String, "national_rank": pl.Int64})
    rows = missing.select("zone_id", "level").join(ranks, on="zone_id", how="left").with_columns(
        pl.lit(year).alias("year"),
        pl.when(pl.col("level") == "national").then(pl.col("national_rank")),
        pl.lit(False).alias("regional_last"), pl.lit("").alias("missing_indicators"),
        pl.lit(True).alias("data_missing"))
    return pl.concat([scored, rows], how="diagonal_relaxed").cast(scored.schema
                                                                   ).sort("zone_id")


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


def _category_scores(scored: _YearScores, category_id: str) -> list[Decimal]:
    """A category's scores (mean of its indicators'), rounded, per zone."""
    den = len(scored.methodology.category(category_id).indicators) * scored.unit
    return [_round(t, den) for t in scored.category_totals[category_id]]


def _scores_frame(scored: _YearScores, national_rankings: pl.DataFrame) -> pl.DataFrame:
    methodology = scored.methodology
    composites = scored.composites()
    ranks = scored.regional_ranks(composites.numerators)
    last = scored.regional_last(composites.numerators)
    national = _national_ranks(national_rankings, scored.year)
    ids = [z for z, _ in scored.zones]
    levels = [level for _, level in scored.zones]
    columns = {
        "zone_id": ids,
        "year": [scored.year] * len(ids),
        "level": levels,
        **{c.id: _category_scores(scored, c.id) for c in methodology.categories},
        "score": [_round(n, composites.denominator) for n in composites.numerators],
        "regional_rank": [ranks.get(z) for z in ids],
        "national_rank": [national.get(z) if level == "national" else None
                          for z, level in scored.zones],
        "regional_last": [z in last for z in ids],
        "missing_indicators": [";".join(scored.missing(k)) for k in range(len(ids))],
    }
    return frame_from_columns(columns, _scores_schema(methodology))


def composite_scores(zones: pl.DataFrame, zone_stats: pl.DataFrame, city_stats: pl.DataFrame,
                     national_rankings: pl.DataFrame, methodology: MethodologyConfig,
                     year: int, *, cache: ScoringCache | None = None,
                     excluded: frozenset[str] = frozenset()) -> pl.DataFrame:
    """results/scores.csv: category scores, composite, regional rank and 末位 per assessed zone
    (but the `excluded` ones, whose statistics are missing: transforms.completeness).

    National zones are scored for comparison but not ranked regionally: regional_rank is null,
    national_rank is their official rank for the year (null if absent), regional_last False.
    Scores are rounded to 6 decimals here; ranks and last place were decided on exact values.
    """
    scored = _scored(cache, zones, zone_stats, city_stats, methodology, year, excluded)
    return _scores_frame(scored, national_rankings)


def _split_rounded(parts: list[int], den: int, total: int) -> list[Decimal]:
    """Round non-negative parts (numerators over `den`, adding up to total / den) to 6 decimals
    so that they add up to round(total) exactly (largest remainder: the parts closest to
    rounding up take the missing millionths)."""
    scale = 10**SCORE_DECIMALS
    split = [divmod(p * scale, den) for p in parts]  # millionths, remainder over den
    floors = [f for f, _ in split]
    target, r = divmod(abs(total) * scale, den)
    if 2 * r >= den:
        target += 1
    if total < 0:
        target = -target
    order = sorted(range(len(parts)), key=lambda k: split[k][1], reverse=True)
    for k in order[: target - sum(floors)]:
        floors[k] += 1
    return [Decimal(f).scaleb(-SCORE_DECIMALS) for f in floors]


EXPLANATION_SCHEMA = {
    "zone_id": pl.String, "year": pl.Int64, "level": pl.String, "category": pl.String,
    "category_label": pl.String, "category_weight": SCORE_DTYPE, "indicator": pl.String,
    "indicator_label": pl.String, "unit": pl.String, "direction": pl.String,
    "value": VALUE_DTYPE, "missing": pl.Boolean, "missing_reason": pl.String,
    "group_min": VALUE_DTYPE, "group_max": VALUE_DTYPE, "indicator_score": SCORE_DTYPE,
    "category_score": SCORE_DTYPE, "contribution": SCORE_DTYPE, "score": SCORE_DTYPE,
    "regional_rank": pl.Int64, "gap_to_next_rank": SCORE_DTYPE,
}


def score_explanation(zones: pl.DataFrame, zone_stats: pl.DataFrame, city_stats: pl.DataFrame,
                      national_rankings: pl.DataFrame, methodology: MethodologyConfig,
                      year: int, *, cache: ScoringCache | None = None,
                      excluded: frozenset[str] = frozenset()) -> pl.DataFrame:
    """Per zone and indicator, every number needed to redo the composite by hand.

    contribution = category weight x indicator score / number of indicators in the category, so
    a category's contributions add up to weight x category score and all of a zone's to its
    composite. Displayed to 6 decimals, they are rounded so that they add up to the displayed
    composite exactly (the largest remainders take the missing millionths), which can move one
    contribution by 0.000001 from its own rounding.
    gap_to_next_rank = composite of the regional zone ranked just above minus this zone's (null
    for rank 1 and national zones): what the zone would need to gain to move up.
    """
    scored = _scored(cache, zones, zone_stats, city_stats, methodology, year, excluded)
    composites = scored.composites()
    numerators, den = composites.numerators, composites.denominator
    ranks = scored.regional_ranks(numerators)
    next_up = scored.next_composite_up(numerators)
    # Per indicator, in the output's order: its category, and its contribution's numerators
    # over `den` (weight / indicators x score x unit) for every zone.
    layout = [(c, i) for c in methodology.categories for i in c.indicators]
    contributions = [[composites.coefficients[c.id] * s for s in scored.scaled_scores(i.id)]
                     for c, i in layout]
    indicator_scores = {
        i.id: [_round(n, scored.score_denominators[i.id]) for n in scored.score_numerators[i.id]]
        for _, i in layout}
    category_scores = {c.id: _category_scores(scored, c.id) for c in methodology.categories}

    contribution_col: list[Decimal] = []
    for k in range(len(scored.zones)):
        contribution_col.extend(_split_rounded([parts[k] for parts in contributions], den,
                                               numerators[k]))

    # Rows are zone-major (zone k, indicator j at row k x L + j). What varies by zone only or by
    # indicator only is converted once and repeated by Polars (gather), not once per row.
    width = len(layout)
    ids = [z for z, _ in scored.zones]
    by_zone = frame_from_columns({
        "zone_id": ids,
        "year": [year] * len(ids),
        "level": [level for _, level in scored.zones],
        "score": [_round(n, den) for n in numerators],
        "regional_rank": [ranks.get(z) for z in ids],
        "gap_to_next_rank": [_round(next_up[k] - numerators[k], den) if k in next_up else None
                             for k in range(len(ids))],
    }, {name: EXPLANATION_SCHEMA[name] for name in (
        "zone_id", "year", "level", "score", "regional_rank", "gap_to_next_rank")})
    by_indicator = frame_from_columns({
        "category": [c.id for c, _ in layout],
        "category_label": [c.label for c, _ in layout],
        "category_weight": [c.weight for c, _ in layout],
        "indicator": [i.id for _, i in layout],
        "indicator_label": [i.label for _, i in layout],
        "unit": [i.unit for _, i in layout],
        "direction": [i.direction for _, i in layout],
        "group_min": [scored.bounds[i.id][0] for _, i in layout],
        "group_max": [scored.bounds[i.id][1] for _, i in layout],
    }, {name: EXPLANATION_SCHEMA[name] for name in (
        "category", "category_label", "category_weight", "indicator", "indicator_label", "unit",
        "direction", "group_min", "group_max")})
    categories = [c.id for c in methodology.categories]
    by_category = decimal_series(  # zone k, category m at k x categories + m
        "category_score", [category_scores[c][k] for k in range(len(ids)) for c in categories],
        SCORE_DTYPE)

    def per_cell(columns: list[list[Any]]) -> list[Any]:
        """Per indicator a list over zones, laid out zone-major."""
        return [value for row in zip(*columns, strict=True) for value in row]

    values = per_cell([scored.values[i.id] for _, i in layout])
    by_cell = frame_from_columns({
        "value": values,
        "missing": [v is None for v in values],
        "missing_reason": per_cell([scored.reasons[i.id] for _, i in layout]),
        "indicator_score": per_cell([indicator_scores[i.id] for _, i in layout]),
        "contribution": contribution_col,
    }, {name: EXPLANATION_SCHEMA[name] for name in (
        "value", "missing", "missing_reason", "indicator_score", "contribution")})

    row = pl.int_range(0, len(ids) * width, eager=True)
    zone_of, indicator_of = row // width, row % width
    category_of = pl.Series([categories.index(c.id) for c, _ in layout]).gather(indicator_of)
    return pl.concat([
        by_zone.select(pl.all().gather(zone_of)),
        by_indicator.select(pl.all().gather(indicator_of)),
        by_cell,
        by_category.gather(zone_of * len(categories) + category_of).to_frame(),
    ], how="horizontal").select(list(EXPLANATION_SCHEMA))


def regional_last_history(zones: pl.DataFrame, zone_stats: pl.DataFrame,
                          city_stats: pl.DataFrame, national_rankings: pl.DataFrame,
                          methodology: MethodologyConfig, years: Iterable[int], *,
                          cache: ScoringCache | None = None,
                          excluded: Mapping[int, frozenset[str]] | None = None) -> pl.DataFrame:
    """zone_id, year, regional_last for every zone assessed in each year, each year ranked over
    its own assessed set (连续3年末位 needs Y-2, Y-1 and Y). level, score and regional_rank come
    along so that transforms.supervision can word its findings from this frame alone.
    `excluded`: per year, the zones not scored that year (their statistics are missing)."""
    excluded = excluded or {}
    frames = [
        _scores_frame(_scored(cache, zones, zone_stats, city_stats, methodology, year,
                              excluded.get(year, frozenset())),
                      national_rankings).select(*LAST_HISTORY_SCHEMA)
        for year in sorted(set(years))
    ]
    return pl.concat(frames) if frames else pl.DataFrame(schema=LAST_HISTORY_SCHEMA)


def rank_robustness(zones: pl.DataFrame, zone_stats: pl.DataFrame, city_stats: pl.DataFrame,
                    national_rankings: pl.DataFrame, methodology: MethodologyConfig, year: int,
                    perturbation: Decimal = Decimal("0.10"), *,
                    cache: ScoringCache | None = None,
                    excluded: frozenset[str] = frozenset()) -> pl.DataFrame:
    """Does a regional zone's rank survive a modest change of the category weights?

    Each category weight in turn is scaled by 1 + p and by 1 - p, and all weights are divided by
    their new sum so that they add up to 1 again; the regional ranks are recomputed from the same
    category scores. robust is False when any of these 2 x categories perturbations changes the
    zone's rank; changed_by names them, e.g. "发展质量 +10%".
    """
    scored = _scored(cache, zones, zone_stats, city_stats, methodology, year, excluded)
    base = scored.regional_ranks(scored.composites().numerators)
    seen: dict[str, list[int]] = {z: [r] for z, r in base.items()}
    changed: dict[str, list[str]] = {z: [] for z in base}
    p = Fraction(perturbation)
    for c in methodology.categories:
        for sign, mark in ((1, "+"), (-1, "-")):
            raw = {k.id: Fraction(k.weight) * (1 + sign * p if k.id == c.id else 1)
                   for k in methodology.categories}
            total = sum(raw.values(), Fraction(0))
            weights = {k: w / total for k, w in raw.items()}
            ranks = scored.regional_ranks(scored.composites(weights).numerators)
            for z, r in ranks.items():
                seen[z].append(r)
                if r != base[z]:
                    changed[z].append(f"{c.label} {mark}{percent(perturbation)}")
    records = [
        {"zone_id": z, "base_rank": base[z], "min_rank": min(seen[z]), "max_rank": max(seen[z]),
         "robust": not changed[z], "changed_by": "；".join(changed[z])}
        for z in sorted(base, key=lambda k: (base[k], k))
    ]
    return pl.DataFrame(records, schema=ROBUSTNESS_SCHEMA, orient="row")
