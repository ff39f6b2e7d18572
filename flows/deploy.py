"""The department's schedules as Prefect deployments (`etdz serve`, or workers via prefect.yaml).

- `nightly_validation/nightly`: every night at 02:00, so data staff find the fix list in the
  morning;
- `annual_assessment/official`: the official run on a configurable yearly date; the year it
  assesses defaults to the year before the run date.

Both in Asia/Shanghai: Prefect evaluates cron in the schedule's time zone, so 02:00 stays 02:00
Beijing time whatever the server's clock zone is.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

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
    from prefect.schedules import Cron

    from flows.annual import annual_assessment
    from flows.nightly import nightly_validation

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
    from prefect import serve

    serve(*build_deployments(load_schedule(path)))
