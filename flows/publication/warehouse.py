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
It holds, per assessment year, the grants of the latest run published for that year: a corrected
re-run of a year replaces that year's grants instead of adding to them.

A run is recorded before its publication becomes current, as ``pending`` with its grants in
``reward_ledger_pending``; the switch is confirmed right after it (``confirm_run``: the status
becomes ``published`` or ``blocked`` and the grants move into the ledger). A run killed in
between is settled by the next run on the same output folder (``reconcile``): confirmed if its
release is the one in force, ``abandoned`` otherwise, so what the warehouse calls published and
the ledger later years read are exactly what was published.

Another program holding the file open (a DuckDB client, say) delays a run instead of failing
it: opening waits, saying so, up to ``ETDZ_WAREHOUSE_WAIT_SECONDS`` (600 by default).
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from flows.reporting.run_info import RunInfo
from flows.settings import OperatorError
from transforms.findings import Finding, summarise
from transforms.rewards import LEDGER_COLUMNS

DEFAULT_FILE = "warehouse.duckdb"
PENDING_LEDGER = "reward_ledger_pending"
DEFAULT_WAIT_SECONDS = 600.0
# DuckDB's words when another process holds the file: "... Conflicting lock is held in
# /usr/bin/python3 (PID 1234) ..."
_LOCK_HELD = re.compile(r"Could not set lock on file(?:.*?\(PID (\d+)\))?", re.S)

log = logging.getLogger("etdz.warehouse")


class WarehouseBusy(OperatorError):
    """Another program kept the warehouse open for longer than a run waits."""


class WarehouseError(OperatorError):
    """The warehouse could not be opened or written (a full disk, no permission, not DuckDB)."""


def lock_holder(error: BaseException) -> str | None:
    """The process holding the warehouse ("进程 1234"), when `error` is DuckDB's lock conflict."""
    match = _LOCK_HELD.search(str(error))
    if match is None:
        return None
    return f"进程 {match.group(1)}" if match.group(1) else "另一个程序"


