"""Publishing: atomic as a whole, one run per folder, and a killed run harms nothing."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.cli import main as etdz
from flows.publication import releases
from flows.publication.lock import publication_lock
from flows.settings import DEMO_DATA_DIR, PROJECT_ROOT
from tests.helpers import DEMO_REPORT_DATE, DEMO_YEAR, copy_publication


def snapshot(out: Path) -> dict[str, str]:
    """What a user sees through the documented paths: every file's hash, plus where current points."""
    seen = {"current ->": os.readlink(out / "current")}
    for name in releases.PUBLISHED:
        root = out / name
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            seen[path.relative_to(out).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return seen


def assess(out: Path, *extra: str) -> int:
    return etdz(["assess", "--data", str(DEMO_DATA_DIR), "--year", str(DEMO_YEAR),
                 "--out", str(out), "--report-date", DEMO_REPORT_DATE, *extra])


def test_documented_paths_go_through_one_current_symlink(published_demo: Path) -> None:
    out = published_demo
    assert os.readlink(out / "current").startswith("releases/")
    for name in releases.PUBLISHED:
        assert os.readlink(out / name) == f"current/{name}"  # relative: the folder can move
    assert (out / "reports" / "zones" / "GX-QZ-01.pdf").is_file()
    assert not list(out.glob(".staging-*"))


def test_publish_release_flips_current_and_keeps_three_releases(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    published = []
    for i in range(5):
        staging = releases.new_staging(out, f"run{i}")
        (staging / "results").mkdir()
        (staging / "results" / "x.csv").write_text(f"v{i}\n")
        (staging / "manifest.json").write_text(f'{{"run": {i}}}\n')
        published.append(releases.publish_release(staging, out, f"run{i}"))
        assert (out / "results" / "x.csv").read_text() == f"v{i}\n"
        assert (out / "current").resolve() == published[-1].resolve()
    left = sorted(p.name for p in (out / "releases").iterdir())
    assert left == sorted(r.name for r in published[-3:])


def test_a_folder_copied_without_symlinks_is_adopted_as_a_release(tmp_path: Path) -> None:
    out = tmp_path / "old"
    (out / "results").mkdir(parents=True)
    (out / "results" / "x.csv").write_text("old\n")
    (out / "manifest.json").write_text("{}\n")
    adopted = releases.adopt_legacy(out)
    assert adopted is not None and (out / "current").is_symlink()
    assert (out / "results" / "x.csv").read_text() == "old\n"
    assert releases.adopt_legacy(out) is None  # already a release layout


def test_a_second_run_on_the_same_folder_is_refused(published_demo: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = copy_publication(published_demo, tmp_path / "out")
    before = snapshot(out)
    with publication_lock(out):  # as if another run were publishing right now
        assert assess(out) != 0
    err = capsys.readouterr().err
    assert "正在被另一次考核运行使用" in err and str(os.getpid()) in err
    assert snapshot(out) == before


def test_a_run_killed_mid_render_leaves_the_last_publication_and_the_next_run_completes(
    published_demo: Path, tmp_path: Path, prefect_api_env: dict[str, str]
) -> None:
    out = copy_publication(published_demo, tmp_path / "out")
    before = snapshot(out)
    # Another report date: every report has to be rendered again, so the kill lands mid-render.
    cmd = [sys.executable, "-m", "flows.cli", "assess", "--data", str(DEMO_DATA_DIR),
           "--year", str(DEMO_YEAR), "--out", str(out), "--report-date", "2026-02-01",
           "--workers", "1"]
    log = (tmp_path / "killed.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=prefect_api_env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not list(out.glob(".staging-*/reports/zones/*.pdf")):
            assert proc.poll() is None, (tmp_path / "killed.log").read_text()
            assert time.monotonic() < deadline, "no report was rendered within 300 s"
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole group: the run and its render workers
        proc.wait(timeout=30)
        log.close()
    assert list(out.glob(".staging-*"))  # it really died half-way
    assert snapshot(out) == before  # ... and users still see the last good publication

    assert assess(out) == 0
    assert not list(out.glob(".staging-*"))  # the dead run's leftovers are cleaned up
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["reports"]["rebuilt"] == []  # same inputs as the last publication
    after = snapshot(out)
    assert {k: v for k, v in after.items() if k.startswith(("results/", "reports/"))} == {
        k: v for k, v in before.items() if k.startswith(("results/", "reports/"))}
