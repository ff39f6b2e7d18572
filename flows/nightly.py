"""The nightly validation: ingest and validate the inbox, keep each night's history, and show
data staff in the morning what they fixed yesterday, what is new and what is still open.

    out_dir/
      history/<run_date>/fix_list.csv, summary.json   each night, as it was
      history/<run_date>/submissions.json             the inbox's record of where its rows came
                                                       from (an inbox the site assembled)
      history/counts.csv                               date, dataset, severity, count
      latest/fix_list.csv|html|xlsx, summary.json,     tonight, each finding 新增 or 未解决,
             comparison.json, data_docs/               and what was 已解决 since last night
      latest -> .latest-builds/<date>-<n>/              switched in one step once tonight's
                                                       files are all written: a reader, or a
                                                       run that dies half-way, never leaves
                                                       half of one night and half of another

A finding is the same from one night to the next when its key is: (file, sheet, row, column,
rule_id), see flows/validation/comparison.py. A corrected cell disappears (已解决); a new
problem appears (新增); a cell still wrong, even with another wrong value, stays 未解决. "Last
night" is the latest earlier date in history/, so a skipped night compares with the one before.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import stopping
from flows.annual import validate_inputs as validate_inbox  # the same task, nightly too
from flows.files import neutralise_formula, new_build, switch_to_build
from flows.ingest.folder import IngestResult, ingest_folder
from flows.ingest.submissions import INBOX_SUBMISSIONS
from flows.settings import OperatorError, configure_region, iso_day, today_in_china
from flows.validation.comparison import Comparison, compare
from flows.validation.console import exit_code
from flows.validation.fix_list import read_csv, write_csv
from flows.validation.ge_runner import preload_great_expectations
from flows.validation.outputs import write_validation
from transforms.contract import DATASETS
from transforms.findings import Finding, summarise
from transforms.years import describe_years_covered, years_covered

COUNTS_COLUMNS = ["date", "dataset", "severity", "count"]
LATEST = "latest"
LATEST_BUILDS = ".latest-builds"
KEEP_LATEST = 3  # tonight's and two before it, for a reader still holding an older one open

_task: dict[str, Any] = dict(cache_policy=NO_CACHE, persist_result=False)


# ---------------------------------------------------------------------------------------------
# plain functions (tested without the engine)


def previous_night(history_dir: Path, run_date: str) -> tuple[str, list[Finding]] | None:
    """The latest night before run_date that left a fix list, and its findings."""
    if not history_dir.is_dir():
        return None
    nights = sorted(
        p.name for p in history_dir.iterdir()
        if p.is_dir() and p.name < run_date and (p / "fix_list.csv").is_file()
    )
    if not nights:
        return None
    return nights[-1], read_csv(history_dir / nights[-1] / "fix_list.csv")


def night_counts(run_date: str, findings: list[Finding]) -> list[dict[str, Any]]:
    """One row per dataset and severity, zeros included, so a clean night is still a line in
    the history (and a chart of it has no gaps)."""
    summary = summarise(findings)["by_dataset"]
    names = list(DATASETS) + sorted(n for n in summary if n not in DATASETS)
    rows = []
    for name in names:
        for severity in ("critical", "warning"):
            count = summary.get(name, {}).get(severity, 0)
            rows.append({"date": run_date, "dataset": name or "(unknown)", "severity": severity,
                         "count": count})
    return rows


def record_counts(counts_csv: Path, run_date: str, findings: list[Finding]) -> None:
    """Append tonight's rows. Earlier nights are never touched; a rerun of the same night
    replaces that night's rows (the file is rewritten then, through a temporary file)."""
    counts_csv.parent.mkdir(parents=True, exist_ok=True)
    # A dataset name comes from a submitted file name: neutralised like every CSV cell.
    rows = [{k: neutralise_formula(v) if isinstance(v, str) else v for k, v in r.items()}
            for r in night_counts(run_date, findings)]
    existing: list[dict[str, str]] = []
    if counts_csv.is_file():
        with counts_csv.open(encoding="utf-8", newline="") as fh:
            existing = list(csv.DictReader(fh))
    if any(r["date"] == run_date for r in existing):
        kept = [r for r in existing if r["date"] != run_date]
        tmp = counts_csv.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COUNTS_COLUMNS)
            writer.writeheader()
            writer.writerows(kept + rows)
        tmp.replace(counts_csv)
        return
    new_file = not counts_csv.is_file()
    with counts_csv.open("a", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COUNTS_COLUMNS)
        if new_file:
            writer.writeheader()
        writer.writerows(rows)


