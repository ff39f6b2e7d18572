"""Who made a report and from what: the run's identity, versions and inputs, printed on the
cover and in the provenance appendix of every report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    code_version: str
    policy_version: str
    methodology_version: str
    report_date: str
    official: bool
    warnings: int
    inputs: list[dict[str, str]]
    # The site's submissions the inputs were assembled from (flows/ingest/submissions.py);
    # empty for a data folder put together by hand.
    submissions: list[dict[str, str]] = field(default_factory=list)

    @property
    def draft(self) -> bool:
        # An official run with warnings is still a draft: a leader must not sign unresolved data.
        return not self.official or self.warnings > 0

    def doc(self, title: str, year: int) -> dict[str, Any]:
        return {
            "title": title,
            "year": year,
            "status_label": "草稿" if self.draft else "正式",
            "draft": self.draft,
            "report_date": self.report_date,
            "version": self.code_version,
            "run_id": self.run_id,
        }

    def provenance(self, city: str | None = None) -> dict[str, Any]:
        """With `city`, only the submissions of that city and the province-wide ones: a zone
        report names what its own figures came from, and stays the same when another city
        submits again."""
        block: dict[str, Any] = {
            "run_id": self.run_id,
            "code_version": self.code_version,
            "policy_version": self.policy_version,
            "methodology_version": self.methodology_version,
            "inputs": self.inputs,
        }
        used = [s for s in self.submissions if city is None or s.get("city", "") in ("", city)]
        if used:  # absent otherwise: a report from a hand-made folder keeps its content key
            block["submissions"] = used
        return block
