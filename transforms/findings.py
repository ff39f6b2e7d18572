"""A finding: one thing data staff must look at, pointing at the cell to fix.

Ingest problems, failed expectations and the cross-dataset checks all end up as findings, so the
fix list has one shape.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

# A problem in more cells than this, in one column (same file, sheet, rule and severity), is
# systematic: one finding listing its rows, not one per cell (a fix list of 185 identical rows
# is not read).
GROUP_AFTER = 5
# The rows a grouped finding lists; `count` says how many there are in all.
ROWS_LISTED = 100
# Values are quoted in findings up to this many characters: a cell may hold a whole document.
VALUE_QUOTED = 50


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
    # A finding that stands for several cells or rows with the same problem: the rows, as
    # ranges ("2-186;190", the first ROWS_LISTED of them, then ";…"), and how many in all.
    rows: str = ""
    count: int = 1

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


def quote(value: object) -> str:
    """A submitted value as findings quote it: at most its first VALUE_QUOTED characters."""
    text = "" if value is None else str(value)
    return text if len(text) <= VALUE_QUOTED else text[:VALUE_QUOTED] + "…"


def row_ranges(rows: Sequence[int], total: int | None = None) -> str:
    """Sorted row numbers as ranges, "2-5;9"; ";…" when more exist than are listed."""
    parts: list[str] = []
    ordered = sorted(set(rows))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    more = total is not None and total > len(ordered)
    return ";".join(parts) + (";…" if more else "")


def group_finding(first: Finding, rows: Sequence[int], count: int, zone_id: str | None = None
                  ) -> Finding:
    """One finding for `count` cells of a column with the same problem: the first cell's value
    and message, the rows listed (at most ROWS_LISTED) and the count."""
    listed = sorted(set(rows))[:ROWS_LISTED]
    ranges = row_ranges(listed, count)
    shown = ranges.replace(";…", "").replace(";", "、").replace("-", "—")
    more = "等" if count > len(listed) else ""
    message = (f"{first.message.rstrip('。')}；本列共 {count} 处同类问题"
               f"（第 {shown} 行{more}），请逐一修改")
    return replace(first, row=listed[0] if listed else first.row, rows=ranges, count=count,
                   message=message, zone_id=first.zone_id if zone_id is None else zone_id)


def listed_or_grouped(made: list[Finding], count: int) -> list[Finding]:
    """`made`, the first cells of `count` with one problem: as they are, or beyond GROUP_AFTER
    one finding listing their rows. The group names a zone only when all its cells are listed
    and share it."""
    if count <= GROUP_AFTER:
        return made
    zones = {f.zone_id for f in made}
    return [group_finding(made[0], [f.row for f in made if f.row is not None], count,
                          zones.pop() if len(zones) == 1 and count == len(made) else "")]


def _group_key(f: Finding) -> tuple:
    return (f.severity, f.dataset, f.file, f.sheet, f.column, f.rule_id)


def bound_findings(findings: Iterable[Finding]) -> list[Finding]:
    """The same problem in more than GROUP_AFTER rows of one column becomes one finding listing
    its rows; the rest is kept as it is, in order. Findings already grouped count as many."""
    groups: dict[tuple, list[Finding]] = {}
    order: list[tuple[str, Any]] = []
    for f in findings:
        if f.row is None:
            order.append(("one", f))
            continue
        key = _group_key(f)
        if key not in groups:
            groups[key] = []
            order.append(("group", key))
        groups[key].append(f)
    bounded: list[Finding] = []
    for kind, item in order:
        if kind == "one":
            bounded.append(item)
            continue
        members = groups[item]
        count = sum(m.count for m in members)
        if len(members) == 1 or (count <= GROUP_AFTER and all(m.count == 1 for m in members)):
            bounded.extend(members)
            continue
        members.sort(key=lambda m: m.row or 0)
        rows: list[int] = []
        for m in members:
            rows.extend(_listed_rows(m))
            if len(rows) >= ROWS_LISTED:
                break
        zones = {m.zone_id for m in members}
        bounded.append(group_finding(_ungrouped(members[0]), rows, count,
                                     zones.pop() if len(zones) == 1 else ""))
    return bounded


def _listed_rows(f: Finding) -> list[int]:
    if not f.rows:
        return [f.row] if f.row is not None else []
    rows: list[int] = []
    for part in f.rows.split(";"):
        if part == "…":
            continue
        first, _, last = part.partition("-")
        rows.extend(range(int(first), int(last or first) + 1))
    return rows


def _ungrouped(f: Finding) -> Finding:
    """A grouped finding's first cell again (its message without the group's sentence)."""
    if f.count == 1:
        return f
    return replace(f, message=f.message.split("；本列共 ")[0], rows="", count=1)
