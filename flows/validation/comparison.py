"""Comparing two validation passes (the nightly run, `etdz validate --watch`): which findings
are new (新增), still open (未解决) or fixed (已解决) since the pass before."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from transforms.findings import Finding, Severity

STATUS_NEW, STATUS_OPEN, STATUS_FIXED = "新增", "未解决", "已解决"
# A finding's identity from one night to the next: the cell (file, sheet, row, column) and the
# rule. The value is left out on purpose: a cell corrected to another wrong value is the same
# open problem, not one fixed and one new.
FindingKey = tuple[str, str, int | None, str, str]


def finding_key(f: Finding) -> FindingKey:
    return (f.file, f.sheet, f.row, f.column, f.rule_id)


def by_dataset(f: Finding) -> Finding:
    """The finding named by its dataset rather than its file: the same cell of a file
    submitted again under another name is the same finding."""
    return dataclasses.replace(f, file=f.dataset)


def group_sort_key(f: Finding, blocking_zones: frozenset[str] = frozenset(),
                   blocking_files: frozenset[tuple[str, str, str]] = frozenset()) -> tuple:
    """The fix list leads with what blocks.

    Zone groups holding a critical finding (`blocking_zones`) come first, the group about no
    single zone leading them (a file or column that could not be read is usually why the zones'
    own checks fail); then the other zone groups, in order, the no-zone group last. Within a
    zone, files with a critical finding (`blocking_files`: zone, file, sheet) first; within a
    file, critical first, and findings caused by another (caused_by) after those standing on
    their own; then by row, column and rule.
    """
    blocks = f.zone_id in blocking_zones
    return (
        0 if blocks else 1,
        f.zone_id != "" if blocks else f.zone_id == "",
        f.zone_id,
        0 if (f.zone_id, f.file, f.sheet) in blocking_files else 1,
        f.file,
        f.sheet,
        0 if f.severity is Severity.CRITICAL else 1,
        f.caused_by != "",
        f.row if f.row is not None else 0,
        f.column,
        f.rule_id,
    )


def grouped(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in fix-list order (group_sort_key): by zone and file, what blocks first."""
    findings = list(findings)
    critical = [f for f in findings if f.severity is Severity.CRITICAL]
    zones = frozenset(f.zone_id for f in critical)
    files = frozenset((f.zone_id, f.file, f.sheet) for f in critical)
    return sorted(findings, key=lambda f: group_sort_key(f, zones, files))


@dataclass(frozen=True)
class Comparison:
    statuses: dict[FindingKey, str]  # each current finding: 新增 or 未解决
    resolved: list[Finding]  # in the previous pass, gone now

    @property
    def new(self) -> int:
        return sum(s == STATUS_NEW for s in self.statuses.values())

    @property
    def still_open(self) -> int:
        return sum(s == STATUS_OPEN for s in self.statuses.values())


def compare(previous: list[Finding] | None, current: list[Finding]) -> Comparison:
    """By finding_key: a key in both is 未解决, only now is 新增, only before is 已解决. With no
    previous pass everything is 新增."""
    before = {finding_key(f): f for f in previous or []}
    now = {finding_key(f) for f in current}
    statuses = {finding_key(f): STATUS_OPEN if finding_key(f) in before else STATUS_NEW
                for f in current}
    resolved = [f for k, f in before.items() if k not in now]
    return Comparison(statuses, grouped(resolved))


