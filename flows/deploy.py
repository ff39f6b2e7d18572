"""The department's schedules as Prefect deployments (`etdz serve`, or workers via prefect.yaml).

- `nightly_validation/nightly`: every night at 02:00, so data staff find the fix list in the
  morning;
- `annual_assessment/official`: the official run on a configurable yearly date; the year it
  assesses defaults to the year before the run date.

Both in Asia/Shanghai: Prefect evaluates cron in the schedule's time zone, so 02:00 stays 02:00
Beijing time whatever the server's clock zone is.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prefect import serve
from prefect.schedules import Cron

from flows.annual import annual_assessment
from flows.nightly import nightly_validation
from flows.settings import CONFIG_DIR

DEFAULT_SCHEDULE = CONFIG_DIR / "schedule.toml"
TIMEZONE = "Asia/Shanghai"
NIGHTLY_DEPLOYMENT = "nightly_validation/nightly"
ANNUAL_DEPLOYMENT = "annual_assessment/official"

# Parameters of annual_assessment a schedule may set (anything else is a typo worth refusing).
ANNUAL_PARAMETERS = {"data_dir", "out_dir", "year", "official", "policy_path", "methodology_path",
                     "workers", "warehouse_path", "deliver_reports", "distribution_path"}


class ScheduleConfigError(ValueError):
    pass


def load_schedule(path: Path | None = None) -> dict[str, Any]:
    path = path or DEFAULT_SCHEDULE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, tomllib.TOMLDecodeError) as exc:
        raise ScheduleConfigError(f"计划配置文件 {path} 无法读取：{exc}") from exc
    problems = []
    for section, required in (("nightly", ("cron", "inbox_dir", "out_dir")),
                              ("annual", ("cron", "data_dir", "out_dir"))):
        if section in raw:
            problems += [f"[{section}] 缺少 {k}" for k in required if k not in raw[section]]
    annual = {k: v for k, v in raw.get("annual", {}).items() if k not in ("cron", "deliver")}
    problems += [f"[annual] 不认识的设置 {k}" for k in annual if k not in ANNUAL_PARAMETERS]
    if problems:
        raise ScheduleConfigError("计划配置有误：" + "；".join(problems))
    return raw


def build_deployments(schedule: dict[str, Any]) -> list[Any]:
    """RunnerDeployments for `prefect.serve` (one process serves both schedules)."""
    tz = schedule.get("timezone", TIMEZONE)
    deployments = []
    if "nightly" in schedule:
        nightly = schedule["nightly"]
        deployments.append(nightly_validation.to_deployment(
            name="nightly", schedules=[Cron(nightly["cron"], timezone=tz)],
            parameters={"inbox_dir": nightly["inbox_dir"], "out_dir": nightly["out_dir"]},
            description="每晚数据校验 / nightly validation of the inbox", tags=["etdz"]))
    if "annual" in schedule:
        annual = dict(schedule["annual"])
        cron = annual.pop("cron")
        if "deliver" in annual:  # the friendlier name in the TOML
            annual["deliver_reports"] = annual.pop("deliver")
        deployments.append(annual_assessment.to_deployment(
            name="official", schedules=[Cron(cron, timezone=tz)], parameters=annual,
            description="正式年度考核 / the official yearly assessment", tags=["etdz"]))
    return deployments


def serve_all(path: Path | None = None) -> None:
    """Register the deployments and run their schedules until stopped (Ctrl-C / SIGTERM)."""
    serve_schedule(load_schedule(path))


def serve_schedule(schedule: dict[str, Any]) -> None:
    """Serve an already checked schedule (the command line checks it before Prefect starts)."""
    serve(*build_deployments(schedule))


def stop_process_group(proc: subprocess.Popen) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after 20 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@contextmanager
def running_prefect_server(home: Path, timeout: float = 180) -> Iterator[dict[str, str]]:
    """`prefect server start` on a free loopback port with its own PREFECT_HOME, as a
    scheduled setup runs one; yields the environment whose PREFECT_API_URL talks to it.

    Used by the deployment test and the benchmark's whole-flow runs. The server's output goes
    to home/server.log, which the error names if it does not answer within `timeout`.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(PREFECT_HOME=str(home), PREFECT_UI_ENABLED="false",
               PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "server.log"
    url = f"http://127.0.0.1:{port}/api"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        try:
            started = time.monotonic()
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() - started > timeout:
                    raise RuntimeError(f"Prefect 服务未能启动（{timeout:.0f} 秒内无响应），"
                                       f"见 {log_path}")
                time.sleep(0.5)
            yield {**env, "PREFECT_API_URL": url}
        finally:
            stop_process_group(server)
