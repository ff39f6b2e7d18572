"""Comparing two validation passes (the nightly run, `etdz validate --watch`): which findings
are new (新增), still open (未解决) or fixed (已解决) since the pass before."""

from __future__ import annotations

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


def group_sort_key(f: Finding) -> tuple:
    """Zone (findings about no single zone last), file, sheet, then critical first, row."""
    return (
        f.zone_id == "",
        f.zone_id,
        f.file,
        f.sheet,
        0 if f.severity is Severity.CRITICAL else 1,
        f.row if f.row is not None else 0,
        f.column,
        f.rule_id,
    )


def grouped(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=group_sort_key)


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


