"""Who has submitted what: the status board of an assessment year, and one zone's history.

Each zone x dataset is 未提交 (no submission covers the zone's city), 有严重问题, 有警告 or
无问题, judged on the latest submission covering it (the city's own or a department file for
the whole region) and the findings of that submission that concern the zone (its rows, and
findings about the whole file). The history lists every such submission in order, each
finding marked 新增 (new since the submission before), 未解决 (still open) or 已解决 (fixed).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from flows.site.store import (
    STATUS_CLEAN,
    STATUS_CRITICAL,
    STATUS_LABELS,
    Submission,
    SubmissionStore,
    status_of,
)
from flows.validation.comparison import (
    STATUS_NEW,
    Comparison,
    by_dataset,
    compare,
    finding_key,
)
from transforms.contract import DATASETS
from transforms.findings import Finding, Severity
from transforms.registry import zones_in_year
from transforms.submission_scope import SCOPE_ZONE, dataset_scope

NOT_SUBMITTED = "missing"
LABELS = {**STATUS_LABELS, NOT_SUBMITTED: "未提交"}
# The datasets a zone's row of the board shows: its registry entry and every dataset keyed by
# zone; the national ranking only for national zones.
ZONE_DATASETS = ["zones", *[n for n in DATASETS if dataset_scope(n) == SCOPE_ZONE]]


@dataclass(frozen=True)
class BoardRow:
    city: str
    zone_id: str
    zone_name: str
    dataset: str
    dataset_label: str
    status: str
    submission: Submission | None
    critical: int
    warning: int

    @property
    def status_label(self) -> str:
        return LABELS[self.status]

    @property
    def date(self) -> str:
        return self.submission.when[:10] if self.submission else ""


@dataclass(frozen=True)
class HistoryEntry:
    submission: Submission
    findings: list[Finding]  # this zone's, in the submission's order
    statuses: dict[tuple, str]  # finding_key -> 新增 / 未解决
    resolved: list[Finding]  # open in the submission before, gone in this one

    def status_of(self, f: Finding) -> str:
        return self.statuses.get(finding_key(by_dataset(f)), STATUS_NEW)


def zones_of(frames: dict[str, pl.DataFrame], year: int) -> list[dict[str, str]]:
    """zone_id, zone_name, city and level of the zones assessed for `year` (the registry's
    history: recognised by then, not exited, at the level held that year), by city then id."""
    zones = frames.get("zones")
    if zones is None:
        return []
    rows = zones_in_year(zones, year).drop_nulls(["zone_id", "city"]).sort("city", "zone_id")
    return list(rows.select("zone_id", "zone_name", "city", "level").iter_rows(named=True))


def covering(submissions: list[Submission], dataset: str, city: str) -> list[Submission]:
    """The submissions of `dataset` that speak for `city`, oldest first."""
    return [s for s in submissions if s.dataset == dataset and s.city in ("", city)]


def zone_findings(findings: list[Finding], zone_id: str) -> list[Finding]:
    return [f for f in findings if f.zone_id in ("", zone_id)]


class Board:
    def __init__(self, store: SubmissionStore) -> None:
        self.store = store
        self._findings: dict[str, list[Finding]] = {}

    def findings(self, sub: Submission) -> list[Finding]:
        if sub.submission_id not in self._findings:  # a submission's findings never change
            self._findings[sub.submission_id] = self.store.findings(sub.submission_id)
        return self._findings[sub.submission_id]

    def rows(self, year: int, zones: list[dict[str, str]], visible: set[str] | None
             ) -> list[BoardRow]:
        """One row per zone and dataset, for the cities in `visible` (None: all)."""
        submissions = self.store.for_year(year)
        rows = []
        for zone in zones:
            if visible is not None and zone["city"] not in visible:
                continue
            for dataset in ZONE_DATASETS:
                if dataset == "national_rankings" and zone["level"] != "national":
                    continue
                subs = covering(submissions, dataset, zone["city"])
                latest = subs[-1] if subs else None
                mine = zone_findings(self.findings(latest), zone["zone_id"]) if latest else []
                critical = sum(f.severity is Severity.CRITICAL for f in mine)
                rows.append(BoardRow(zone["city"], zone["zone_id"], zone["zone_name"], dataset,
                                     DATASETS[dataset].label,
                                     status_of(mine) if latest else NOT_SUBMITTED, latest,
                                     critical, len(mine) - critical))
        return rows

    def history(self, year: int, zone: dict[str, str], dataset: str) -> list[HistoryEntry]:
        """Every submission covering the zone's dataset, newest first, with each finding's
        status against the submission before it."""
        entries = []
        previous: list[Finding] | None = None
        for sub in covering(self.store.for_year(year), dataset, zone["city"]):
            mine = zone_findings(self.findings(sub), zone["zone_id"])
            diff: Comparison = compare([by_dataset(f) for f in previous] if previous is not None
                                       else None, [by_dataset(f) for f in mine])
            entries.append(HistoryEntry(sub, mine, diff.statuses, diff.resolved))
            previous = mine
        return entries[::-1]


def zone_previewable(rows: list[BoardRow], zone_id: str) -> tuple[bool, str]:
    """A zone's draft report may be previewed when its figures (园区年度统计) are submitted
    and none of its latest submissions has a critical finding about it."""
    mine = [r for r in rows if r.zone_id == zone_id]
    stats = next((r for r in mine if r.dataset == "zone_stats"), None)
    if stats is None or stats.status == NOT_SUBMITTED:
        return False, "尚未提交园区年度统计"
    blocked = [r.dataset_label for r in mine if r.status == STATUS_CRITICAL]
    if blocked:
        return False, "最近一次提交有严重问题：" + "、".join(blocked)
    return True, "可预览" if all(r.status in (STATUS_CLEAN, NOT_SUBMITTED) for r in mine) \
        else "可预览（有警告）"
