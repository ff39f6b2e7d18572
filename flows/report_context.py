"""Turn result frames into the display contexts the report templates print.

Presentation only: numbers are formatted here (亿元 with thousands separators, percentages,
places), never computed. The values come from transforms/ and are the same ones written to
results/*.csv, so the PDFs and the CSVs cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from flows.findings import Finding
from transforms.contract import DATASETS, WAN, YI, region_cities
from transforms.policy import PolicyConfig, ZoneTarget
from transforms.rewards import RULE_LABELS
from transforms.supervision import REASON_LABELS

if TYPE_CHECKING:
    from flows.annual import Results

STATUS_LABELS = {"met": "达标", "not_met": "未达标", "no_data": "无数据"}
LEVEL_LABELS = {"national": "国家级", "regional": "自治区级"}
DASH = "—"

# How each indicator is shown: divisor from the base unit, display unit, decimals.
DISPLAY_UNITS: dict[str, tuple[Decimal, str, int]] = {
    "CNY": (YI, "亿元", 2),
    "USD": (WAN, "万美元", 2),
    "户": (Decimal(1), "户", 0),
    "吨标准煤/万元": (Decimal(1), "吨标准煤/万元", 3),
    "km2": (Decimal(1), "平方公里", 2),
}


def fmt_number(value: Decimal | int | float | None, places: int) -> str:
    if value is None:
        return DASH
    q = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{q:,.{places}f}"


def fmt_pct(value: float | None, places: int = 1) -> str:
    if value is None:
        return DASH
    return fmt_number(Decimal(str(value)) * 100, places) + "%"


def fmt_indicator(value: str | None, unit: str) -> str:
    if value is None:
        return DASH
    divisor, _, places = DISPLAY_UNITS[unit]
    return fmt_number(Decimal(value) / divisor, places)


def display_unit(unit: str) -> str:
    return DISPLAY_UNITS[unit][1]


def fmt_threshold(target: ZoneTarget, threshold: str) -> str:
    if target.kind == "rank_gain":
        return f"≥ {fmt_number(Decimal(threshold), 1).removesuffix('.0')} 位"
    return f"≥ {fmt_pct(float(threshold), 1).replace('.0%', '%')}"


def fmt_target_value(target: ZoneTarget, value: float | None) -> str:
    if value is None:
        return DASH
    if target.kind == "rank_gain":
        places = int(value)
        return f"提升 {places} 位" if places >= 0 else f"下降 {-places} 位"
    return fmt_pct(value, 2)


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    code_version: str
    policy_version: str
    methodology_version: str
    report_date: str
    official: bool
    warnings: int
    inputs: list[dict[str, str]]

    @property
    def draft(self) -> bool:
        # An official run with warnings is still a draft: a leader must not sign unresolved data.
        return not self.official or self.warnings > 0

    def doc(self, title: str, year: int) -> dict[str, Any]:
        return {
            "title": title,
            "year": year,
            "status_label": "草稿" if self.draft else "正式",
            "draft": self.draft,
            "report_date": self.report_date,
            "version": self.code_version,
            "run_id": self.run_id,
        }

    def provenance(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "code_version": self.code_version,
            "policy_version": self.policy_version,
            "methodology_version": self.methodology_version,
            "inputs": self.inputs,
        }


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


def target_rows(targets: pl.DataFrame, zone_id: str, policy: PolicyConfig) -> list[dict[str, Any]]:
    zs = DATASETS["zone_stats"]
    by_id = {t.id: t for t in policy.zone_targets}
    rows = []
    for row in targets.filter(pl.col("zone_id") == zone_id).iter_rows(named=True):
        target = by_id[row["target_id"]]
        unit = zs.column(target.indicator).base_unit if target.indicator != "rank" else None
        rows.append(
            {
                "target_id": target.id,
                "label": target.label,
                "value": fmt_target_value(target, row["value"]),
                "threshold": fmt_threshold(target, row["threshold"]),
                "final_threshold": fmt_threshold(target, row["final_threshold"]),
                "status": row["status"],
                "status_label": STATUS_LABELS[row["status"]],
                "note": _target_note(target, row, unit),
            }
        )
    return rows


def indicator_rows(indicators: pl.DataFrame, zone_id: str, history: pl.DataFrame | None = None,
                   base_year: int | None = None) -> list[dict[str, Any]]:
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
                "value": fmt_indicator(row["value"], row["unit"]),
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


def zone_context(zone: dict[str, Any], results: Results, policy: PolicyConfig, run: RunInfo,
                 findings: list[Finding], *, names: dict[str, str] | None = None,
                 regional_total: int | None = None) -> dict[str, Any]:
    """One zone's report. `results` may be cut to the zone's rows (flows.annual.zone_views);
    `names` and `regional_total`, the same for every zone, may be passed in computed once."""
    year, indicators, targets = results.year, results.indicators, results.targets
    zone_id = zone["zone_id"]
    if names is None:
        names = dict(results.assessed.select("zone_id", "zone_name").iter_rows())
    if regional_total is None:
        regional_total = results.scores.filter(pl.col("regional_rank").is_not_null()).height
    notes = [
        f"增长率按水平法计算：年均增长 = (当年值 / {policy.base_year} 年值)^(1/年数) − 1；"
        "达标判定以精确小数比较，恰好等于目标值视为达标（“以上”含本数）。",
    ]
    if zone["level"] == "national" and year < policy.target_year:
        notes.append(
            f"累计性目标（企业数增长、排名提升）在 {policy.target_year} 年前按进度折算："
            f"目标值 × ({year} − {policy.base_year}) / ({policy.target_year} − {policy.base_year})。"
        )
    approved = zone.get("approved_date")
    return {
        "doc": run.doc(f"{zone['zone_name']} {year} 年度考核评价报告", year),
        "zone": {
            "zone_id": zone["zone_id"],
            "zone_name": zone["zone_name"],
            "level": zone["level"],
            "level_label": LEVEL_LABELS[zone["level"]],
            "city": zone["city"],
            "approved_date": approved.isoformat() if approved else DASH,
        },
        "indicators": indicator_rows(indicators, zone_id, results.zone_history,
                                     policy.base_year),
        "base_year": policy.base_year,
        "conclusions": key_conclusions(zone, results, policy),
        "charts": trend_charts(zone, results, policy),
        "rank_chart": rank_chart(zone, results, policy),
        "reward_total": _zone_reward_total(results.rewards.filter(pl.col("zone_id") == zone_id)),
        "methodology": methodology_block(results, policy),
        "attachments": zone_attachments(zone_id, results),
        "targets": target_rows(targets, zone["zone_id"], policy)
        if zone["level"] == "national"
        else [],
        "score": score_block(zone_id, results.scores, results.score_details, regional_total),
        "rewards": reward_rows(results.rewards.filter(pl.col("zone_id") == zone_id)),
        "researcher": researcher_rows(
            results.researcher_taxable.filter(pl.col("zone_id") == zone_id)),
        "supervision": supervision_rows(
            results.supervision.filter(pl.col("zone_id") == zone_id), names),
        "data_quality": data_quality_rows(findings, zone_id),
        "notes": notes,
        "provenance": run.provenance(),
    }


# A table in the province report prints at most this many rows. No province comes near it
# (Guangxi has 18 zones; ten times that is 180), but a national profile's 2,700 zones printed
# whole made a 645-page report that took four minutes of CPU to lay out, for a document read on
# paper. A longer table prints its first and last PRINTED_ROWS // 2 rows (the top and the bottom
# of a ranking) and, between them, a row saying how many rows are left out and where the
# complete table is: the CSV attached to the report, which is the published results/ file, and
# the workbook results/assessment.xlsx.
PRINTED_ROWS = 250
WORKBOOK = "results/assessment.xlsx"


def printed_rows(rows: list[dict[str, Any]], complete_in: str
                 ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """(rows to print, the omission or None): all rows, or the first and last half of
    PRINTED_ROWS; the omission says after which printed row the gap is and what it holds."""
    if len(rows) <= PRINTED_ROWS:
        return rows, None
    half = PRINTED_ROWS // 2
    omitted = {"after": half, "count": f"{len(rows) - 2 * half:,}", "total": f"{len(rows):,}",
               "first": f"{half + 1:,}", "last": f"{len(rows) - half:,}",
               "complete_in": complete_in}
    return rows[:half] + rows[-half:], omitted


def province_context(results: Results, policy: PolicyConfig, run: RunInfo,
                     findings: list[Finding]) -> dict[str, Any]:
    assessed, year = results.assessed, results.year
    indicators, targets = results.indicators, results.targets
    province_targets = results.province_targets
    names = dict(assessed.select("zone_id", "zone_name").iter_rows())

    # One pass over each frame instead of a filter per zone (2,700 zones: 6 s -> well under 1 s).
    first_value: dict[tuple[str, str], tuple[Any, str]] = {}
    for zone_id, indicator, amount, unit in indicators.select(
            "zone_id", "indicator", "value", "unit").iter_rows():
        first_value.setdefault((zone_id, indicator), (amount, unit))
    zone_statuses: dict[str, list[tuple[str, str]]] = {}
    for zone_id, target_id, target_status in targets.select(
            "zone_id", "target_id", "status").iter_rows():
        zone_statuses.setdefault(zone_id, []).append((target_id, target_status))

    def value(zone_id: str, indicator: str) -> str:
        hit = first_value.get((zone_id, indicator))
        return DASH if hit is None else fmt_indicator(*hit)

    zones = []
    matrix = []
    for number, zone in enumerate(assessed.sort("level", "zone_id").iter_rows(named=True), 1):
        zt = zone_statuses.get(zone["zone_id"], [])
        met = sum(1 for _, target_status in zt if target_status == "met")
        zones.append(
            {
                "no": number,  # the row number in the complete table, printed or not
                "zone_id": zone["zone_id"],
                "zone_name": zone["zone_name"],
                "level_label": LEVEL_LABELS[zone["level"]],
                "city": zone["city"],
                "gdp": value(zone["zone_id"], "gdp"),
                "fdi": value(zone["zone_id"], "fdi_usd"),
                "trade": value(zone["zone_id"], "trade"),
                "targets_met": f"{met} / {len(zt)}" if zone["level"] == "national" else DASH,
            }
        )
        if zone["level"] == "national":
            status = dict(zt)
            matrix.append(
                {
                    "zone_name": zone["zone_name"],
                    "cells": [
                        {"status": status.get(t.id, "no_data"),
                         "status_label": STATUS_LABELS[status.get(t.id, "no_data")]}
                        for t in policy.zone_targets
                    ],
                }
            )
    n_national = assessed.filter(pl.col("level") == "national").height
    n_regional = assessed.filter(pl.col("level") == "regional").height
    met_total = targets.filter(pl.col("status") == "met").height
    province_rows = []
    for row in province_targets.iter_rows(named=True):
        province_rows.append(
            {
                "label": policy.province_target.label,
                "value": f"{row['value']} 家",
                "threshold": f"≥ {row['threshold']} 家",
                "status": row["status"],
                "status_label": STATUS_LABELS[row["status"]],
            }
        )
    rewards = reward_totals(results.rewards, assessed)
    omitted: dict[str, dict[str, Any] | None] = {}
    zones, omitted["zones"] = printed_rows(zones, f"附件 indicators.csv、targets.csv 和 {WORKBOOK}")
    matrix, omitted["matrix"] = printed_rows(matrix, f"附件 targets.csv 和 {WORKBOOK}")
    ranking, omitted["ranking"] = printed_rows(
        ranking_rows(results.scores, results.rank_robustness, names),
        f"附件 scores.csv、rank_robustness.csv 和 {WORKBOOK}")
    national_ranks, omitted["national_ranks"] = printed_rows(
        national_rank_rows(results, names), "输入数据 national_rankings（国家级考核排名）")
    rewards["by_zone"], omitted["rewards_by_zone"] = printed_rows(
        rewards["by_zone"], f"附件 rewards.csv 和 {WORKBOOK}")
    rewards["by_payer"], omitted["rewards_by_payer"] = printed_rows(
        rewards["by_payer"], f"附件 rewards.csv 和 {WORKBOOK}")
    supervision, omitted["supervision"] = printed_rows(
        supervision_rows(results.supervision, names), f"附件 supervision.csv 和 {WORKBOOK}")
    data_quality, omitted["data_quality"] = printed_rows(
        data_quality_rows(findings), "validation/fix_list.csv 和 fix_list.xlsx")
    abridged = [
        f"表格超过 {PRINTED_ROWS} 行时只列出前 {PRINTED_ROWS // 2} 行和后 {PRINTED_ROWS // 2} 行"
        "（排名表即前列和末位），中间从略处注明行数和完整表格所在的文件；本报告附件与"
        f" {WORKBOOK} 含全部行。"] if any(omitted.values()) else []
    return {
        "doc": run.doc(f"广西经开区 {year} 年度考核评价汇总报告", year),
        "summary": [
            {"label": "参评经开区", "value": f"{assessed.height} 家"},
            {"label": "国家级经开区", "value": f"{n_national} 家"},
            {"label": "自治区级经开区", "value": f"{n_regional} 家"},
            {"label": "国家级经开区目标达标项", "value": f"{met_total} / {targets.height}"},
            *[{"label": f"认定自治区级经开区（目标 {r['threshold']}）",
               "value": r["value"], "status": r["status"], "status_label": r["status_label"]}
              for r in province_rows],
            {"label": "奖励资金最高可获合计",
             "value": f"{fmt_wan(_sum(results.rewards.filter(pl.col('reward_cny') > 0), 'reward_cny'))} 万元"},
        ],
        "zones": zones,
        "target_columns": [{"target_id": t.id, "label": t.label} for t in policy.zone_targets],
        "matrix": matrix,
        "province_targets": province_rows,
        "ranking": ranking,
        "rewards": rewards,
        "supervision": supervision,
        "data_quality": data_quality,
        "data_quality_summary": data_quality_summary(findings),
        "national_ranks": national_ranks,
        "omitted": omitted,
        "methodology": methodology_block(results, policy),
        "attachments": province_attachments(results),
        "notes": [
            "金额单位：地区生产总值、进出口总额为亿元，实际利用外资为万美元；奖励资金汇总为万元"
            "（四舍五入保留两位小数，合计与预算安排同时列出精确到分的元数，以元数为准）。",
            "国家级经开区发展目标依据政策第二部分“主要目标”，基准年 "
            f"{policy.base_year} 年，目标年 {policy.target_year} 年。",
            *abridged,
        ],
        "provenance": run.provenance(),
    }


# ---------------------------------------------------------------------------------------------
# Scores, entitlements and supervision
# ---------------------------------------------------------------------------------------------

ACTION_LABELS = {"interview": "约谈", "exit": "退出", "commendation": "奖励激励"}


def clause_short(clause: str) -> str:
    """'三、（二）：原有企业……' -> '三、（二）'."""
    return clause.split("：", 1)[0]


def fmt_yuan(value: Decimal | None) -> str:
    return DASH if value is None else fmt_number(value, 2)


# Scoring values arrive in base units; show them the way the rest of the report does.
SCORE_UNITS: dict[str, tuple[Decimal | None, str, int]] = {
    "元": (YI, "亿元", 2),
    "元/平方公里": (YI, "亿元/平方公里", 2),
    "美元": (WAN, "万美元", 2),
    "户": (Decimal(1), "户", 0),
    "吨标准煤/万元": (Decimal(1), "吨标准煤/万元", 4),
    "增长率": (None, "%", 2),  # None: a fraction shown as a percentage
    "比重": (None, "%", 2),
    "完成率": (None, "%", 2),
}


def fmt_score_value(value: Decimal | None, unit: str) -> tuple[str, str]:
    """(display value, display unit) for an indicator value of the scoring tables."""
    divisor, label, places = SCORE_UNITS.get(unit, (Decimal(1), unit, 4))
    if value is None:
        return DASH, label
    if divisor is None:
        return fmt_number(Decimal(value) * 100, places), label
    return fmt_number(Decimal(value) / divisor, places), label


def score_block(zone_id: str, results_scores: pl.DataFrame, details: pl.DataFrame,
                regional_total: int) -> dict[str, Any] | None:
    """Why this score: every indicator's raw value, the group's range, its score and weight."""
    hit = results_scores.filter(pl.col("zone_id") == zone_id)
    if hit.is_empty():
        return None
    row = hit.row(0, named=True)
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
        "gap": (f"距上一名次差 {fmt_number(gap[0], 2)} 分" if len(gap) else ""),
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


def _sum(frame: pl.DataFrame, column: str) -> Decimal:
    total = frame[column].drop_nulls().sum()
    return Decimal(total) if total is not None else Decimal(0)


def _zone_reward_total(rewards: pl.DataFrame) -> dict[str, Any] | None:
    granted = rewards.filter(pl.col("reward_cny") > 0)
    if not granted.height:
        return None
    return {"count": granted.height,
            "total": fmt_money_both(_sum(granted, "reward_cny")),
            "region": fmt_money_both(_sum(granted, "region_share_cny")),
            "city": fmt_money_both(_sum(granted, "city_share_cny"))}


def reward_totals(rewards: pl.DataFrame, assessed: pl.DataFrame) -> dict[str, Any]:
    """What the finance department plans with: totals by rule, by zone and by payer."""
    granted = rewards.filter(pl.col("reward_cny") > 0)
    by_rule = []
    for rule, label in RULE_LABELS.items():
        part = granted.filter(pl.col("rule") == rule)
        if part.height:
            by_rule.append({"label": label, "count": part.height,
                            "total": fmt_wan(_sum(part, "reward_cny")),
                            "region": fmt_wan(_sum(part, "region_share_cny")),
                            "city": fmt_wan(_sum(part, "city_share_cny"))})
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
    region = _sum(granted, "region_share_cny")
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
        "total": fmt_yuan(_sum(granted, "reward_cny")),
        "total_wan": fmt_wan(_sum(granted, "reward_cny")),
        "unpriced": unpriced,
    }


def ranking_rows(scores: pl.DataFrame, robustness: pl.DataFrame, names: dict[str, str]
                 ) -> list[dict[str, Any]]:
    robust = {r["zone_id"]: r for r in robustness.iter_rows(named=True)}
    rows = []
    for r in scores.filter(pl.col("regional_rank").is_not_null()).sort(
            "regional_rank", "zone_id").iter_rows(named=True):
        check = robust.get(r["zone_id"])
        stable = check is None or check["robust"]
        rows.append({
            "rank": r["regional_rank"],
            "zone_name": names.get(r["zone_id"], r["zone_id"]),
            "score": fmt_number(r["score"], 2),
            "last": bool(r["regional_last"]),
            "robust": stable,
            "robust_label": "稳健" if stable else (
                f"不稳健（第 {check['min_rank']}–{check['max_rank']} 名）"),
            "changed_by": "" if stable else (check["changed_by"] or ""),
        })
    return rows


# ---------------------------------------------------------------------------------------------
# Money for leaders, key conclusions, charts, methodology, attachments (issue 6)
# ---------------------------------------------------------------------------------------------

# Amounts: leaders compare and budget in 万元, so totals are shown in 万元 with thousands
# separators; where a payment is decided (a zone's entitlement rows, the payer budget lines)
# the exact yuan stays beside it, so anyone can check a report against rewards.csv to the fen.


def fmt_wan(value: Decimal | None) -> str:
    """Yuan -> 万元, two places, rounded half up (the yuan figure beside it is authoritative)."""
    return DASH if value is None else fmt_number(Decimal(value) / WAN, 2)


def fmt_money_both(value: Decimal) -> str:
    return f"{fmt_wan(value)} 万元（{fmt_yuan(value)} 元）"


# Trend charts: which zone_stats column, its display unit and the matching growth target.
TREND_INDICATORS = ("gdp", "fdi_usd", "trade", "enterprises")


def _history_values(history: pl.DataFrame, zone_id: str, column: str
                    ) -> dict[int, Decimal | None]:
    if history.is_empty() or column not in history.columns:
        return {}
    rows = history.filter(pl.col("zone_id") == zone_id).select("year", column).rows()
    return {year: None if v is None else Decimal(v) for year, v in rows}


def growth_since_base(history: pl.DataFrame, zone_id: str, column: str, base_year: int,
                      year: int) -> Decimal | None:
    """v_Y / v_base − 1, exact; None without a positive base."""
    values = _history_values(history, zone_id, column)
    base, now = values.get(base_year), values.get(year)
    if base is None or now is None or base <= 0:
        return None
    return now / base - 1


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
        values = _history_values(results.zone_history, zone["zone_id"], indicator)
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
            legend = f"目标路径（年均增长 {fmt_pct(float(rule.threshold), 0)}）"
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
            "rows": [
                {"year": y,
                 "actual": DASH if a is None else fmt_number(a / divisor, places),
                 "target": fmt_number(t / divisor, places) if target else ""}
                for y, a, t in zip(years, actual, target or [None] * len(years), strict=True)
            ],
        })
    return charts


def national_rank_series(rank_history: pl.DataFrame, zone_id: str) -> list[tuple[int, int, int]]:
    """(year, rank, ranked_total) for every year the zone was ranked."""
    if rank_history.is_empty():
        return []
    return sorted(rank_history.filter(pl.col("zone_id") == zone_id)
                  .select("year", "rank", "ranked_total").rows())


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
        target_rank = max(1, by_year[policy.base_year] - int(gain.threshold))
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


def key_conclusions(zone: dict[str, Any], results: Results, policy: PolicyConfig
                    ) -> list[str]:
    """At most six sentences, most important first: exit, interview, money, targets, rank, GDP.

    Every figure is taken from the result frames (the CSVs), formatted as the tables show it.
    """
    zone_id, year = zone["zone_id"], results.year
    sentences: list[str] = []
    actions = results.supervision.filter(pl.col("zone_id") == zone_id)
    for r in actions.filter(pl.col("action") == "exit").iter_rows(named=True):
        sentences.append(f"实行退出机制：{r['explanation']}（{clause_short(r['clause'])}）。")
    for r in actions.filter(pl.col("action") == "interview").iter_rows(named=True):
        sentences.append(f"予以约谈：{REASON_LABELS[r['reason']]}，{r['explanation']}"
                         f"（{clause_short(r['clause'])}）。")
    granted = results.rewards.filter((pl.col("zone_id") == zone_id) & (pl.col("reward_cny") > 0))
    if granted.height:
        sentences.append(
            f"本年度可获奖励资金 {granted.height} 项，最高合计 "
            f"{fmt_money_both(_sum(granted, 'reward_cny'))}，其中自治区财政承担 "
            f"{fmt_wan(_sum(granted, 'region_share_cny'))} 万元、设区市财政承担 "
            f"{fmt_wan(_sum(granted, 'city_share_cny'))} 万元。")
    for r in actions.filter(pl.col("action") == "commendation").iter_rows(named=True):
        sentences.append(f"予以奖励激励：{r['explanation']}。")
    if zone["level"] == "national":
        zt = results.targets.filter(pl.col("zone_id") == zone_id)
        labels = {t.id: t.label for t in policy.zone_targets}
        counts = {s: zt.filter(pl.col("status") == s) for s in STATUS_LABELS}
        if zt.height:
            missed = "、".join(labels[t] for t in counts["not_met"]["target_id"].to_list())
            sentence = (f"{zt.height} 项国家级经开区发展目标中达标 {counts['met'].height} 项、"
                        f"未达标 {counts['not_met'].height} 项")
            if missed:
                sentence += f"（{missed}）"
            if counts["no_data"].height:
                sentence += f"、无数据 {counts['no_data'].height} 项"
            sentences.append(sentence + "。")
    score = results.scores.filter(pl.col("zone_id") == zone_id)
    if score.height:
        row = score.row(0, named=True)
        if row["regional_rank"] is not None:
            total = results.scores.filter(pl.col("regional_rank").is_not_null()).height
            sentences.append(f"综合发展水平得分 {fmt_number(row['score'], 2)} 分，在自治区级"
                             f"经开区中列第 {row['regional_rank']} 名（共 {total} 家）。")
    series = {y: (r, t) for y, r, t in national_rank_series(results.rank_history, zone_id)}
    if zone["level"] == "national" and year in series:
        rank, total = series[year]
        sentence = f"{year} 年国家级考核排名第 {rank} 名（共 {total} 个）"
        if year - 1 in series:
            change = series[year - 1][0] - rank
            sentence += ("，与上年持平" if change == 0 else
                         f"，较上年{'提升' if change > 0 else '下降'} {abs(change)} 位")
        sentences.append(sentence + "。")
    gdp = results.indicators.filter((pl.col("zone_id") == zone_id) & (pl.col("indicator") == "gdp"))
    if gdp.height:
        row = gdp.row(0, named=True)
        growth = growth_since_base(results.zone_history, zone_id, "gdp", policy.base_year, year)
        sentence = f"地区生产总值 {fmt_indicator(row['value'], row['unit'])} 亿元"
        if row["yoy_growth"] is not None:
            sentence += f"，同比增长 {fmt_pct(row['yoy_growth'])}"
        if growth is not None:
            sentence += f"，较 {policy.base_year} 年增长 {fmt_pct(float(growth))}"
        sentences.append(sentence + "。")
    return sentences[:6]


KIND_WORDS = {
    "cagr": "按年均增长判定：当年值 ≥ {base} 年值 ×（1 + 目标增速）^（年数），“以上”含本数",
    "city_share": "按占所在设区市比重判定：园区当年值 ≥ 设区市当年值 × 目标比重",
    "growth_since_base": "按较 {base} 年累计增长判定；{target} 年前按时间进度折算目标",
    "rank_gain": "按国家级考核排名较 {base} 年提升位次判定；{target} 年前按时间进度折算目标",
}
NORMALISER_WORDS = {
    "efficacy": "功效系数法：指标得分 = 60 + 40 ×（本园区数值 − 最小值）/（最大值 − 最小值），"
                "越低越好的指标反向计算；全体数值相同时得 100 分；缺失数据记 60 分",
    "minmax": "极差标准化法：指标得分 = 100 ×（本园区数值 − 最小值）/（最大值 − 最小值），"
              "越低越好的指标反向计算；全体数值相同时得 100 分；缺失数据记 0 分",
}


def methodology_block(results: Results, policy: PolicyConfig) -> dict[str, Any]:
    """The rules in plain Chinese, read from the policy and methodology configs of this run."""
    base, target_year = policy.base_year, policy.target_year
    targets = [
        {"label": t.label,
         "threshold": (f"{fmt_number(t.threshold, 0)} 位" if t.kind == "rank_gain"
                       else fmt_pct(float(t.threshold), 0)),
         "rule": KIND_WORDS[t.kind].format(base=base, target=target_year),
         "clause": clause_short(t.clause)}
        for t in policy.zone_targets
    ]
    method = results.methodology
    scoring: dict[str, Any] = {}
    if method is not None:
        scoring = {
            "title": method.title,
            "version": method.version,
            "normaliser": NORMALISER_WORDS.get(method.normaliser, method.normaliser),
            "categories": [
                {"label": c.label, "weight": fmt_pct(float(c.weight), 0),
                 "indicators": "、".join(i.label for i in c.indicators)}
                for c in method.categories
            ],
        }
    r = policy.rewards
    rewards = [
        {"label": RULE_LABELS["supplier_introduction"], "clause": r.supplier_introduction.clause},
        {"label": RULE_LABELS["fdi_project"], "clause": r.fdi_project.clause},
        {"label": "国家级考核排名相关奖励", "clause": r.ranking.clause},
        {"label": RULE_LABELS["investment_ambassador"], "clause": r.investment_ambassador.clause},
        {"label": "科研人员现金奖励计税", "clause": r.researcher_cash_reward.clause},
    ]
    supervision = [policy.supervision.clause_ranking, policy.supervision.clause_investment]
    return {"policy_title": policy.title, "policy_version": policy.version,
            "base_year": base, "target_year": target_year, "targets": targets,
            "scoring": scoring, "rewards": rewards, "supervision": supervision,
            "effective_year": r.effective_year}


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


def _csv(frame: pl.DataFrame) -> str:
    # The same writer and precision as flows/annual.py write_results, so an attachment's rows
    # are byte-for-byte the rows of the published CSV.
    return frame.write_csv(float_precision=6)


ATTACHED_RESULTS = {
    "indicators": "主要经济指标",
    "targets": "发展目标完成情况",
    "scores": "综合发展水平评分",
    "rewards": "奖励资金",
    "supervision": "督促与激励措施",
}


def zone_attachments(zone_id: str, results: Results) -> list[dict[str, str]]:
    return [
        {"name": f"{zone_id}-{name}.csv",
         "description": f"{label}（results/{name}.csv 中本园区的行）",
         "content": _csv(getattr(results, name).filter(pl.col("zone_id") == zone_id))}
        for name, label in ATTACHED_RESULTS.items()
    ]


def province_attachments(results: Results) -> list[dict[str, str]]:
    from flows.annual import RESULT_FILES  # local: flows.annual imports this module

    return [{"name": f"{name}.csv", "description": f"results/{name}.csv",
             "content": _csv(getattr(results, name))} for name in RESULT_FILES]
