"""The result model: what one assessment year computes, and the result files it is published as."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from transforms.methodology import MethodologyConfig

# results/<name>.csv, in the order the contract lists them, then the supporting tables.
RESULT_FILES = ("indicators", "targets", "scores", "rewards", "supervision",
                "province_targets", "score_details", "rank_robustness", "researcher_taxable",
                "city_performance")


def _empty() -> pl.DataFrame:
    return pl.DataFrame()


@dataclass
class Results:
    year: int
    assessed: pl.DataFrame
    indicators: pl.DataFrame
    targets: pl.DataFrame
    province_targets: pl.DataFrame
    scores: pl.DataFrame
    score_details: pl.DataFrame  # per zone and indicator: why this score
    rank_robustness: pl.DataFrame
    regional_history: pl.DataFrame  # regional ranking of the years supervision looks back on
    rewards: pl.DataFrame
    supervision: pl.DataFrame
    researcher_taxable: pl.DataFrame
    # For the reports' trend and rank charts: zone_stats and national_rankings up to year Y, as
    # accepted by validation (inputs, hashed in the manifest; not re-published as results).
    zone_history: pl.DataFrame = field(default_factory=pl.DataFrame)
    rank_history: pl.DataFrame = field(default_factory=pl.DataFrame)
    # The scoring method applied, so the reports can explain it in words.
    methodology: MethodologyConfig | None = None
    # 条款（十七）: each host city's national zones (results/city_performance.csv).
    city_performance: pl.DataFrame = field(default_factory=_empty)
    # The year's registry changes: recognised, upgraded, approved national, exited
    # (transforms.registry.registry_changes).
    registry_changes: pl.DataFrame = field(default_factory=_empty)
    # Each zone's dated history (transforms.registry.zone_timeline), for the reports' facts.
    timeline: pl.DataFrame = field(default_factory=_empty)
    # Zone-years the year's rules read and nobody submitted (transforms.completeness
    # missing_zone_years), national-ranking years missing (missing_ranking_years), and the zones
    # left out of year Y's scoring and ranking for it (数据缺失).
    data_gaps: pl.DataFrame = field(default_factory=_empty)
    ranking_gaps: pl.DataFrame = field(default_factory=_empty)
    unscored: frozenset[str] = frozenset()
    # Rules that could not be decided for a zone (no rank, an incomplete ranking): zone_id,
    # year, rule, rule_label, reason (transforms.supervision.UNDECIDED_SCHEMA).
    undecided: pl.DataFrame = field(default_factory=_empty)

    def result_frames(self) -> dict[str, pl.DataFrame]:
        """results/<name>.csv's frames, by name, in RESULT_FILES order."""
        return {name: getattr(self, name) for name in RESULT_FILES}
