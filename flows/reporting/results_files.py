"""results/: one CSV per result table, and the same tables in one workbook for staff in Excel."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from flows.files import neutralise_frame
from flows.reporting.run_info import RunInfo
from flows.reporting.workbook import write_assessment_workbook
from transforms.policy import PolicyConfig
from transforms.results import RESULT_FILES, Results


def csv_text(frame: pl.DataFrame) -> str:
    """A result table as CSV: the one writer and precision for the published files and the
    copies attached inside the PDFs, so both are byte for byte the same rows. Text that a
    spreadsheet would evaluate is neutralised (flows/files.py); numbers stay numbers."""
    return neutralise_frame(frame).write_csv(float_precision=6)


def write_results(results: Results, staging: Path, run: RunInfo, policy: PolicyConfig
                  ) -> list[Path]:
    out = staging / "results"
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in RESULT_FILES:
        path = out / f"{name}.csv"
        path.write_text(csv_text(getattr(results, name)), encoding="utf-8")
        paths.append(path)
    # The same tables for staff who work in Excel; `run` puts the run id and date on its cover.
    # `policy` lets the workbook print each target's figure beside its threshold exactly.
    paths.append(write_assessment_workbook(results, out / "assessment.xlsx", run, policy))
    return paths
