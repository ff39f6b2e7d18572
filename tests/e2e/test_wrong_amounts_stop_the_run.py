"""The silently wrong submissions of the "never silently wrong" report, planted one at a time in
the demo data: each once changed an amount, a sanction or a taxable figure in a run stamped
正式 without a finding. Now the yearly run stops before computing (exit status 2), the fix list
names the cell, and the publication in force keeps the last good results.

Each case also shows what the mistake would have done had it been computed, so the planted data
is known to matter: compute_year on the ingested frames, without validation.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from flows.cli import main as etdz
from flows.ingest.folder import ingest_folder
from flows.settings import DEMO_DATA_DIR
from tests.helpers import DEMO_REPORT_DATE, DEMO_YEAR, configs, copy_publication
from transforms.compute import compute_year
from transforms.results import Results

SUPPLIER_SHEET = "引进案例"


def set_supplier_investment(data: Path, case_id: str, value: float) -> int:
    """Type `value` into the case's 实际投资额（万元） cell of the Excel workbook; its row."""
    path = data / "supplier_introductions.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb[SUPPLIER_SHEET]
    header = [c.value for c in ws[1]]
    column = header.index("实际投资额（万元）") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == case_id)
    ws.cell(row, column).value = value
    wb.save(path)
    return row


def edit_csv(path: Path, encoding: str, edit: Callable[[list[list[str]]], None]) -> None:
    with path.open(encoding=encoding, newline="") as fh:
        rows = list(csv.reader(fh))
    edit(rows)
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def set_cell(path: Path, encoding: str, key: str, header: str, value: str) -> int:
    """Set one cell of the row whose first cell is `key`; its row number as a person sees it."""
    found: list[int] = []

    def edit(rows: list[list[str]]) -> None:
        i = next(i for i, r in enumerate(rows) if r[0] == key)
        rows[i][rows[0].index(header)] = value
        found.append(i + 1)

    edit_csv(path, encoding, edit)
    return found[0]


def reward(results: Results, subject_id: str) -> Decimal | None:
    return results.rewards.filter(pl.col("subject_id") == subject_id)["reward_cny"][0]


@dataclass(frozen=True)
class Case:
    plant: Callable[[Path], list[tuple[str, str, int, str]]]  # -> cells (file, sheet, row, column)
    rules: set[str]  # the rules that must report those cells (critical)
    harm: Callable[[Results], None]  # what computing it would have done


def supplier_case_in_yuan(data: Path) -> list[tuple[str, str, int, str]]:
    # GY-2025-002: 5,000万元 (reward 500,000.00) typed in 元
    row = set_supplier_investment(data, "GY-2025-002", 50000000)
    return [("supplier_introductions.xlsx", SUPPLIER_SHEET, row, "actual_investment")]


def supplier_case_of_1e20(data: Path) -> list[tuple[str, str, int, str]]:
    row = set_supplier_investment(data, "GY-2025-007", 1e20)  # was 7,777.77765 万元
    return [("supplier_introductions.xlsx", SUPPLIER_SHEET, row, "actual_investment")]


def investment_column_in_wan(data: Path) -> list[tuple[str, str, int, str]]:
    """招商引资实际到位资金 in 万元 under its 亿元 header, every zone and year (the file is GBK)."""
    header = "招商引资实际到位资金（亿元）"
    cells: list[tuple[str, str, int, str]] = []

    def edit(rows: list[list[str]]) -> None:
        col = rows[0].index(header)
        for i, r in enumerate(rows[1:], start=2):
            if r[col]:
                r[col] = str(Decimal(r[col]) * 10000)
                cells.append(("zone_stats.csv", "", i, "investment_actual"))

    edit_csv(data / "zone_stats.csv", "gbk", edit)
    return cells


def negative_researcher_reward(data: Path) -> list[tuple[str, str, int, str]]:
    row = set_cell(data / "researcher_rewards.csv", "utf-8", "KY-2025-002", "现金奖励金额（元）",
                   "-33333.33")
    return [("researcher_rewards.csv", "", row, "amount")]


def fdi_code_k(data: Path) -> list[tuple[str, str, int, str]]:
    # WZ-2025-002 (5,000.01万美元, reward 7,180,014.36): code 2651 -> a section letter alone
    row = set_cell(data / "fdi_projects.csv", "utf-8", "WZ-2025-002", "国民经济行业代码", "K")
    return [("fdi_projects.csv", "", row, "industry_code")]


