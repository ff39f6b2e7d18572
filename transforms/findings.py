"""A finding: one thing data staff must look at, pointing at the cell to fix.

Ingest problems, failed expectations and the cross-dataset checks all end up as findings, so the
fix list has one shape.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    CRITICAL = "critical"  # stops the yearly run before anything is computed
    WARNING = "warning"  # the run goes on; listed in the reports' data-quality appendix

    @property
    def label(self) -> str:
        return {"critical": "严重", "warning": "警告"}[self.value]


@dataclass(frozen=True)
class Finding:
    severity: Severity
    dataset: str  # contract dataset name, e.g. zone_stats
    file: str  # file name as submitted (relative to the data folder)
    sheet: str  # Excel sheet name, "" for CSV
    row: int | None  # the row number a person sees in that file (header = 1); None: whole file
    column: str  # canonical column name, "" when the finding is about the file
    column_label: str  # the Chinese header data staff see
    value: str  # the value found, as text
    rule_id: str  # stable id, e.g. ingest.number_format or zone_stats.gdp_non_negative
    message: str  # 中文说明: what is wrong
    hint: str  # 中文修改建议: how to fix it
    zone_id: str = ""  # the zone the row belongs to, when known (for grouping)

    def sort_key(self) -> tuple:
        return (
            0 if self.severity is Severity.CRITICAL else 1,
            self.file,
            self.sheet,
            self.row if self.row is not None else 0,
            self.column,
            self.rule_id,
        )


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)


def max_severity(findings: list[Finding]) -> Severity | None:
    if any(f.severity is Severity.CRITICAL for f in findings):
        return Severity.CRITICAL
    if findings:
        return Severity.WARNING
    return None


def summarise(findings: list[Finding]) -> dict[str, Any]:
    """Counts for the report header: total, by severity, by dataset and severity, by rule."""
    by_dataset: dict[str, dict[str, int]] = {}
    for f in findings:
        counts = by_dataset.setdefault(f.dataset, {s.value: 0 for s in Severity})
        counts[f.severity.value] += 1
    by_severity = Counter(f.severity.value for f in findings)
    return {
        "total": len(findings),
        "by_severity": {s.value: by_severity.get(s.value, 0) for s in Severity},
        "by_dataset": dict(sorted(by_dataset.items())),
        "by_rule": dict(sorted(Counter(f.rule_id for f in findings).items())),
        "blocking": by_severity.get(Severity.CRITICAL.value, 0) > 0,
    }
