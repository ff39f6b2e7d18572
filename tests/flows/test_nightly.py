"""The nightly validation: the comparison and history as plain functions, then the flow twice
through the real Prefect engine (night 1 with two problems, night 2 with one fixed and one new)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from flows import nightly
from flows.cli import main as etdz
from flows.nightly import (
    night_counts,
    nightly_validation,
    previous_night,
    publish_night,
    record_counts,
)
from flows.settings import DEMO_DATA_DIR, ExitStatus
from flows.validation.comparison import STATUS_NEW, STATUS_OPEN, compare
from flows.validation.fix_list import write_csv
from tests.helpers import end_session, start_etdz, wait_for
from transforms.findings import Finding, Severity

C, W = Severity.CRITICAL, Severity.WARNING


def finding(severity: Severity, dataset: str, row: int, column: str, rule: str) -> Finding:
    return Finding(severity, dataset, f"{dataset}.csv", "", row, column, column, "x", rule,
                   "说明。", "建议。")


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_previous_night_is_the_latest_earlier_date(tmp_path: Path) -> None:
    a = [finding(C, "zone_stats", 2, "gdp", "r1")]
    b = [finding(W, "zones", 3, "city", "r2")]
    for night, findings in (("2026-01-10", a), ("2026-01-12", b), ("2026-01-14", a)):
        write_csv(findings, tmp_path / night / "fix_list.csv")
    (tmp_path / "2026-01-13").mkdir()  # a night that failed before writing: skipped
    assert previous_night(tmp_path, "2026-01-14") == ("2026-01-12", b)  # not itself (a rerun)
    assert previous_night(tmp_path, "2026-01-11") == ("2026-01-10", a)
    assert previous_night(tmp_path, "2026-01-10") is None
    assert previous_night(tmp_path / "nothing", "2026-01-10") is None


def test_counts_history_appends_and_a_rerun_replaces_its_night(tmp_path: Path) -> None:
    counts = tmp_path / "counts.csv"
    night1 = [finding(C, "zone_stats", 2, "gdp", "r1"), finding(W, "zone_stats", 3, "gdp", "r2")]
    record_counts(counts, "2026-01-14", night1)
    record_counts(counts, "2026-01-15", [])
    record_counts(counts, "2026-01-15", [finding(W, "zones", 3, "city", "r2")])  # rerun
    rows = read(counts)
    assert list(rows[0]) == ["date", "dataset", "severity", "count"]
    # every dataset x severity each night, zeros included: 9 datasets x 2
    assert [r["date"] for r in rows] == ["2026-01-14"] * 18 + ["2026-01-15"] * 18
    nonzero = [(r["date"], r["dataset"], r["severity"], r["count"]) for r in rows
               if r["count"] != "0"]
    assert nonzero == [
        ("2026-01-14", "zone_stats", "critical", "1"),
        ("2026-01-14", "zone_stats", "warning", "1"),
        ("2026-01-15", "zones", "warning", "1"),
    ]


def test_night_counts_keeps_unknown_files() -> None:
    unknown = Finding(W, "", "notes.csv", "", None, "", "", "", "ingest.unknown_file", "说明。",
                      "建议。")
    rows = night_counts("2026-01-14", [unknown])
    assert rows[-2:] == [
        {"date": "2026-01-14", "dataset": "(unknown)", "severity": "critical", "count": 0},
        {"date": "2026-01-14", "dataset": "(unknown)", "severity": "warning", "count": 1},
    ]


def publish(out: Path, date: str, findings: list[Finding]) -> dict:
    """A night as the flow publishes it, compared with the night before."""
    previous = previous_night(out / "history", date)
    return publish_night(findings, compare(previous[1] if previous else None, findings),
                         previous[0] if previous else None, out, date)


def test_latest_is_switched_whole_and_a_few_nights_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "nightly"
    broken = finding(C, "exchange_rates", 3, "usd_cny", "ingest.not_a_number")
    for day, findings in ((14, [broken]), (15, []), (16, []), (17, [broken])):
        publish(out, f"2026-01-{day}", findings)
        latest = out / "latest"
        assert latest.is_symlink()
        assert os.readlink(latest) == f".latest-builds/2026-01-{day}-{day - 13}"
        comparison = json.loads((latest / "comparison.json").read_text(encoding="utf-8"))
        assert comparison["run_date"] == f"2026-01-{day}"
        assert len(read(latest / "fix_list.csv")) == len(findings)
    # tonight's and the two before it
    assert sorted(p.name for p in (out / ".latest-builds").iterdir()) == [
        "2026-01-15-2", "2026-01-16-3", "2026-01-17-4"]


def test_a_night_that_dies_half_way_leaves_last_nights_list_whole(tmp_path: Path,
                                                                  monkeypatch) -> None:
    out = tmp_path / "nightly"
    broken = finding(C, "exchange_rates", 3, "usd_cny", "ingest.not_a_number")
    publish(out, "2026-01-14", [broken])

    def dies_half_way(findings, folder, **kwargs):
        (folder / "fix_list.csv").write_text("severity,dataset\n", encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(nightly, "write_validation", dies_half_way)
    with pytest.raises(OSError):
        publish(out, "2026-01-15", [])
    latest = out / "latest"
    assert os.readlink(latest) == ".latest-builds/2026-01-14-1"
    assert [r["rule_id"] for r in read(latest / "fix_list.csv")] == ["ingest.not_a_number"]
    assert json.loads((latest / "comparison.json").read_text("utf-8"))["run_date"] == "2026-01-14"


def test_a_latest_folder_from_before_builds_is_kept_as_the_oldest(tmp_path: Path) -> None:
    out = tmp_path / "nightly"
    (out / "latest").mkdir(parents=True)
    (out / "latest" / "fix_list.csv").write_text("old\n", encoding="utf-8")
    publish(out, "2026-01-14", [])
    assert (out / "latest").is_symlink()
    assert (out / ".latest-builds" / "legacy-0" / "fix_list.csv").read_text("utf-8") == "old\n"
    assert json.loads((out / "latest" / "comparison.json").read_text("utf-8"))["critical"] == 0


def test_compare_nights() -> None:
    fixed = finding(C, "exchange_rates", 3, "usd_cny", "ingest.not_a_number")
    still = finding(W, "zone_stats", 5, "gdp", "zone_stats.gdp_yoy_band")
    new = finding(C, "zones", 2, "city", "ingest.not_in_vocabulary")
    result = compare([fixed, still], [still, new])
    assert [result.statuses[k] for k in sorted(result.statuses)] == [STATUS_OPEN, STATUS_NEW]
    assert result.resolved == [fixed]


# ---------------------------------------------------------------------------------------------
# through the engine


def break_cell(folder: Path, file: str, line: int, value: str) -> None:
    """Replace the last cell of a CSV line (line 1 = header) with value."""
    path = folder / file
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[line - 1].split(",")
    lines[line - 1] = ",".join(cells[:-1] + [value])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def two_nights(prefect_server, tmp_path_factory) -> tuple[Path, dict, dict]:
    inbox = tmp_path_factory.mktemp("inbox") / "data"
    out = tmp_path_factory.mktemp("nightly")
    shutil.copytree(DEMO_DATA_DIR, inbox)
    break_cell(inbox, "exchange_rates.csv", 3, "七点一")  # critical, fixed by night 2
    (inbox / "notes.csv").write_text("a\n1\n", encoding="utf-8")  # warning, left open
    first = nightly_validation(inbox_dir=str(inbox), out_dir=str(out), run_date="2026-01-14")
    shutil.copy(DEMO_DATA_DIR / "exchange_rates.csv", inbox / "exchange_rates.csv")
    break_cell(inbox, "exchange_rates.csv", 2, "—")  # new: placeholder in a required cell
    second = nightly_validation(inbox_dir=str(inbox), out_dir=str(out), run_date="2026-01-15")
    return out, first, second


def test_nightly_flow_reports_fixed_new_and_open(two_nights) -> None:
    out, first, second = two_nights
    assert (first["critical"], first["warning"], first["previous_date"]) == (1, 1, None)
    assert first["exit_code"] == 2
    assert (second["previous_date"], second["resolved"], second["new"], second["still_open"]) == (
        "2026-01-14", 1, 1, 1)
    assert "已解决 1 条，新增 1 条，未解决 1 条" in second["message"]
    latest = read(out / "latest" / "fix_list.csv")
    assert [(r["status"], r["file"], r["row"], r["rule_id"]) for r in latest] == [
        (STATUS_NEW, "exchange_rates.csv", "2", "ingest.placeholder"),
        (STATUS_OPEN, "notes.csv", "", "ingest.unknown_file"),
    ]
    page = (out / "latest" / "fix_list.html").read_text(encoding="utf-8")
    assert "与 2026-01-14 相比" in page and "七点一" in page  # the fixed cell, in 已解决
    assert (out / "latest" / "fix_list.xlsx").is_file()
    assert (out / "latest" / "data_docs" / "index.html").is_file()
    comparison = json.loads((out / "latest" / "comparison.json").read_text(encoding="utf-8"))
    assert comparison["resolved"] == 1


def test_nightly_history(two_nights) -> None:
    out, _, _ = two_nights
    history = out / "history"
    assert sorted(p.name for p in history.iterdir()) == ["2026-01-14", "2026-01-15", "counts.csv"]
    night1 = read(history / "2026-01-14" / "fix_list.csv")
    assert [(r["file"], r["row"], r["rule_id"]) for r in night1] == [
        ("exchange_rates.csv", "3", "ingest.not_a_number"),
        ("notes.csv", "", "ingest.unknown_file"),
    ]
    summary = json.loads((history / "2026-01-15" / "summary.json").read_text(encoding="utf-8"))
    assert summary["by_severity"] == {"critical": 1, "warning": 1}
    counts = [(r["date"], r["dataset"], r["severity"], r["count"])
              for r in read(history / "counts.csv") if r["count"] != "0"]
    assert counts == [
        ("2026-01-14", "exchange_rates", "critical", "1"),
        ("2026-01-14", "(unknown)", "warning", "1"),
        ("2026-01-15", "exchange_rates", "critical", "1"),
        ("2026-01-15", "(unknown)", "warning", "1"),
    ]


def test_nightly_command(two_nights, tmp_path: Path, capsys) -> None:
    out, _, _ = two_nights
    assert etdz(["nightly", "--data", str(DEMO_DATA_DIR), "--out", str(out),
                 "--date", "2026-01-16"]) == 0
    text = capsys.readouterr().out
    assert "2026-01-16 夜间校验：严重问题 0 条，警告 0 条；与 2026-01-15 相比：已解决 2 条" in text
    # Which assessment years the inbox can serve, dataset by dataset.
    assert ("收件箱数据年份：园区年度统计 2019—2025 年；设区市年度统计 2019—2025 年；"
            "国家级经开区考核排名 2016—2025 年；汇率 2019—2025 年；") in text
    comparison = json.loads((out / "latest" / "comparison.json").read_text(encoding="utf-8"))
    assert comparison["years"]["zone_stats"] == list(range(2019, 2026))


def test_sigterm_stops_a_night_promptly_and_publishes_nothing(
        tmp_path: Path, prefect_api_env: dict[str, str]) -> None:
    out, log = tmp_path / "night", tmp_path / "night.log"
    process = start_etdz(["nightly", "--data", str(DEMO_DATA_DIR), "--out", str(out),
                          "--date", "2026-01-20"], log, prefect_api_env)
    try:
        wait_for(lambda: "Beginning flow run" in log.read_text(errors="replace"), 300,
                 "the night began", process, log)
        sent = time.monotonic()
        os.kill(process.pid, signal.SIGTERM)
        code = process.wait(timeout=120)
        took = time.monotonic() - sent
    finally:
        end_session(process)
    printed = log.read_text(encoding="utf-8")
    assert code == ExitStatus.STOPPED and took < 60, (took, printed[-3000:])
    assert "■ 已停止夜间校验（停在“" in printed and "本次运行没有发布任何内容" in printed
    assert "Traceback" not in printed
    assert not (out / "history" / "2026-01-20").exists()  # nothing of that night published


def test_a_night_dated_otherwise_than_year_month_day_is_refused(prefect_server,
                                                               tmp_path: Path) -> None:
    """20260115 would sort after every 2026-01-xx night and be taken as the latest."""
    state = nightly_validation(inbox_dir=str(DEMO_DATA_DIR), out_dir=str(tmp_path / "n"),
                               run_date="20260115", return_state=True)
    assert state.is_failed() and "运行日期应为 YYYY-MM-DD 格式的真实日期，而不是“20260115”" in (
        state.message or "") + str(state.result(raise_on_failure=False))
    assert not (tmp_path / "n").exists()
