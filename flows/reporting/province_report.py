"""The province's report: its context for report_templates/province.html."""

from __future__ import annotations

from typing import Any

import polars as pl

from flows.reporting.attachments import province_attachments
from flows.reporting.methodology import methodology_block
from flows.reporting.run_info import RunInfo
from flows.reporting.tables import (
    LEVEL_LABELS,
    STATUS_LABELS,
    data_quality_rows,
    data_quality_summary,
    decimal_sum,
    national_rank_rows,
    ranking_rows,
    reward_totals,
    supervision_rows,
)
from transforms.findings import Finding
from transforms.formatting import DASH, beside, fmt_indicator, fmt_wan
from transforms.policy import PolicyConfig
from transforms.results import Results
from transforms.targets import threshold_for_year

# A table in the province report prints at most this many rows. No province comes near it
# (Guangxi has 18 zones; ten times that is 180), but a national profile's 2,700 zones printed
# whole made a 645-page report that took four minutes of CPU to lay out, for a document read on
# paper. A longer table prints its first and last PRINTED_ROWS // 2 rows (the top and the bottom
# of a ranking) and, between them, a row saying how many rows are left out and where the
# complete table is: the CSV attached to the report, which is the published results/ file, and
# the workbook results/assessment.xlsx.
PRINTED_ROWS = 250

WORKBOOK = "results/assessment.xlsx"


def _province_threshold(row: dict[str, Any], policy: PolicyConfig) -> str:
    """This year's (pro-rata) number of zones beside the count, exactly as judged: 7.5 before
    the target year is "7.5", neither the CSV's six decimals nor a count rounded to 8."""
    target = policy.province_target
    threshold = threshold_for_year(target.threshold, target.cumulative, policy, row["year"])
    return beside(row["value"], threshold, 1, trim_threshold=True)[1]


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
                "threshold": f"≥ {_province_threshold(row, policy)} 家",
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
             "value": f"{fmt_wan(decimal_sum(results.rewards.filter(pl.col('reward_cny') > 0), 'reward_cny'))} 万元"},
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
