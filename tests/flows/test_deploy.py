"""Schedules: a real Prefect server, `etdz serve`, and one run triggered through the API.

Everything runs on 127.0.0.1 with its own PREFECT_HOME, and every wait is bounded.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.deploy import (
    build_deployments,
    load_schedule,
    running_prefect_server,
    stop_process_group,
)
from flows.settings import DEMO_DATA_DIR, PROJECT_ROOT, ExitStatus

TRIGGER = """
import json, sys, time
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment

deadline = time.monotonic() + 120
with get_client(sync_client=True) as client:
    while True:  # `etdz serve` registers the deployments once it has started
        try:
            deployments = [client.read_deployment_by_name(n)
                           for n in ("nightly_validation/nightly", "annual_assessment/official")]
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
schedules = {d.name: [(s.schedule.cron, s.schedule.timezone) for s in d.schedules]
             for d in deployments}
run = run_deployment("nightly_validation/nightly", timeout=240, poll_interval=1)
print(json.dumps({"schedules": schedules, "state": run.state.type.value,
                  "message": run.state.message}))
"""


@pytest.fixture
def prefect_server_process(tmp_path: Path) -> Iterator[dict[str, str]]:
    """`prefect server start` on a free loopback port; yields the environment that talks to it."""
    started = time.monotonic()
    with running_prefect_server(tmp_path / "prefect-home", timeout=120) as env:
        print(f"prefect server answered after {time.monotonic() - started:.1f} s")
        yield env


def test_schedule_config_gives_both_deployments_in_beijing_time() -> None:
    deployments = {d.name: d for d in build_deployments(load_schedule())}
    assert set(deployments) == {"nightly", "official"}
    nightly = deployments["nightly"].schedules[0].schedule
    assert (nightly.cron, nightly.timezone) == ("0 2 * * *", "Asia/Shanghai")
    official = deployments["official"]
    assert official.schedules[0].schedule.timezone == "Asia/Shanghai"
    assert official.parameters["official"] is True


def test_served_deployment_runs_when_triggered_through_the_api(
    prefect_server_process: dict[str, str], tmp_path: Path
) -> None:
    env = prefect_server_process
    nightly_out = tmp_path / "nightly"
    schedule = tmp_path / "schedule.toml"
    schedule.write_text(f"""
timezone = "Asia/Shanghai"
[nightly]
cron = "0 2 * * *"
inbox_dir = "{DEMO_DATA_DIR}"
out_dir = "{nightly_out}"
[annual]
cron = "0 9 1 3 *"
data_dir = "{DEMO_DATA_DIR}"
out_dir = "{tmp_path / 'published'}"
official = true
""", encoding="utf-8")
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", "--schedule",
                              str(schedule)], cwd=PROJECT_ROOT, env=env, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)
    try:
        started = time.monotonic()
        trigger = subprocess.run([sys.executable, "-c", TRIGGER], cwd=PROJECT_ROOT, env=env,
                                 capture_output=True, text=True, timeout=420)
        print(f"registered + triggered nightly run: {time.monotonic() - started:.1f} s")
        assert trigger.returncode == 0, trigger.stderr[-3000:] + (tmp_path / "serve.log"
                                                                  ).read_text()[-3000:]
        outcome = json.loads(trigger.stdout.strip().splitlines()[-1])
        # The operator stops the service (systemd sends SIGTERM): promptly, and says so.
        sent = time.monotonic()
        serve.send_signal(signal.SIGTERM)
        code = serve.wait(timeout=120)
        took = time.monotonic() - sent
        print(f"etdz serve stopped {took:.1f} s after SIGTERM")
    finally:
        stop_process_group(serve)
        log.close()
    printed = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert code == ExitStatus.STOPPED and took < 60, (took, printed[-3000:])
    assert "■ 已停止计划服务（etdz serve）" in printed and "Traceback" not in printed
    assert outcome["schedules"] == {"nightly": [["0 2 * * *", "Asia/Shanghai"]],
                                    "official": [["0 9 1 3 *", "Asia/Shanghai"]]}
    assert outcome["state"] == "COMPLETED", outcome
    assert any(nightly_out.rglob("fix_list.csv"))  # the served run did its work
