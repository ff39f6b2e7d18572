"""Running Great Expectations: the suites of expectations/ on frames, failures into findings.

GE's import costs 8-10 s on this hardware, so it is imported in the background as a run starts
(`preload_great_expectations`) and only the columns a suite reads are handed to it. Each failing
row becomes one Finding pointing at file, sheet, row and column, read back from the Polars frame
by the row's position; a rule failing on more than GROUP_AFTER rows becomes one finding listing
its first rows and the count. GE gives the verdict and the count of failing rows; which rows
they are is read from the same frame with the expectation's condition in Polars, checked
against GE's count (GE's own row list costs about 100 µs a failing row and a dict each: hours
and gigabytes for two million garbage rows). Where the two counts differ, GE is asked again for
that expectation's first rows (`rerun`).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import polars as pl

from expectations import suites as specs
from expectations.messages_zh import KEY_JOINER, VALUE_WITH_OTHER
from transforms.contract import DATASETS, SOURCE_FILE, SOURCE_ROW, SOURCE_SHEET
from transforms.findings import (
    GROUP_AFTER,
    ROWS_LISTED,
    Finding,
    Severity,
    listed_or_grouped,
    quote,
)
from transforms.formatting import value_text

if TYPE_CHECKING:
    import pandas as pd

# Position of a row in the frame validated; GE hands it back for every failing row.
ROW_INDEX = "_row_index"
# Position of a row in the cross-dataset frame, to read the rule's detail text.
CROSS_ROW = "_cross_row"
CROSS_DATASET = "_dataset"
# Failing rows GE lists per expectation: enough to list ROWS_LISTED after dropping the rows whose
# cells ingest already reported as unreadable.
PARTIAL = 4 * ROWS_LISTED
NOT_NULL = "expect_column_values_to_not_be_null"


def detail_column(rule_id: str) -> str:
    """The cross frame's column holding a failing row's value text for one rule."""
    return "detail__" + rule_id.replace(".", "__")


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
        _preload = threading.Thread(target=import_great_expectations, name="preload-gx",
                                    daemon=True)
        _preload.start()


def import_great_expectations() -> Any:
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


def expectation_columns(kwargs: dict[str, Any]) -> list[str]:
    cols = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return cols + list(kwargs.get("column_list", []))


def applicable(suite: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """Drop expectations on columns the frame lacks: an absent optional column (or cross rule
    whose inputs were not submitted) has nothing to check; an absent required column is
    ingest's finding."""
    present = set(columns)
    kept = [e for e in suite["expectations"] if set(expectation_columns(e["kwargs"])) <= present]
    return {**suite, "expectations": kept}


def ge_frame(frame: pl.DataFrame, suite: dict[str, Any]) -> pd.DataFrame:
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
        wanted += expectation_columns(exp["kwargs"])
        for column in expectation_columns(exp["kwargs"]):
            found = bounds.setdefault(column, set())
            found.update(exp["kwargs"].get(k) for k in ("min_value", "max_value"))
    columns = [c for c in dict.fromkeys(wanted) if c in frame.columns]
    as_float = [c for c in columns if isinstance(frame.schema[c], pl.Decimal)
                and bounds.get(c, set()) <= {0, None}]
    # A nullable Boolean (the cross frame's verdicts) reaches pandas as Python objects, which GE
    # filters and compares one by one, for each rule, over all stacked rows; as Float32 (1 / 0,
    # NaN) it is vectorised and half the bytes: the national-scale cross suite of 70 rules took
    # 15.8 s instead of 61.7 s. The cross suite expects the value 1 (suites.PASSES).
    as_number = [c for c in columns if frame.schema[c] == pl.Boolean]
    return frame.select(columns).with_columns(pl.col(as_float).cast(pl.Float64),
                                              pl.col(as_number).cast(pl.Float32)).to_pandas()


