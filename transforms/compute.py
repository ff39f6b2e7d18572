"""One assessment year computed from the accepted input frames: indicators, targets, scores,
rewards and supervision, each from its own transform and the policy config."""

from __future__ import annotations

import polars as pl

from transforms.cities import city_performance
from transforms.completeness import (
    missing_ranking_years,
    missing_zone_years,
    ranked_years,
    unscored_by_year,
)
from transforms.contract import DATASETS, empty_frame
from transforms.indicators import assessed_zones, zone_indicators
from transforms.methodology import MethodologyConfig
from transforms.policy import PolicyConfig
from transforms.rankings import rank_absence
from transforms.registry import registry_changes, zone_timeline
from transforms.results import Results
from transforms.rewards import (
    RULE_LABELS,
    SECTION_RULES,
    UNDECIDED_PREFIX,
    all_rewards,
    researcher_taxable_amounts,
)
from transforms.scores import (
    ScoringCache,
    composite_scores,
    rank_robustness,
    regional_last_history,
    score_explanation,
    with_unscored_rows,
)
from transforms.supervision import UNDECIDED_SCHEMA, supervision_outcome
from transforms.targets import province_targets, zone_targets


def dataset_frame(frames: dict[str, pl.DataFrame], name: str) -> pl.DataFrame:
    """A dataset's accepted rows; an optional dataset nobody submitted reads as empty."""
    return frames.get(name, empty_frame(name))


def undecided_rewards(rewards: pl.DataFrame, rankings: pl.DataFrame, year: int
                      ) -> pl.DataFrame:
    """Ranking rewards listed as undecided (no amount) for lack of a national rank: the reason
    is one of rank_absence's for year Y or Y-1, which also gives its cause."""
    ranking = SECTION_RULES["ranking"]
    rows = rewards.filter(pl.col("rule").is_in(list(ranking)) & pl.col("reward_cny").is_null())
    published = set(rankings["year"].drop_nulls().unique().to_list())
    causes = dict(rank_absence(y, y in published) for y in (year, year - 1))
    reason = pl.col("explanation").str.strip_prefix(UNDECIDED_PREFIX)
    return rows.select(
        "zone_id", "year", "rule",
        pl.col("rule").replace_strict(RULE_LABELS, return_dtype=pl.String).alias("rule_label"),
        reason.alias("reason"),
        reason.replace_strict(causes, return_dtype=pl.String).alias("cause"),
    ).cast(UNDECIDED_SCHEMA)


def compute_year(frames: dict[str, pl.DataFrame], policy: PolicyConfig,
                 methodology: MethodologyConfig, year: int,
                 ledger: pl.DataFrame | None = None) -> Results:
    """Everything year Y's publication shows. `ledger`: rewards granted in earlier years' runs
    (the warehouse keeps them), so a one-time reward stays one-time."""
    frames = {name: dataset_frame(frames, name) for name in DATASETS}
    zones, zone_stats = frames["zones"], frames["zone_stats"]
    city_stats, rankings = frames["city_stats"], frames["national_rankings"]
    scoring = (zones, zone_stats, city_stats, rankings, methodology)
    # Each year is scored once and shared by the scores, their explanation, the robustness
    # check and the last-place history (year Y is in all four).
    cache = ScoringCache()
    # "Last three years running" looks back on the rankings of Y-2 and Y-1 as well, each over
    # its own year's population; a zone whose statistics for a year are missing is left out of
    # that year's ranking (数据缺失), and supervision says what that leaves undecided.
    look_back = ranked_years(policy, year)
    unscored = unscored_by_year(zones, zone_stats, policy, methodology, [*look_back, year])
    missing_now = unscored[year]
    history = regional_last_history(*scoring, years=look_back, cache=cache, excluded=unscored)
    assessed = assessed_zones(zones, year)
    targets = zone_targets(zones, zone_stats, city_stats, rankings, policy, year)
    rewards = all_rewards(frames, policy, year, ledger)
    supervision, undecided = supervision_outcome(zones, zone_stats, rankings, history, policy,
                                                 year, unscored)
    return Results(
        year=year,
        assessed=assessed,
        indicators=zone_indicators(zones, zone_stats, city_stats, year, policy.base_year),
        targets=targets,
        province_targets=province_targets(zones, policy, year),
        scores=with_unscored_rows(
            composite_scores(*scoring, year, cache=cache, excluded=missing_now), assessed,
            missing_now, rankings, year),
        score_details=score_explanation(*scoring, year, cache=cache, excluded=missing_now),
        rank_robustness=rank_robustness(*scoring, year, cache=cache, excluded=missing_now),
        regional_history=history,
        rewards=rewards,
        supervision=supervision,
        researcher_taxable=researcher_taxable_amounts(frames["researcher_rewards"], policy, year),
        zone_history=zone_stats.filter(pl.col("year") <= year).select(pl.exclude("^_.*$")),
        rank_history=rankings.filter(pl.col("year") <= year).select(pl.exclude("^_.*$")),
        methodology=methodology,
        city_performance=city_performance(assessed, targets, rankings, policy, year),
        registry_changes=registry_changes(zones, year),
        timeline=zone_timeline(zones),
        data_gaps=missing_zone_years(zones, zone_stats, policy, methodology, year),
        ranking_gaps=missing_ranking_years(zones, rankings, policy, year),
        unscored=missing_now,
        undecided=pl.concat([undecided, undecided_rewards(rewards, rankings, year)]).sort("zone_id", "rule"),
    )
