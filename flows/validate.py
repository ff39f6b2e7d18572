"""Validate the ingested frames with Great Expectations and turn every failing row into a Finding.

Suites live in expectations/suites.py (data); this module runs them:
1. a required dataset that was not submitted is one finding for the whole file;
2. each submitted frame is validated against its dataset suite;
3. rules that need joins (zone registry, USCC check digit, city totals ...) are computed as
   boolean columns on one derived frame stacking all datasets' rows, validated by the
   cross-dataset suite.
Each failing row becomes one Finding pointing at file, sheet, row and column; ingest already
reported cells it could not parse (they arrive as null), so type errors are not repeated here.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from expectations import suites as specs
from expectations.messages_zh import (
    BOOL_TEXT,
    KEY_JOINER,
    VALUE_WITH_OTHER,
    VALUE_WITH_ZONE_TOTAL,
)
from flows.findings import Finding, Severity, sort_findings, write_fix_list
from flows.ingest import IngestResult
from transforms import quality
from transforms.contract import (
    DATASETS,
    SOURCE_COLUMNS,
    SOURCE_FILE,
    SOURCE_ROW,
    SOURCE_SHEET,
    Column,
    Kind,
)

if TYPE_CHECKING:
    import pandas as pd

# Position of a row in the frame validate() received; GE hands it back for every failing row.
ROW_INDEX = "_row_index"
# Position of a row in the cross-dataset frame, to read the rule's detail text.
CROSS_ROW = "_cross_row"
CROSS_DATASET = "_dataset"


def _detail_column(rule_id: str) -> str:
    return "detail__" + rule_id.replace(".", "__")


# ---------------------------------------------------------------------------------------------
# entry points


def validate(frames: dict[str, pl.DataFrame]) -> list[Finding]:
    """All findings for the submitted frames (ingest shape), in fix-list order."""
    findings = _missing_dataset_findings(frames)
    present = {name: frames[name] for name in DATASETS if name in frames}

    gx = _import_great_expectations()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # tqdm bars would flood the nightly log
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("ingested")

    for name, frame in present.items():
        indexed = frame.with_row_index(ROW_INDEX)
        suite = _applicable(specs.dataset_suite(name), indexed.columns)
        result = _run_suite(gx, context, source, name, suite, indexed.to_pandas())
        findings += _findings_from_result(result, present, None)

    cross = build_cross_frame(present)
    if cross is not None:
        suite = _applicable(specs.cross_suite(), cross.columns)
        result = _run_suite(gx, context, source, specs.CROSS_SUITE, suite, cross.to_pandas())
        findings += _findings_from_result(result, present, cross)

    return sort_findings(findings)


def summarise(findings: list[Finding]) -> dict[str, Any]:
    """Counts for the report header: total, by severity, by dataset and severity, by rule."""
    by_dataset: dict[str, dict[str, int]] = {}
    for f in findings:
        counts = by_dataset.setdefault(f.dataset, {s.value: 0 for s in Severity})
        counts[f.severity.value] += 1
    by_severity = Counter(f.severity.value for f in findings)
    return {
        "total": len(findings),
        "by_severity": {s.value: by_severity.get(s.value, 0) for s in Severity},
        "by_dataset": dict(sorted(by_dataset.items())),
        "by_rule": dict(sorted(Counter(f.rule_id for f in findings).items())),
        "blocking": by_severity.get(Severity.CRITICAL.value, 0) > 0,
    }


def validate_step(ingested: IngestResult) -> list[Finding]:
    """Ingest's findings plus the expectations'; one finding per cell.

    A cell ingest could not read is null afterwards, so an expectation on that column fails
    too; staff should see the first, specific reason only.
    """
    seen = {(f.file, f.sheet, f.row, f.column) for f in ingested.findings if f.column}
    later = [f for f in validate(ingested.frames)
             if not f.column or (f.file, f.sheet, f.row, f.column) not in seen]
    return sort_findings(ingested.findings + later)


def write_validation(findings: list[Finding], out_dir: Path) -> list[Path]:
    """validation/fix_list.csv for staff and summary.json for the nightly history."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fix_list = out_dir / "fix_list.csv"
    write_fix_list(findings, fix_list)
    summary = out_dir / "summary.json"
    summary.write_text(json.dumps(summarise(findings), ensure_ascii=False, indent=2,
                                  sort_keys=True) + "\n", encoding="utf-8")
    return [fix_list, summary]


# ---------------------------------------------------------------------------------------------
# Great Expectations plumbing


