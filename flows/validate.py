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

import hashlib
import json
import logging
import os
import re
import sys
import threading
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
    VALUE_WITH_PREVIOUS,
    VALUE_WITH_ZONE_TOTAL,
)
from flows.findings import Finding, Severity, max_severity, sort_findings
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


# Position of a row in the frame validate() received; GE hands it back for every failing row.
ROW_INDEX = "_row_index"
# Position of a row in the cross-dataset frame, to read the rule's detail text.
CROSS_ROW = "_cross_row"
CROSS_DATASET = "_dataset"


def _detail_column(rule_id: str) -> str:
    return "detail__" + rule_id.replace(".", "__")


# ---------------------------------------------------------------------------------------------
# entry points


def load_plausibility(path: Path | None = None) -> quality.Plausibility:
    """config/validation.toml (the year-on-year bands and the 10^4 unit-jump ratio)."""
    import tomllib

    from flows.settings import CONFIG_DIR

    path = path or CONFIG_DIR / "validation.toml"
    return quality.Plausibility.from_mapping(tomllib.loads(path.read_text(encoding="utf-8")))


def validate(
    frames: dict[str, pl.DataFrame], plausibility: quality.Plausibility | None = None
) -> list[Finding]:
    """All findings for the submitted frames (ingest shape), in fix-list order.

    `plausibility` defaults to config/validation.toml."""
    plausibility = plausibility or load_plausibility()
    findings = _missing_dataset_findings(frames)
    present = {name: frames[name] for name in DATASETS if name in frames}

    gx = _import_great_expectations()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # tqdm bars would flood the nightly log
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("ingested")

    runs: list[tuple[dict[str, Any], Any]] = []
    for name, frame in present.items():
        key = (name, _frame_fingerprint(frame))
        if key not in _DATASET_RUNS:
            indexed = frame.with_row_index(ROW_INDEX)
            suite = _applicable(specs.dataset_suite(name), indexed.columns)
            result = _run_suite(gx, context, source, name, suite, _ge_frame(indexed, suite))
            if len(_DATASET_RUNS) >= _DATASET_RUNS_MAX:
                _DATASET_RUNS.clear()
            _DATASET_RUNS[key] = ((suite, result), _findings_from_result(result, present, None))
        run, dataset_findings = _DATASET_RUNS[key]
        runs.append(run)
        findings += dataset_findings

    cross = build_cross_frame(present, plausibility)
    if cross is not None:
        suite = _applicable(specs.cross_suite(plausibility), cross.columns)
        result = _run_suite(gx, context, source, specs.CROSS_SUITE, suite,
                            _ge_frame(cross, suite))
        runs.append((suite, result))
        findings += _findings_from_result(result, present, cross)

    return FindingList(sort_findings(findings), runs, _zone_names(present))


# A dataset suite's outcome depends on its own frame only (cross rules run every time), so a
# warm process (`etdz validate --watch`) re-runs only the suites of files that changed: GE
# spends about 20 ms planning each expectation whatever the data size, most of a pass.
_DATASET_RUNS: dict[tuple[str, tuple[int, ...]], tuple[tuple[dict[str, Any], Any], list[Finding]]] = {}
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
    # A column missing from the header is one finding, not one "required" per row below it.
    absent = {(f.file, f.column) for f in ingested.findings
              if f.rule_id == "ingest.missing_column"}
    validated = validate(ingested.frames)
    later = [f for f in validated
             if not f.column or ((f.file, f.sheet, f.row, f.column) not in seen
                                 and not any((f.file, c) in absent
                                             for c in f.column.split(KEY_JOINER)))]
    return FindingList(sort_findings(ingested.findings + later), getattr(validated, "ge_runs", []),
                       getattr(validated, "zone_names", {}))


