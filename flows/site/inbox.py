"""The inbox the nightly and yearly runs read, assembled from the site's submissions.

For each dataset and city, the rows come from the latest submission without critical findings
that covers the city: the city's own, or a department submission for the whole region,
whichever is later; province-wide datasets (exchange rates) from the latest clean department
submission. A submission with critical findings is never used, so a city's last good figures
stay in the inbox until a corrected file arrives.

    ROOT/inbox/<year> -> .builds/<year>-<n>/    the folder to pass as --data (a symlink,
                                                 switched in one step: readers never see half)
        <dataset>.csv       canonical: UTF-8, the contract's headers, money in yuan / dollars
        submissions.json    the submissions used, and for each data row the submission and
                            the row of the submitted file it came from

Files are written in canonical form (values as ingest typed them, money headers in 元 or 美元),
so a workbook in 万元 and another in 亿元 merge exactly; the submitted files themselves are kept
unchanged under their SHA-256 (store.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from flows.files import new_build, switch_to_build
from flows.ingest.folder import IngestResult, ingest_folder, read_dataset_file
from flows.ingest.submissions import INBOX_SUBMISSIONS
from flows.site.store import STATUS_CRITICAL, Submission, SubmissionStore
from transforms.contract import DATASETS, SOURCE_ROW, Column, Kind, region_cities
from transforms.submission_scope import (
    SCOPE_PROVINCE,
    dataset_scope,
    rows_of_city,
    zone_cities,
)

INBOX_DIR = "inbox"
BUILDS = ".builds"
KEEP_BUILDS = 3
BASE_UNIT_WORDS = {"CNY": "元", "USD": "美元"}
# Zones first: the other zone datasets find each row's city through the registry.
ORDER = ["zones", *[name for name in DATASETS if name != "zones"]]


def canonical_header(col: Column) -> str:
    """The contract's Chinese label, money in its base unit: 地区生产总值（元）."""
    if col.kind is Kind.MONEY:
        return f"{col.short_label}（{BASE_UNIT_WORDS[col.base_unit]}）"
    return col.label


def _cell(value: Any, col: Column) -> str:
    if value is None:
        return ""
    if col.kind is Kind.BOOL:
        return "true" if value else "false"
    if col.kind is Kind.FLOAT:
        return repr(float(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def write_canonical_csv(frame: pl.DataFrame, dataset: str, path: Path) -> None:
    columns = DATASETS[dataset].columns
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([canonical_header(c) for c in columns])
        for row in frame.select([c.name for c in columns]).iter_rows():
            writer.writerow([_cell(v, c) for v, c in zip(row, columns, strict=True)])


@dataclass(frozen=True)
class Assembly:
    """What the inbox holds: per dataset the rows (typed) and where each came from."""

    frames: dict[str, pl.DataFrame]
    sources: dict[str, list[tuple[str, int]]]  # dataset -> (submission id, submitted row)
    used: list[Submission]


class SubmissionFrames:
    """Each submission's typed frame, read once (a submission never changes)."""

    def __init__(self, store: SubmissionStore) -> None:
        self.store = store
        self._frames: dict[str, pl.DataFrame | None] = {}
        self._lock = threading.Lock()

    def frame(self, sub: Submission) -> pl.DataFrame | None:
        with self._lock:
            if sub.submission_id not in self._frames:
                # the sheet of the submission's year, as the site's check read it
                frame, _, _ = read_dataset_file(self.store.path_of(sub), DATASETS[sub.dataset],
                                                file=sub.file, year=sub.year)
                self._frames[sub.submission_id] = frame
            return self._frames[sub.submission_id]


def latest_clean(submissions: list[Submission], dataset: str, city: str | None
                 ) -> Submission | None:
    """The latest usable submission of `dataset` covering `city` (None: province-wide only)."""
    covering = ("",) if city is None else ("", city)
    usable = [s for s in submissions if s.dataset == dataset and s.status != STATUS_CRITICAL
              and s.city in covering]
    return usable[-1] if usable else None


def assemble(submissions: list[Submission], frames: SubmissionFrames) -> Assembly:
    """The inbox's rows from the submissions of one year (oldest first)."""
    cities = region_cities()
    out: dict[str, pl.DataFrame] = {}
    sources: dict[str, list[tuple[str, int]]] = {}
    used: dict[str, Submission] = {}
    registry: dict[str, str] = {}
    for dataset in ORDER:
        parts: list[tuple[Submission, pl.DataFrame]] = []
        if dataset_scope(dataset) == SCOPE_PROVINCE:
            chosen = latest_clean(submissions, dataset, None)
            frame = frames.frame(chosen) if chosen else None
            if chosen and frame is not None:
                parts.append((chosen, frame))
        else:
            # rows of no known city (a zone not yet registered) only from region-wide files
            for city in (*cities, ""):
                chosen = latest_clean(submissions, dataset, city or None)
                frame = frames.frame(chosen) if chosen else None
                if chosen and frame is not None:
                    mine = rows_of_city(frame, dataset, registry, city)
                    if mine.height:
                        parts.append((chosen, mine))
        if not parts:
            continue
        out[dataset] = pl.concat([p for _, p in parts], how="diagonal_relaxed")
        sources[dataset] = [(s.submission_id, row) for s, p in parts for row in p[SOURCE_ROW]]
        used.update({s.submission_id: s for s, _ in parts})
        if dataset == "zones":
            registry = zone_cities(out["zones"])
    return Assembly(out, sources, [used[k] for k in sorted(used)])


def inbox_dir(root: Path, year: int) -> Path:
    return root / INBOX_DIR / str(year)


def write_inbox(root: Path, year: int, assembly: Assembly) -> Path:
    """Write the assembled inbox as a new build and switch ROOT/inbox/<year> to it, unless
    it would hold exactly what the current one holds. Returns the inbox folder."""
    link = inbox_dir(root, year)
    record = {"year": year,
              "submissions": [s.provenance() for s in assembly.used],
              "rows": {f"{name}.csv": [[sid, row] for sid, row in rows]
                       for name, rows in assembly.sources.items()}}
    text = json.dumps(record, ensure_ascii=False, indent=1) + "\n"
    current = link / INBOX_SUBMISSIONS
    if link.is_dir() and current.is_file() and current.read_text(encoding="utf-8") == text:
        return link
    build = new_build(root / INBOX_DIR / BUILDS, str(year), among=f"{year}-*")
    for name, frame in assembly.frames.items():
        write_canonical_csv(frame, name, build / f"{name}.csv")
    (build / INBOX_SUBMISSIONS).write_text(text, encoding="utf-8")
    switch_to_build(link, build, KEEP_BUILDS, among=f"{year}-*")
    return link


def inbox_build(root: Path, year: int) -> Path | None:
    """The build the inbox is now (None before the first), resolved once: read the files and
    the record of their submissions from it, and a submission accepted meanwhile, which
    switches the link, cannot mix two builds. Its path changes whenever the content does."""
    link = inbox_dir(root, year)
    return link.resolve() if link.is_symlink() and link.is_dir() else None


def read_inbox(root: Path, year: int) -> tuple[Path | None, IngestResult]:
    """(the build read, its files read and typed)."""
    build = inbox_build(root, year)
    return build, (ingest_folder(build) if build is not None else IngestResult())
