"""Supervision actions (policy-rules.md section 3): interviews, exit, commendation.

| action        | reason                    | when                                                   |
|---------------|---------------------------|--------------------------------------------------------|
| interview     | national_bottom_ten       | national zone with rank > ranked_total - 10 in Y       |
| interview     | regional_last             | regional zone with the lowest composite in Y (ties: all) |
| exit          | regional_last_three_years | regional zone last in Y-2, Y-1 and Y                   |
| early_warning | regional_last_two_years   | regional zone last in Y-1 and Y, not in Y-2 (预警)       |
| interview     | investment_target_missed  | investment_actual < investment_target in Y             |
| commendation  | investment_target_met     | investment_actual >= investment_target in Y            |

The regional ranking of each year is over that year's population (transforms.registry). A year
whose ranking left zones out for missing statistics (transforms.completeness, draft runs only)
cannot show who was last: the exit rule and the early warning that read such a year are
reported as undecided (supervision_outcome) unless another, complete year already decides them.
An interview for last place in an incomplete year Y stands, saying who was left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from transforms.formatting import beside, grouped
from transforms.indicators import assessed_zones
from transforms.policy import PolicyConfig
from transforms.rankings import rank_absence
from transforms.units import YI

SUPERVISION_SCHEMA: dict[str, pl.DataType] = {
    "zone_id": pl.String(),  # the contract's columns first ...
    "year": pl.Int64(),
    "action": pl.String(),
    "reason": pl.String(),
    "level": pl.String(),  # ... then who, on which clause, and why
    "city": pl.String(),
    "clause": pl.String(),
    "explanation": pl.String(),
}
ACTION_LABELS = {"interview": "约谈", "exit": "退出", "commendation": "奖励激励",
                 "early_warning": "预警"}
REASON_LABELS = {
    "national_bottom_ten": "国家级考核排名后10位",
    "regional_last": "自治区级考核排名末位",
    "regional_last_three_years": "连续3年自治区级考核排名末位",
    "regional_last_two_years": "连续末位预警（再有1年末位即退出）",
    "investment_target_missed": "未完成年度招商引资目标任务",
    "investment_target_met": "完成年度招商引资目标任务",
}


UNDECIDED_SCHEMA: dict[str, pl.DataType] = {
    "zone_id": pl.String(),
    "year": pl.Int64(),
    "rule": pl.String(),  # a supervision reason or a reward rule
    "rule_label": pl.String(),
    "reason": pl.String(),  # why it could not be decided, in Chinese
    # ranking_year_missing (the rankings hold no row for the year), not_ranked (the zone is not
    # in that year's ranking), ranking_incomplete (a regional ranking left zones out)
    "cause": pl.String(),
}


def supervision_actions(
    zones: pl.DataFrame,
    zone_stats: pl.DataFrame,
    rankings: pl.DataFrame,
    regional_scores: pl.DataFrame,
    policy: PolicyConfig,
    year: int,
    unscored: Mapping[int, frozenset[str]] | None = None,
) -> pl.DataFrame:
    """条款 七、（十六） (clause_ranking: interviews, early warning and exit by rank) and 五、（十一）
    (clause_investment: the investment target), [supervision]: all actions for `year`.

    `regional_scores` holds the regional ranking of every year it was computed for, at least
    Y-2..Y: zone_id, year, score, regional_rank, regional_last (transforms.scores).
    `unscored`: per year, the zones left out of that year's ranking for missing statistics.
    """
    return supervision_outcome(zones, zone_stats, rankings, regional_scores, policy, year,
                               unscored)[0]


def _window(year: int, years: int) -> list[int]:
    return list(range(year - years + 1, year + 1))


def supervision_outcome(
    zones: pl.DataFrame,
    zone_stats: pl.DataFrame,
    rankings: pl.DataFrame,
    regional_scores: pl.DataFrame,
    policy: PolicyConfig,
    year: int,
    unscored: Mapping[int, frozenset[str]] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(actions, undecided): supervision_actions, and the rules that could not be decided for
    lack of a national rank or of a complete regional ranking (UNDECIDED_SCHEMA)."""
    rules = policy.supervision
    unscored = unscored or {}
    assessed = assessed_zones(zones, year)
    rows: list[dict[str, Any]] = []
    undecided: list[dict[str, Any]] = []

    def add(zone: dict, action: str, reason: str, clause: str, explanation: str) -> None:
        rows.append({"zone_id": zone["zone_id"], "year": year, "level": zone["level"],
                     "city": zone["city"], "action": action, "reason": reason,
                     "clause": clause, "explanation": explanation})

    def undecide(zone_id: str, reason_id: str, why: str, cause: str) -> None:
        undecided.append({"zone_id": zone_id, "year": year, "rule": reason_id,
                          "rule_label": REASON_LABELS[reason_id], "reason": why, "cause": cause})

    ranks = {z: (r, t) for z, r, t in rankings.filter(pl.col("year") == year)
             .select("zone_id", "rank", "ranked_total").iter_rows()}
    ranked_this_year = bool(ranks)
    last_years: dict[str, set[int]] = {}
    for zone_id, y in regional_scores.filter(pl.col("regional_last")).select(
            "zone_id", "year").iter_rows():
        last_years.setdefault(zone_id, set()).add(y)
    this_year = regional_scores.filter(pl.col("year") == year)
    regional_total = this_year.filter(pl.col("regional_rank").is_not_null()).height
    score_of = {z: (s, r) for z, s, r in this_year.select("zone_id", "score",
                                                          "regional_rank").iter_rows()}
    investment = {z: (t, a) for z, t, a in zone_stats.filter(pl.col("year") == year)
                  .select("zone_id", "investment_target", "investment_actual").iter_rows()}
    window = _window(year, rules.exit_after_years_last)

    def left_out(y: int) -> str:
        """'' for a complete ranking of year y, else the sentence saying who was left out."""
        missing = unscored.get(y, frozenset())
        return (f"{y} 年有 {len(missing)} 家园区数据缺失、未参加排名" if missing else "")

    def run_of_last(zone_id: str, years: list[int]) -> tuple[bool | None, list[str]]:
        """Was the zone last in every one of `years`? True / False, or None when only a year
        whose ranking left zones out could say; with those years' sentences."""
        gaps = [left_out(y) for y in years if left_out(y)]
        if any(not left_out(y) and y not in last_years.get(zone_id, set()) for y in years):
            return False, gaps  # a complete year where it was not last decides it
        return (None if gaps else True), gaps

    for zone in assessed.iter_rows(named=True):
        zone_id = zone["zone_id"]
        if zone["level"] == "national" and zone_id not in ranks:
            undecide(zone_id, "national_bottom_ten", *rank_absence(year, ranked_this_year))
        if zone["level"] == "national" and zone_id in ranks:
            rank, total = ranks[zone_id]
            if rank is not None and total is not None and rank > total - rules.national_bottom_places:
                add(zone, "interview", "national_bottom_ten", rules.clause_ranking,
                    f"{year} 年国家级考核排名第 {rank} 名（共 {total} 个），位于后 "
                    f"{rules.national_bottom_places} 位（第 {total - rules.national_bottom_places + 1} "
                    "名及以后）")
        if zone["level"] == "regional" and year in last_years.get(zone_id, set()):
            score, rank = score_of.get(zone_id, (None, None))
            score_words = f"综合得分 {grouped(score, 2)}" if score is not None else "综合得分最低"
            provisional = (f"（{left_out(year)}，末位以数据补齐后的排名为准）"
                           if left_out(year) else "")
            add(zone, "interview", "regional_last", rules.clause_ranking,
                f"{year} 年自治区级经开区综合发展水平考核{score_words}，列第 {rank} 名"
                f"（共 {regional_total} 家），位于末位{provisional}")
            exits, gaps = run_of_last(zone_id, window)
            if exits:
                years = "、".join(str(y) for y in window)
                add(zone, "exit", "regional_last_three_years", rules.clause_ranking,
                    f"{years} 年连续 {rules.exit_after_years_last} 年位于自治区级考核末位，实行退出机制")
            elif exits is None:
                undecide(zone_id, "regional_last_three_years",
                         f"{'；'.join(gaps)}：连续 {rules.exit_after_years_last} 年末位的退出无法判定",
                         "ranking_incomplete")
            elif rules.early_warning_after_years_last:
                warned_years = _window(year, rules.early_warning_after_years_last)
                warned, gaps = run_of_last(zone_id, warned_years)
                years = "、".join(str(y) for y in warned_years)
                to_go = rules.exit_after_years_last - rules.early_warning_after_years_last
                if warned:
                    add(zone, "early_warning", "regional_last_two_years",
                        rules.clause_early_warning or rules.clause_ranking,
                        f"{years} 年连续 {len(warned_years)} 年位于自治区级考核末位；再有 {to_go} 年"
                        f"位于末位，将因连续 {rules.exit_after_years_last} 年末位实行退出机制")
                elif warned is None:
                    undecide(zone_id, "regional_last_two_years",
                             f"{'；'.join(gaps)}：连续末位预警无法判定", "ranking_incomplete")
        target, actual = investment.get(zone_id, (None, None))
        if target is not None and actual is not None and target > 0:
            words = _investment_words(actual, target)
            if actual < target:
                add(zone, "interview", "investment_target_missed", rules.clause_investment,
                    f"{year} 年招商引资实际到位 {words[0]}，低于目标任务 {words[1]}"
                    f"（完成 {words[2]}）")
            else:
                add(zone, "commendation", "investment_target_met", rules.clause_investment,
                    f"{year} 年招商引资实际到位 {words[0]}，达到目标任务 {words[1]}"
                    f"（完成 {words[2]}）")
    undecided_frame = pl.DataFrame(undecided, schema=UNDECIDED_SCHEMA, orient="row")
    if not rows:
        return pl.DataFrame(schema=SUPERVISION_SCHEMA), undecided_frame
    order = {r: i for i, r in enumerate(REASON_LABELS)}
    actions = (
        pl.DataFrame(rows, schema=SUPERVISION_SCHEMA, orient="row")
        .with_columns(pl.col("reason").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
        .sort("_o", "zone_id")
        .drop("_o")
    )
    return actions, undecided_frame


def _investment_words(actual: Decimal, target: Decimal) -> tuple[str, str, str]:
    """The actual amount and the target in 亿元 (two places) and the completion rate (one place),
    each with more decimals where fewer would print a shortfall as met: 99.99 亿元 against
    100.00 亿元 is 完成 99.99%, never 100.0%."""
    actual_text, target_text = beside(actual / YI, target / YI, 2)
    rate_text, _ = beside(Fraction(actual) * 100 / Fraction(target), 100, 1)
    return f"{actual_text} 亿元", f"{target_text} 亿元", f"{rate_text}%"