def _import_great_expectations() -> Any:
    # Nothing may leave the machine: GE 1.24 ships no telemetry client, and this keeps any
    # future one off. Imported here because the import alone costs seconds.
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx

    # GE announces every temporary docs folder at INFO; set after import because Prefect's
    # logging setup may have reset the level since settings.py first set it.
    # GE pins one module's logger to INFO itself (data_context/types/base.py), so name it too.
    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return gx


def _expectation_columns(kwargs: dict[str, Any]) -> list[str]:
    cols = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return cols + list(kwargs.get("column_list", []))


def _applicable(suite: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """Drop expectations on columns the frame lacks: an absent optional column (or cross rule
    whose inputs were not submitted) has nothing to check; an absent required column is
    ingest's finding."""
    present = set(columns)
    kept = [e for e in suite["expectations"] if set(_expectation_columns(e["kwargs"])) <= present]
    return {**suite, "expectations": kept}


def _run_suite(
    gx: Any, context: Any, source: Any, name: str, suite: dict[str, Any], frame: pd.DataFrame
) -> Any:
    asset = source.add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe(name).get_batch(
        batch_parameters={"dataframe": frame}
    )
    index_columns = [ROW_INDEX, *SOURCE_COLUMNS]
    if CROSS_ROW in frame.columns:
        index_columns.append(CROSS_ROW)
    elif "zone_id" in frame.columns:
        index_columns.append("zone_id")
    # batch.validate rather than a stored ValidationDefinition: nothing here is reused, and the
    # context's stores serialise every suite added to them (about 10% of the run time)
    return batch.validate(
        gx.ExpectationSuite(**suite),
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": index_columns},
    )


def _raised(exception_info: Any) -> str | None:
    """GE reports an exception either flat or keyed by metric; return its message if any."""
    if not exception_info:
        return None
    infos = [exception_info] if "raised_exception" in exception_info else exception_info.values()
    for info in infos:
        if isinstance(info, dict) and info.get("raised_exception"):
            return str(info.get("exception_message") or "error")
    return None


def _findings_from_result(
    result: Any, frames: dict[str, pl.DataFrame], cross: pl.DataFrame | None
) -> list[Finding]:
    findings: list[Finding] = []
    for r in result.results:
        config = r.expectation_config
        meta = config.meta
        severity = Severity(getattr(config.severity, "value", config.severity))
        dataset: str = meta["dataset"]
        frame = frames[dataset]
        error = _raised(r.exception_info)
        if error is not None:
            findings.append(_whole_file_finding(frame, meta, Severity.CRITICAL, error, error=True))
            continue
        if r.success:
            continue
        index_list = r.result.get("unexpected_index_list")
        if not index_list:
            # failure without row keys (should not happen for these expectation types)
            count = r.result.get("unexpected_count", "")
            findings.append(_whole_file_finding(frame, meta, severity, str(count)))
            continue
        for keys in index_list:
            row_index = int(keys[ROW_INDEX])
            detail = None
            if cross is not None:
                detail_col = _detail_column(meta["rule_id"])
                if detail_col in cross.columns:
                    detail = cross[int(keys[CROSS_ROW]), detail_col]
            findings.append(_row_finding(frame, row_index, meta, severity, detail))
    return findings


# ---------------------------------------------------------------------------------------------
# findings


def _row_finding(
    frame: pl.DataFrame,
    row_index: int,
    meta: dict[str, Any],
    severity: Severity,
    detail: str | None,
) -> Finding:
    dataset = DATASETS[meta["dataset"]]
    row = frame.row(row_index, named=True)
    if detail is not None:
        value = detail
    else:
        value = KEY_JOINER.join(
            _value_text(dataset.column(c), row.get(c)) for c in meta["column"].split(KEY_JOINER)
        )
        other = meta.get("other_column")
        if other:
            other_col = dataset.column(other)
            value = VALUE_WITH_OTHER.format(
                value=value,
                other_label=other_col.short_label,
                other_value=_value_text(other_col, row.get(other)),
            )
    return Finding(
        severity=severity,
        dataset=dataset.name,
        file=row[SOURCE_FILE] or "",
        sheet=row[SOURCE_SHEET] or "",
        row=row[SOURCE_ROW],
        column=meta["column"],
        column_label=meta["column_label"],
        value=value,
        rule_id=meta["rule_id"],
        message=meta["message"],
        hint=meta["hint"],
        zone_id=row.get("zone_id") or "",
    )


def _whole_file_finding(
    frame: pl.DataFrame, meta: dict[str, Any], severity: Severity, value: str, error: bool = False
) -> Finding:
    message, hint = specs.check_error_texts() if error else (meta["message"], meta["hint"])
    files = frame[SOURCE_FILE].unique().sort().to_list() if SOURCE_FILE in frame.columns else []
    return Finding(
        severity=severity,
        dataset=meta["dataset"],
        file=files[0] if files else "",
        sheet="",
        row=None,
        column=meta["column"],
        column_label=meta["column_label"],
        value=value,
        rule_id=meta["rule_id"],
        message=message,
        hint=hint,
    )


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


def _plain_decimal(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _value_text(col: Column, value: Any) -> str:
    """The value as data staff typed it: money back in the unit of their header (亿元, 万美元)."""
    if value is None:
        return ""
    if col.kind is Kind.MONEY:
        return _plain_decimal(Decimal(value) / col.unit_factor)
    if isinstance(value, bool):
        return BOOL_TEXT[value]
    if isinstance(value, Decimal):
        return _plain_decimal(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------------------------------------
# cross-dataset rules: one boolean per row (null where the rule does not apply)

def _city_covers_zones(
    frames: dict[str, pl.DataFrame], column: str
) -> tuple[pl.Series, pl.Series] | None:
    """city_stats.<column> >= the sum over the zones of that city (by zones.city) and year."""
    joined = quality.city_zone_sums(frames, column)
    if joined is None:
        return None
    col = DATASETS["city_stats"].column(column)
    verdicts: list[bool | None] = []
    details: list[str | None] = []
    for city_value, zones_sum, zones_n in joined.select(column, "zones_sum", "zones_n").iter_rows():
        if city_value is None or not zones_n:
            verdicts.append(None)
            details.append(None)
            continue
        verdicts.append(city_value >= zones_sum)
        details.append(
            VALUE_WITH_ZONE_TOTAL.format(
                value=_value_text(col, city_value), total=_value_text(col, zones_sum)
            )
        )
    return pl.Series(verdicts, dtype=pl.Boolean), pl.Series(details, dtype=pl.String)


def _cross_checks(
    frames: dict[str, pl.DataFrame], rule: specs.CrossRule
) -> tuple[pl.Series, pl.Series | None] | None:
    """The verdict (and optional value text) of one cross rule for each row of its dataset,
    or None when the datasets it needs were not submitted."""
    if rule.dataset not in frames:
        return None
    frame = frames[rule.dataset]
    verdict: pl.Series | None
    if rule.kind == "zone_registered":
        verdict = quality.zone_registered(frames, rule.dataset)
    elif rule.kind == "ranked_total_consistent":
        verdict = quality.ranked_total_consistent(frame)
    elif rule.kind == "uscc_check_digit":
        verdict = quality.uscc_valid(frame, rule.column)
    elif rule.kind == "exchange_rate_available":
        verdict = quality.exchange_rate_available(frames)
    elif rule.kind == "city_covers_zones":
        return _city_covers_zones(frames, rule.column)
    elif rule.kind == "base_year_present":
        verdict = quality.base_year_present(frames, specs.BASE_YEAR)
    else:  # pragma: no cover - a rule added to the suite without its computation
        raise ValueError(f"no computation for cross rule {rule.rule_id}")
    return None if verdict is None else (verdict, None)


def build_cross_frame(frames: dict[str, pl.DataFrame]) -> pl.DataFrame | None:
    """All rows that some cross rule applies to, stacked: source columns, zone_id, the row's
    position in its own frame, and one check__/detail__ column per rule."""
    parts: dict[str, pl.DataFrame] = {}
    for rule in specs.CROSS_RULES:
        computed = _cross_checks(frames, rule)
        if computed is None:
            continue
        verdict, detail = computed
        if rule.dataset not in parts:
            frame = frames[rule.dataset]
            zone_id = pl.col("zone_id") if "zone_id" in frame.columns else pl.lit(None, pl.String)
            parts[rule.dataset] = frame.with_row_index(ROW_INDEX).select(
                pl.lit(rule.dataset).alias(CROSS_DATASET),
                ROW_INDEX,
                *SOURCE_COLUMNS,
                zone_id.cast(pl.String).alias("zone_id"),
            )
        columns = [verdict.alias(specs.check_column(rule.rule_id))]
        if detail is not None:
            columns.append(detail.alias(_detail_column(rule.rule_id)))
        parts[rule.dataset] = parts[rule.dataset].with_columns(columns)
    if not parts:
        return None
    return pl.concat(list(parts.values()), how="diagonal_relaxed").with_row_index(CROSS_ROW)
