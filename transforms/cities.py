"""The host cities' own performance (条款（十七）): each city's national zones in the national
ranking and against their targets.

（十七）将国家级经开区在国家级考核评价年度排名情况纳入所在设区市绩效考评: the cities are assessed
on their national zones' rank. results/city_performance.csv has one row per host city and
national zone assessed in the year: the rank and ranked total, the change from the previous
year (places gained, positive is better), whether it is in the national bottom ten, and how many
of its development targets it met. A rank the rankings do not hold is left empty with the
reason in `note`, never read as a change of 0 or "not in the bottom ten".
"""

from __future__ import annotations

import polars as pl

from transforms.contract import region_cities
from transforms.policy import PolicyConfig
from transforms.rankings import rank_absence

CITY_PERFORMANCE_SCHEMA: dict[str, pl.DataType] = {
    "city": pl.String(),
    "year": pl.Int64(),
    "zone_id": pl.String(),
    "zone_name": pl.String(),
    "rank": pl.Int64(),
    "ranked_total": pl.Int64(),
    "previous_rank": pl.Int64(),
    "rank_change": pl.Int64(),  # previous_rank - rank: places gained
    "bottom_ten": pl.Boolean(),  # null: no rank this year, undecided
    "targets_met": pl.Int64(),
    "targets_not_met": pl.Int64(),
    "targets_no_data": pl.Int64(),
    "targets_total": pl.Int64(),
    "note": pl.String(),
}


def city_performance(assessed: pl.DataFrame, targets: pl.DataFrame, rankings: pl.DataFrame,
                     policy: PolicyConfig, year: int) -> pl.DataFrame:
    """One row per host city and national zone assessed in `year`, cities in the region's
    order (config/region.toml), zones by id."""
    places = policy.supervision.national_bottom_places
    ranked_years = set(rankings["year"].drop_nulls().unique().to_list())

    def ranks_of(y: int) -> dict[str, tuple[int, int]]:
        return {z: (r, t) for z, r, t in rankings.filter(pl.col("year") == y)
                .select("zone_id", "rank", "ranked_total").drop_nulls("rank").iter_rows()}

    now, before = ranks_of(year), ranks_of(year - 1)
    statuses: dict[str, dict[str, int]] = {}
    for zone_id, status in targets.select("zone_id", "status").iter_rows():
        counts = statuses.setdefault(zone_id, {"met": 0, "not_met": 0, "no_data": 0})
        counts[status] = counts.get(status, 0) + 1
    order = {city: i for i, city in enumerate(region_cities())}
    national = assessed.filter(pl.col("level") == "national").sort("zone_id")
    rows = []
    for zone in national.iter_rows(named=True):
        zone_id = zone["zone_id"]
        rank, total = now.get(zone_id, (None, None))
        previous = before.get(zone_id, (None, None))[0]
        notes = []
        if rank is None:
            notes.append(rank_absence(year, year in ranked_years)[0])
        elif previous is None:
            notes.append(f"无 {year - 1} 年名次，无法计算变化")
        counts = statuses.get(zone_id, {"met": 0, "not_met": 0, "no_data": 0})
        rows.append({
            "city": zone["city"], "year": year, "zone_id": zone_id,
            "zone_name": zone["zone_name"], "rank": rank, "ranked_total": total,
            "previous_rank": previous,
            "rank_change": None if rank is None or previous is None else previous - rank,
            "bottom_ten": None if rank is None or total is None else rank > total - places,
            "targets_met": counts["met"], "targets_not_met": counts["not_met"],
            "targets_no_data": counts["no_data"], "targets_total": sum(counts.values()),
            "note": "；".join(notes),
        })
    rows.sort(key=lambda r: (order.get(r["city"], len(order)), r["city"] or "", r["zone_id"]))
    return pl.DataFrame(rows, schema=CITY_PERFORMANCE_SCHEMA, orient="row")
