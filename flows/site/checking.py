"""Checking one submission the moment it arrives, in the warm process.

A city's file is validated together with the rest of the inbox, as the yearly run will see
it: the other cities' rows of the same dataset and every other dataset stay, the city's own
rows are replaced by the file's. Cross-dataset rules (the zone registry, city totals, last
year's figures) therefore judge the file in context. Findings are kept for the file's own
rows; rows of another city are findings too (transforms/submission_scope.py). Great
Expectations is imported once when the site starts, and each dataset suite whose frame has not
changed is reused (flows/validation/validate.py), so a check takes a second or two.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import polars as pl

from flows.ingest.folder import IngestResult, read_dataset
from flows.site.inbox import inbox_build, read_inbox
from flows.validation.validate import validate_step
from transforms.contract import DATASETS
from transforms.findings import Finding, sort_findings
from transforms.submission_scope import row_cities, rows_outside_city, zone_cities

# The uploaded file is named apart from the inbox's files (which have no "/" in their names)
# while it is validated, so that a finding on another city's row never lands in the
# uploader's list; its findings get the uploaded name back.
UPLOAD_LABEL = "上传/"


class Checker:
    """Validates submissions against the current inbox of one assessment year; one at a time
    (Great Expectations' context and the suite cache are not shared between threads)."""

    def __init__(self, root: Path, year: int) -> None:
        self.root, self.year = root, year
        self.lock = threading.Lock()  # the previews validate under it too
        self._inbox: tuple[Path | None, IngestResult] = (None, IngestResult())

    def inbox_read(self) -> tuple[Path | None, IngestResult]:
        """(the inbox's build, its files read and typed), read again only when the build has
        changed. The previews validate and compute these same frames, so Great Expectations
        reuses the suites it ran on them."""
        build = inbox_build(self.root, self.year)
        if build is None or build != self._inbox[0]:
            self._inbox = read_inbox(self.root, self.year)
        return self._inbox

    def inbox(self) -> IngestResult:
        return self.inbox_read()[1]

    def inbox_frames(self) -> dict[str, pl.DataFrame]:
        return self.inbox().frames

    def check(self, path: Path, dataset: str, file: str, city: str
              ) -> tuple[int, list[Finding]]:
        """(rows read, findings for the file's rows, critical first). `city` is the city the
        file is submitted for; "" for a department file covering the whole region."""
        label = UPLOAD_LABEL + file
        with self.lock:
            frame, findings, _, unread = read_dataset(path, DATASETS[dataset], file=label,
                                                      year=self.year)
            if frame is None:  # unreadable, or no header: nothing else can be said
                return 0, _named(findings, label, file)
            inbox = self.inbox()
            frames, unread_cells = dict(inbox.frames), dict(inbox.unread)
            registry = zone_cities(frames.get("zones"))
            if city:
                findings += rows_outside_city(frame, dataset, city, registry)
            others = frames.get(dataset)
            if city and others is not None:
                # the city's own rows are what this file replaces
                keep = row_cities(others, dataset, registry) != city
                frames[dataset] = pl.concat([others.filter(keep), frame], how="diagonal_relaxed")
                unread_cells[dataset] = _stacked(
                    [(unread_cells.get(dataset), others.height, keep),
                     (unread, frame.height, None)])
            else:
                frames[dataset] = frame
                unread_cells[dataset] = _stacked([(unread, frame.height, None)])
            # Cells ingest could not read are its findings; the expectations do not repeat them.
            checked = validate_step(IngestResult(frames=frames, findings=findings,
                                                 unread=unread_cells))
            return frame.height, _named(checked, label, file)


def _named(findings: list[Finding], label: str, file: str) -> list[Finding]:
    return sort_findings([dataclasses.replace(f, file=file) for f in findings
                          if f.file == label])


def _stacked(parts: list[tuple[pl.DataFrame | None, int, pl.Series | None]]) -> pl.DataFrame:
    """The unread-cell flags of frames stacked as their rows are (`keep` filters a part's rows);
    a part without flags has none set."""
    names = sorted({c for flags, _, _ in parts if flags is not None for c in flags.columns})
    if not names:
        return pl.DataFrame()
    stacked = []
    for flags, height, keep in parts:
        if flags is None or flags.height != height:
            flags = pl.DataFrame({c: pl.Series([False] * height) for c in names})
        flags = flags.select([pl.col(c) if c in flags.columns else pl.lit(False).alias(c)
                              for c in names])
        stacked.append(flags.filter(keep) if keep is not None else flags)
    return pl.concat(stacked)
