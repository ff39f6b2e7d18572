"""The report cache (out/.cache/reports/<key>.pdf): a PDF rendered once is reused by every later
run whose report has the same content key, linked into the staging folder as it is."""

from __future__ import annotations

import os
from pathlib import Path

from flows.files import link_or_copy
from flows.reporting.planning import RenderedReport, ReportJob

REPORT_CACHE = ".cache/reports"


def report_cache(out_dir: Path) -> Path:
    return out_dir / REPORT_CACHE


def cache_report(cache_dir: Path, key: str, rendered: Path) -> None:
    """Keep a rendered PDF under its content key; link first, so a kill never leaves half a file."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / f"{key}.pdf"
    if target.exists():
        return
    tmp = cache_dir / f".{key}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    link_or_copy(str(rendered), str(tmp))
    os.replace(tmp, target)


def reuse_report(cache_dir: Path, key: str, dest: Path) -> bool:
    cached = cache_dir / f"{key}.pdf"
    if not cached.is_file():
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    link_or_copy(str(cached), str(dest))
    return True


def prune_cache(cache_dir: Path, keep_keys: set[str]) -> None:
    """Drop cached PDFs no publication uses any more (keys of the current release only)."""
    if not cache_dir.is_dir():
        return
    for path in cache_dir.iterdir():
        if path.suffix == ".pdf" and path.stem not in keep_keys:
            path.unlink(missing_ok=True)
        elif path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)


def split_cached(jobs: list[ReportJob], staging: Path, cache_dir: Path | None
                 ) -> tuple[list[ReportJob], list[ReportJob]]:
    """(to render, reused): a cached PDF with the same key is linked into staging as it is."""
    todo, reused = [], []
    for job in jobs:
        if cache_dir is not None and reuse_report(cache_dir, job.key, staging / job.path):
            reused.append(job)
        else:
            todo.append(job)
    return todo, reused


def finish_reports(jobs: list[ReportJob], rendered: list[ReportJob], staging: Path,
                   cache_dir: Path | None) -> list[RenderedReport]:
    built = {j.path for j in rendered}
    if cache_dir is not None:
        for job in rendered:
            cache_report(cache_dir, job.key, staging / job.path)
    return [RenderedReport(j.path, j.key, j.report_id, "rebuilt" if j.path in built else "reused")
            for j in jobs]