def publish_night(
    findings: list[Finding],
    comparison: Comparison,
    previous_date: str | None,
    out_dir: Path,
    run_date: str,
    years: dict[str, list[int]] | None = None,
    years_text: str = "",
    inbox_dir: Path | None = None,
) -> dict[str, Any]:
    """history/<run_date>/, history/counts.csv and latest/; returns the night's summary.
    `years`: the years each dataset in the inbox covers (transforms.years), named in the
    message so staff see which assessment years the inbox can serve. `inbox_dir`: the folder
    validated; its record of row sources, when it has one, is kept with the night so that the
    site can name each finding's submitted file and row."""
    history = out_dir / "history"
    night = history / run_date
    night.mkdir(parents=True, exist_ok=True)
    write_csv(findings, night / "fix_list.csv")
    record = inbox_dir / INBOX_SUBMISSIONS if inbox_dir else None
    if record and record.is_file():
        shutil.copyfile(record, night / INBOX_SUBMISSIONS)
    else:  # a rerun of the night on a hand-made inbox must not keep an earlier record
        (night / INBOX_SUBMISSIONS).unlink(missing_ok=True)
    summary = summarise(findings)
    (night / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    record_counts(history / "counts.csv", run_date, findings)

    since = f"与 {previous_date} 相比" if previous_date else "首次运行，无上次记录可比"
    latest = out_dir / LATEST
    build = new_latest_build(out_dir, run_date)
    write_validation(
        findings,
        build,
        subtitle=f"{run_date} 夜间校验；{since}。“新增”是本次新出现的问题，"
                 "“未解决”是上次已有、仍未修改的问题。",
        statuses=comparison.statuses,
        resolved=comparison.resolved if previous_date else None,
    )
    counts = summary["by_severity"]
    result = {
        "run_date": run_date,
        "previous_date": previous_date,
        "critical": counts["critical"],
        "warning": counts["warning"],
        "new": comparison.new,
        "still_open": comparison.still_open,
        "resolved": len(comparison.resolved),
        "exit_code": exit_code(findings),
        "latest_dir": str(latest),
        "history_dir": str(night),
        "years": years or {},
    }
    result["message"] = (
        f"{run_date} 夜间校验：严重问题 {counts['critical']} 条，警告 {counts['warning']} 条；"
        + (f"{since}：已解决 {result['resolved']} 条，新增 {result['new']} 条，"
           f"未解决 {result['still_open']} 条" if previous_date else since)
        + f"。修改清单：{latest / 'fix_list.html'}"
        + (f"\n收件箱数据年份：{years_text}" if years_text else "")
    )
    (build / "comparison.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    switch_latest(out_dir, build)
    return result


def new_latest_build(out_dir: Path, run_date: str) -> Path:
    """An empty folder for tonight's latest/, beside the ones before it."""
    return new_build(out_dir / LATEST_BUILDS, run_date)


def switch_latest(out_dir: Path, build: Path) -> None:
    """Point latest at a finished build in one rename, and keep the few builds before it. A
    latest/ that is a real folder (written before builds existed) becomes the oldest build."""
    latest = out_dir / LATEST
    if latest.is_dir() and not latest.is_symlink():
        latest.rename(build.parent / "legacy-0")
    switch_to_build(latest, build, KEEP_LATEST)


# ---------------------------------------------------------------------------------------------
# the flow


@task(name="ingest", task_run_name="① 读取收件箱", **_task)
def ingest_inbox(inbox: Path) -> IngestResult:
    ingested = ingest_folder(inbox)
    get_run_logger().info("读取 %d 个文件", len(ingested.files))
    return ingested


@task(name="compare", task_run_name="③ 与前一晚对比", **_task)
def compare_with_previous_night(
    findings: list[Finding], history_dir: Path, run_date: str
) -> tuple[Comparison, str | None]:
    previous = previous_night(history_dir, run_date)
    comparison = compare(previous[1] if previous else None, findings)
    if previous:
        get_run_logger().info("与 %s 相比：已解决 %d 条，新增 %d 条，未解决 %d 条", previous[0],
                              len(comparison.resolved), comparison.new, comparison.still_open)
    return comparison, previous[0] if previous else None


@task(name="publish", task_run_name="④ 发布修改清单", **_task)
def publish_nightly(findings: list[Finding], comparison: Comparison, previous_date: str | None,
                    out_dir: Path, run_date: str, frames: dict[str, Any] | None = None,
                    inbox_dir: Path | None = None) -> dict[str, Any]:
    frames = frames or {}
    result = publish_night(findings, comparison, previous_date, out_dir, run_date,
                           years_covered(frames), describe_years_covered(frames), inbox_dir)
    get_run_logger().info(result["message"])
    return result


@flow(name="nightly_validation")
def nightly_validation(inbox_dir: str, out_dir: str, run_date: str | None = None) -> dict:
    """夜间数据校验：读取 → 校验 → 与前一晚对比 → 发布修改清单。Critical findings do not fail
    the flow: reporting them is its job; the result's exit_code says 0/1/2."""
    stopping.reclaim_sigterm()
    configure_region()
    # Nights are dated in Guangxi's time zone: the 02:00 run belongs to that calendar day.
    run_date = run_date or today_in_china()
    if not iso_day(run_date):  # a malformed date would misorder the history
        raise OperatorError(f"运行日期应为 YYYY-MM-DD 格式的真实日期，而不是“{run_date}”")
    out = Path(out_dir)
    # The site's inbox is a symlink it switches when a submission is accepted: read one build
    # all through, and keep that build's record of row sources with the night.
    inbox = Path(inbox_dir).resolve()
    preload_great_expectations()  # overlaps the 8-10 s import with reading the files
    stopping.enter_step("① 读取收件箱")
    ingested = ingest_inbox(inbox)
    stopping.enter_step("② 数据校验")
    findings = validate_inbox(ingested)
    stopping.enter_step("③ 与前一晚对比")
    comparison, previous_date = compare_with_previous_night(findings, out / "history", run_date)
    stopping.enter_step("④ 发布修改清单")
    stopping.raise_if_requested()
    return publish_nightly(findings, comparison, previous_date, out, run_date, ingested.frames,
                           inbox)
