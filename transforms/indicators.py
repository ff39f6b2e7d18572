"""Which zones are assessed in a year, and their indicators with growth and city shares.

Pure Polars: frames in, frames out. Money stays Decimal in `value`; growth rates and shares are
display figures (fractions, six decimals) because a compound annual rate is irrational in
general. Target decisions never use these floats: see transforms/targets.py.
"""

from __future__ import annotations

import polars as pl

from transforms.contract import DATASETS, Kind
from transforms.policy import CITY_INDICATORS
from transforms.registry import zones_in_year

ZONE_INDICATORS: tuple[str, ...] = (
    "gdp",
    "fdi_usd",
    "trade",
    "enterprises",
    "large_mfg_enterprises",
    "tax_revenue",
    "fixed_asset_investment",
    "industrial_output",
    "rd_expenditure",
    "high_tech_enterprises",
    "energy_per_gdp",
    "developed_area",
    "investment_target",
    "investment_actual",
)

INDICATOR_SCHEMA = {
    "zone_id": pl.String,
    "year": pl.Int64,
    "indicator": pl.String,
    "value": pl.String,
    "unit": pl.String,
    "yoy_growth": pl.Float64,
    "cagr_since_base": pl.Float64,
    "city_share": pl.Float64,
}

RATIO_DECIMALS = 6


def assessed_zones(zones: pl.DataFrame, year: int) -> pl.DataFrame:
    """Zones assessed for `year`, each at the level it held at the end of that year, from the
    registry's history (transforms/registry.py): approved or recognised by the end of the year
    and not exited by then. A zone with no date is assumed to predate the year (the registry is
    the authority on which zones exist; validation warns about what it cannot date).
    """
    return zones_in_year(zones, year)


def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """num / den as a float, null when either is missing or den is zero."""
    n, d = num.cast(pl.Float64), den.cast(pl.Float64)
    return pl.when(d.is_not_null() & (d != 0) & n.is_not_null()).then(n / d).otherwise(None)


def zone_indicators(
    zones: pl.DataFrame,
    zone_stats: pl.DataFrame,
    city_stats: pl.DataFrame,
    year: int,
    base_year: int,
) -> pl.DataFrame:
    """One row per assessed zone and indicator (results/indicators.csv)."""
    zs = DATASETS["zone_stats"]
    assessed = assessed_zones(zones, year).select("zone_id", "city")
    years_since_base = year - base_year

    def stats_for(y: int, suffix: str) -> pl.DataFrame:
        return zone_stats.filter(pl.col("year") == y).select(
            "zone_id", *[pl.col(c).alias(c + suffix) for c in ZONE_INDICATORS]
        )

    city = city_stats.filter(pl.col("year") == year).select(
        "city", *[pl.col(c).alias(c + "_city") for c in CITY_INDICATORS]
    )
    wide = (
        assessed.join(stats_for(year, ""), on="zone_id", how="left")
        .join(stats_for(year - 1, "_prev"), on="zone_id", how="left")
        .join(stats_for(base_year, "_base"), on="zone_id", how="left")
        .join(city, on="city", how="left")
    )
    parts = []
    for name in ZONE_INDICATORS:
        col = zs.column(name)
        cur, prev, base = pl.col(name), pl.col(name + "_prev"), pl.col(name + "_base")
        cagr = (
            pl.when(years_since_base > 0)
            .then(_ratio(cur, base).pow(1.0 / max(years_since_base, 1)) - 1)
            .otherwise(None)
        )
        share = _ratio(cur, pl.col(name + "_city")) if name in CITY_INDICATORS else pl.lit(None)
        value = cur.cast(pl.String)
        if col.kind is Kind.FLOAT:
            value = cur.round(RATIO_DECIMALS).cast(pl.String)
        parts.append(
            wide.select(
                "zone_id",
                pl.lit(year, pl.Int64).alias("year"),
                pl.lit(name).alias("indicator"),
                value.alias("value"),
                pl.lit(col.base_unit).alias("unit"),
                (_ratio(cur, prev) - 1).round(RATIO_DECIMALS).alias("yoy_growth"),
                cagr.round(RATIO_DECIMALS).alias("cagr_since_base"),
                share.cast(pl.Float64).round(RATIO_DECIMALS).alias("city_share"),
            )
        )
    if not parts:
        return pl.DataFrame(schema=INDICATOR_SCHEMA)
    order = {name: i for i, name in enumerate(ZONE_INDICATORS)}
    return (
        pl.concat(parts)
        .with_columns(pl.col("indicator").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
        .sort("zone_id", "_o")
        .drop("_o")
        .cast(INDICATOR_SCHEMA)
    )
