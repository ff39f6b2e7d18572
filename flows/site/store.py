"""Submissions kept forever: the uploaded bytes under their SHA-256 in the site's folder, and
who submitted what, when, with which findings, in the DuckDB warehouse (I/O only, no rules).

    ROOT/submissions/<sha256>.xlsx|.csv    each distinct file once, never under the uploaded name
    ROOT/warehouse.duckdb                  site_submissions, site_findings (below)

| table | one row per |
|---|---|
| ``site_submissions`` | upload: id, assessment year, city ("" = the whole region), dataset, the file's name as uploaded (shown only), SHA-256, size, who, when (Beijing time), rows read, critical and warning counts, status (critical / warning / clean) |
| ``site_findings`` | finding of a submission, the fix list's columns plus ``submission_id`` |

Nothing is overwritten: a corrected file is a new submission; the inbox is assembled from the
latest clean ones (inbox.py).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import dataclass, fields
from pathlib import Path

import polars as pl

from flows.files import sha256_bytes
from flows.publication.warehouse import connect, findings_frame
from transforms.findings import Finding, Severity, max_severity

WAREHOUSE_FILE = "warehouse.duckdb"
FILES_DIR = "submissions"
STATUS_CRITICAL, STATUS_WARNING, STATUS_CLEAN = "critical", "warning", "clean"
STATUS_LABELS = {STATUS_CRITICAL: "有严重问题", STATUS_WARNING: "有警告", STATUS_CLEAN: "无问题"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS site_submissions (
    submission_id VARCHAR PRIMARY KEY, year INTEGER, city VARCHAR, dataset VARCHAR,
    file VARCHAR, sha256 VARCHAR, stored_as VARCHAR, size_bytes BIGINT, submitted_by VARCHAR,
    submitted_at TIMESTAMP, rows INTEGER, critical INTEGER, warning INTEGER, status VARCHAR);
CREATE TABLE IF NOT EXISTS site_findings (
    submission_id VARCHAR, severity VARCHAR, dataset VARCHAR, file VARCHAR, sheet VARCHAR,
    "row" BIGINT, "column" VARCHAR, column_label VARCHAR, value VARCHAR, rule_id VARCHAR,
    message VARCHAR, hint VARCHAR, zone_id VARCHAR);
-- a site made before these were kept: its findings read as standing alone, one cell each
ALTER TABLE site_findings ADD COLUMN IF NOT EXISTS caused_by VARCHAR;
ALTER TABLE site_findings ADD COLUMN IF NOT EXISTS "rows" VARCHAR;
ALTER TABLE site_findings ADD COLUMN IF NOT EXISTS "count" BIGINT DEFAULT 1;
"""
_FINDING_COLUMNS = tuple(f.name for f in fields(Finding))


@dataclass(frozen=True)
class Submission:
    submission_id: str
    year: int
    city: str  # "" : a department submission for the whole region
    dataset: str
    file: str  # the name as uploaded, for people; the bytes are kept under stored_as
    sha256: str
    stored_as: str  # relative to the root: submissions/<sha256>.<ext>
    size_bytes: int
    submitted_by: str
    submitted_at: dt.datetime  # Beijing time
    rows: int
    critical: int
    warning: int
    status: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def when(self) -> str:
        return self.submitted_at.strftime("%Y-%m-%d %H:%M:%S")

    def provenance(self) -> dict[str, str]:
        """What the inbox's submissions.json and the reports say of it."""
        return {"submission_id": self.submission_id, "city": self.city, "dataset": self.dataset,
                "file": self.file, "sha256": self.sha256, "submitted_by": self.submitted_by,
                "submitted_at": self.when}


def status_of(findings: list[Finding]) -> str:
    worst = max_severity(findings)
    return {Severity.CRITICAL: STATUS_CRITICAL, Severity.WARNING: STATUS_WARNING}.get(
        worst, STATUS_CLEAN) if worst else STATUS_CLEAN


