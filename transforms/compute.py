"""One assessment year computed from the accepted input frames: indicators, targets, scores,
rewards and supervision, each from its own transform and the policy config."""

from __future__ import annotations

import polars as pl

from transforms.contract import DATASETS, empty_frame
from transforms.indicators import assessed_zones, zone_indicators
from transforms.methodology import MethodologyConfig
from transforms.policy import PolicyConfig
from transforms.results import Results
from transforms.rewards import all_rewards, researcher_taxable_amounts
from transforms.scores import (
    ScoringCache,
    composite_scores,
    rank_robustness,
    regional_last_history,
    score_explanation,
)
from transforms.supervision import supervision_actions
from transforms.targets import province_targets, zone_targets


def dataset_frame(frames: dict[str, pl.DataFrame], name: str) -> pl.DataFrame:
    """A dataset's accepted rows; an optional dataset nobody submitted reads as empty."""
    return frames.get(name, empty_frame(name))


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
    # "Last three years running" looks back on the rankings of Y-2 and Y-1 as well.
    look_back = range(year - policy.supervision.exit_after_years_last + 1, year + 1)
    history = regional_last_history(*scoring, years=list(look_back), cache=cache)
    return Results(
        year=year,
        assessed=assessed_zones(zones, year),
        indicators=zone_indicators(zones, zone_stats, city_stats, year, policy.base_year),
        targets=zone_targets(zones, zone_stats, city_stats, rankings, policy, year),
        province_targets=province_targets(zones, policy, year),
        scores=composite_scores(*scoring, year, cache=cache),
        score_details=score_explanation(*scoring, year, cache=cache),
        rank_robustness=rank_robustness(*scoring, year, cache=cache),
        regional_history=history,
        rewards=all_rewards(frames, policy, year, ledger),
        supervision=supervision_actions(zones, zone_stats, rankings, history, policy, year),
        researcher_taxable=researcher_taxable_amounts(frames["researcher_rewards"], policy, year),
        zone_history=zone_stats.filter(pl.col("year") <= year).select(pl.exclude("^_.*$")),
        rank_history=rankings.filter(pl.col("year") <= year).select(pl.exclude("^_.*$")),
        methodology=methodology,
    )