def run_suite(
    gx: Any, context: Any, source: Any, name: str, suite: dict[str, Any], frame: pd.DataFrame,
    with_rows: bool = False,
) -> Any:
    asset = source.add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe(name).get_batch(
        batch_parameters={"dataframe": frame}
    )
    # The frame's own row position is what findings are built from (findings_from_result reads
    # file, sheet and values back from the Polars frame); the source row and zone make GE's
    # Data Docs readable. File and sheet names are left out: hashing them cost seconds.
    index_columns = [ROW_INDEX, SOURCE_ROW]
    if CROSS_ROW in frame.columns:
        index_columns.append(CROSS_ROW)
    elif "zone_id" in frame.columns:
        index_columns.append("zone_id")
    # batch.validate rather than a stored ValidationDefinition: nothing here is reused, and the
    # context's stores serialise every suite added to them (about 10% of the run time)
    result_format: dict[str, Any] = {"result_format": "SUMMARY",
                                     "partial_unexpected_count": PARTIAL}
    if with_rows:
        result_format["unexpected_index_column_names"] = index_columns
    return batch.validate(gx.ExpectationSuite(**suite), result_format=result_format)


def unexpected_mask(frame: pl.DataFrame, type_: str, kwargs: dict[str, Any]) -> pl.Series | None:
    """The rows an expectation finds unexpected, by its own condition in Polars; None for an
    expectation type not spelled out here (GE then lists the rows itself)."""
    columns = expectation_columns(kwargs)
    if not columns or any(c not in frame.columns for c in columns):
        return None
    c = pl.col(columns[0])
    if type_ == NOT_NULL:
        mask = c.is_null()
    elif type_ == "expect_column_values_to_be_between":
        ok = pl.lit(True)
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if low is not None:
            ok = ok & ((c > low) if kwargs.get("strict_min") else (c >= low))
        if high is not None:
            ok = ok & ((c < high) if kwargs.get("strict_max") else (c <= high))
        mask = c.is_not_null() & ~ok
    elif type_ == "expect_column_values_to_be_unique":
        mask = c.is_not_null() & c.is_duplicated()
    elif type_ == "expect_column_values_to_match_regex":
        mask = c.is_not_null() & ~c.cast(pl.String).str.contains(kwargs["regex"])
    elif type_ == "expect_column_values_to_not_match_regex":
        mask = c.is_not_null() & c.cast(pl.String).str.contains(kwargs["regex"])
    elif type_ == "expect_column_values_to_be_in_set":
        if frame.schema[columns[0]] == pl.Boolean:  # verdicts reach GE as numbers (ge_frame)
            c = c.cast(pl.Int8)
        mask = c.is_not_null() & ~c.is_in(list(kwargs["value_set"]))
    elif (type_ == "expect_compound_columns_to_be_unique"
          and kwargs.get("ignore_row_if") == "any_value_is_missing"):
        present = pl.all_horizontal([pl.col(x).is_not_null() for x in columns])
        mask = present & pl.struct(columns).is_duplicated()
    elif (type_ == "expect_column_pair_values_a_to_be_greater_than_b"
          and kwargs.get("ignore_row_if") == "either_value_is_missing"):
        a, b = pl.col(kwargs["column_A"]), pl.col(kwargs["column_B"])
        ok = (a >= b) if kwargs.get("or_equal") else (a > b)
        mask = a.is_not_null() & b.is_not_null() & ~ok
    else:
        return None
    return frame.select(mask.fill_null(False).alias("unexpected"))["unexpected"]


def _raised(exception_info: Any) -> str | None:
    """GE reports an exception either flat or keyed by metric; return its message if any."""
    if not exception_info:
        return None
    infos = [exception_info] if "raised_exception" in exception_info else exception_info.values()
    for info in infos:
        if isinstance(info, dict) and info.get("raised_exception"):
            return str(info.get("exception_message") or "error")
    return None


