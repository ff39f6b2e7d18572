"""Validate the ingested frames: every required dataset present, each frame against its suite,
and the cross-dataset rules, into one list of findings in fix-list order.

1. a required dataset that was not submitted is one finding for the whole file;
2. each submitted frame is validated against its dataset suite (expectations/suites.py);
3. rules that need joins (zone registry, USCC check digit, city totals ...) are computed by
   transforms/quality.py as boolean columns on one derived frame stacking all datasets' rows
   (cross_frame.py), validated by the cross-dataset suite.
Ingest already reported cells it could not parse (they arrive as null), so type errors are not
repeated here. A problem in many rows of a column is one finding listing its first rows and the
count (transforms/findings.py bound_findings): the fix list stays readable and memory bounded.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from typing import Any

import polars as pl

from expectations import suites as specs
from expectations.messages_zh import KEY_JOINER
from flows.ingest.folder import IngestResult
from flows.settings import load_plausibility
from flows.validation.cross_frame import build_cross_frame
from flows.validation.ge_runner import (
    ROW_INDEX,
    applicable,
    findings_from_result,
    ge_frame,
    import_great_expectations,
    run_suite,
)
from transforms import quality
from transforms.contract import DATASETS
from transforms.findings import Finding, Severity, bound_findings, link_causes, sort_findings


class FindingList(list[Finding]):
    """The findings, plus what the fix list's other forms need: Great Expectations' suites and
    results (for Data Docs) and the zones' names (for grouping). Still a plain list to
    everything else."""

    def __init__(
        self,
        findings: Any = (),
        ge_runs: list[tuple[dict[str, Any], Any]] | None = None,
        zone_names: dict[str, str] | None = None,
    ) -> None:
        super().__init__(findings)
        self.ge_runs = ge_runs or []
        self.zone_names = zone_names or {}


def validate(
    frames: dict[str, pl.DataFrame], plausibility: quality.Plausibility | None = None,
    unread: dict[str, pl.DataFrame] | None = None,
) -> list[Finding]:
    """All findings for the submitted frames (ingest shape), in fix-list order.

    `plausibility` defaults to config/validation.toml; `unread` (IngestResult.unread) says
    which empty cells ingest already reported, so that a rule does not report them again."""
    plausibility = plausibility or load_plausibility()
    findings = _missing_dataset_findings(frames)
    present = {name: frames[name] for name in DATASETS if name in frames}

    gx = import_great_expectations()
    # GE's modules only after its import (seconds, in the background since the run started)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # tqdm bars would flood the nightly log
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("ingested")

    reruns = itertools.count(1)

    def rerun(name: str, checked: pl.DataFrame, suite: dict[str, Any]
              ) -> Callable[[dict[str, Any]], Any]:
        """GE again, on one expectation, listing its first failing rows itself."""
        def one(expectation: dict[str, Any]) -> Any:
            single = {**suite, "expectations": [expectation]}
            result = run_suite(gx, context, source, f"{name}-rows-{next(reruns)}", single,
                               ge_frame(checked, single), with_rows=True)
            return result.results[0]
        return one

    runs: list[tuple[dict[str, Any], Any]] = []
    for name, frame in present.items():
        key = (name, _frame_fingerprint(frame))
        indexed = frame.with_row_index(ROW_INDEX)
        suite = applicable(specs.dataset_suite(name), indexed.columns)
        if key not in _DATASET_RUNS:
            result = run_suite(gx, context, source, name, suite, ge_frame(indexed, suite))
            if len(_DATASET_RUNS) >= _DATASET_RUNS_MAX:
                _DATASET_RUNS.clear()
            _DATASET_RUNS[key] = (suite, result)
        run = _DATASET_RUNS[key]
        runs.append(run)
        findings += findings_from_result(run[1], present, None, unread, indexed,
                                         rerun(name, indexed, suite))

    cross = build_cross_frame(present, plausibility)
    if cross is not None:
        suite = applicable(specs.cross_suite(plausibility), cross.columns)
        result = run_suite(gx, context, source, specs.CROSS_SUITE, suite,
                            ge_frame(cross, suite))
        runs.append((suite, result))
        findings += findings_from_result(result, present, cross, unread, cross,
                                         rerun(specs.CROSS_SUITE, cross, suite))

    return FindingList(sort_findings(bound_findings(findings)), runs, _zone_names(present))


# A dataset suite's outcome depends on its own frame only (cross rules run every time), so a
# warm process (`etdz validate --watch`) re-runs only the suites of files that changed: GE
# spends about 20 ms planning each expectation whatever the data size, most of a pass.
_DATASET_RUNS: dict[tuple[str, tuple[int, str]], tuple[dict[str, Any], Any]] = {}
_DATASET_RUNS_MAX = 64


def _frame_fingerprint(frame: pl.DataFrame) -> tuple[int, str]:
    """The schema's hash and a digest of every row's hash, in order: equal for equal content
    (source file and row included), within one process."""
    schema = hash(tuple((name, str(dtype)) for name, dtype in frame.schema.items()))
    rows = frame.hash_rows(seed=0).to_numpy()
    return schema, hashlib.sha256(rows.tobytes()).hexdigest()


def _zone_names(frames: dict[str, pl.DataFrame]) -> dict[str, str]:
    if "zones" not in frames:
        return {}
    rows = frames["zones"].select("zone_id", "zone_name").drop_nulls().iter_rows()
    return {zone_id: name for zone_id, name in rows}


def validate_step(ingested: IngestResult) -> list[Finding]:
    """Ingest's findings plus the expectations'.

    A cell ingest could not read is null afterwards, so an expectation on that column fails
    too; staff should see the first, specific reason only (IngestResult.unread).
    """
    # A column missing from the header is one finding, not one "required" per row below it.
    absent = {(f.file, f.column) for f in ingested.findings
              if f.rule_id == "ingest.missing_column"}
    validated = validate(ingested.frames, unread=ingested.unread)
    later = [f for f in validated
             if not f.column or not any((f.file, c) in absent
                                        for c in f.column.split(KEY_JOINER))]
    # A column that could not be read makes other rules fail (a base year "missing" for every
    # zone when the year column is): those findings point at it and follow it in the fix list.
    linked = link_causes(ingested.findings + later, specs.rule_inputs(load_plausibility()))
    return FindingList(sort_findings(bound_findings(linked)), getattr(validated, "ge_runs", []),
                       getattr(validated, "zone_names", {}))


def _missing_dataset_findings(frames: dict[str, pl.DataFrame]) -> list[Finding]:
    findings = []
    for name, dataset in DATASETS.items():
        if dataset.required and name not in frames:
            message, hint = specs.dataset_missing_texts(name)
            findings.append(
                Finding(
                    severity=Severity.CRITICAL,
                    dataset=name,
                    file=f"{name}.csv/.xlsx",
                    sheet="",
                    row=None,
                    column="",
                    column_label="",
                    value="",
                    rule_id="dataset.missing",
                    message=message,
                    hint=hint,
                )
            )
    return findings
