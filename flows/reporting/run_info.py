"""Who made a report and from what: the run's identity, versions and inputs, printed on the
cover and in the provenance appendix of every report."""

from __future__ import annotations

from dataclasses import dataclass
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

    def provenance(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "code_version": self.code_version,
            "policy_version": self.policy_version,
            "methodology_version": self.methodology_version,
            "inputs": self.inputs,
        }
