"""The reports' charts as specs (chart.py draws them): each key indicator's trend from the base
year with the path a national zone's growth target demands, and the national rank over time.
Each chart carries its values as a table too, for print and for screen readers."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from flows.reporting.history import history_values, national_rank_series
from transforms.contract import DATASETS
from transforms.formatting import DASH, beside, fmt_number, percent
from transforms.policy import PolicyConfig
from transforms.results import Results
from transforms.units import DISPLAY_UNITS

# Trend charts: which zone_stats column, its display unit and the matching growth target.
TREND_INDICATORS = ("gdp", "fdi_usd", "trade", "enterprises")


def trend_charts(zone: dict[str, Any], results: Results, policy: PolicyConfig
                 ) -> list[dict[str, Any]]:
    """One chart spec per key indicator, base year → Y; national zones get the target path."""
    zs = DATASETS["zone_stats"]
    targets = {t.indicator: t for t in policy.zone_targets if t.kind == "cagr"}
    years = list(range(policy.base_year, results.year + 1))
    charts = []
    for indicator in TREND_INDICATORS:
        column = zs.column(indicator)
        divisor, unit, places = DISPLAY_UNITS[column.base_unit]
        values = history_values(results.zone_history, zone["zone_id"], indicator)
        if not any(values.get(y) is not None for y in years):
            continue
        actual = [values.get(y) for y in years]
        target = None
        legend = ""
        base = values.get(policy.base_year)
        rule = targets.get(indicator)
        if zone["level"] == "national" and rule is not None and base is not None and base > 0:
            # The path the target demands: v_base × (1 + t)^(y − base), the same comparison
            # transforms/targets.py makes (the boundary counts as met).
            target = [base * (1 + rule.threshold) ** (y - policy.base_year) for y in years]
            legend = f"目标路径（年均增长 {percent(rule.threshold)}）"
        charts.append({
            "kind": "trend",
            "indicator": indicator,
            "title": column.short_label,
            "unit": unit,
            "years": years,
            "actual": [None if v is None else float(v / divisor) for v in actual],
            "target": [float(v / divisor) for v in target] if target else None,
            "target_legend": legend,
            "caption": (f"{column.short_label} {policy.base_year}—{results.year} 年实际值"
                        + ("与目标路径对比" if target else "")),
            "rows": [_trend_row(y, a, t, divisor, places)
                     for y, a, t in zip(years, actual, target or [None] * len(years), strict=True)],
        })
    return charts


def _trend_row(year: int, actual: Decimal | None, target: Decimal | None, divisor: Decimal,
               places: int) -> dict[str, Any]:
    """A year of a trend chart's table: the actual value beside the target path's (the
    threshold of that year), each with the decimals it takes to show which side the actual
    value is on (formatting.beside)."""
    if target is None:
        return {"year": year, "actual": DASH if actual is None else fmt_number(actual / divisor,
                                                                               places),
                "target": ""}
    if actual is None:
        return {"year": year, "actual": DASH, "target": fmt_number(target / divisor, places)}
    actual_text, target_text = beside(actual / divisor, target / divisor, places)
    return {"year": year, "actual": actual_text, "target": target_text}


def rank_chart(zone: dict[str, Any], results: Results, policy: PolicyConfig
               ) -> dict[str, Any] | None:
    series = national_rank_series(results.rank_history, zone["zone_id"])
    if zone["level"] != "national" or not series:
        return None
    by_year = {y: r for y, r, _ in series}
    gain = next((t for t in policy.zone_targets if t.kind == "rank_gain"), None)
    target_rank = None
    legend = ""
    if gain is not None and policy.base_year in by_year:
        # a gain of 7.5 places is met by 8: round the required gain up, never down
        target_rank = max(1, by_year[policy.base_year] - math.ceil(gain.threshold))
        legend = f"{policy.target_year} 年目标：第 {target_rank} 名"
    return {
        "kind": "rank",
        "years": [y for y, _, _ in series],
        "ranks": [r for _, r, _ in series],
        "target_rank": target_rank,
        "target_legend": legend,
        "caption": f"国家级考核排名 {series[0][0]}—{series[-1][0]} 年（名次越小越好，纵轴向下为后）",
        "rows": [{"year": y, "rank": r, "total": t} for y, r, t in series],
    }
