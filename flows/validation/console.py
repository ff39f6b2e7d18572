"""`etdz validate` on the terminal: ingest's findings at once, then the expectations'; with
`--watch`, again on every save, saying what was fixed, what is new and what is still open."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from flows.ingest.folder import ingest_folder
from flows.settings import ExitStatus
from flows.validation.annotated import write_annotated_copies
from flows.validation.comparison import STATUS_NEW, compare, finding_key
from flows.validation.data_docs import build_data_docs
from flows.validation.outputs import write_validation
from flows.validation.validate import validate_step
from transforms.findings import Finding, Severity, max_severity, sort_findings, summarise

SHOWN = 20  # findings printed per list; the rest are in the fix list


def exit_code(findings: list[Finding]) -> int:
    severity = max_severity(findings)
    if severity is Severity.CRITICAL:
        return ExitStatus.BLOCKED
    return ExitStatus.WARNINGS if severity is Severity.WARNING else ExitStatus.OK


def describe(f: Finding) -> str:
    """One line for the terminal: [严重] file[sheet] 第 n 行 “列”：说明 修改建议（起因：…）"""
    where = f.file + (f"[{f.sheet}]" if f.sheet else "") + (
        f" 第 {f.row} 行" if f.row else "") + (f" “{f.column_label}”" if f.column_label else "")
    value = f"（值：{f.value}）" if f.value and f.row else ""
    cause = f"（起因：{f.caused_by}，请先修改该处）" if f.caused_by else ""
    return f"[{f.severity.label}] {where}{value}：{f.message.rstrip('。')}。{f.hint}{cause}"


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
    out = sys.stdout if out is None else out
    started = time.perf_counter()
    ingested = ingest_folder(data_dir)
    read_s = time.perf_counter() - started
    counts = summarise(ingested.findings)["by_severity"]
    print(f"读取 {len(ingested.files)} 个文件（{read_s:.1f} 秒）：读取阶段发现严重问题 "
          f"{counts['critical']} 条，警告 {counts['warning']} 条；正在逐项校验……", file=out, flush=True)
    for line in ingested.sheets_read():  # which sheet of each workbook was read
        print("  " + line, file=out)
    _print_list("读取阶段的问题：", sort_findings(ingested.findings), out)
    findings = validate_step(ingested)
    # Data Docs (about 1.5 s) are for technical staff: built after the answer is printed
    write_validation(findings, out_dir, data_docs=False)
    # Each file with findings, annotated cell by cell, for staff who fix it in Excel
    annotated = write_annotated_copies(data_dir, findings, out_dir / "annotated")
    ingest_keys = {id(f) for f in ingested.findings}
    counts = summarise(findings)["by_severity"]
    print(f"校验完成（共 {time.perf_counter() - started:.1f} 秒）：严重问题 {counts['critical']} 条，"
          f"警告 {counts['warning']} 条；修改清单：{out_dir / 'fix_list.html'}"
          f"（另有 fix_list.xlsx、fix_list.csv）", file=out, flush=True)
    if annotated:
        print(f"带批注的原文件副本（有问题的单元格已标色并加批注）：{out_dir / 'annotated'}"
              f"（{len(annotated)} 个文件）", file=out, flush=True)
    _print_list("校验发现的问题：", [f for f in findings if id(f) not in ingest_keys], out)
    if previous is not None:
        _print_comparison(previous, findings, out)
    if getattr(findings, "ge_runs", None):
        build_data_docs(findings.ge_runs, out_dir / "data_docs")  # type: ignore[attr-defined]
    return findings


def _print_comparison(previous: list[Finding], findings: list[Finding], out: Any) -> None:
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
    # Great Expectations is imported by the first pass, after ingest's findings are printed,
    # and stays imported for the next ones.
    out = sys.stdout if out is None else out
    previous: list[Finding] | None = None
    passes = 0
    code: int = ExitStatus.OK
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