def wait_seconds() -> float:
    return float(os.environ.get("ETDZ_WAREHOUSE_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))


def describe_write_error(path: Path, error: BaseException) -> str:
    """What ran out or what was refused, for a failed write to `path`, in Chinese."""
    text = str(error)
    code = getattr(error, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT) or "No space left" in text or "Disk quota" in text:
        try:
            free = shutil.disk_usage(path.parent if not path.is_dir() else path).free
            left = f"（剩余 {free / 2**20:.1f} MB）"
        except OSError:
            left = ""
        return f"写入 {path} 失败：磁盘空间不足{left}；请清理该磁盘或换一个输出位置后重跑"
    if code == errno.EROFS or "Read-only file system" in text:
        return f"写入 {path} 失败：所在文件系统是只读的；请换一个可写的位置后重跑"
    if code == errno.EACCES or "Permission denied" in text:
        return f"写入 {path} 失败：没有写入权限；请换一个可写的位置，或请管理员开放权限后重跑"
    return f"写入 {path} 失败：{text}"


def warehouse_path(out_dir: Path, configured: str | None = None) -> Path:
    """--warehouse, else ETDZ_WAREHOUSE, else beside the publication it describes."""
    chosen = configured or os.environ.get("ETDZ_WAREHOUSE")
    return Path(chosen) if chosen else out_dir / DEFAULT_FILE


def open_connection(path: Path, read_only: bool = False,
                    wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse; while another program holds the file, wait (saying so
    once) up to `wait` seconds, then stop with a message naming the file and the holder."""
    wait = wait_seconds() if wait is None else wait
    deadline: float | None = None
    while True:
        try:
            if not read_only:
                path.parent.mkdir(parents=True, exist_ok=True)
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            holder = lock_holder(exc)
            if holder is None:
                raise WarehouseError(describe_write_error(path, exc)) from exc
            if deadline is None:
                deadline = time.monotonic() + wait
                if wait > 0:
                    log.warning("数据仓库 %s 正被%s打开，等待其关闭（最多 %.0f 秒）……请关闭查询该"
                                "文件的程序（如 duckdb 命令行）", path, holder, wait)
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"数据仓库 {path} 被{holder}占用超过 {wait:.0f} 秒，本次运行未写入也未发布；"
                    "请关闭查询该文件的程序后重跑（需要长时间查询时，可先复制一份再查）") from exc
            time.sleep(min(1.0, max(deadline - time.monotonic(), 0.05)))
        except OSError as exc:
            raise WarehouseError(describe_write_error(path, exc)) from exc


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_connection(path, read_only)
    try:
        yield con
    finally:
        try:
            con.close()
        except duckdb.Error:  # after a failed write (a full disk) closing can fail too
            pass


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
        try:
            con.unregister("incoming")
        except duckdb.Error:  # after a failed write the transaction is aborted: keep its cause
            pass


def run_row(run: RunInfo, year: int, findings: list[Finding], status: str) -> dict[str, Any]:
    """The runs table's row: which run, of which year, with what verdict (published / blocked)."""
    return {"run_id": run.run_id, "year": year, "official": run.official,
            "report_date": run.report_date, "code_version": run.code_version,
            "policy_version": run.policy_version,
            "methodology_version": run.methodology_version,
            "validation": summarise(findings), "status": status}


def pending_row(row: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """The row recorded before the switch: pending, with the status the switch will confirm
    and the output folder whose switch it waits for (a warehouse may serve several)."""
    return {**row, "status": "pending", "intended_status": row["status"],
            "out_dir": str(out_dir.resolve())}


def findings_frame(findings: list[Finding]) -> pl.DataFrame:
    """The fix list as a frame: one row per finding, every field of it (a grouped finding's
    rows and count, a follow-on finding's cause), severity as its value."""
    schema = {f.name: pl.Int64 if f.name in ("row", "count") else pl.String
              for f in fields(Finding)}
    rows = [{k: (getattr(f, k).value if k == "severity" else getattr(f, k)) for k in schema}
            for f in findings]
    return pl.DataFrame(rows, schema=schema)


def record_run(path: Path, run: dict[str, Any], inputs: dict[str, pl.DataFrame],
               results: dict[str, pl.DataFrame], findings: pl.DataFrame,
               ledger: pl.DataFrame | None) -> None:
    """Everything one run accepted and produced, in one transaction. A pending run's grants
    wait in reward_ledger_pending until confirm_run; any other status writes the ledger now."""
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
            if ledger is not None and run.get("status") == "pending":
                _replace(con, PENDING_LEDGER,
                         _storable(ledger.cast(LEDGER_COLUMNS), run_id),  # type: ignore[arg-type]
                         "run_id = ?", [run_id])
            elif ledger is not None:
                # The year's grants are those of its latest run: replace by year, not run id.
                _replace(con, "reward_ledger",
                         _storable(ledger.cast(LEDGER_COLUMNS), run_id),  # type: ignore[arg-type]
                         "year = ?", [year])
            con.commit()
        except Exception as exc:
            _rollback(con)
            raise _named(path, exc) from exc


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.rollback()
    except duckdb.Error:
        # A failed write (a full disk) has already ended the transaction; DuckDB would answer
        # "no transaction is active" and hide the real cause.
        pass


def _named(path: Path, exc: Exception) -> Exception:
    """DuckDB's I/O errors as a message naming the file and what ran out; others unchanged.
    The cause may sit behind a later error ("Current transaction is aborted")."""
    if isinstance(exc, OperatorError):
        return exc
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, duckdb.IOException | OSError):
            return WarehouseError(describe_write_error(path, cause))
        cause = cause.__cause__ or cause.__context__
    return exc


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SHOW TABLES").fetchall()}


def _confirm(con: duckdb.DuckDBPyConnection, run_id: str) -> str | None:
    """Inside a transaction: a pending run's status becomes the intended one, and a published
    run's grants replace its year's in the ledger. Returns the new status (None: not pending)."""
    row = con.execute("SELECT year, intended_status FROM runs WHERE run_id = ? AND status = "
                      "'pending'", [run_id]).fetchone()
    if row is None:
        return None
    year, intended = row
    tables = _tables(con)
    if intended == "published" and PENDING_LEDGER in tables:
        grants = con.sql(f'SELECT * FROM "{PENDING_LEDGER}" WHERE run_id = ?',
                         params=[run_id]).pl().drop("run_id")
        _replace(con, "reward_ledger",
                 _storable(grants.cast(LEDGER_COLUMNS), run_id),  # type: ignore[arg-type]
                 "year = ?", [year])
    if PENDING_LEDGER in tables:
        con.execute(f'DELETE FROM "{PENDING_LEDGER}" WHERE run_id = ?', [run_id])
    con.execute("UPDATE runs SET status = intended_status WHERE run_id = ?", [run_id])
    return str(intended)


def confirm_run(path: Path, run_id: str) -> str | None:
    """After the switch: the run is what it was recorded to become, and its grants count."""
    with connect(path) as con:
        con.begin()
        try:
            status = _confirm(con, run_id)
            con.commit()
            return status
        except Exception as exc:
            _rollback(con)
            raise _named(path, exc) from exc


def reconcile(path: Path, out_dir: Path, current_run_id: str | None) -> dict[str, str]:
    """Settle the runs of `out_dir` that were killed between recording and confirming: the
    one whose release is in force was published (confirmed now), any other never was
    (abandoned, its grants dropped). Call while holding the output folder's lock. Returns
    run id -> the status it got."""
    if not path.exists():
        return {}
    settled: dict[str, str] = {}
    with connect(path) as con:
        tables = _tables(con)
        if "runs" not in tables or "out_dir" not in {
                r[0] for r in con.execute('DESCRIBE "runs"').fetchall()}:
            return {}
        pending = [r[0] for r in con.execute(
            "SELECT run_id FROM runs WHERE status = 'pending' AND out_dir = ? ORDER BY run_id",
            [str(out_dir.resolve())]).fetchall()]
        for run_id in pending:
            con.begin()
            try:
                if run_id == current_run_id:
                    settled[run_id] = _confirm(con, run_id) or "published"
                else:
                    con.execute("UPDATE runs SET status = 'abandoned' WHERE run_id = ?",
                                [run_id])
                    if PENDING_LEDGER in tables:
                        con.execute(f'DELETE FROM "{PENDING_LEDGER}" WHERE run_id = ?',
                                    [run_id])
                    settled[run_id] = "abandoned"
                con.commit()
            except Exception as exc:
                _rollback(con)
                raise _named(path, exc) from exc
    return settled


def read_ledger(path: Path, before_year: int) -> pl.DataFrame:
    """Rewards granted for assessment years before `before_year` (empty if none recorded yet).

    The year being assessed is left out so that re-running it reads the same ledger as the
    first run did: a run never sees its own grants as "already paid".
    """
    empty = pl.DataFrame(schema=LEDGER_COLUMNS)
    if not path.exists():
        return empty
    with connect(path) as con:
        tables = _tables(con)
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
    con = open_connection(path, read_only=True)
    try:
        # DuckDB 2.0: execute() returns the connection, which has no .pl(); a relation has.
        return con.sql(sql, params=params or None).pl()
    finally:
        con.close()
