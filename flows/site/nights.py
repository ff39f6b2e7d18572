"""The status board's history across nights: what the nightly validation of the site's inbox
found about one zone and dataset, night by night.

The nightly run (flows/nightly.py) validates the inbox the site assembles and keeps every
night's fix list under OUT/history/<date>/, with the inbox's record of where each row came from
(submissions.json) beside it. For a zone and dataset the site shows, newest night first, the
findings about that zone (its rows, and findings about the whole file), each 新增 or 未解决
against the night before, and the ones 已解决 that night.

The nightly fix list names the inbox's rows; staff know their own workbook. So each finding is
traced back to the submission and the row of the submitted file it came from, and that is also
its identity from one night to the next: another city's correction, which moves the inbox's rows,
does not make this zone's open problems look fixed and new again. A row whose zone is unknown
is shown only to the city whose own submission it came from. A night without the record (an
inbox assembled by hand, or nights from before the record was kept) falls back to the inbox's
rows and shows whole-file findings and the zone's own rows only.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flows.ingest.submissions import INBOX_SUBMISSIONS, read_row_sources
from flows.validation.comparison import (
    STATUS_NEW,
    Comparison,
    by_dataset,
    compare,
    finding_key,
)
from flows.validation.fix_list import read_csv
from transforms.findings import Finding

NIGHTLY_DIR = "nightly"
# inbox file -> for each data row (file row 2, 3, ...): (submission id, submitted row)
Sources = dict[str, list[tuple[str, int]]]
FIX_LIST = "fix_list.csv"


def default_nightly_dir(root: Path, year: int) -> Path:
    """Where the nightly run of the site's inbox (ROOT/inbox/<year>) is expected to write."""
    return root / NIGHTLY_DIR / str(year)


@dataclass(frozen=True)
class NightFinding:
    finding: Finding  # as the night's fix list has it: the inbox's file and row
    submission_id: str  # the submission the row came from; "" unknown or a whole-file finding
    source_row: int | None  # that row in the submitted file

    def keyed(self) -> Finding:
        # Identity across nights: the dataset and the submitted row (the inbox row when the
        # night kept no record), not the inbox's file and row, which move with other cities.
        row = self.source_row if self.submission_id else self.finding.row
        return dataclasses.replace(by_dataset(self.finding), sheet="", row=row)


@dataclass(frozen=True)
class Night:
    date: str
    findings: list[NightFinding]
    statuses: dict[tuple, str]  # finding_key of keyed() -> 新增 / 未解决
    resolved: list[NightFinding]  # open the night before, gone this night
    compared_with: str | None  # the night before (None: the first night kept)
    record_unreadable: bool = False  # its submissions.json could not be read: inbox rows


    def status_of(self, nf: NightFinding) -> str:
        return self.statuses.get(finding_key(nf.keyed()), STATUS_NEW)

    @property
    def quiet(self) -> bool:
        """Nothing about the zone this night, nothing fixed, nothing to say about the night."""
        return not self.findings and not self.resolved and not self.record_unreadable


@dataclass(frozen=True)
class NightRun:
    """Consecutive nights shown as one line when nothing happened for the zone in any of them;
    otherwise a single night."""

    nights: list[Night]  # newest first

    @property
    def quiet(self) -> bool:
        return all(n.quiet for n in self.nights)

    @property
    def first(self) -> str:
        return self.nights[-1].date

    @property
    def last(self) -> str:
        return self.nights[0].date


class NightlyHistory:
    """Reads OUT/history/<date>/ of the nightly run. Each night's files are read once and kept
    while unchanged (a rerun of the same night rewrites them)."""

    def __init__(self, nightly_dir: Path) -> None:
        self.dir = nightly_dir
        self.history = nightly_dir / "history"
        self._cache: dict[str, tuple[tuple, list[Finding], Sources | None]] = {}
        self._lock = threading.Lock()

    def dates(self) -> list[str]:
        """The nights that left a fix list, oldest first."""
        if not self.history.is_dir():
            return []
        return sorted(p.name for p in self.history.iterdir()
                      if p.is_dir() and (p / FIX_LIST).is_file())

    def _night(self, date: str) -> tuple[list[Finding], Sources | None]:
        """The night's findings, and its record of row sources ({} when it kept none, None
        when it kept one that cannot be read)."""
        night = self.history / date
        stamp = tuple((p.stat().st_mtime_ns, p.stat().st_size) if p.is_file() else None
                      for p in (night / FIX_LIST, night / INBOX_SUBMISSIONS))
        with self._lock:
            cached = self._cache.get(date)
            if cached and cached[0] == stamp:
                return cached[1], cached[2]
        findings = read_csv(night / FIX_LIST)
        sources: Sources | None
        try:
            sources = read_row_sources(night)
        except (ValueError, KeyError, TypeError, AttributeError):
            sources = None
        with self._lock:
            self._cache[date] = (stamp, findings, sources)
        return findings, sources

    def for_zone(self, zone: dict[str, str], dataset: str,
                 city_of: Callable[[str], str | None]) -> list[Night]:
        """Every night, newest first, with the zone's findings in `dataset`.

        `city_of`: a submission id -> the city it was submitted for ("" the whole region,
        None unknown)."""
        nights: list[Night] = []
        previous: list[NightFinding] | None = None
        previous_date: str | None = None
        for date in self.dates():
            findings, sources = self._night(date)
            mine = zone_night_findings(findings, sources or {}, zone, dataset, city_of)
            diff: Comparison = compare(
                None if previous is None else [nf.keyed() for nf in previous],
                [nf.keyed() for nf in mine])
            resolved_keys = {finding_key(f) for f in diff.resolved}
            resolved = [nf for nf in previous or [] if finding_key(nf.keyed()) in resolved_keys]
            nights.append(Night(date, mine, diff.statuses, resolved, previous_date,
                                record_unreadable=sources is None))
            previous, previous_date = mine, date
        return nights[::-1]


def zone_night_findings(findings: list[Finding], sources: Sources,
                        zone: dict[str, str], dataset: str,
                        city_of: Callable[[str], str | None]) -> list[NightFinding]:
    """The night's findings in `dataset` about the zone, traced to their submitted rows."""
    mine = []
    for f in findings:
        if f.dataset != dataset or f.zone_id not in ("", zone["zone_id"]):
            continue
        submission_id, source_row = "", None
        rows = sources.get(f.file)
        if f.row is not None and rows and 2 <= f.row < len(rows) + 2:
            submission_id, source_row = rows[f.row - 2]
        if f.zone_id == "" and f.row is not None:
            # a row of no known zone: only its own city's business
            if not submission_id or city_of(submission_id) != zone["city"]:
                continue
        mine.append(NightFinding(f, submission_id, source_row))
    return mine


def runs_of(nights: list[Night]) -> list[NightRun]:
    """Nights newest first, consecutive quiet nights folded into one run."""
    runs: list[NightRun] = []
    for night in nights:
        if night.quiet and runs and runs[-1].quiet:
            runs[-1].nights.append(night)
        else:
            runs.append(NightRun([night]))
    return runs
