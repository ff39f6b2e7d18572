"""Rendering many PDFs at once: in local processes (this one plus spawned workers that import
only the renderer), or one task per report on a Dask cluster."""

from __future__ import annotations

import collections
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from flows import stopping
from flows.reporting.planning import ReportJob


def _pool(workers: int) -> ProcessPoolExecutor:
    """Spawned render workers (spawn, not fork: the Prefect engine runs threads, and forking a
    threaded process is unsafe), deaf to Ctrl-C: a stop is the run's to handle, which ends
    them (stopping.terminate_workers) instead of letting each print a traceback."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                               initializer=stopping.ignore_interrupts)


def _stopping(exc: BaseException) -> bool:
    """Ctrl-C, SIGTERM (Prefect's TerminationSignal) or exit: not a report's failure."""
    return not isinstance(exc, Exception)


def start_early(job: ReportJob, staging: Path) -> tuple[ProcessPoolExecutor, Any]:
    """Render one report in a process of its own now, while this process goes on planning.

    The province report changes on every run and is the longest to render (about 35 s of CPU
    at national scale); planning the 2,700 zone reports takes about as long. Overlapping the
    two is most of what an incremental national run can still save."""
    target = staging / job.path
    target.parent.mkdir(parents=True, exist_ok=True)
    from flows.reporting.render import render_job  # WeasyPrint only once something renders

    # render_job is pickled by reference: the spawned process imports the renderer only.
    pool = _pool(1)
    return pool, pool.submit(render_job, (job.template, job.context, str(target)))


def render_jobs(jobs: list[ReportJob], staging: Path, workers: int | None = None) -> None:
    """Render in ``workers`` processes: this one plus ``workers - 1`` spawned ones.

    Each PDF is one to three seconds of one core. The jobs go out longest first, one at a time
    to whichever process is free, and this process renders too instead of waiting, so a run
    with N processes pays for N - 1 worker start-ups. Workers run render.render_job,
    so they import the renderer only, never Prefect.
    """
    def estimated_cost(job: ReportJob) -> int:
        """Rows the report prints, roughly: its lists of records, one level of nesting deep.
        Longest first, so that no process is left alone with the province report (thousands
        of rows at national scale) at the end of the run."""
        rows = 0
        for key, value in job.context.items():
            for item in (value.values() if isinstance(value, dict) else [value]):
                if isinstance(item, list) and key != "attachments":
                    rows += len(item)
        return rows

    from flows.reporting.render import render_job  # WeasyPrint only once something renders

    todo = [(j.template, j.context, str(staging / j.path))
            for j in sorted(jobs, key=lambda j: -estimated_cost(j))]  # stable for equal costs
    for _, _, path in todo:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    workers = min(workers or os.cpu_count() or 1, len(todo))
    if workers <= 1:
        for job in todo:
            render_job(job)
        return
    queue = collections.deque(todo)
    lock = threading.Lock()

    def take() -> tuple[str, dict[str, Any], str] | None:
        with lock:
            return queue.popleft() if queue else None

    def give_up() -> None:  # after a failure: finish what is running, start nothing new
        with lock:
            queue.clear()

    def feed(pool: ProcessPoolExecutor, running: Future[str]) -> None:
        """Keep one worker process busy: hand it the next job as soon as it is done."""
        try:
            running.result()
            while (job := take()) is not None:
                pool.submit(render_job, job).result()
        except BaseException:
            give_up()
            raise

    with (_pool(workers - 1) as pool,
          ThreadPoolExecutor(max_workers=workers - 1, thread_name_prefix="render-feed") as feeders):
        job = take()  # the longest job is ours: a worker needs a few seconds to start
        # Each submit starts a worker process (it copies this process's environment as it
        # starts), so all are started here, before this process renders: rendering sets
        # SOURCE_DATE_EPOCH for a moment (render.py), and a worker started then would
        # stamp its fonts with this report's date instead of its own.
        started = [pool.submit(render_job, next_job)
                   for next_job in (take() for _ in range(workers - 1)) if next_job is not None]
        feeding = [feeders.submit(feed, pool, running) for running in started]
        try:
            while job is not None:
                render_job(job)
                job = take()
        except BaseException as exc:
            give_up()
            if _stopping(exc):  # end the workers now rather than wait for their reports
                stopping.terminate_workers()
            raise
        for done in feeding:
            done.result()  # a worker's error, re-raised here