def write_validation(
    findings: list[Finding], out_dir: Path, data_docs: bool = True, **fix_list_options: Any
) -> list[Path]:
    """Everything under validation/: the fix list as CSV, HTML and Excel for staff,
    summary.json for the nightly history, and Great Expectations' Data Docs (data_docs/) when
    the findings carry GE's results. `fix_list_options` go to flows.fix_list.write_all
    (statuses and resolved findings, from the nightly comparison)."""
    from flows import fix_list

    out_dir.mkdir(parents=True, exist_ok=True)
    fix_list_options.setdefault("zone_names", getattr(findings, "zone_names", {}))
    paths = fix_list.write_all(findings, out_dir, **fix_list_options)
    summary = out_dir / "summary.json"
    summary.write_text(json.dumps(summarise(findings), ensure_ascii=False, indent=2,
                                  sort_keys=True) + "\n", encoding="utf-8")
    paths.append(summary)
    runs = getattr(findings, "ge_runs", [])
    if data_docs and runs:
        paths.append(build_data_docs(runs, out_dir / "data_docs"))
    return paths


# A fixed run time: Data Docs put it in folder names, and identical inputs must give identical
# outputs (the manifest hashes them).
_DOCS_RUN_TIME = (2000, 1, 1)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CACHE_BUSTER = re.compile(r"\?d=\d{8}T\d{6}\.\d{6}Z")


def build_data_docs(runs: list[tuple[dict[str, Any], Any]], docs_dir: Path) -> Path:
    """GE's own HTML (suites and validation results) under docs_dir, built offline.

    Its pages load Bootstrap and fonts from CDNs, so they are for technical staff; the fix list
    is the page data staff use. Random element ids and build timestamps in the pages are
    replaced by stable ones so that a rerun gives the same bytes.
    """
    import datetime as dt
    import shutil

    gx = _import_great_expectations()
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    shutil.rmtree(docs_dir, ignore_errors=True)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.add_data_docs_site(
        site_name="etdz",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir.resolve()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    run_id = RunIdentifier(
        run_name="etdz", run_time=dt.datetime(*_DOCS_RUN_TIME, tzinfo=dt.UTC)
    )
    for suite, result in runs:
        context.suites.add(gx.ExpectationSuite(**suite))
        # load times and fingerprints would change the pages on every run
        result.meta = {"great_expectations_version": result.meta.get("great_expectations_version")}
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite["name"]),
            run_id=run_id,
            batch_identifier=suite["name"],
        )
        context.validation_results_store.set(key, result)
    context.build_data_docs(site_names=["etdz"])
    for page in sorted(docs_dir.rglob("*.html")):
        page.write_text(_stable_html(page.read_text(encoding="utf-8")), encoding="utf-8")
    return docs_dir / "index.html"


def _stable_html(text: str) -> str:
    ids: dict[str, str] = {}

    def stable_id(m: re.Match[str]) -> str:
        return ids.setdefault(m.group(0), f"00000000-0000-0000-0000-{len(ids):012d}")

    return _UUID.sub(stable_id, _CACHE_BUSTER.sub("", text))


# ---------------------------------------------------------------------------------------------
# Great Expectations plumbing


_preload: threading.Thread | None = None


def preload_great_expectations() -> None:
    """Start importing Great Expectations in a background thread.

    The import costs 8-10 s on this hardware, and a run spends its first seconds waiting
    anyway: for Prefect's temporary API server (a separate process) and reading files (Polars,
    outside the GIL). Called where a run starts, so validation finds GE already loaded.
    Importing in a thread is safe here: Prefect and Polars are imported first, so the two
    threads do not contend for the same modules' import locks in opposite orders.
    """
    global _preload
    if _preload is None and "great_expectations" not in sys.modules:
        _preload = threading.Thread(target=_import_great_expectations, name="preload-gx",
                                    daemon=True)
        _preload.start()


def _import_great_expectations() -> Any:
    # Nothing may leave the machine: GE 1.24 ships no telemetry client, and this keeps any
    # future one off. Imported here because the import alone costs seconds.
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    preload = _preload
    if preload is not None and preload is not threading.current_thread():
        preload.join()  # one importer at a time: no half-initialised modules
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


