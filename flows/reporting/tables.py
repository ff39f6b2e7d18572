"""The rows of the reports' tables, formatted for print: targets, indicators, scores, rewards,
supervision, rankings and data quality. Presentation only: every value comes from the result
frames (the same ones written to results/*.csv) and is formatted, never computed, here."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from flows.reporting.history import growth_since_base, national_rank_series
from transforms.contract import DATASETS, region_cities
from transforms.findings import Finding
from transforms.formatting import (
    DASH,
    beside,
    display_unit,
    fmt_indicator,
    fmt_money_both,
    fmt_number,
    fmt_pct,
    fmt_score_value,
    fmt_wan,
    fmt_yuan,
    plain,
    ranked_places,
)
from transforms.policy import PolicyConfig, ZoneTarget
from transforms.registry import REGISTRY_CHANGE_LABELS
from transforms.results import Results
from transforms.rewards import RULE_LABELS
from transforms.supervision import ACTION_LABELS, REASON_LABELS
from transforms.targets import exact_figures, threshold_for_year

STATUS_LABELS = {"met": "达标", "not_met": "未达标", "no_data": "无数据", "in_progress": "进行中"}
# What a table prints in place of a zone's figures when its statistics are missing.
DATA_MISSING = "数据缺失"

LEVEL_LABELS = {"national": "国家级", "regional": "自治区级"}


def clause_short(clause: str) -> str:
    """'三、（二）：原有企业……' -> '三、（二）'."""
    return clause.split("：", 1)[0]


def fmt_target_value(target: ZoneTarget, value: float | None) -> str:
    if value is None:
        return DASH
    if target.kind == "rank_gain":
        places = int(value)
        return f"提升 {places} 位" if places >= 0 else f"下降 {-places} 位"
    return fmt_pct(value, 2)


def _target_note(target: ZoneTarget, row: dict[str, Any], unit: str | None) -> str:
    if row["status"] == "no_data":
        return row["note"] or ""
    base_year, year = row["base_year"], row["year"]
    if target.kind == "rank_gain":
        return f"{base_year} 年第 {row['base_value']} 名 → {year} 年第 {row['year_value']} 名"
    if target.kind == "city_share":
        return (
            f"园区 {fmt_indicator(row['year_value'], unit)} / 设区市 "
            f"{fmt_indicator(row['city_value'], unit)} {display_unit(unit)}"
        )
    return (
        f"{base_year} 年 {fmt_indicator(row['base_value'], unit)} → {year} 年 "
        f"{fmt_indicator(row['year_value'], unit)} {display_unit(unit)}"
    )


def target_texts(target: ZoneTarget, row: dict[str, Any], policy: PolicyConfig
                 ) -> tuple[str, str, str]:
    """(value, this year's threshold, final threshold) of a targets row as printed beside its
    verdict: from the exact figures (transforms.targets.exact_figures) through
    formatting.beside, so a shortfall never prints as reaching the threshold (19.996% beside
    ≥ 20%, never 20.00%), and a pro-rata threshold gets the decimals its figure needs."""
    percent_kind = target.kind != "rank_gain"
    places, scale, unit = (2, 100, "%") if percent_kind else (1, 1, " 位")
    final = Fraction(target.threshold) * scale
    _, final_text = beside(final, final, places, trim_threshold=True)
    figures = exact_figures(target, row, policy)
    if figures is None:
        threshold = threshold_for_year(target.threshold, target.cumulative, policy, row["year"])
        _, threshold_text = beside(threshold * scale, threshold * scale, places,
                                   trim_threshold=True)
        value_text = DASH
    else:
        figure, threshold = figures
        value_text, threshold_text = beside(Fraction(figure) * scale, threshold * scale, places,
                                            trim_threshold=True)
        if percent_kind:
            value_text += "%"
        else:  # a gain in places is a whole number: the threshold carries the decimals
            value_text = fmt_target_value(target, float(figure))
    return value_text, f"≥ {threshold_text}{unit}", f"≥ {final_text}{unit}"


def target_rows(targets: pl.DataFrame, zone_id: str, policy: PolicyConfig) -> list[dict[str, Any]]:
    zs = DATASETS["zone_stats"]
    by_id = {t.id: t for t in policy.zone_targets}
    rows = []
    for row in targets.filter(pl.col("zone_id") == zone_id).iter_rows(named=True):
        target = by_id[row["target_id"]]
        unit = zs.column(target.indicator).base_unit if target.indicator != "rank" else None
        value, threshold, final_threshold = target_texts(target, row, policy)
        rows.append(
            {
                "target_id": target.id,
                "label": target.label,
                "value": value,
                "threshold": threshold,
                "final_threshold": final_threshold,
                "status": row["status"],
                "status_label": STATUS_LABELS[row["status"]],
                "note": _target_note(target, row, unit),
            }
        )
    return rows


def indicator_rows(indicators: pl.DataFrame, zone_id: str, history: pl.DataFrame | None = None,
                   base_year: int | None = None, data_missing: bool = False
                   ) -> list[dict[str, Any]]:
    zs = DATASETS["zone_stats"]
    rows = []
    for row in indicators.filter(pl.col("zone_id") == zone_id).iter_rows(named=True):
        col = zs.column(row["indicator"])
        since = (growth_since_base(history, zone_id, row["indicator"], base_year, row["year"])
                 if history is not None and base_year is not None else None)
        rows.append(
            {
                "indicator": row["indicator"],
                "label": col.short_label,
                "unit_label": display_unit(row["unit"]),
                "value": (DATA_MISSING if data_missing and row["value"] is None
                          else fmt_indicator(row["value"], row["unit"])),
                "yoy": fmt_pct(row["yoy_growth"]),
                "cagr": fmt_pct(row["cagr_since_base"]),
                "since_base": fmt_pct(None if since is None else float(since)),
                "city_share": fmt_pct(row["city_share"]),
            }
        )
    return rows


def data_quality_rows(findings: list[Finding], zone_id: str | None = None
                      ) -> list[dict[str, Any]]:
    """Warnings the run went ahead with: all of them, or those that touched one zone."""
    return [
        {"severity": f.severity.label, "file": f.file, "sheet": f.sheet,
         "row": "" if f.row is None else str(f.row), "column": f.column_label or f.column,
         "value": f.value, "message": f.message, "hint": f.hint}
        for f in findings
        if zone_id is None or f.zone_id == zone_id
    ]


def data_quality_summary(findings: list[Finding]) -> list[dict[str, Any]]:
    """Counts by dataset and severity, for the province report's data-quality section."""
    counts: dict[str, dict[str, int]] = {}
    for f in findings:
        row = counts.setdefault(f.dataset, {"critical": 0, "warning": 0})
        row[f.severity.value] = row.get(f.severity.value, 0) + 1
    labels = {name: ds.label for name, ds in DATASETS.items()}
    return [{"dataset": name, "label": labels.get(name, name), "critical": c["critical"],
             "warning": c["warning"], "total": c["critical"] + c["warning"]}
            for name, c in sorted(counts.items())]


def score_block(zone_id: str, results_scores: pl.DataFrame, details: pl.DataFrame,
                regional_total: int) -> dict[str, Any] | None:
    """Why this score: every indicator's raw value, the group's range, its score and weight."""
    hit = results_scores.filter(pl.col("zone_id") == zone_id)
    if hit.is_empty():
        return None
    row = hit.row(0, named=True)
    if row.get("data_missing") or row["score"] is None:
        return None  # not scored: its statistics are missing (the report says 数据缺失)
    mine = details.filter(pl.col("zone_id") == zone_id)
    categories = []
    for _, rows in mine.group_by("category", maintain_order=True):
        first = rows.row(0, named=True)
        categories.append({
            "label": first["category_label"],
            "weight": fmt_pct(float(first["category_weight"]), 0),
            "score": fmt_number(first["category_score"], 2),
            "contribution": fmt_number(rows["contribution"].sum(), 2),
            "indicators": [
                {
                    "label": r["indicator_label"],
                    "unit": fmt_score_value(None, r["unit"] or "")[1],
                    "value": DASH if r["missing"] else fmt_score_value(r["value"], r["unit"])[0],
                    "range": (f"{fmt_score_value(r['group_min'], r['unit'])[0]} ~ "
                              f"{fmt_score_value(r['group_max'], r['unit'])[0]}"
                              if r["group_min"] is not None else DASH),
                    "direction": "越低越好" if r["direction"] == "lower" else "越高越好",
                    "score": fmt_number(r["indicator_score"], 2),
                    "missing": bool(r["missing"]),
                    "missing_reason": r["missing_reason"] or "",
                }
                for r in rows.iter_rows(named=True)
            ],
        })
    gap = mine["gap_to_next_rank"].drop_nulls()
    if row["regional_rank"] is not None:
        rank_words = f"自治区级经开区第 {row['regional_rank']} 名（共 {regional_total} 家）"
        if row["regional_last"]:
            rank_words += "，位于末位"
    else:
        rank_words = (f"国家级考核排名第 {row['national_rank']} 名" if row["national_rank"]
                      else "国家级经开区（综合得分仅供比较）")
    return {
        "score": fmt_number(row["score"], 2),
        "rank": rank_words,
        # beside 0: a gap of 0.004 prints as such, not as a tie ("0.00") between two ranks
        "gap": (f"距上一名次差 {beside(gap[0], 0, 2)[0]} 分" if len(gap) else ""),
        "categories": categories,
        "missing": row["missing_indicators"] or "",
    }


def reward_rows(rewards: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "rule": RULE_LABELS[r["rule"]],
            "subject": f"{r['subject_id']} {r['subject_name']}".strip(),
            "basis": fmt_yuan(r["basis_cny"]),
            "reward": fmt_yuan(r["reward_cny"]),
            "region": fmt_yuan(r["region_share_cny"]),
            "city": fmt_yuan(r["city_share_cny"]),
            "clause": clause_short(r["clause"]),
            "explanation": r["explanation"],
            "granted": bool(r["reward_cny"] is not None and r["reward_cny"] > 0),
        }
        for r in rewards.iter_rows(named=True)
    ]


