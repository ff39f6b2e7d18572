"""The DuckDB warehouse: per-run rows replaced on re-run, and a ledger that outlives input files."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl

from flows.cli import main as etdz
from flows.ingest.folder import ingest_folder
from flows.publication import warehouse
from flows.settings import DEMO_DATA_DIR, Configs
from tests.helpers import DEMO_REPORT_DATE, DEMO_YEAR, copy_publication
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
