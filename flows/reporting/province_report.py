"""The province's report: its context for report_templates/province.html."""

from __future__ import annotations

from typing import Any

import polars as pl

from flows.reporting.attachments import province_attachments
from flows.reporting.methodology import methodology_block
from flows.reporting.run_info import RunInfo
from flows.reporting.tables import (
    DATA_MISSING,
    LEVEL_LABELS,
    STATUS_LABELS,
    city_rows,
    data_gap_rows,
    data_quality_rows,
    data_quality_summary,
    decimal_sum,
    national_rank_rows,
    province_target_legend,
    province_target_rows,
    ranking_gap_rows,
    ranking_rows,
    registry_change_rows,
    reward_totals,
    supervision_rows,
    undecided_rows,
)
from transforms.findings import Finding
from transforms.formatting import DASH, fmt_indicator, fmt_wan
from transforms.policy import PolicyConfig
from transforms.results import Results

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
        # As the zone's own report: a figure submitted is printed even when the zone could
        # not be scored (it may lack only the year before); an absent one reads 数据缺失.
        hit = first_value.get((zone_id, indicator))
        if hit is None or hit[0] is None:
            return DATA_MISSING if zone_id in results.unscored else DASH
        return fmt_indicator(*hit)

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
    province_rows = province_target_rows(province_targets, policy)
    # Zones left out of the ranking for missing statistics still have their line: 数据缺失.
    unranked = [{"rank": DASH, "zone_name": names.get(z, z), "score": DATA_MISSING,
                 "last": False, "robust": True, "robust_label": "数据缺失，未参加排名",
                 "changed_by": ""}
                for z in assessed.filter(pl.col("level") == "regional")["zone_id"].to_list()
                if z in results.unscored]
    warned = results.supervision.filter(pl.col("action") == "early_warning").height
    rewards = reward_totals(results.rewards, assessed)
    omitted: dict[str, dict[str, Any] | None] = {}
    zones, omitted["zones"] = printed_rows(zones, f"附件 indicators.csv、targets.csv 和 {WORKBOOK}")
    matrix, omitted["matrix"] = printed_rows(matrix, f"附件 targets.csv 和 {WORKBOOK}")
    ranking, omitted["ranking"] = printed_rows(
        ranking_rows(results.scores, results.rank_robustness, names) + unranked,
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
            *([{"label": "连续末位预警", "value": f"{warned} 家"}] if warned else []),
            *([{"label": "数据缺失园区", "value": f"{len(results.unscored)} 家"}]
              if results.unscored else []),
            {"label": "奖励资金最高可获合计",
             "value": f"{fmt_wan(decimal_sum(results.rewards.filter(pl.col('reward_cny') > 0), 'reward_cny'))} 万元"},
        ],
        "zones": zones,
        "target_columns": [{"target_id": t.id, "label": t.label} for t in policy.zone_targets],
        "matrix": matrix,
        "province_targets": province_rows,
        "province_target_legend": province_target_legend(policy),
        "registry_changes": registry_change_rows(results.registry_changes),
        "gaps": {"zones": data_gap_rows(results.data_gaps, names),
                 "rankings": ranking_gap_rows(results.ranking_gaps),
                 # A year missing from the rankings is one line above, not one per zone.
                 "undecided": undecided_rows(
                     results.undecided.filter(pl.col("cause") != "ranking_year_missing")
                     if not results.undecided.is_empty() else results.undecided, names)},
        "cities": city_rows(results.city_performance),
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
            "每年的参评范围按园区名录中的认定、升格和退出日期确定（以当年 12 月 31 日在册的级别"
            "为准）：升格为国家级的园区此前各年仍计入自治区级排名，退出的园区在退出前各年仍参加"
            "当年考核；自治区级排名、末位、退出、预警和自治区级经开区数量均按各年自己的参评范围计算。",
            *abridged,
        ],
        "provenance": run.provenance(),
    }
