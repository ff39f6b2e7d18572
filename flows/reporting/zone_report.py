"""A zone's report: its context for report_templates/zone.html."""

from __future__ import annotations

from typing import Any

import polars as pl

from flows.reporting.attachments import zone_attachments
from flows.reporting.conclusions import key_conclusions
from flows.reporting.figures import rank_chart, trend_charts
from flows.reporting.methodology import methodology_block
from flows.reporting.run_info import RunInfo
from flows.reporting.tables import (
    LEVEL_LABELS,
    data_gap_rows,
    data_quality_rows,
    indicator_rows,
    researcher_rows,
    reward_rows,
    score_block,
    supervision_rows,
    target_rows,
    undecided_rows,
    zone_history_text,
    zone_reward_total,
)
from transforms.findings import Finding
from transforms.formatting import DASH
from transforms.policy import PolicyConfig
from transforms.results import Results


def zone_context(zone: dict[str, Any], results: Results, policy: PolicyConfig, run: RunInfo,
                 findings: list[Finding], *, names: dict[str, str] | None = None,
                 regional_total: int | None = None) -> dict[str, Any]:
    """One zone's report. `results` may be cut to the zone's rows (planning.zone_views);
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
    unscored = zone_id in results.unscored
    if unscored:
        notes.append(f"本园区 {year} 年园区年度统计数据缺失：各表中相应数值标为“数据缺失”，"
                     "不计算综合得分，不参加排名和约谈、退出等判定。")

    def own(frame: pl.DataFrame) -> pl.DataFrame:
        return frame if frame.is_empty() else frame.filter(pl.col("zone_id") == zone_id)

    return {
        "doc": run.doc(f"{zone['zone_name']} {year} 年度考核评价报告", year),
        "zone": {
            "zone_id": zone["zone_id"],
            "zone_name": zone["zone_name"],
            "level": zone["level"],
            "level_label": LEVEL_LABELS[zone["level"]],
            "city": zone["city"],
            "approved_date": approved.isoformat() if approved else DASH,
            "history": zone_history_text(results.timeline, zone_id),
        },
        "data_missing": unscored,
        "data_gaps": data_gap_rows(own(results.data_gaps)),
        "undecided": undecided_rows(own(results.undecided), names),
        "indicators": indicator_rows(indicators, zone_id, results.zone_history,
                                     policy.base_year, data_missing=unscored),
        "base_year": policy.base_year,
        "conclusions": key_conclusions(zone, results, policy),
        "charts": trend_charts(zone, results, policy),
        "rank_chart": rank_chart(zone, results, policy),
        "reward_total": zone_reward_total(results.rewards.filter(pl.col("zone_id") == zone_id)),
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
        "provenance": run.provenance(city=zone["city"]),
    }