def supervision_rows(supervision: pl.DataFrame, names: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "zone_name": names.get(r["zone_id"], r["zone_id"]),
            "action": r["action"],
            "action_label": ACTION_LABELS[r["action"]],
            "reason_label": REASON_LABELS[r["reason"]],
            "clause": clause_short(r["clause"]),
            "explanation": r["explanation"],
        }
        for r in supervision.iter_rows(named=True)
    ]


def researcher_rows(records: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {"record": f"{r['record_id']} {r['institution_name'] or ''}".strip(),
         "amount": fmt_yuan(r["amount_cny"]), "taxable": fmt_yuan(r["taxable_cny"]),
         "explanation": r["explanation"]}
        for r in records.iter_rows(named=True)
    ]


def decimal_sum(frame: pl.DataFrame, column: str) -> Decimal:
    total = frame[column].drop_nulls().sum()
    return Decimal(total) if total is not None else Decimal(0)


def zone_reward_total(rewards: pl.DataFrame) -> dict[str, Any] | None:
    granted = rewards.filter(pl.col("reward_cny") > 0)
    if not granted.height:
        return None
    return {"count": granted.height,
            "total": fmt_money_both(decimal_sum(granted, "reward_cny")),
            "region": fmt_money_both(decimal_sum(granted, "region_share_cny")),
            "city": fmt_money_both(decimal_sum(granted, "city_share_cny"))}