def _ge_frame(frame: pl.DataFrame, suite: dict[str, Any]) -> pd.DataFrame:
    """The pandas frame GE validates: only the columns the suite reads and the row keys.

    At national scale this is what keeps validation in seconds and memory in bounds: GE hashes
    every batch (pandas' hash_pandas_object over every column) and the cross frame's detail
    texts, read back from the Polars frame for failing rows only, would double its size.
    Money is Decimal, which pandas holds as Python objects that GE compares one by one; where
    every bound of the suite on a column is 0 (non-negative, positive), Float64 gives the same
    verdict exactly (a decimal's sign survives the conversion), vectorised.
    """
    wanted = [ROW_INDEX, SOURCE_ROW, CROSS_ROW]
    bounds: dict[str, set[Any]] = {}
    for exp in suite["expectations"]:
        wanted += _expectation_columns(exp["kwargs"])
        for column in _expectation_columns(exp["kwargs"]):
            found = bounds.setdefault(column, set())
            found.update(exp["kwargs"].get(k) for k in ("min_value", "max_value"))
    columns = [c for c in dict.fromkeys(wanted) if c in frame.columns]
    as_float = [c for c in columns if isinstance(frame.schema[c], pl.Decimal)
                and bounds.get(c, set()) <= {0, None}]
    return frame.select(columns).with_columns(pl.col(as_float).cast(pl.Float64)).to_pandas()


def _run_suite(
    gx: Any, context: Any, source: Any, name: str, suite: dict[str, Any], frame: pd.DataFrame
) -> Any:
    asset = source.add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe(name).get_batch(
        batch_parameters={"dataframe": frame}
    )
    # The frame's own row position is what findings are built from (flows/validate.py reads
    # file, sheet and values back from the Polars frame); the source row and zone make GE's
    # Data Docs readable. File and sheet names are left out: hashing them cost seconds.
    index_columns = [ROW_INDEX, SOURCE_ROW]
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


def _previous_year_details(
    dataset: str, frame: pl.DataFrame, column: str, neighbours: pl.DataFrame, verdict: pl.Series
) -> pl.Series:
    """"12345（2023年：1.2）": the value beside the one it was compared with, in staff's unit.

    Only failing rows (verdict False) become findings, so only they get the text: formatting
    every row cost seconds at national scale."""
    col = DATASETS[dataset].column(column)
    details: list[str | None] = [None] * frame.height
    failing = (verdict == False).fill_null(False).arg_true().to_list()  # noqa: E712 (a Series)
    values, previous, years = frame[column], neighbours["previous_exact"], neighbours["previous_year"]
    for i in failing:
        if years[i] is not None:
            details[i] = VALUE_WITH_PREVIOUS.format(
                value=_value_text(col, values[i]),
                previous_year=years[i],
                previous=_value_text(col, previous[i]),
            )
    return pl.Series(details, dtype=pl.String)


def _plausibility_checks(
    frames: dict[str, pl.DataFrame], rule: specs.CrossRule, config: quality.Plausibility
) -> tuple[pl.Series, pl.Series | None] | None:
    frame = frames[rule.dataset]
    if rule.column not in frame.columns:
        return None
    entity = quality.PLAUSIBILITY_KEYS[rule.dataset]
    neighbours = quality.previous_year_values(frame, entity, rule.column)
    jump_free = quality.unit_jump_free(
        neighbours, config.unit_jump_min_ratio, config.unit_jump_max_ratio
    )
    if rule.kind == "unit_jump":
        verdict = jump_free
    else:
        band = config.yoy_bands[(rule.dataset, rule.column)]
        # a money column with no unit-jump rule configured gets no "explained" exemption
        if rule.dataset not in config.unit_jump_datasets:
            jump_free = None
        verdict = quality.yoy_within_band(neighbours, band, jump_free)
    return verdict, _previous_year_details(rule.dataset, frame, rule.column, neighbours, verdict)


