"""Why a national zone has no national rank for a year, worded once for every rule that needs
one (ranking rewards, supervision's bottom ten, the cities' table)."""

from __future__ import annotations

NOT_RANKED, RANKING_YEAR_MISSING = "not_ranked", "ranking_year_missing"


def rank_absence(year: int, ranking_published: bool) -> tuple[str, str]:
    """(the reason in Chinese, its cause id): the year's ranking is there and leaves the zone
    out (未列入), or the rankings hold no row for that year at all (缺少)."""
    if ranking_published:
        return f"未列入 {year} 年国家级考核排名", NOT_RANKED
    return f"缺少 {year} 年国家级考核排名", RANKING_YEAR_MISSING
