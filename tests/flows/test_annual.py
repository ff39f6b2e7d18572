"""The annual flow's checks before any work: an unusable year (refused with a Chinese message
and the usage-error status, by the CLI before Prefect starts and by the flow itself), and the
completeness of what year Y reads (an official run stops on a missing zone-year)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pytest

from flows.annual import (
    annual_assessment,
    check_report_date,
    preflight_year_problem,
    zone_stats_years,
)
from flows.cli import main as etdz
from flows.settings import DEMO_DATA_DIR, ExitStatus, OperatorError, iso_day
from tests.helpers import BAD_INPUTS, demo_zone_stats_rows


@pytest.mark.parametrize(("year", "message"), [
    (2018, "考核年度 2018 年早于政策基准年 2019 年"),
    (2030, "园区年度统计（zone_stats）中没有 2030 年的数据（现有：2019—2025 年）"),
])
def test_the_cli_refuses_an_unusable_year_before_any_work(year, message, tmp_path: Path,
                                                          capsys) -> None:
    out = tmp_path / "out"
    assert etdz(["assess", "--demo", "--year", str(year), "--out", str(out)]) == ExitStatus.USAGE
    assert message in capsys.readouterr().err
    assert not out.exists()  # no lock, no staging, no fix list


def test_the_years_come_from_the_zone_statistics_file(tmp_path: Path) -> None:
    assert zone_stats_years(DEMO_DATA_DIR, 2025) == list(range(2019, 2026))
    assert zone_stats_years(tmp_path, 2025) is None  # no zone_stats file: validation's finding
    assert preflight_year_problem(tmp_path, 2030, None) is None
    assert preflight_year_problem(DEMO_DATA_DIR, 2025, None) is None
    broken = tmp_path / "policy.toml"
    broken.write_text("[meta\n", encoding="utf-8")
    assert preflight_year_problem(DEMO_DATA_DIR, 2030, broken) is None  # the flow lists it


def test_the_flow_refuses_an_unusable_year_itself(prefect_server, tmp_path: Path) -> None:
    """A scheduled run does not go through the CLI: the flow makes the same check first."""
    out = tmp_path / "out"
    state = annual_assessment(data_dir=str(DEMO_DATA_DIR), year=2030, out_dir=str(out),
                              return_state=True)
    assert state.is_failed()
    assert state.message.startswith("园区年度统计（zone_stats）中没有 2030 年的数据")
    assert not out.exists()


def test_an_official_run_stops_on_a_missing_zone_year(prefect_server, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DEMO_DATA_DIR, data)
    stats = (data / "zone_stats.csv").read_bytes().decode("gbk").splitlines()
    kept = [line for line in stats if not line.startswith("GX-LZ-01,2025,")]
    assert len(kept) == len(stats) - 1
    (data / "zone_stats.csv").write_bytes(("\n".join(kept) + "\n").encode("gbk"))
    out = tmp_path / "out"
    assert etdz(["assess", "--data", str(data), "--year", "2025", "--out", str(out),
                 "--official", "--report-date", "2026-01-15"]) == ExitStatus.BLOCKED
    with (out / "validation" / "fix_list.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["rule_id"].startswith("completeness.")]
    assert [(r["severity"], r["file"], r["column"], r["value"], r["rule_id"]) for r in rows] == [
        ("critical", "zone_stats.csv", "year", "2025", "completeness.zone_year_missing")]
    assert "柳州北部经济技术开发区（示例）（GX-LZ-01） 2025 年" in rows[0]["message"]
    assert not (out / "results").exists()  # nothing computed: no earlier publication either


def test_the_year_check_reads_the_file_and_sheet_ingest_reads(tmp_path: Path) -> None:
    """An .xls is read; a link is not (ingest refuses it); a workbook of one sheet per year is
    read from the assessment year's sheet, not the latest one."""
    assert zone_stats_years(BAD_INPUTS / "xls_file", 2024) == [2024]
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "zone_stats.csv").symlink_to(DEMO_DATA_DIR / "zone_stats.csv")
    assert zone_stats_years(linked, 2025) is None
    header, rows = demo_zone_stats_rows("GX-NN-")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for year in (2024, 2025):
        ws = wb.create_sheet(f"{year}年")
        for line in [header, *[r for r in rows if r.split(",")[1] == str(year)]]:
            ws.append(line.split(","))
    folder = tmp_path / "per-year"
    folder.mkdir()
    wb.save(folder / "zone_stats.xlsx")
    assert zone_stats_years(folder, 2024) == [2024]
    assert zone_stats_years(folder, 2025) == [2025]


@pytest.mark.parametrize("text", ["20260115", "2026-W03-4", "2026-02-30", "2026/01/15"])
def test_a_scheduled_runs_report_date_must_be_a_real_day_written_out(text: str) -> None:
    """The flow's own check (a deployment's parameter does not pass the CLI): what
    date.fromisoformat alone would take, 20260115 or a week date, would print on every cover."""
    assert not iso_day(text)
    with pytest.raises(OperatorError, match=f"报告日期应为 YYYY-MM-DD 格式的真实日期，如 2026-01-15，而不是“{text}”"):
        check_report_date(text)
    check_report_date("2026-01-15")
    check_report_date(None)
