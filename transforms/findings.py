"""A finding: one thing data staff must look at, pointing at the cell to fix.

Ingest problems, failed expectations and the cross-dataset checks all end up as findings, so the
fix list has one shape.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
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
    # 起因: where the problem is that makes this check fail (a column that could not be read,
    # a file not submitted), as cause_text words it; "" when the finding stands on its own
    caused_by: str = ""

    def sort_key(self) -> tuple:
        """Critical first; within a severity, findings with a cause after the others (fix the
        cause first and they usually go away); then by cell."""
        return (
            0 if self.severity is Severity.CRITICAL else 1,
            self.caused_by != "",
            self.file,
            self.sheet,
            self.row if self.row is not None else 0,
            self.column,
            self.rule_id,
        )


# Findings that mean a column could not be read at all (absent from the header, or a unit that
# cannot be converted): every rule reading that column then fails or finds nothing, on every row.
UNREAD_COLUMN_RULES = frozenset({"ingest.missing_column", "ingest.unit_unknown"})
# A required dataset not submitted: every rule reading it.
MISSING_DATASET_RULES = frozenset({"dataset.missing"})


def cause_text(cause: Finding) -> str:
    """Where a cause is, for the findings it causes: 'zone_stats.csv 第 1 行“年份”：缺少必填字段…'."""
    where = cause.file + (f"（工作表：{cause.sheet}）" if cause.sheet else "")
    if cause.row is not None:
        where += f" 第 {cause.row} 行"
    if cause.column_label:
        where += f"“{cause.column_label}”"
    return f"{where}：{cause.message.rstrip('。')}"


def link_causes(findings: Iterable[Finding],
                inputs: Mapping[str, Iterable[tuple[str, str]]]) -> list[Finding]:
    """The findings, each one whose rule reads a column that could not be read (or a dataset not
    submitted) marked with that cause (caused_by), so staff fix the cause first.

    `inputs`: rule id -> the (dataset, column)s the rule reads (expectations.suites.rule_inputs).
    A cause itself is never marked, nor is a finding of a rule `inputs` does not know.
    """
    findings = list(findings)
    causes: dict[tuple[str, str], Finding] = {}
    for f in findings:
        if f.severity is not Severity.CRITICAL:
            continue
        if f.rule_id in UNREAD_COLUMN_RULES and f.column:
            causes.setdefault((f.dataset, f.column), f)
        elif f.rule_id in MISSING_DATASET_RULES:
            causes.setdefault((f.dataset, ""), f)
    if not causes:
        return findings
    linked = []
    for f in findings:
        cause = next((causes.get(key) or causes.get((key[0], ""))
                      for key in sorted(inputs.get(f.rule_id, ()))
                      if key in causes or (key[0], "") in causes), None)
        linked.append(replace(f, caused_by=cause_text(cause))
                      if cause is not None and cause is not f and not f.caused_by else f)
    return linked


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