def _cross_checks(
    frames: dict[str, pl.DataFrame],
    rule: specs.CrossRule,
    config: quality.Plausibility | None = None,
) -> tuple[pl.Series, pl.Series | None] | None:
    """The verdict (and optional value text) of one cross rule for each row of its dataset,
    or None when the datasets it needs were not submitted."""
    if rule.dataset not in frames:
        return None
    frame = frames[rule.dataset]
    verdict: pl.Series | None
    if rule.kind in ("unit_jump", "yoy_band"):
        assert config is not None, "plausibility rules come from a config"
        return _plausibility_checks(frames, rule, config)
    if rule.kind == "zone_registered":
        verdict = quality.zone_registered(frames, rule.dataset)
    elif rule.kind == "ranked_total_consistent":
        verdict = quality.ranked_total_consistent(frame)
    elif rule.kind == "uscc_check_digit":
        verdict = quality.uscc_valid(frame, rule.column)
    elif rule.kind == "differs_from_other":
        assert rule.other is not None, "a differs_from_other rule names the other column"
        verdict = quality.values_differ(frame, rule.column, rule.other)
    elif rule.kind == "exchange_rate_available":
        verdict = quality.exchange_rate_available(frames)
    elif rule.kind == "city_covers_zones":
        return _city_covers_zones(frames, rule.column)
    elif rule.kind == "base_year_present":
        verdict = quality.base_year_present(frames, specs.BASE_YEAR)
    else:  # pragma: no cover - a rule added to the suite without its computation
        raise ValueError(f"no computation for cross rule {rule.rule_id}")
    return None if verdict is None else (verdict, None)


def build_cross_frame(
    frames: dict[str, pl.DataFrame], plausibility: quality.Plausibility | None = None
) -> pl.DataFrame | None:
    """All rows that some cross rule applies to, stacked: source columns, zone_id, the row's
    position in its own frame, and one check__/detail__ column per rule."""
    parts: dict[str, pl.DataFrame] = {}
    for rule in specs.cross_rules(plausibility):
        computed = _cross_checks(frames, rule, plausibility)
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


# ---------------------------------------------------------------------------------------------
# The console: `etdz validate` once, or `--watch` (warm) while staff fix their files

EXIT_OK, EXIT_WARNINGS, EXIT_CRITICAL = 0, 1, 2
SHOWN = 20  # findings printed per list; the rest are in the fix list


def exit_code(findings: list[Finding]) -> int:
    severity = max_severity(findings)
    if severity is Severity.CRITICAL:
        return EXIT_CRITICAL
    return EXIT_WARNINGS if severity is Severity.WARNING else EXIT_OK


def describe(f: Finding) -> str:
    """One line for the terminal: [严重] file[sheet] 第 n 行 “列”：说明 修改建议"""
    where = f.file + (f"[{f.sheet}]" if f.sheet else "") + (
        f" 第 {f.row} 行" if f.row else "") + (f" “{f.column_label}”" if f.column_label else "")
    value = f"（值：{f.value}）" if f.value and f.row else ""
    return f"[{f.severity.label}] {where}{value}：{f.message.rstrip('。')}。{f.hint}"


def _print_list(title: str, findings: list[Finding], out: Any) -> None:
    if not findings:
        return
    print(title, file=out)
    for f in findings[:SHOWN]:
        print("  " + describe(f), file=out)
    if len(findings) > SHOWN:
        print(f"  …… 其余 {len(findings) - SHOWN} 条见修改清单", file=out)


