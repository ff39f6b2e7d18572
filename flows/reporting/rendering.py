"""The render stage: every report a run publishes, rendering only those not in the cache.

Two ways to render, chosen here: local processes (this one plus spawned workers), or, when the
flow runs on a Dask cluster, one task per report whose PDF bytes come back (workers need no
shared file system). Locally the province report, which changes on every run and is the
longest, starts at once in a process of its own while the zone reports are planned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from flows import stopping
from flows.reporting.cache import finish_reports, split_cached
from flows.reporting.parallel import render_jobs, start_early
from flows.reporting.planning import (
    RenderedReport,
    ReportJob,
    plan_province_report,
    plan_reports,
    plan_zone_reports,
)
from flows.reporting.run_info import RunInfo
from transforms.findings import Finding
from transforms.policy import PolicyConfig
from transforms.results import Results

# Renders jobs into the staging folder on local processes (the flow passes a retried task).
LocalRenderer = Callable[[list[ReportJob], Path, "int | None"], None]
# Renders jobs elsewhere and returns each one's PDF bytes, in order.
RemoteRenderer = Callable[[list[ReportJob]], list[bytes]]


def render_all(results: Results, policy: PolicyConfig, run: RunInfo, findings: list[Finding],
               staging: Path, cache_dir: Path | None, workers: int | None = None, *,
               local: LocalRenderer = render_jobs,
               remote: RemoteRenderer | None = None,
               log: logging.Logger | logging.LoggerAdapter | None = None,
               ) -> list[RenderedReport]:
    """Every zone's PDF, then the province's (the manifest's order), in staging/reports/.
    `log` is the run's logger, for the one warning this may give."""
    if remote is not None:
        jobs = plan_reports(results, policy, run, findings)
        todo, _ = split_cached(jobs, staging, cache_dir)
        if todo:
            for job, pdf in zip(todo, remote(todo), strict=True):
                target = staging / job.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(pdf)
        return finish_reports(jobs, todo, staging, cache_dir)

    province = plan_province_report(results, policy, run, findings)
    early = start_early(province, staging) if split_cached([province], staging, cache_dir)[0] \
        else None
    try:
        zone_jobs = plan_zone_reports(results, policy, run, findings)
        todo, _ = split_cached(zone_jobs, staging, cache_dir)
        if todo:
            local(todo, staging, workers)
    except BaseException as exc:
        if early is not None and not isinstance(exc, Exception):
            # A stop: the province report's process would otherwise keep the run alive
            # until it finishes (half a minute at national scale).
            stopping.terminate_workers()
            early[0].shutdown(wait=False, cancel_futures=True)
        raise
    if early is not None:
        pool, future = early
        try:
            future.result()
        except Exception as exc:  # a crashed process: rendered again, as any failed render is
            (log or logging.getLogger(__name__)).warning("省级报告提前生成失败（%r），重新生成", exc)
            local([province], staging, workers)
        finally:
            pool.shutdown()
        todo.append(province)
    return finish_reports([*zone_jobs, province], todo, staging, cache_dir)


def render_step(results: Results, policy: PolicyConfig, run: RunInfo, staging: Path,
                findings: list[Finding], workers: int | None = None,
                cache_dir: Path | None = None) -> list[RenderedReport]:
    """Every zone's PDF and the province PDF, all in local processes, none rendered early."""
    jobs = plan_reports(results, policy, run, findings)
    todo, _ = split_cached(jobs, staging, cache_dir)
    render_jobs(todo, staging, workers)
    return finish_reports(jobs, todo, staging, cache_dir)
