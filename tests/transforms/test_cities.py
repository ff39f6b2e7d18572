"""条款（十七）: the host cities' national zones, their rank and change, bottom ten and targets."""

from __future__ import annotations

import datetime as dt

import polars as pl

from flows.settings import load_policy
from tests.helpers import frame, ranks
from transforms.cities import city_performance
from transforms.registry import zones_in_year

POLICY = load_policy()


def registry() -> pl.DataFrame:
    rows = [("N1", "national", "南宁市"), ("N2", "national", "南宁市"),
            ("Q1", "national", "钦州市"), ("F1", "national", "防城港市"),
            ("R1", "regional", "南宁市")]
    return frame("zones", [{"zone_id": z, "zone_name": f"园区{z}", "level": level, "city": c,
                            "approved_date": dt.date(2001, 1, 1), "status": "active"}
                           for z, level, c in rows])


def targets(statuses: dict[str, list[str]]) -> pl.DataFrame:
    return pl.DataFrame([{"zone_id": z, "status": s} for z, ss in statuses.items() for s in ss],
                        schema={"zone_id": pl.String, "status": pl.String})


def test_rank_change_bottom_ten_and_targets_per_city() -> None:
    rankings = ranks([("N1", 2024, 110), ("N1", 2025, 99),  # up 11
                      ("N2", 2024, 205), ("N2", 2025, 221),  # down 16; 221 > 230 - 10
                      ("Q1", 2024, 85), ("Q1", 2025, 220),  # 220 = 230 - 10: not bottom ten
                      ("F1", 2024, 150)])  # no 2025 rank: undecided, not "not bottom ten"
    result = city_performance(
        zones_in_year(registry(), 2025),
        targets({"N1": ["met", "not_met", "met"], "N2": ["no_data"], "Q1": ["met"]}),
        rankings, POLICY, 2025)
    # Cities in the region's order (南宁, 防城港, 钦州), zones by id; no regional zone.
    assert result.select("city", "zone_id", "rank", "previous_rank", "rank_change",
                         "bottom_ten", "targets_met", "targets_total", "note").rows() == [
        ("南宁市", "N1", 99, 110, 11, False, 2, 3, ""),
        ("南宁市", "N2", 221, 205, -16, True, 0, 1, ""),
        ("防城港市", "F1", None, 150, None, None, 0, 0, "未列入 2025 年国家级考核排名"),
        ("钦州市", "Q1", 220, 85, -135, False, 1, 1, ""),
    ]


def test_first_ranked_and_no_ranking_at_all() -> None:
    first = city_performance(zones_in_year(registry(), 2025), targets({}),
                             ranks([("N1", 2025, 50)]), POLICY, 2025)
    n1 = first.filter(pl.col("zone_id") == "N1").row(0, named=True)
    assert (n1["rank_change"], n1["bottom_ten"], n1["note"]) == (
        None, False, "无 2024 年名次，无法计算变化")
    none = city_performance(zones_in_year(registry(), 2025), targets({}), ranks([]), POLICY,
                            2025)
    assert set(none["note"]) == {"缺少 2025 年国家级考核排名"}
    assert none["bottom_ten"].null_count() == 4