def reward_totals(rewards: pl.DataFrame, assessed: pl.DataFrame) -> dict[str, Any]:
    """What the finance department plans with: totals by rule, by zone and by payer."""
    granted = rewards.filter(pl.col("reward_cny") > 0)
    by_rule = []
    for rule, label in RULE_LABELS.items():
        part = granted.filter(pl.col("rule") == rule)
        if part.height:
            by_rule.append({"label": label, "count": part.height,
                            "total": fmt_wan(decimal_sum(part, "reward_cny")),
                            "region": fmt_wan(decimal_sum(part, "region_share_cny")),
                            "city": fmt_wan(decimal_sum(part, "city_share_cny"))})
    names = dict(assessed.select("zone_id", "zone_name").iter_rows())
    # Sums per zone and per city in one aggregation each (exact: the columns are Decimal), not
    # a filter per zone: a national profile has 2,700 zones and 330 cities.
    money = ("reward_cny", "region_share_cny", "city_share_cny")
    per_zone = granted.group_by("zone_id").agg(pl.len(), *(pl.col(c).sum() for c in money))
    by_zone = []
    for zone_id, count, total, region_part, city_part in per_zone.sort("zone_id").iter_rows():
        by_zone.append({"zone_id": zone_id, "zone_name": names.get(zone_id, zone_id),
                        "count": count, "total": fmt_wan(Decimal(total or 0)),
                        "region": fmt_wan(Decimal(region_part or 0)),
                        "city": fmt_wan(Decimal(city_part or 0))})
    region = decimal_sum(granted, "region_share_cny")
    payers = [{"payer": "自治区财政", "amount": fmt_yuan(region), "amount_wan": fmt_wan(region)}]
    per_city = dict(granted.group_by("city").agg(pl.col("city_share_cny").sum()).iter_rows())
    for city in region_cities():
        amount = Decimal(per_city.get(city) or 0)
        if amount > 0:
            payers.append({"payer": f"{city}财政", "amount": fmt_yuan(amount),
                           "amount_wan": fmt_wan(amount)})
    unpriced = rewards.filter(pl.col("reward_cny").is_null()).height
    return {
        "by_rule": by_rule,
        "by_zone": by_zone,
        "by_payer": payers,
        "total": fmt_yuan(decimal_sum(granted, "reward_cny")),
        "total_wan": fmt_wan(decimal_sum(granted, "reward_cny")),
        "unpriced": unpriced,
    }


