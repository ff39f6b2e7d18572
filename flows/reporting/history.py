"""A zone's figures over the years, from the zone_stats and national_rankings rows up to year Y
(Results.zone_history, rank_history): for growth since the base year and rank changes."""

from __future__ import annotations

from decimal import Decimal

import polars as pl


def history_values(history: pl.DataFrame, zone_id: str, column: str
                    ) -> dict[int, Decimal | None]:
    if history.is_empty() or column not in history.columns:
        return {}
    rows = history.filter(pl.col("zone_id") == zone_id).select("year", column).rows()
    return {year: None if v is None else Decimal(v) for year, v in rows}


def growth_since_base(history: pl.DataFrame, zone_id: str, column: str, base_year: int,
                      year: int) -> Decimal | None:
    """v_Y / v_base − 1, exact; None without a positive base."""
    values = history_values(history, zone_id, column)
    base, now = values.get(base_year), values.get(year)
    if base is None or now is None or base <= 0:
        return None
    return now / base - 1


def national_rank_series(rank_history: pl.DataFrame, zone_id: str) -> list[tuple[int, int, int]]:
    """(year, rank, ranked_total) for every year the zone was ranked."""
    if rank_history.is_empty():
        return []
    return sorted(rank_history.filter(pl.col("zone_id") == zone_id)
                  .select("year", "rank", "ranked_total").rows())
