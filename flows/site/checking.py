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

import threading
from pathlib import Path

import polars as pl

from flows.ingest.folder import IngestResult, ingest_folder, read_dataset_file
from flows.site.inbox import inbox_dir, inbox_version
from flows.validation.validate import validate_step
from transforms.contract import DATASETS, SOURCE_FILE
from transforms.findings import Finding, sort_findings
from transforms.submission_scope import row_cities, rows_outside_city, zone_cities

# The inbox's files are named apart from any uploaded file, so that a finding on another
# city's row never lands in the uploader's list.
INBOX_LABEL = "收件箱/"


class Checker:
    """Validates submissions against the current inbox of one assessment year; one at a time
    (Great Expectations' context and the suite cache are not shared between threads)."""

    def __init__(self, root: Path, year: int) -> None:
        self.root, self.year = root, year
        self._lock = threading.Lock()
        self._inbox: tuple[str, dict[str, pl.DataFrame]] = ("", {})

    def inbox_frames(self) -> dict[str, pl.DataFrame]:
        """The inbox's typed frames, read again only when it has changed."""
        version = inbox_version(self.root, self.year)
        if version != self._inbox[0] or not version:
            frames: dict[str, pl.DataFrame] = {}
            folder = inbox_dir(self.root, self.year)
            if folder.is_dir():
                for name, frame in ingest_folder(folder).frames.items():
                    frames[name] = frame.with_columns(
                        (INBOX_LABEL + pl.col(SOURCE_FILE)).alias(SOURCE_FILE))
            self._inbox = (version, frames)
        return self._inbox[1]

    def check(self, path: Path, dataset: str, file: str, city: str
              ) -> tuple[int, list[Finding]]:
        """(rows read, findings for the file's rows, critical first). `city` is the city the
        file is submitted for; "" for a department file covering the whole region."""
        with self._lock:
            frame, findings, _ = read_dataset_file(path, DATASETS[dataset], file=file)
            if frame is None:  # unreadable, or no header: nothing else can be said
                return 0, sort_findings(findings)
            frames = dict(self.inbox_frames())
            registry = zone_cities(frames.get("zones"))
            if city:
                findings += rows_outside_city(frame, dataset, city, registry)
            others = frames.get(dataset)
            if city and others is not None:
                # the city's own rows are what this file replaces
                keep = row_cities(others, dataset, registry) != city
                frames[dataset] = pl.concat([others.filter(keep), frame], how="diagonal_relaxed")
            else:
                frames[dataset] = frame
            checked = validate_step(IngestResult(frames=frames, findings=findings))
            return frame.height, sort_findings([f for f in checked if f.file == file])