def ranking_rows(scores: pl.DataFrame, robustness: pl.DataFrame, names: dict[str, str]
                 ) -> list[dict[str, Any]]:
    robust = {r["zone_id"]: r for r in robustness.iter_rows(named=True)}
    rows = []
    ranked = scores.filter(pl.col("regional_rank").is_not_null()).sort("regional_rank",
                                                                        "zone_id")
    places = ranked_places(ranked["score"].to_list(), 2)
    for r in ranked.iter_rows(named=True):
        check = robust.get(r["zone_id"])
        stable = check is None or check["robust"]
        rows.append({
            "rank": r["regional_rank"],
            "zone_name": names.get(r["zone_id"], r["zone_id"]),
            "score": fmt_number(r["score"], places),
            "last": bool(r["regional_last"]),
            "robust": stable,
            "robust_label": "稳健" if stable else (
                f"不稳健（第 {check['min_rank']}–{check['max_rank']} 名）"),
            "changed_by": "" if stable else (check["changed_by"] or ""),
        })
    return rows


def national_rank_rows(results: Results, names: dict[str, str]) -> list[dict[str, Any]]:
    """Each national zone: rank in Y−1 and Y and the change (a positive change is better)."""
    year = results.year
    national = results.assessed.filter(pl.col("level") == "national")
    rows = []
    for zone_id in national.sort("zone_id")["zone_id"].to_list():
        series = {y: (r, t) for y, r, t in national_rank_series(results.rank_history, zone_id)}
        now, before = series.get(year), series.get(year - 1)
        change = None if now is None or before is None else before[0] - now[0]
        rows.append({
            "zone_id": zone_id,
            "zone_name": names.get(zone_id, zone_id),
            "previous": DASH if before is None else f"{before[0]} / {before[1]}",
            "current": DASH if now is None else f"{now[0]} / {now[1]}",
            "change": (DASH if change is None else "持平" if change == 0 else
                       f"↑ 提升 {change} 位" if change > 0 else f"↓ 下降 {-change} 位"),
            "sort": now[0] if now else 10**6,
        })
    rows.sort(key=lambda r: (r["sort"], r["zone_id"]))
    return rows


# ---------------------------------------------------------------------------------------------
# Across the years: the registry's changes, the province target's progress, what is missing
# or undecided, and the host cities (条款（十七）)


def registry_change_rows(changes: pl.DataFrame) -> list[dict[str, Any]]:
    """The year's new, upgraded, newly national and exited zones."""
    if changes.is_empty():
        return []
    return [{"change": REGISTRY_CHANGE_LABELS[r["change"]], "zone_name": r["zone_name"],
             "city": r["city"], "date": r["date"].isoformat() if r["date"] else DASH}
            for r in changes.iter_rows(named=True)]


def province_target_rows(province_targets: pl.DataFrame, policy: PolicyConfig
                         ) -> list[dict[str, Any]]:
    """The province-wide target: judged from the target year on; before it, the count and the
    distance still to go (progress), unless the config pro-rates it."""
    rows = []
    for row in province_targets.iter_rows(named=True):
        final = row["final_threshold"]
        gap = row.get("gap")
        if row["status"] == "in_progress":
            threshold = f"{row.get('target_year', policy.target_year)} 年 ≥ {final} 家"
            progress = (f"距目标还差 {gap} 家" if gap not in (None, "0")
                        else "已达到目标数量")
        else:
            threshold = f"≥ {row['threshold']} 家"
            progress = f"距目标还差 {gap} 家" if gap not in (None, "0") else ""
        rows.append({"label": policy.province_target.label, "value": f"{row['value']} 家",
                     "threshold": threshold, "progress": progress, "status": row["status"],
                     "status_label": STATUS_LABELS[row["status"]]})
    return rows


