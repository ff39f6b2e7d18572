"""Derived frames for the cross-dataset expectations: one verdict per row, pure Polars.

Great Expectations checks one frame at a time; rules that need another dataset (is the zone
registered, does the city total cover its zones, is the USCC's check character right) are
computed here as boolean columns, and expectations/ asserts them. True: the row passes; False:
it fails; null: the rule does not apply to the row.
"""

from __future__ import annotations

from datetime import date

import polars as pl

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(body17: str) -> str:
    """GB 32100-2015: the 18th character for the first 17, from a 31-letter alphabet (no I O S
    V Z): 31 - (weighted sum mod 31), with 31 written as 0."""
    if len(body17) != 17:
        raise ValueError(f"USCC body must be 17 characters, got {body17!r}")
    total = 0
    for ch, weight in zip(body17, USCC_WEIGHTS, strict=True):
        idx = USCC_ALPHABET.find(ch)
        if idx < 0:
            raise ValueError(f"invalid USCC character {ch!r} in {body17!r}")
        total += idx * weight
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_is_valid(code: str) -> bool:
    """True for an 18-character unified social credit code whose check character is right."""
    if len(code) != 18 or any(ch not in USCC_ALPHABET for ch in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def zone_registered(frames: dict[str, pl.DataFrame], dataset: str) -> pl.Series | None:
    if "zones" not in frames or "zone_id" not in frames[dataset].columns:
        return None
    registered = set(frames["zones"]["zone_id"].drop_nulls().to_list())
    return pl.Series(
        [None if z is None else z in registered for z in frames[dataset]["zone_id"]],
        dtype=pl.Boolean,
    )


def ranked_total_consistent(rankings: pl.DataFrame) -> pl.Series:
    """A row is consistent when its ranked_total is the single most common one of its year;
    with no single most common value, every row of that year is flagged."""
    counts = (
        rankings.drop_nulls(["year", "ranked_total"]).group_by(["year", "ranked_total"]).len("n")
    )
    verdict = counts.join(
        counts.group_by("year").agg(
            pl.col("n").max().alias("top"), (pl.col("n") == pl.col("n").max()).sum().alias("tops")
        ),
        on="year",
    ).select(
        "year", "ranked_total", ((pl.col("n") == pl.col("top")) & (pl.col("tops") == 1)).alias("ok")
    )
    return (
        rankings.select("year", "ranked_total")
        .with_row_index("_i")
        .join(verdict, on=["year", "ranked_total"], how="left")
        .sort("_i")["ok"]
    )


def uscc_valid(frame: pl.DataFrame, column: str) -> pl.Series | None:
    if column not in frame.columns:
        return None
    return pl.Series(
        [None if v is None else uscc_is_valid(v) for v in frame[column]], dtype=pl.Boolean
    )


def exchange_rate_available(frames: dict[str, pl.DataFrame]) -> pl.Series | None:
    if "exchange_rates" not in frames:
        return None
    rates = frames["exchange_rates"].filter(pl.col("usd_cny").is_not_null())
    years = set(rates["year"].drop_nulls().to_list())
    return pl.Series(
        [None if y is None else y in years for y in frames["fdi_projects"]["year"]],
        dtype=pl.Boolean,
    )


def base_year_present(frames: dict[str, pl.DataFrame], base_year: int) -> pl.Series | None:
    if "zone_stats" not in frames:
        return None
    zones = frames["zones"]
    if "approved_date" not in zones.columns:
        return None
    with_base = set(
        frames["zone_stats"].filter(pl.col("year") == base_year)["zone_id"].drop_nulls()
    )
    cutoff = date(base_year, 1, 1)
    verdicts: list[bool | None] = []
    for zone_id, level, approved in zones.select("zone_id", "level", "approved_date").iter_rows():
        applies = level == "national" and approved is not None and approved < cutoff
        verdicts.append(zone_id in with_base if applies and zone_id is not None else None)
    return pl.Series(verdicts, dtype=pl.Boolean)


def city_zone_sums(frames: dict[str, pl.DataFrame], column: str) -> pl.DataFrame | None:
    """Each city_stats row beside the sum of its zones' values (by zones.city) that year.

    Columns: the city's value, zones_sum, zones_n (how many zone rows were summed), in
    city_stats row order.
    """
    if "zones" not in frames or "zone_stats" not in frames:
        return None
    zone_city = (
        frames["zones"].select("zone_id", "city").drop_nulls().unique("zone_id", keep="first")
    )
    sums = (
        frames["zone_stats"]
        .join(zone_city, on="zone_id")
        .group_by("city", "year")
        .agg(pl.col(column).sum().alias("zones_sum"), pl.col(column).count().alias("zones_n"))
    )
    return (
        frames["city_stats"]
        .select("city", "year", column)
        .with_row_index("_i")
        .join(sums, on=["city", "year"], how="left")
        .sort("_i")
        .select(column, "zones_sum", "zones_n")
    )
