"""The operator's figures: how fast `etdz` answers a mistake, and how fast Ctrl-C or SIGTERM
ends a running assessment (the promise: a mistake within 2 s, before Prefect starts; a stop
within 10 s). Wall-clock seconds on this machine, with whatever else it is doing (the load
average is recorded beside them)."""

from __future__ import annotations

import fcntl
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from flows.settings import DEMO_DATA_DIR, PROJECT_ROOT


def _etdz(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "flows.cli", *args], cwd=PROJECT_ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _timed(args: list[str], env: dict[str, str], log: Path) -> tuple[float, int, float]:
    """(wall seconds, exit status, CPU seconds): on a busy machine the CPU time is what the
    answer costs on a free core."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    code = _etdz(args, env, log).wait(timeout=120)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, code, cpu


def answer_times(repeat: int = 3) -> dict[str, Any]:
    """Median seconds from starting `etdz` to its answer, for each kind of mistake."""
    work = Path(tempfile.mkdtemp(prefix="etdz-bench-operator-"))
    env = {**os.environ, "ETDZ_LOG_DIR": str(work / "logs")}
    empty, busy = work / "empty", work / "busy"
    empty.mkdir()
    busy.mkdir()
    assess = ["assess", "--data", str(DEMO_DATA_DIR), "--year", "2025", "--out"]
    cases = {
        "bad report date": [*assess, str(work / "o1"), "--report-date", "2026/01/15"],
        "empty data folder": ["assess", "--data", str(empty), "--year", "2025", "--out",
                              str(work / "o2")],
        "busy output folder": [*assess, str(busy)],
    }
    results: dict[str, Any] = {}
    with (busy / ".lock").open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        for name, args in cases.items():
            runs = [_timed(args, env, work / "answer.log") for _ in range(repeat)]
            results[name] = {"seconds": round(statistics.median(r[0] for r in runs), 2),
                             "cpu_seconds": round(statistics.median(r[2] for r in runs), 2),
                             "exit_status": runs[0][1]}
    shutil.rmtree(work, ignore_errors=True)
    return results


def stop_time(sig: signal.Signals, group: bool) -> dict[str, Any]:
    """Seconds from the signal to the end of `etdz assess`, sent while reports render."""
    work = Path(tempfile.mkdtemp(prefix="etdz-bench-stop-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["ETDZ_LOG_DIR"] = str(work / "logs")
    out = work / "out"
    process = _etdz(["assess", "--data", str(DEMO_DATA_DIR), "--year", "2025", "--out",
                     str(out), "--report-date", "2026-01-15"], env, work / "run.log")
    try:
        deadline = time.monotonic() + 600
        while not list(out.glob(".staging-*/reports/zones/*.pdf")):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((work / "run.log").read_text(errors="replace")[-2000:])
            time.sleep(0.1)
        sent = time.perf_counter()
        if group:
            os.killpg(process.pid, sig)
        else:
            os.kill(process.pid, sig)
        code = process.wait(timeout=120)
        seconds = time.perf_counter() - sent
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
    shutil.rmtree(work, ignore_errors=True)
    return {"seconds": round(seconds, 2), "exit_status": code}


def measure() -> dict[str, Any]:
    answers = answer_times()
    stops = {"Ctrl-C (SIGINT to the process group)": stop_time(signal.SIGINT, group=True),
             "SIGTERM (to the process)": stop_time(signal.SIGTERM, group=False)}
    return {"answers": answers, "stops": stops, "load_average": os.getloadavg()}


def operator_table(record: dict[str, Any]) -> str:
    lines = ["| what | seconds | CPU seconds | exit status |", "|---|---|---|---|"]
    for name, row in record["answers"].items():
        lines.append(f"| answer: {name} | {row['seconds']:.2f} | {row['cpu_seconds']:.2f} | "
                     f"{row['exit_status']} |")
    for name, row in record["stops"].items():
        lines.append(f"| stop while rendering: {name} | {row['seconds']:.2f} | | "
                     f"{row['exit_status']} |")
    load = ", ".join(f"{x:.1f}" for x in record["load_average"])
    return "\n".join(lines) + f"\n\nload average at the end: {load}"