def validation_pass(
    data_dir: Path, out_dir: Path, out: Any = None, previous: list[Finding] | None = None
) -> list[Finding]:
    """Ingest, print ingest's findings at once (about a second), then run the expectations and
    write validation/; with `previous` (the pass before, in --watch) also print what was fixed,
    what is new and what is still open. Returns all findings."""
    import sys
    import time

    from flows.ingest import ingest_folder

    out = sys.stdout if out is None else out
    started = time.perf_counter()
    ingested = ingest_folder(data_dir)
    read_s = time.perf_counter() - started
    counts = summarise(ingested.findings)["by_severity"]
    print(f"读取 {len(ingested.files)} 个文件（{read_s:.1f} 秒）：读取阶段发现严重问题 "
          f"{counts['critical']} 条，警告 {counts['warning']} 条；正在逐项校验……", file=out, flush=True)
    _print_list("读取阶段的问题：", sort_findings(ingested.findings), out)
    findings = validate_step(ingested)
    # Data Docs (about 1.5 s) are for technical staff: built after the answer is printed
    write_validation(findings, out_dir, data_docs=False)
    ingest_keys = {id(f) for f in ingested.findings}
    counts = summarise(findings)["by_severity"]
    print(f"校验完成（共 {time.perf_counter() - started:.1f} 秒）：严重问题 {counts['critical']} 条，"
          f"警告 {counts['warning']} 条；修改清单：{out_dir / 'fix_list.html'}"
          f"（另有 fix_list.xlsx、fix_list.csv）", file=out, flush=True)
    _print_list("校验发现的问题：", [f for f in findings if id(f) not in ingest_keys], out)
    if previous is not None:
        _print_comparison(previous, findings, out)
    if getattr(findings, "ge_runs", None):
        build_data_docs(findings.ge_runs, out_dir / "data_docs")  # type: ignore[attr-defined]
    return findings


def _print_comparison(previous: list[Finding], findings: list[Finding], out: Any) -> None:
    from flows.fix_list import STATUS_NEW, compare, finding_key

    diff = compare(previous, findings)
    print(f"与上一次相比：已解决 {len(diff.resolved)} 条，新增 {diff.new} 条，"
          f"仍未解决 {diff.still_open} 条", file=out, flush=True)
    _print_list("已解决：", diff.resolved, out)
    _print_list("新增：", [f for f in findings if diff.statuses[finding_key(f)] == STATUS_NEW], out)


def _snapshot(data_dir: Path) -> dict[str, tuple[int, int]]:
    """Name -> (mtime_ns, size) of the folder's files: cheap to poll, no extra dependency."""
    snap = {}
    for p in data_dir.iterdir():
        try:
            if p.is_file():
                st = p.stat()
                snap[p.name] = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:  # removed between listing and stat (an editor's temp file)
            continue
    return snap


def watch(
    data_dir: Path,
    out_dir: Path,
    max_passes: int | None = None,
    interval: float = 1.0,
    out: Any = None,
) -> int:
    """Validate, then again each time a file in data_dir changes, with Great Expectations
    imported once; print what was fixed, what is new and what is still open since the pass
    before. Stops after max_passes (tests) or Ctrl+C; returns the last pass's exit code."""
    import sys
    import time

    # Great Expectations is imported by the first pass, after ingest's findings are printed,
    # and stays imported for the next ones.
    out = sys.stdout if out is None else out
    previous: list[Finding] | None = None
    passes = 0
    code = EXIT_OK
    try:
        while True:
            snapshot = _snapshot(data_dir)
            findings = validation_pass(data_dir, out_dir, out, previous)
            code = exit_code(findings)
            previous = findings
            passes += 1
            if max_passes is not None and passes >= max_passes:
                return code
            print(f"正在监视 {data_dir}，文件保存后自动重新校验（Ctrl+C 退出）……", file=out,
                  flush=True)
            last_seen = snapshot
            while True:
                time.sleep(interval)
                now = _snapshot(data_dir)
                # changed, and the same on two polls in a row: the save has finished
                if now != snapshot and now == last_seen:
                    break
                last_seen = now
    except KeyboardInterrupt:
        print("\n已停止监视。", file=out)
        return code
