"""The DuckDB warehouse: per-run rows replaced on re-run, and a ledger that outlives input files."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from flows.cli import main as etdz
from flows.ingest.folder import ingest_folder
from flows.publication import releases, warehouse
from flows.settings import DEMO_DATA_DIR, PROJECT_ROOT, Configs, ExitStatus
from tests.helpers import DEMO_REPORT_DATE, DEMO_YEAR, copy_publication, run_etdz, tmpfs
from transforms.compute import compute_year
from transforms.rewards import granted_rewards

REPEATED_USCC = "91450700MA0002037H"  # introduced in GY-2024-001 (paid) and again in GY-2025-001


def record(path: Path, run_id: str, year: int, data: Path, ledger: pl.DataFrame | None = None
           ) -> pl.DataFrame:
    """Compute `year` on `data` as the flow does and record it; returns the rewards."""
    configs = Configs.load(None, None)
    ingested = ingest_folder(data)
    results = compute_year(ingested.frames, configs.policy, configs.methodology, year, ledger)
    granted = granted_rewards(results.rewards,
                                        ingested.frames["supplier_introductions"])
    warehouse.record_run(path, {"run_id": run_id, "year": year, "status": "published"},
                         ingested.frames, {"rewards": results.rewards},
                         warehouse.findings_frame([]), granted)
    return results.rewards


def drop_case(data: Path, case_id: str) -> None:
    path = data / "supplier_introductions.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    row = next(r[0].row for r in sheet.iter_rows() if r[0].value == case_id)
    sheet.delete_rows(row)
    book.save(path)


def test_a_one_time_reward_is_not_paid_again_when_the_input_loses_its_history(
    tmp_path: Path
) -> None:
    db = tmp_path / "wh.duckdb"
    rewards_2024 = record(db, "run-2024", 2024, DEMO_DATA_DIR)
    paid = rewards_2024.filter(pl.col("subject_id") == "GY-2024-001")["reward_cny"].item()
    assert paid == Decimal("650000.00")

    # The 2025 submission no longer carries the 2024 case.
    data = tmp_path / "data-2025"
    shutil.copytree(DEMO_DATA_DIR, data)
    drop_case(data, "GY-2024-001")
    without_ledger = compute_year(ingest_folder(data).frames, *_configs(), 2025).rewards
    claim = without_ledger.filter(pl.col("subject_id") == "GY-2025-001").row(0, named=True)
    assert claim["reward_cny"] > 0  # from the files alone it would be paid twice

    ledger = warehouse.read_ledger(db, 2025)
    assert ledger.filter(pl.col("introduced_uscc") == REPEATED_USCC)["case_id"].to_list() == [
        "GY-2024-001"]
    rewards_2025 = record(db, "run-2025", 2025, data, ledger)
    claim = rewards_2025.filter(pl.col("subject_id") == "GY-2025-001").row(0, named=True)
    assert claim["reward_cny"] == 0
    assert "2024 年" in claim["explanation"] and "GY-2024-001" in claim["explanation"]

    # A re-run of 2025 reads the same ledger (its own grants are not "earlier") and replaces
    # its rows instead of adding to them.
    assert warehouse.read_ledger(db, 2025).equals(ledger)
    counts = _counts(db)
    record(db, "run-2025", 2025, data, warehouse.read_ledger(db, 2025))
    assert _counts(db) == counts


def _configs() -> tuple:
    configs = Configs.load(None, None)
    return configs.policy, configs.methodology


def _counts(db: Path) -> dict[str, int]:
    tables = warehouse.query(db, "SELECT table_name FROM duckdb_tables()")["table_name"]
    return {t: warehouse.query(db, f'SELECT count(*) AS n FROM "{t}"')["n"].item()
            for t in tables}


def test_the_flow_records_each_run_once(published_demo: Path, tmp_path: Path) -> None:
    out = copy_publication(published_demo, tmp_path / "out")
    db = out / "warehouse.duckdb"
    runs = warehouse.query(db, "SELECT run_id, year, status FROM runs")
    assert runs.rows() == [(runs["run_id"][0], DEMO_YEAR, "published")]
    run_id = runs["run_id"][0]
    for table in ("input_zone_stats", "result_targets", "result_rewards", "reward_ledger"):
        assert warehouse.query(db, f"SELECT count(*) AS n FROM {table} WHERE run_id = ?",
                               [run_id])["n"].item() > 0, table
    before = _counts(db)

    assert etdz(["assess", "--data", str(DEMO_DATA_DIR), "--year", str(DEMO_YEAR),
                 "--out", str(out), "--report-date", DEMO_REPORT_DATE]) == 0
    assert _counts(db) == before  # same inputs, same run id: rows replaced, not duplicated


# ---------------------------------------------------------------------------------------------
# The warehouse agrees with the publication in force, wherever a run was killed

HOLD = """
import sys, time
import duckdb
con = duckdb.connect(sys.argv[1])  # read-write, as the duckdb command line opens a file
print("open", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""

# A run that dies, as under kill -9 or a power cut, right after recording itself in the
# warehouse and before its publication becomes current.
KILLED_BEFORE_PUBLISHING = """
import os, signal, sys
import flows.publication.releases as releases
releases.publish = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
from flows.cli import main
sys.exit(main(sys.argv[1:]))
"""


def record_pending(db: Path, out: Path, run_id: str, data: Path = DEMO_DATA_DIR,
                   year: int = DEMO_YEAR) -> pl.DataFrame:
    """As the flow records a run before its switch; returns the grants it would make."""
    configs = Configs.load(None, None)
    ingested = ingest_folder(data)
    results = compute_year(ingested.frames, configs.policy, configs.methodology, year)
    granted = granted_rewards(results.rewards, ingested.frames["supplier_introductions"])
    row = warehouse.pending_row({"run_id": run_id, "year": year, "status": "published"}, out)
    warehouse.record_run(db, row, ingested.frames, {"rewards": results.rewards},
                         warehouse.findings_frame([]), granted)
    return granted


def statuses(db: Path) -> dict[str, str]:
    return dict(warehouse.query(db, "SELECT run_id, status FROM runs").rows())


def ledger_runs(db: Path, year: int = DEMO_YEAR) -> set[str]:
    return set(warehouse.query(db, "SELECT DISTINCT run_id FROM reward_ledger WHERE year = ?",
                               [year])["run_id"])


def release(out: Path, run_id: str) -> None:
    staging = releases.new_staging(out, run_id)
    (staging / "manifest.json").write_text("{}\n", encoding="utf-8")
    releases.publish_release(staging, out, run_id)


def test_a_pending_run_counts_only_once_its_switch_is_confirmed(tmp_path: Path) -> None:
    db, out = tmp_path / "wh.duckdb", tmp_path / "out"
    granted = record_pending(db, out, "run-a", year=2024)
    assert granted.height > 0
    assert statuses(db) == {"run-a": "pending"}
    assert warehouse.read_ledger(db, 2025).height == 0  # not yet what later years read
    assert warehouse.confirm_run(db, "run-a") == "published"
    assert statuses(db) == {"run-a": "published"}
    assert warehouse.read_ledger(db, 2025).height == granted.height
    assert warehouse.query(db, "SELECT count(*) AS n FROM reward_ledger_pending")["n"].item() == 0


def test_the_next_run_settles_runs_killed_before_and_after_their_switch(tmp_path: Path) -> None:
    db, out, other = tmp_path / "wh.duckdb", tmp_path / "out", tmp_path / "elsewhere"
    record_pending(db, out, "run-a")
    release(out, "run-a")
    warehouse.confirm_run(db, "run-a")
    # killed between recording and publishing: the warehouse holds a pending run ...
    record_pending(db, out, "run-b")
    record_pending(db, other, "run-x")  # ... and another folder's run is still going
    assert warehouse.reconcile(db, out, releases.current_run_id(out)) == {"run-b": "abandoned"}
    assert statuses(db) == {"run-a": "published", "run-b": "abandoned", "run-x": "pending"}
    assert ledger_runs(db) == {"run-a"}  # the ledger later years read is the one in force

    # killed after the switch, before confirming it: the release in force is that run's
    record_pending(db, out, "run-c")
    release(out, "run-c")
    assert warehouse.reconcile(db, out, releases.current_run_id(out)) == {"run-c": "published"}
    assert statuses(db)["run-c"] == "published" and ledger_runs(db) == {"run-c"}
    assert warehouse.reconcile(db, out, "run-c") == {}  # nothing left to settle


def test_a_run_killed_between_recording_and_publishing(
        published_demo: Path, tmp_path: Path, prefect_api_env: dict[str, str]) -> None:
    out = copy_publication(published_demo, tmp_path / "out")
    db = out / "warehouse.duckdb"
    published = warehouse.query(db, "SELECT run_id FROM runs")["run_id"].item()
    ledger_before = warehouse.query(db, "SELECT * FROM reward_ledger ORDER BY ALL")
    # Other inputs (a case dropped): another run id and other grants than the published ones.
    data = tmp_path / "data"
    shutil.copytree(DEMO_DATA_DIR, data)
    drop_case(data, "GY-2025-001")
    log = tmp_path / "killed.log"
    args = ["assess", "--data", str(data), "--year", str(DEMO_YEAR), "--out", str(out),
            "--report-date", DEMO_REPORT_DATE]
    killed = subprocess.run([sys.executable, "-c", KILLED_BEFORE_PUBLISHING, *args],
                            cwd=PROJECT_ROOT, env=prefect_api_env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, timeout=600)
    assert killed.returncode == -signal.SIGKILL, log.read_text()[-3000:]
    pending = {r: s for r, s in statuses(db).items() if s == "pending"}
    assert len(pending) == 1 and published not in pending  # recorded, never published
    assert os.readlink(out / "current").endswith(published)

    assert etdz(["assess", "--data", str(DEMO_DATA_DIR), "--year", str(DEMO_YEAR),
                 "--out", str(out), "--report-date", DEMO_REPORT_DATE]) == 0
    assert statuses(db) == {published: "published", **{r: "abandoned" for r in pending}}
    assert warehouse.query(db, "SELECT * FROM reward_ledger ORDER BY ALL").equals(ledger_before)


def test_a_reader_holding_the_warehouse_delays_a_run_instead_of_failing_it(
        published_demo: Path, tmp_path: Path, prefect_api_env: dict[str, str]) -> None:
    out = copy_publication(published_demo, tmp_path / "out")
    db = out / "warehouse.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db), "20"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        started = time.monotonic()
        code, printed, took = run_etdz(
            ["assess", "--data", str(DEMO_DATA_DIR), "--year", str(DEMO_YEAR), "--out",
             str(out), "--report-date", DEMO_REPORT_DATE], tmp_path / "held.log",
            prefect_api_env)
        released = holder.wait(timeout=60)
    finally:
        holder.kill()
    assert code == ExitStatus.OK and released == 0, printed[-3000:]
    assert f"注意：数据仓库 {db} 正被进程 {holder.pid}打开；本次运行照常进行" in printed
    assert f"数据仓库 {db} 正被进程 {holder.pid}打开，等待其关闭" in printed
    assert time.monotonic() - started >= 15  # it did wait for the reader
    assert list(statuses(db).values()) == ["published"]


def test_a_reader_that_keeps_the_warehouse_stops_the_run_with_status_3(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    warehouse.record_run(db, {"run_id": "r", "year": 2025, "status": "published"}, {}, {},
                         warehouse.findings_frame([]), None)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db), "30"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        started = time.monotonic()
        with pytest.raises(warehouse.WarehouseBusy) as busy:
            warehouse.open_connection(db, wait=1)
        assert 1 <= time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()
    assert busy.value.status == ExitStatus.USAGE
    assert str(busy.value).startswith(f"数据仓库 {db} 被进程 {holder.pid}占用超过 1 秒，本次运行未写入也未发布")


def test_a_full_disk_names_the_warehouse_file_and_what_ran_out(tmp_path: Path) -> None:
    big = pl.DataFrame({"zone_id": [f"GX-{i:06d}-" * 4 for i in range(200_000)]})
    with tmpfs("600k") as small:
        db = small / "warehouse.duckdb"
        with pytest.raises(warehouse.WarehouseError) as failed:
            warehouse.record_run(db, {"run_id": "r", "year": 2025, "status": "published"},
                                 {"zones": big}, {}, warehouse.findings_frame([]), None)
    message = str(failed.value)
    assert message.startswith(f"写入 {db} 失败：磁盘空间不足（剩余 ") and "no transaction" not in message
    assert failed.value.status == ExitStatus.USAGE
