"""The warehouse: an embedded DuckDB file that remembers every run (I/O only, no rules).

Tables (every one carries ``run_id``; a run's rows are replaced, never duplicated, when the same
run is recorded again):

| table | one row per |
|---|---|
| ``runs`` | run: year, official, report date, versions, status, validation summary (JSON) |
| ``input_<dataset>`` | accepted input row of that run, as validated (plus ``run_id``) |
| ``result_<name>`` | row of results/<name>.csv of that run |
| ``validation_findings`` | finding of that run (the fix list) |
| ``reward_ledger`` | reward granted (amount > 0): year, zone, rule, subject, introduced USCC |
| ``deliveries`` | e-mail sent or failed after that run |

The ledger is what makes a one-time reward one-time across years: the input files are what
zones submit this year and may lose older cases; the ledger keeps what was actually granted.
It holds, per assessment year, the grants of the latest run recorded for that year: a corrected
re-run of a year replaces that year's grants instead of adding to them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from flows.reporting.run_info import RunInfo
from transforms.findings import Finding, summarise
from transforms.rewards import LEDGER_COLUMNS

DEFAULT_FILE = "warehouse.duckdb"


def warehouse_path(out_dir: Path, configured: str | None = None) -> Path:
    """--warehouse, else ETDZ_WAREHOUSE, else beside the publication it describes."""
    chosen = configured or os.environ.get("ETDZ_WAREHOUSE")
    return Path(chosen) if chosen else out_dir / DEFAULT_FILE


@contextmanager
def connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        yield con
    finally:
        con.close()


def _storable(df: pl.DataFrame, run_id: str) -> pl.DataFrame:
    """Prefix run_id; all-null and object columns become text (DuckDB has no NULL column type)."""
    fixes = [pl.col(c).cast(pl.String) for c, t in df.schema.items()
             if t == pl.Null or t == pl.Object]
    df = df.with_columns(fixes) if fixes else df
    return df.select(pl.lit(run_id).alias("run_id"), pl.exclude("run_id"))


def _replace(con: duckdb.DuckDBPyConnection, table: str, df: pl.DataFrame, where: str,
             params: list[Any]) -> None:
    """Delete the rows `where` matches, then insert `df`; the table grows new columns as needed."""
    con.register("incoming", df)
    try:
        con.execute(f'CREATE TABLE IF NOT EXISTS "{table}" AS SELECT * FROM incoming LIMIT 0')
        have = {row[0] for row in con.execute(f'DESCRIBE "{table}"').fetchall()}
        for name, dtype, *_ in con.execute("DESCRIBE incoming").fetchall():
            if name not in have:
                con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {dtype}')
        con.execute(f'DELETE FROM "{table}" WHERE {where}', params)
        if df.height:
            con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM incoming')
    finally:
        con.unregister("incoming")


def run_row(run: RunInfo, year: int, findings: list[Finding], status: str) -> dict[str, Any]:
    """The runs table's row: which run, of which year, with what verdict (published / blocked)."""
    return {"run_id": run.run_id, "year": year, "official": run.official,
            "report_date": run.report_date, "code_version": run.code_version,
            "policy_version": run.policy_version,
            "methodology_version": run.methodology_version,
            "validation": summarise(findings), "status": status}


def findings_frame(findings: list[Finding]) -> pl.DataFrame:
    """The fix list as a frame (one row per finding; severity as its value)."""
    schema = {"severity": pl.String, "dataset": pl.String, "file": pl.String,
              "sheet": pl.String, "row": pl.Int64, "column": pl.String,
              "column_label": pl.String, "value": pl.String, "rule_id": pl.String,
              "message": pl.String, "hint": pl.String, "zone_id": pl.String}
    rows = [{k: (getattr(f, k).value if k == "severity" else getattr(f, k, None))
             for k in schema} for f in findings]
    return pl.DataFrame(rows, schema=schema)


def record_run(path: Path, run: dict[str, Any], inputs: dict[str, pl.DataFrame],
               results: dict[str, pl.DataFrame], findings: pl.DataFrame,
               ledger: pl.DataFrame | None) -> None:
    """Everything one run accepted and produced, in one transaction."""
    run_id, year = run["run_id"], run["year"]
    meta = pl.DataFrame([{**{k: v for k, v in run.items() if k != "validation"},
                          "validation": json.dumps(run.get("validation", {}),
                                                   ensure_ascii=False, sort_keys=True),
                          "recorded_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)}])
    with connect(path) as con:
        con.begin()
        try:
            _replace(con, "runs", _storable(meta, run_id), "run_id = ?", [run_id])
            for name, frame in inputs.items():
                _replace(con, f"input_{name}", _storable(frame, run_id), "run_id = ?", [run_id])
            for name, frame in results.items():
                _replace(con, f"result_{name}", _storable(frame, run_id), "run_id = ?", [run_id])
            _replace(con, "validation_findings", _storable(findings, run_id), "run_id = ?",
                     [run_id])
            if ledger is not None:
                # The year's grants are those of its latest run: replace by year, not run id.
                _replace(con, "reward_ledger",
                         _storable(ledger.cast(LEDGER_COLUMNS), run_id),  # type: ignore[arg-type]
                         "year = ?", [year])
            con.commit()
        except Exception:
            con.rollback()
            raise


def read_ledger(path: Path, before_year: int) -> pl.DataFrame:
    """Rewards granted for assessment years before `before_year` (empty if none recorded yet).

    The year being assessed is left out so that re-running it reads the same ledger as the
    first run did: a run never sees its own grants as "already paid".
    """
    empty = pl.DataFrame(schema=LEDGER_COLUMNS)
    if not path.exists():
        return empty
    with connect(path) as con:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        if "reward_ledger" not in tables:
            return empty
        rows = con.sql(
            "SELECT year, zone_id, rule, subject_id, introduced_uscc, case_id, reward_cny "
            "FROM reward_ledger WHERE year < ? ORDER BY year, rule, subject_id",
            params=[before_year]).pl()
    return rows.cast(LEDGER_COLUMNS)  # type: ignore[arg-type]


def record_deliveries(path: Path, run_id: str, deliveries: list[dict[str, Any]]) -> None:
    if not deliveries:
        return
    frame = pl.DataFrame([{**d, "to": ", ".join(d["to"]),
                           "attachments": ", ".join(d["attachments"])} for d in deliveries])
    with connect(path) as con:
        # Appended, not replaced: each attempt to deliver is a fact worth keeping.
        con.register("incoming", _storable(frame, run_id))
        try:
            con.execute("CREATE TABLE IF NOT EXISTS deliveries AS SELECT * FROM incoming LIMIT 0")
            con.execute("INSERT INTO deliveries BY NAME SELECT * FROM incoming")
        finally:
            con.unregister("incoming")


def query(path: Path, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
    """Read-only look-ups for tests and staff (e.g. `SELECT * FROM runs`)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        # DuckDB 2.0: execute() returns the connection, which has no .pl(); a relation has.
        return con.sql(sql, params=params or None).pl()
    finally:
        con.close()
