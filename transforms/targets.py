"""Targets for national zones (policy-rules.md section 1) and the province-wide target.

Every decision is exact. A growth target compares v_Y with v_B x (1 + t)^(Y - B) by
multiplication in Decimal, never by taking a root, so a zone exactly on the boundary has met
it (以上 counts the boundary). Cumulative targets judged before the target year use the pro-rata
threshold t x (Y - B) / (T - B); both sides are multiplied by (T - B) so that a third of a
percent is still compared exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

import polars as pl

from transforms.indicators import RATIO_DECIMALS, assessed_zones
from transforms.policy import PolicyConfig, ZoneTarget

TARGET_SCHEMA = {
    "zone_id": pl.String,
    "year": pl.Int64,
    "target_id": pl.String,
    "value": pl.Float64,
    "threshold": pl.String,
    "final_threshold": pl.String,
    "status": pl.String,
    "base_year": pl.Int64,
    "base_value": pl.String,
    "year_value": pl.String,
    "city_value": pl.String,
    "note": pl.String,
}

# Decimal products grow in scale ((1.15)^10 has 20 decimals) and Polars keeps 38 digits, so
# the boundary comparison itself runs in Python's Decimal with room to spare. The tables are
# zones x targets: small at any scale.
_PRECISION = 120


def format_fraction(value: Fraction | Decimal, places: int = RATIO_DECIMALS) -> str:
    """Exact when the decimal terminates within `places`, else rounded: 1/4 -> 0.25, 1/12 -> 0.083333."""
    frac = Fraction(value)
    dec = (Decimal(frac.numerator) / Decimal(frac.denominator)).quantize(Decimal(1).scaleb(-places))
    text = format(dec.normalize(), "f")
    return text


def threshold_for_year(target_threshold: Decimal, cumulative: bool, policy: PolicyConfig,
                       year: int) -> Fraction:
    if not cumulative:
        return Fraction(target_threshold)
    return Fraction(target_threshold) * policy.progress(year)


def _at_least(lhs: pl.Expr, lhs_factor: Decimal, rhs: pl.Expr, rhs_factor: Decimal) -> pl.Expr:
    """lhs x lhs_factor >= rhs x rhs_factor, exactly; null when either side is missing."""

    def compare(row: dict) -> bool | None:
        a, b = row["lhs"], row["rhs"]
        if a is None or b is None:
            return None
        with localcontext() as ctx:
            ctx.prec = _PRECISION
            return Decimal(a) * lhs_factor >= Decimal(b) * rhs_factor

    return pl.struct(lhs.alias("lhs"), rhs.alias("rhs")).map_elements(
        compare, return_dtype=pl.Boolean
    )


def _status(ok_inputs: pl.Expr, met: pl.Expr) -> pl.Expr:
    return (
        pl.when(~ok_inputs).then(pl.lit("no_data")).when(met).then(pl.lit("met"))
        .otherwise(pl.lit("not_met"))
    )


def _missing_note(checks: list[tuple[pl.Expr, str]]) -> pl.Expr:
    """The first failed precondition, in Chinese, for the status `no_data`."""
    expr = pl.lit(None, pl.String)
    for failed, text in reversed(checks):
        expr = pl.when(failed).then(pl.lit(text)).otherwise(expr)
    return expr


def _one_target(frame: pl.DataFrame, target: ZoneTarget, policy: PolicyConfig, year: int
                ) -> pl.DataFrame:
    base_year = policy.base_year
    n = year - base_year
    threshold = threshold_for_year(target.threshold, target.cumulative, policy, year)
    cur = pl.col(target.indicator)
    base = pl.col(target.indicator + "_base")
    city = pl.col(target.indicator + "_city") if target.kind == "city_share" else pl.lit(None)
    span = policy.target_year - base_year
    elapsed = min(max(n, 0), span)
    t = target.threshold

    if target.kind == "cagr":
        factor = (1 + t) ** max(n, 0)  # exact: integer power of a decimal
        checks = [
            (pl.lit(n <= 0), f"考核年度 {year} 不晚于基准年 {base_year}，无法计算年均增长"),
            (base.is_null(), f"缺少 {base_year} 年（基准年）数据"),
            (base == 0, f"{base_year} 年（基准年）数值为 0，无法计算增长"),
            (cur.is_null(), f"缺少 {year} 年数据"),
        ]
        met = _at_least(cur, Decimal(1), base, factor)
        value = (cur.cast(pl.Float64) / base.cast(pl.Float64)).pow(1.0 / max(n, 1)) - 1
    elif target.kind == "city_share":
        checks = [
            (cur.is_null(), f"缺少 {year} 年数据"),
            (city.is_null(), f"缺少所在设区市 {year} 年数据"),
            (city == 0, f"所在设区市 {year} 年数值为 0，无法计算比重"),
        ]
        met = _at_least(cur, Decimal(1), city, t)
        value = cur.cast(pl.Float64) / city.cast(pl.Float64)
    elif target.kind == "growth_since_base":
        # value_Y / value_B - 1 >= t * elapsed / span  <=>  span * v_Y >= v_B * (span + t * elapsed)
        checks = [
            (pl.lit(n <= 0), f"考核年度 {year} 不晚于基准年 {base_year}"),
            (base.is_null(), f"缺少 {base_year} 年（基准年）数据"),
            (base == 0, f"{base_year} 年（基准年）数值为 0，无法计算增长"),
            (cur.is_null(), f"缺少 {year} 年数据"),
        ]
        met = _at_least(cur, Decimal(span), base, span + t * elapsed)
        value = cur.cast(pl.Float64) / base.cast(pl.Float64) - 1
    elif target.kind == "rank_gain":
        checks = [
            (pl.lit(n <= 0), f"考核年度 {year} 不晚于基准年 {base_year}"),
            (base.is_null(), f"缺少 {base_year} 年国家级考核排名"),
            (cur.is_null(), f"缺少 {year} 年国家级考核排名"),
        ]
        gain = base - cur
        met = _at_least(gain, Decimal(span), pl.lit(t * elapsed), Decimal(1))
        value = gain.cast(pl.Float64)
    else:  # guarded by PolicyConfig.from_mapping
        raise ValueError(target.kind)

    failed = pl.any_horizontal([c for c, _ in checks])
    note = _missing_note(checks)
    status = _status(~failed, met.fill_null(False))
    return frame.select(
        "zone_id",
        pl.lit(year, pl.Int64).alias("year"),
        pl.lit(target.id).alias("target_id"),
        pl.when(failed).then(None).otherwise(value).round(RATIO_DECIMALS).alias("value"),
        pl.lit(format_fraction(threshold)).alias("threshold"),
        pl.lit(format_fraction(target.threshold)).alias("final_threshold"),
        status.alias("status"),
        pl.lit(base_year, pl.Int64).alias("base_year"),
        base.cast(pl.String).alias("base_value"),
        cur.cast(pl.String).alias("year_value"),
        city.cast(pl.String).alias("city_value"),
        note.alias("note"),
    )


def zone_targets(
    zones: pl.DataFrame,
    zone_stats: pl.DataFrame,
    city_stats: pl.DataFrame,
    national_rankings: pl.DataFrame,
    policy: PolicyConfig,
    year: int,
) -> pl.DataFrame:
    """条款 二、主要目标, [[targets.zone]]: one row per national zone assessed in `year` and
    target (results/targets.csv)."""
    national = assessed_zones(zones, year).filter(pl.col("level") == "national")
    indicators = sorted({t.indicator for t in policy.zone_targets} - {"rank"})
    city_cols = sorted({t.indicator for t in policy.zone_targets if t.kind == "city_share"})

    def at(y: int, suffix: str) -> pl.DataFrame:
        stats = zone_stats.filter(pl.col("year") == y).select(
            "zone_id", *[pl.col(c).alias(c + suffix) for c in indicators]
        )
        ranks = national_rankings.filter(pl.col("year") == y).select(
            "zone_id", pl.col("rank").alias("rank" + suffix)
        )
        return stats.join(ranks, on="zone_id", how="full", coalesce=True)

    city = city_stats.filter(pl.col("year") == year).select(
        "city", *[pl.col(c).alias(c + "_city") for c in city_cols]
    )
    frame = (
        national.select("zone_id", "city")
        .join(at(year, ""), on="zone_id", how="left")
        .join(at(policy.base_year, "_base"), on="zone_id", how="left")
        .join(city, on="city", how="left")
    )
    parts = [_one_target(frame, t, policy, year) for t in policy.zone_targets]
    if not parts or frame.is_empty():
        return pl.DataFrame(schema=TARGET_SCHEMA)
    order = {t.id: i for i, t in enumerate(policy.zone_targets)}
    return (
        pl.concat(parts)
        .with_columns(pl.col("target_id").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
        .sort("zone_id", "_o")
        .drop("_o")
        .cast(TARGET_SCHEMA)
    )


PROVINCE_TARGET_SCHEMA = {"year": pl.Int64, "target_id": pl.String, "value": pl.Int64,
                          "threshold": pl.String, "final_threshold": pl.String,
                          "status": pl.String, "as_of": pl.String, "gap": pl.String,
                          "target_year": pl.Int64}


def province_targets(zones: pl.DataFrame, policy: PolicyConfig, year: int) -> pl.DataFrame:
    """条款 二、主要目标, [targets.province]: the regional zones assessed in `year` (at the end of
    it, from the registry's history) >= 15 by the target year.

    "到2025年……15家以上" is a stock: judged against the full threshold in the target year and
    every year after it. Before it the default (`before_target_year = "progress"`) gives no
    verdict but the status `in_progress`, the count and the distance still to go (`gap`); the
    config can ask for the pro-rata or the full threshold instead (met / not_met then).
    """
    target = policy.province_target
    count = assessed_zones(zones, year).filter(pl.col("level") == "regional").height
    final = Fraction(target.threshold)
    mode = target.before_target_year if year < policy.target_year else "full"
    threshold: str | None
    if mode == "progress":
        threshold, status = None, "in_progress"
    else:
        required = threshold_for_year(target.threshold, mode == "pro_rata", policy, year)
        threshold = format_fraction(required)
        status = "met" if Fraction(count) >= required else "not_met"
    return pl.DataFrame(
        {
            "year": [year],
            "target_id": [target.id],
            "value": [count],
            "threshold": [threshold],
            "final_threshold": [format_fraction(final)],
            "status": [status],
            "as_of": [dt.date(year, 12, 31).isoformat()],
            "gap": [format_fraction(max(Fraction(0), final - count))],
            "target_year": [policy.target_year],
        },
        schema=PROVINCE_TARGET_SCHEMA,
    )


def exact_figures(target: ZoneTarget, row: Mapping[str, Any], policy: PolicyConfig
                  ) -> tuple[Decimal | Fraction, Fraction] | None:
    """A targets row's figure and the threshold it was judged against, exactly, for printing
    beside its verdict (formatting.beside); None when the row has no data.

    The `value` column is rounded to 6 decimals, and a year's pro-rata threshold is too, so a
    figure within a millionth of its threshold cannot be told from it there: this goes back to
    the exact inputs the verdict was decided on. A CAGR is (v_Y / v_B)^(1/n) − 1, irrational in
    general: it is the threshold itself when v_Y = v_B × (1 + t)^n exactly (the boundary, met),
    otherwise a Decimal on the same side of the threshold as the exact comparison, to as many
    digits as that takes.
    """
    if row["status"] == "no_data":
        return None
    threshold = threshold_for_year(target.threshold, target.cumulative, policy, row["year"])
    current = Fraction(Decimal(row["year_value"]))
    if target.kind == "rank_gain":
        return Fraction(Decimal(row["base_value"])) - current, threshold
    if target.kind == "city_share":
        return current / Fraction(Decimal(row["city_value"])), threshold
    ratio = current / Fraction(Decimal(row["base_value"]))
    if target.kind == "growth_since_base":
        return ratio - 1, threshold
    n = row["year"] - row["base_year"]
    side = (ratio > (1 + threshold) ** n) - (ratio < (1 + threshold) ** n)
    if side == 0:
        return threshold, threshold
    precision = 40
    while True:
        with localcontext() as ctx:
            ctx.prec = precision
            root = (Decimal(ratio.numerator) / Decimal(ratio.denominator)) ** (Decimal(1) / n) - 1
        if (root > threshold) - (root < threshold) == side:
            return root, threshold
        precision *= 2
