"""A zone report's 主要结论: the few sentences a leader reads first."""

from __future__ import annotations

from typing import Any

import polars as pl

from flows.reporting.history import growth_since_base, national_rank_series
from flows.reporting.tables import STATUS_LABELS, clause_short, decimal_sum
from transforms.formatting import fmt_indicator, fmt_money_both, fmt_number, fmt_pct, fmt_wan
from transforms.policy import PolicyConfig
from transforms.results import Results
from transforms.supervision import REASON_LABELS


def key_conclusions(zone: dict[str, Any], results: Results, policy: PolicyConfig
                    ) -> list[str]:
    """At most six sentences, most important first: missing data, exit, interview, early
    warning, what could not be decided, money, targets, rank, GDP.

    Every figure is taken from the result frames (the CSVs), formatted as the tables show it.
    """
    zone_id, year = zone["zone_id"], results.year
    sentences: list[str] = []
    gaps = (results.data_gaps.filter(pl.col("zone_id") == zone_id)
            if not results.data_gaps.is_empty() else results.data_gaps)
    if zone_id in results.unscored:
        missing = "、".join(str(y) for y in sorted(set(gaps["missing_year"].to_list()))) \
            if gaps.height else str(year)
        sentences.append(f"数据缺失：缺少 {missing} 年园区年度统计，本报告不计算本园区 {year} 年"
                         "综合得分、不参加排名，也不据此作约谈、退出等判定；补报后重新运行。")
    elif gaps.height:
        missing = "、".join(f"{r['missing_year']} 年（{r['needed_for']}）"
                           for r in gaps.iter_rows(named=True))
        sentences.append(f"数据缺失：缺少 {missing}的园区年度统计，相关结果标为“无数据”。")
    actions = results.supervision.filter(pl.col("zone_id") == zone_id)
    for r in actions.filter(pl.col("action") == "exit").iter_rows(named=True):
        sentences.append(f"实行退出机制：{r['explanation']}（{clause_short(r['clause'])}）。")
    for r in actions.filter(pl.col("action") == "interview").iter_rows(named=True):
        sentences.append(f"予以约谈：{REASON_LABELS[r['reason']]}，{r['explanation']}"
                         f"（{clause_short(r['clause'])}）。")
    for r in actions.filter(pl.col("action") == "early_warning").iter_rows(named=True):
        sentences.append(f"予以预警：{r['explanation']}（{clause_short(r['clause'])}）。")
    if not results.undecided.is_empty():
        undecided = results.undecided.filter(pl.col("zone_id") == zone_id)
        if undecided.height:
            by_reason: dict[str, list[str]] = {}
            for r in undecided.iter_rows(named=True):
                by_reason.setdefault(r["reason"], []).append(r["rule_label"])
            sentences.append("无法判定：" + "；".join(
                f"{'、'.join(labels)}（{reason}）" for reason, labels in by_reason.items()) + "。")
    granted = results.rewards.filter((pl.col("zone_id") == zone_id) & (pl.col("reward_cny") > 0))
    if granted.height:
        sentences.append(
            f"本年度可获奖励资金 {granted.height} 项，最高合计 "
            f"{fmt_money_both(decimal_sum(granted, 'reward_cny'))}，其中自治区财政承担 "
            f"{fmt_wan(decimal_sum(granted, 'region_share_cny'))} 万元、设区市财政承担 "
            f"{fmt_wan(decimal_sum(granted, 'city_share_cny'))} 万元。")
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
    if gdp.height and gdp["value"][0] is not None:
        row = gdp.row(0, named=True)
        growth = growth_since_base(results.zone_history, zone_id, "gdp", policy.base_year, year)
        sentence = f"地区生产总值 {fmt_indicator(row['value'], row['unit'])} 亿元"
        if row["yoy_growth"] is not None:
            sentence += f"，同比增长 {fmt_pct(row['yoy_growth'])}"
        if growth is not None:
            sentence += f"，较 {policy.base_year} 年增长 {fmt_pct(float(growth))}"
        sentences.append(sentence + "。")
    return sentences[:6]