def paid_the_cap(subject: str) -> Callable[[Results], None]:
    def check(results: Results) -> None:
        assert reward(results, subject) == Decimal("30000000.00")  # the 3,000万元 cap
    return check


def not_paid(subject: str) -> Callable[[Results], None]:
    def check(results: Results) -> None:
        assert reward(results, subject) == Decimal("0.00")  # the cell was not read: no basis
    return check


def commendations_instead_of_interviews(results: Results) -> None:
    reasons = results.supervision["reason"].to_list()
    # the demo has 7 investment interviews and 11 commendations in 2025
    assert reasons.count("investment_target_missed") == 0
    assert reasons.count("investment_target_met") == 18


def negative_taxable_amount(results: Results) -> None:
    taxable = results.researcher_taxable.filter(pl.col("record_id") == "KY-2025-002")
    assert taxable["taxable_cny"][0] == Decimal("-16666.67")


def fdi_not_paid_without_a_division(results: Results) -> None:
    # The reward rule itself now refuses to guess "not finance" (it paid 7,180,014.36 before).
    assert reward(results, "WZ-2025-002") is None


CASES = {
    "元 typed into a 万元 cell": Case(
        supplier_case_in_yuan, {"supplier_introductions.actual_investment_case_band"},
        paid_the_cap("GY-2025-002")),
    "1e20 万元": Case(
        # 1e24 元 is beyond what a money cell holds: refused as it is read, so even a run
        # without validation no longer pays the cap from it
        supplier_case_of_1e20, {"ingest.number_too_large"}, not_paid("GY-2025-007")),
    "a whole column in 万元 under an 亿元 header": Case(
        investment_column_in_wan,
        {"zone_stats.investment_actual_ratio_to_gdp", "zone_stats.investment_actual_within_range"},
        commendations_instead_of_interviews),
    "a negative researcher reward": Case(
        negative_researcher_reward, {"researcher_rewards.amount_non_negative"},
        negative_taxable_amount),
    "the FDI industry code K": Case(
        fdi_code_k, {"fdi_projects.industry_code_division"}, fdi_not_paid_without_a_division),
}


def read_fix_list(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("name", list(CASES))
def test_the_run_stops_and_no_amount_changes(name: str, published_demo: Path, tmp_path: Path
                                             ) -> None:
    case = CASES[name]
    data = tmp_path / "data"
    shutil.copytree(DEMO_DATA_DIR, data)
    cells = case.plant(data)

    # what the mistake would have done, computed without validation
    case.harm(compute_year(ingest_folder(data).frames, configs().policy, configs().methodology,
                           DEMO_YEAR))

    out = copy_publication(published_demo, tmp_path / "out")
    before = {name: (out / "results" / name).read_bytes()
              for name in ("rewards.csv", "supervision.csv", "researcher_taxable.csv")}
    manifest = (out / "manifest.json").read_bytes()
    status = etdz(["assess", "--data", str(data), "--year", str(DEMO_YEAR), "--out", str(out),
                   "--report-date", DEMO_REPORT_DATE, "--official"])

    assert status == 2  # blocked by critical findings: nothing computed, nothing published
    assert (out / "manifest.json").read_bytes() == manifest
    for name, content in before.items():
        assert (out / "results" / name).read_bytes() == content, name
    critical = [f for f in read_fix_list(out / "validation" / "fix_list.csv")
                if f["severity"] == "critical"]
    # A problem in many cells of a column is one finding listing its first rows and the count.
    listed = {(f["file"], f["sheet"], row, f["column"]): f["rule_id"]
              for f in critical for row in listed_rows(f)}
    for cell, rule in listed.items():
        assert cell in cells and rule in case.rules, (cell, rule)
    # the planted cells and nothing else stop the run
    assert sum(int(f["count"]) for f in critical) == len(cells)


def listed_rows(finding: dict[str, str]) -> list[int]:
    """The rows a fix-list row names: its own, or those of its `rows` ranges ("2-186;190;…")."""
    if not finding["rows"]:
        return [int(finding["row"])]
    rows: list[int] = []
    for part in finding["rows"].split(";"):
        if part != "…":
            first, _, last = part.partition("-")
            rows.extend(range(int(first), int(last or first) + 1))
    return rows
