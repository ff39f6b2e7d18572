"""The result model: what one assessment year computes, and the result files it is published as."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from transforms.methodology import MethodologyConfig

# results/<name>.csv, in the order the contract lists them, then the supporting tables.
RESULT_FILES = ("indicators", "targets", "scores", "rewards", "supervision",
                "province_targets", "score_details", "rank_robustness", "researcher_taxable")


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

    def result_frames(self) -> dict[str, pl.DataFrame]:
        """results/<name>.csv's frames, by name, in RESULT_FILES order."""
        return {name: getattr(self, name) for name in RESULT_FILES}