def findings_from_result(
    result: Any, frames: dict[str, pl.DataFrame], cross: pl.DataFrame | None,
    unread: dict[str, pl.DataFrame] | None = None, checked: pl.DataFrame | None = None,
    rerun: Callable[[dict[str, Any]], Any] | None = None,
) -> list[Finding]:
    """Findings for each failed expectation of `result`, run on `checked` (the Polars frame
    handed to GE: a dataset's rows with ROW_INDEX, or the cross frame). A row whose cell ingest
    could not read (`unread`: it reported it, and the cell is empty now) is left out: staff
    should see the first, specific reason only."""
    unread = unread or {}
    findings: list[Finding] = []
    for r in result.results:
        config = r.expectation_config
        meta = config.meta
        severity = Severity(getattr(config.severity, "value", config.severity))
        dataset: str = meta["dataset"]
        frame = frames[dataset]
        error = _raised(r.exception_info)
        if error is not None:
            findings.append(whole_file_finding(frame, meta, Severity.CRITICAL, error, error=True))
            continue
        if r.success:
            continue
        count = int(r.result.get("unexpected_count") or 0)
        lost = _unread_mask(unread.get(dataset), meta["column"], frame.height)
        mask = (unexpected_mask(checked, config.type, dict(config.kwargs))
                if checked is not None else None)
        if mask is not None and int(mask.sum()) == count:
            keys = checked.filter(mask).select(  # type: ignore[union-attr]
                [c for c in (ROW_INDEX, CROSS_ROW) if c in checked.columns])  # type: ignore[union-attr]
            if lost is not None:
                keys = keys.filter(~lost.gather(keys[ROW_INDEX]))
            total, listed = keys.height, keys.head(ROWS_LISTED).to_dicts()
        else:
            # Without index column names GE lists its pandas positions, plain integers, or
            # nothing: only the rows keyed by our own row columns can be read back.
            if rerun is not None and not _keyed(r.result.get("partial_unexpected_index_list")):
                r = rerun(config.to_json_dict())
            index_list = [keys for keys in r.result.get("partial_unexpected_index_list") or []
                          if isinstance(keys, dict)]
            if not index_list:
                # failure without row keys (should not happen for these expectation types)
                findings.append(whole_file_finding(frame, meta, severity, str(count)))
                continue
            listed = [keys for keys in index_list
                      if lost is None or not lost[int(keys[ROW_INDEX])]]
            if count <= len(index_list):
                total = len(listed)
            else:
                # Beyond the rows listed only the count is known: a not-null rule also counted
                # every cell ingest emptied.
                total = count - (int(lost.sum()) if lost is not None and config.type == NOT_NULL
                                 else 0)
                if not listed and total > 0 and config.type == NOT_NULL:
                    listed = _null_rows(frame, meta["column"], lost)
        if total <= 0 or not listed:
            continue
        made = []
        for keys in listed[:ROWS_LISTED if total > GROUP_AFTER else GROUP_AFTER]:
            row_index = int(keys[ROW_INDEX])
            detail = None
            if cross is not None:
                detail_col = detail_column(meta["rule_id"])
                if detail_col in cross.columns:
                    detail = cross[int(keys[CROSS_ROW]), detail_col]
            made.append(_row_finding(frame, row_index, meta, severity, detail))
        findings += listed_or_grouped(made, total)
    return findings


def _keyed(index_list: Any) -> bool:
    return bool(index_list) and all(isinstance(keys, dict) for keys in index_list)


def _unread_mask(unread: pl.DataFrame | None, column: str, height: int) -> pl.Series | None:
    """Rows where any of the finding's columns could not be read by ingest."""
    if unread is None or unread.height != height:
        return None
    names = [c for c in column.split(KEY_JOINER) if c in unread.columns]
    if not names:
        return None
    return unread.select(pl.any_horizontal(names).alias("lost"))["lost"]


def _null_rows(frame: pl.DataFrame, column: str, lost: pl.Series | None
               ) -> list[dict[str, int]]:
    """The first rows whose cell is empty but was not emptied by ingest (genuinely blank)."""
    mask = frame[column].is_null()
    if lost is not None:
        mask = mask & ~lost
    positions = mask.arg_true().head(ROWS_LISTED).to_list()
    return [{ROW_INDEX: int(i)} for i in positions]


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
            quote(value_text(dataset.column(c), row.get(c)))
            for c in meta["column"].split(KEY_JOINER)
        )
        other = meta.get("other_column")
        if other:
            other_col = dataset.column(other)
            value = VALUE_WITH_OTHER.format(
                value=value,
                other_label=other_col.short_label,
                other_value=quote(value_text(other_col, row.get(other))),
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


def whole_file_finding(
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
