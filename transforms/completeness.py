"""Is everything year Y's rules read actually there?

Before year Y is computed, every zone assessed in a year the rules read must have its statistics
for that year (and the year before, which the year-on-year indicators read), and every national
zone its base-year statistics (the growth targets' base). The rules read more than year Y: the
exit rule and the early warning rank years Y-2 and Y-1 too, each over its own population.

A missing zone-year is a finding naming the zone and the year: critical in an official run (a
sanction or a reward must not stand on a ranking with a zone left out), a warning in a draft
run, where the zone is shown as 数据缺失 and left out of the scoring, the ranking and the
sanctions of that year instead of being scored 60 on nothing.

The national rankings are published about a year after the data year, so a year missing from
them is a warning in both modes: the rules that need it are reported as undecided (无法判定)
rather than silently left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from transforms.contract import DATASETS, SOURCE_FILE, SOURCE_SHEET
from transforms.findings import Finding, Severity
from transforms.methodology import MethodologyConfig
from transforms.policy import PolicyConfig
from transforms.registry import zones_in_year

GAP_SCHEMA = {
    "zone_id": pl.String,
    "zone_name": pl.String,
    "level": pl.String,  # the zone's level in `year`
    "year": pl.Int64,  # the year whose ranking or targets need the missing one
    "missing_year": pl.Int64,
    "needed_for": pl.String,  # what cannot be computed without it, in Chinese
}
RANKING_GAP_SCHEMA = {"missing_year": pl.Int64, "rules": pl.String}

# What each rule that reads the national ranking is called in the reports.
RANKING_RULE_LABELS = {
    "national_bottom_ten": "国家级考核排名后10位约谈",
    "first_entry": "首次进入国家级考核前50名、前100名奖励",
    "rank_improvement": "国家级考核排名提升奖励",
    "national_rank_gain": "国家级考核排名较基准年提升目标",
}


@dataclass(frozen=True)
class ScoringYears:
    """Which years the scoring of year Y reads: Y, and Y-1 when a scoring indicator is a
    year-on-year growth and Y-1 is not before the base year (the series starts there)."""

    base_year: int
    reads_previous_year: bool

    @classmethod
    def of(cls, policy: PolicyConfig, methodology: MethodologyConfig) -> ScoringYears:
        return cls(policy.base_year,
                   any(i.derivation == "yoy" for i in methodology.indicators))

    def needed(self, year: int) -> list[int]:
        if self.reads_previous_year and year - 1 >= self.base_year:
            return [year, year - 1]
        return [year]


def ranked_years(policy: PolicyConfig, year: int) -> list[int]:
    """The years whose regional ranking year Y's supervision reads: the exit rule's window,
    from Y-2 to Y, none before the base year."""
    first = year - policy.supervision.exit_after_years_last + 1
    return [y for y in range(max(first, policy.base_year), year + 1)]


def _stats_keys(zone_stats: pl.DataFrame) -> set[tuple[str, int]]:
    return set(zone_stats.select("zone_id", "year").drop_nulls().iter_rows())


def missing_zone_years(zones: pl.DataFrame, zone_stats: pl.DataFrame, policy: PolicyConfig,
                       methodology: MethodologyConfig, year: int) -> pl.DataFrame:
    """Every zone-year year Y's computation reads and the zone statistics do not hold.

    One row per (zone, missing year), with the first year that needs it (year Y before the
    years its supervision looks back on) and what it is needed for.
    """
    scoring = ScoringYears.of(policy, methodology)
    have = _stats_keys(zone_stats)
    rows: dict[tuple[str, int], dict] = {}

    def need(zone: dict, ranked: int, missing: int, needed_for: str) -> None:
        key = (zone["zone_id"], missing)
        if key not in have and key not in rows:
            rows[key] = {"zone_id": zone["zone_id"], "zone_name": zone["zone_name"],
                         "level": zone["level"], "year": ranked, "missing_year": missing,
                         "needed_for": needed_for}

    has_regional = not zones_in_year(zones, year).filter(pl.col("level") == "regional").is_empty()
    for ranked in sorted(ranked_years(policy, year), reverse=True):
        population = zones_in_year(zones, ranked)
        # Earlier years are read for the regional ranking's exit and early warning only.
        if ranked < year and (not has_regional or population.filter(
                pl.col("level") == "regional").is_empty()):
            continue
        for zone in population.iter_rows(named=True):
            for y in scoring.needed(ranked):
                if ranked == year:
                    needed_for = (f"{year} 年度的指标、综合得分和排名" if y == year else
                                  f"{year} 年度比上年增长类评分指标")
                else:
                    needed_for = (f"{ranked} 年自治区级经开区排名（{year} 年度连续末位的退出"
                                  "和预警判定要回看该年）")
                need(zone, ranked, y, needed_for)
        if ranked == year and year > policy.base_year:
            for zone in zones_in_year(zones, year).filter(
                    pl.col("level") == "national").iter_rows(named=True):
                need(zone, year, policy.base_year,
                     f"{year} 年度国家级经开区发展目标（以 {policy.base_year} 年为基数）")
    ordered = sorted(rows.values(), key=lambda r: (r["zone_id"], -r["year"], r["missing_year"]))
    return pl.DataFrame(ordered, schema=GAP_SCHEMA, orient="row")


def unscored_by_year(zones: pl.DataFrame, zone_stats: pl.DataFrame, policy: PolicyConfig,
                     methodology: MethodologyConfig, years: list[int]) -> dict[int, frozenset[str]]:
    """Per year ranked: the zones assessed that year whose statistics for it (or the year
    before, when scoring reads it) are missing. They are left out of that year's scoring and
    ranking (数据缺失) instead of scoring the floor on every indicator."""
    scoring = ScoringYears.of(policy, methodology)
    have = _stats_keys(zone_stats)
    return {
        y: frozenset(z for z in zones_in_year(zones, y)["zone_id"].to_list()
                     if any((z, needed) not in have for needed in scoring.needed(y)))
        for y in years
    }


def missing_ranking_years(zones: pl.DataFrame, rankings: pl.DataFrame, policy: PolicyConfig,
                          year: int) -> pl.DataFrame:
    """Years the national-ranking rules of year Y read and the rankings do not hold at all,
    each with the rules that cannot be decided without it."""
    if zones_in_year(zones, year).filter(pl.col("level") == "national").is_empty():
        return pl.DataFrame(schema=RANKING_GAP_SCHEMA)
    ranked = set(rankings["year"].drop_nulls().unique().to_list())
    rewards_apply = year >= policy.rewards.effective_year_of("ranking")
    has_gain_target = any(t.kind == "rank_gain" for t in policy.zone_targets)
    needs: dict[int, list[str]] = {}
    needs.setdefault(year, []).append("national_bottom_ten")
    if rewards_apply:
        needs[year] += ["first_entry", "rank_improvement"]
        needs.setdefault(year - 1, []).append("rank_improvement")
    if has_gain_target and year > policy.base_year:
        needs[year].append("national_rank_gain")
        needs.setdefault(policy.base_year, []).append("national_rank_gain")
    rows = [{"missing_year": y, "rules": "、".join(RANKING_RULE_LABELS[r] for r in rules)}
            for y, rules in sorted(needs.items(), reverse=True) if y not in ranked]
    return pl.DataFrame(rows, schema=RANKING_GAP_SCHEMA, orient="row")


def _file_of(frames: dict[str, pl.DataFrame], dataset: str) -> tuple[str, str]:
    """(file, sheet) the dataset was read from, or the names it should have."""
    frame = frames.get(dataset)
    if frame is not None and frame.height and SOURCE_FILE in frame.columns:
        sheet = frame[SOURCE_SHEET][0] if SOURCE_SHEET in frame.columns else ""
        return frame[SOURCE_FILE][0], sheet or ""
    return f"{dataset}.csv/.xlsx", ""


def completeness_findings(frames: dict[str, pl.DataFrame], policy: PolicyConfig,
                          methodology: MethodologyConfig, year: int, official: bool
                          ) -> list[Finding]:
    """The fix list's entries for what year Y reads and nobody submitted."""
    zones = frames.get("zones")
    if zones is None or "zone_stats" not in frames:
        return []  # a missing dataset is already its own critical finding
    findings: list[Finding] = []
    year_col = DATASETS["zone_stats"].column("year")
    file, sheet = _file_of(frames, "zone_stats")
    severity = Severity.CRITICAL if official else Severity.WARNING
    consequence = ("正式考核不能在缺少数据的情况下进行，本次运行已停止。" if official else
                   "本次为草稿运行：该年数据缺失的园区在报告中标为“数据缺失”，不计算得分、"
                   "不参加排名和奖惩判定；缺少基准年数据的，发展目标标为“无数据”。")
    for gap in missing_zone_years(zones, frames["zone_stats"], policy, methodology,
                                  year).iter_rows(named=True):
        name = f"{gap['zone_name']}（{gap['zone_id']}）"
        findings.append(Finding(
            severity, "zone_stats", file, sheet, None, "year", year_col.label,
            str(gap["missing_year"]), "completeness.zone_year_missing",
            f"缺少{name} {gap['missing_year']} 年的园区年度统计：{gap['needed_for']}需要这一年的"
            f"数据。{consequence}",
            f"请在园区年度统计中补报{name} {gap['missing_year']} 年的数据（一行），"
            "或核对该园区已报送行的园区代码和年份是否填错。",
            zone_id=gap["zone_id"]))
    rankings = frames.get("national_rankings")
    if rankings is not None:
        file, sheet = _file_of(frames, "national_rankings")
        label = DATASETS["national_rankings"].column("year").label
        for gap in missing_ranking_years(zones, rankings, policy, year).iter_rows(named=True):
            findings.append(Finding(
                Severity.WARNING, "national_rankings", file, sheet, None, "year", label,
                str(gap["missing_year"]), "completeness.ranking_year_missing",
                f"国家级考核排名中没有 {gap['missing_year']} 年（数据年度）的名次：{gap['rules']}"
                "无法判定，报告中逐项注明“无法判定”。",
                f"请补报 {gap['missing_year']} 年的国家级经开区考核排名；商务部尚未公布的，"
                "待公布后重新运行。"))
    return findings