def province_target_legend(policy: PolicyConfig) -> str:
    """How the province-wide target is judged, from the config that judges it."""
    target = policy.province_target
    count = plain(target.threshold)
    if target.before_target_year == "pro_rata":
        return (f"“{count}家以上”按年份折算：{policy.target_year} 年之前按当年折算的数量判定达标与否，"
                f"{policy.target_year} 年及以后按 {count} 家判定。")
    return (f"“{count}家以上”是到目标年应达到的数量：目标年及以后按 {count} 家判定达标与否；"
            "目标年之前列出当年数量和距目标的差距（“进行中”），不按年份折算。")


def data_gap_rows(gaps: pl.DataFrame, names: dict[str, str] | None = None
                  ) -> list[dict[str, Any]]:
    """Zone-years the rules read and nobody submitted (transforms.completeness)."""
    if gaps.is_empty():
        return []
    return [{"zone_name": (names or {}).get(r["zone_id"], r["zone_name"]),
             "zone_id": r["zone_id"], "missing_year": r["missing_year"],
             "needed_for": r["needed_for"]} for r in gaps.iter_rows(named=True)]


def ranking_gap_rows(gaps: pl.DataFrame) -> list[dict[str, Any]]:
    if gaps.is_empty():
        return []
    return [{"missing_year": r["missing_year"], "rules": r["rules"]}
            for r in gaps.iter_rows(named=True)]


def undecided_rows(undecided: pl.DataFrame, names: dict[str, str]) -> list[dict[str, Any]]:
    """Rules that could not be decided for a zone, and why (无法判定)."""
    if undecided.is_empty():
        return []
    return [{"zone_name": names.get(r["zone_id"], r["zone_id"]), "rule": r["rule_label"],
             "reason": r["reason"]} for r in undecided.iter_rows(named=True)]


def city_rows(city_performance: pl.DataFrame) -> list[dict[str, Any]]:
    """条款（十七）: per host city its national zones' rank, change, bottom-ten status and
    targets, and the city's totals."""
    if city_performance.is_empty():
        return []
    cities = []
    for (city,), rows in city_performance.group_by("city", maintain_order=True):
        zones = []
        for r in rows.iter_rows(named=True):
            change = r["rank_change"]
            zones.append({
                "zone_name": r["zone_name"],
                "rank": (DASH if r["rank"] is None else f"{r['rank']} / {r['ranked_total']}"),
                "change": (DASH if change is None else "持平" if change == 0 else
                           f"↑ 提升 {change} 位" if change > 0 else f"↓ 下降 {-change} 位"),
                "bottom_ten": ("无法判定" if r["bottom_ten"] is None else
                               "是" if r["bottom_ten"] else "否"),
                "targets": f"{r['targets_met']} / {r['targets_total']}",
                "note": r["note"] or "",
            })
        bottom = rows.filter(pl.col("bottom_ten").fill_null(False)).height
        cities.append({
            "city": city, "zones": zones, "count": rows.height, "bottom_ten": bottom,
            "targets": f"{rows['targets_met'].sum()} / {rows['targets_total'].sum()}",
        })
    return cities


def zone_history_text(timeline: pl.DataFrame, zone_id: str) -> str:
    """'2020-09-28 认定为自治区级经开区；2025-06-18 升格为国家级经开区' from the registry."""
    if timeline.is_empty():
        return DASH
    hit = timeline.filter(pl.col("zone_id") == zone_id)
    if hit.is_empty():
        return DASH
    r = hit.row(0, named=True)
    parts = []
    if r["regional_ever"]:
        parts.append(f"{r['regional_from'].isoformat()} 认定为自治区级经开区" if r["regional_from"]
                     else "自治区级经开区（认定日期未登记）")
    if r["national_ever"]:
        verb = "升格为" if r["regional_ever"] else "批准为"
        parts.append(f"{r['national_from'].isoformat()} {verb}国家级经开区" if r["national_from"]
                     else "国家级经开区（批准日期未登记）")
    if r["exited"]:
        parts.append(f"{r['exited_on'].isoformat()} 退出" if r["exited_on"]
                     else "已退出（退出日期未登记）")
    return "；".join(parts) or DASH