class SubmissionStore:
    """The site's submissions under `root`; one lock, short connections (the yearly run may
    open the same warehouse file between two requests)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db = root / WAREHOUSE_FILE
        self.files = root / FILES_DIR
        self._lock = threading.RLock()
        with self._lock, connect(self.db) as con:
            con.execute(_SCHEMA)

    def keep_file(self, data: bytes, suffix: str) -> tuple[str, Path]:
        """Store the bytes under their SHA-256 (once: the same file uploaded again is the same
        file); returns (sha256, path)."""
        sha = sha256_bytes(data)
        self.files.mkdir(parents=True, exist_ok=True)
        path = self.files / f"{sha}{suffix}"
        if not path.exists():
            tmp = self.files / f".{sha}.{os.getpid()}.{threading.get_ident()}.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, path)
        return sha, path

    def path_of(self, submission: Submission) -> Path:
        return self.root / submission.stored_as

    def record(self, *, year: int, city: str, dataset: str, file: str, sha256: str,
               stored: Path, submitted_by: str, submitted_at: dt.datetime, rows: int,
               findings: list[Finding]) -> Submission:
        with self._lock, connect(self.db) as con:
            con.begin()
            try:
                (count,) = con.execute("SELECT count(*) FROM site_submissions").fetchone()
                sid = f"S{count + 1:06d}"
                critical = sum(f.severity is Severity.CRITICAL for f in findings)
                sub = Submission(sid, year, city, dataset, file, sha256,
                                 stored.relative_to(self.root).as_posix(), stored.stat().st_size,
                                 submitted_by, submitted_at.replace(tzinfo=None), rows, critical,
                                 len(findings) - critical, status_of(findings))
                con.execute("INSERT INTO site_submissions VALUES "
                            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [sub.submission_id, sub.year, sub.city, sub.dataset, sub.file,
                             sub.sha256, sub.stored_as, sub.size_bytes, sub.submitted_by,
                             sub.submitted_at, sub.rows, sub.critical, sub.warning, sub.status])
                frame = findings_frame(findings).select(
                    pl.lit(sid).alias("submission_id"), pl.all())
                con.register("incoming", frame)
                con.execute("INSERT INTO site_findings BY NAME SELECT * FROM incoming")
                con.unregister("incoming")
                con.commit()
            except Exception:
                con.rollback()
                raise
        return sub

    def _submissions(self, where: str, params: list) -> list[Submission]:
        with self._lock, connect(self.db) as con:
            rows = con.execute(
                "SELECT submission_id, year, city, dataset, file, sha256, stored_as, size_bytes, "
                "submitted_by, submitted_at, rows, critical, warning, status "
                f"FROM site_submissions WHERE {where} ORDER BY submission_id", params).fetchall()
        return [Submission(*row) for row in rows]

    def get(self, submission_id: str) -> Submission | None:
        found = self._submissions("submission_id = ?", [submission_id])
        return found[0] if found else None

    def for_year(self, year: int) -> list[Submission]:
        """Every submission of the assessment year, oldest first."""
        return self._submissions("year = ?", [year])

    def findings(self, submission_id: str) -> list[Finding]:
        """The submission's findings, in the order they were recorded (critical first)."""
        with self._lock, connect(self.db) as con:
            rows = con.execute(
                "SELECT " + ", ".join(f'"{c}"' for c in _FINDING_COLUMNS) +
                " FROM site_findings WHERE submission_id = ? ORDER BY rowid",
                [submission_id]).fetchall()
        found = []
        for row in rows:
            values = dict(zip(_FINDING_COLUMNS, row, strict=True))
            values["severity"] = Severity(values["severity"])
            values = {k: ("" if v is None and k not in ("row", "count") else v)
                      for k, v in values.items()}
            values["count"] = values["count"] or 1
            found.append(Finding(**values))
        return found
