"""Publishing a run into an output folder: all at once, or not at all.

Layout of an output folder::

    out/
      releases/<release>/{results,reports,validation,manifest.json}   one folder per publication
      current -> releases/<release>       the publication in force; flipped by one rename
      results -> current/results          the documented paths, fixed symlinks that never change
      reports -> current/reports
      validation -> current/validation
      manifest.json -> current/manifest.json
      .staging-<run id>/                  the run being built (never read by users)
      .cache/reports/<key>.pdf            rendered reports by content key (incremental runs)
      .lock                               held by the running run (flock)

Why a `current` symlink: replacing four entries one by one leaves a moment (or, after a kill,
for good) where results and reports come from different runs. ``os.replace`` of a symlink is
one atomic rename on POSIX, so a reader sees either the old publication or the new one.
The symlinks are relative, so the folder can be copied or moved (``cp -a``, ``rsync -l``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

from flows.files import link_or_copy, replace_symlink
from flows.publication.manifest import write_manifest
from flows.reporting.cache import prune_cache, report_cache

PUBLISHED = ("results", "reports", "validation", "manifest.json")
RELEASES = "releases"
CURRENT = "current"
STAGING_PREFIX = ".staging-"
# The publication in force plus two before it: enough to compare with or roll back to by hand
# (`ln -sfn releases/<older> current`), without keeping every year's PDFs forever.
KEEP_RELEASES = 3


def clean_stale_staging(out_dir: Path) -> list[Path]:
    """Remove the staging folders of runs that died; only call while holding the lock."""
    stale = [p for p in out_dir.glob(f"{STAGING_PREFIX}*") if p.is_dir()]
    stale += [p for p in out_dir.glob(".current-*") if p.is_symlink()]
    for path in stale:
        if path.is_symlink():
            path.unlink()
        else:
            shutil.rmtree(path, ignore_errors=True)
    return stale


def new_staging(out_dir: Path, run_id: str) -> Path:
    staging = out_dir / f"{STAGING_PREFIX}{run_id}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def current_release(out_dir: Path) -> Path | None:
    """The folder of the publication in force, or None before the first one."""
    current = out_dir / CURRENT
    if current.is_symlink() and current.resolve().is_dir():
        return current.resolve()
    return None


def current_run_id(out_dir: Path) -> str | None:
    """The run whose release is in force (its folder is named <time>-<run id>); None before
    the first publication or for a folder adopted from the old layout."""
    release = current_release(out_dir)
    if release is None or release.name.startswith("legacy-"):
        return None
    return release.name.split("-", 1)[-1]  # the time stamp holds no "-"


def release_name(run_id: str) -> str:
    # Time first so `ls releases/` reads in publication order; the run id says what it holds.
    # The name never appears inside any output, so outputs stay byte-identical across runs.
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{run_id}"


def adopt_legacy(out_dir: Path) -> Path | None:
    """Turn a folder written before releases existed (or copied without keeping symlinks) into
    a release, so the next publication can replace it atomically. Call while holding the lock."""
    current = out_dir / CURRENT
    real = [out_dir / n for n in PUBLISHED
            if (out_dir / n).exists() and not (out_dir / n).is_symlink()]
    if current.is_symlink() and not real:
        return None
    if not real and not current.exists():
        return None
    release = out_dir / RELEASES / f"legacy-{release_name('adopted')}"
    release.parent.mkdir(parents=True, exist_ok=True)
    if current.exists() and not current.is_symlink():
        current.rename(release)  # a copied release: its entries are the real ones
        extra = release / ".replaced-entries"
        for path in real:
            extra.mkdir(exist_ok=True)
            path.rename(extra / path.name)
    else:
        release.mkdir()
        for path in real:
            path.rename(release / path.name)
    replace_symlink(current, f"{RELEASES}/{release.name}")
    _link_entries(out_dir)
    return release


def _link_entries(out_dir: Path) -> None:
    for name in PUBLISHED:
        link = out_dir / name
        want = f"{CURRENT}/{name}"
        if not (link.is_symlink() and os.readlink(link) == want):
            replace_symlink(link, want)


def _fsync_tree(root: Path) -> None:
    """Flush the release to disk before it becomes current, so a power cut cannot publish holes."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def publish_release(staging: Path, out_dir: Path, run_id: str) -> Path:
    """Move the finished staging folder into releases/ and make it current in one step."""
    releases = out_dir / RELEASES
    releases.mkdir(parents=True, exist_ok=True)
    _fsync_tree(staging)
    release = releases / release_name(run_id)
    staging.rename(release)
    replace_symlink(out_dir / CURRENT, f"{RELEASES}/{release.name}")
    _link_entries(out_dir)  # only the first publication creates them; then they never change
    prune_releases(out_dir)
    return release


def carry_over(previous: Path | None, staging: Path, names: tuple[str, ...]) -> None:
    """Hard-link the previous publication's entries into staging (cheap, byte-identical)."""
    if previous is None:
        return
    for name in names:
        src = previous / name
        if src.is_dir():
            shutil.copytree(src, staging / name, copy_function=link_or_copy)
        elif src.is_file():
            link_or_copy(str(src), str(staging / name))


def prune_releases(out_dir: Path, keep: int = KEEP_RELEASES) -> list[Path]:
    releases = out_dir / RELEASES
    current = current_release(out_dir)
    ordered = sorted((p for p in releases.iterdir() if p.is_dir()), key=lambda p: p.name,
                     reverse=True)
    removed = []
    for path in ordered[keep:]:
        if path.resolve() != current:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def publish(staging: Path, out_dir: Path, manifest: dict[str, Any]) -> Path:
    """Make the staged publication current in one atomic step; returns the release folder.

    The manifest is written last into staging; the release becomes visible only after that.
    """
    write_manifest(staging, manifest)
    release = publish_release(staging, out_dir, manifest["run_id"])
    # The cache keeps what the publication in force uses: the next run reuses those.
    prune_cache(report_cache(out_dir), {o["key"] for o in manifest["outputs"] if "key" in o})
    return release
