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

Scores are exact rationals (fractions.Fraction) until they are written: ranks, ties and last
place are decided on exact values, and rounding (6 decimals, half up) happens only in the output
columns. Frames are zones x indicators: small at any scale, so the arithmetic runs in Python.
"""

from __future__ import annotations

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

VALUE_DECIMALS = 12
SCORE_DECIMALS = 6
VALUE_DTYPE = pl.Decimal(38, VALUE_DECIMALS)
SCORE_DTYPE = pl.Decimal(38, SCORE_DECIMALS)
_QUOTIENT_PRECISION = 40

# (floor, span): score = floor + span x position in the group, position in [0, 1].
# A missing value scores the floor; a group with max = min scores floor + span = 100.
_NORMALISER_SCALE = {"efficacy": (Fraction(60), Fraction(40)), "minmax": (Fraction(0), Fraction(100))}

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
