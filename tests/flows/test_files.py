"""Builds behind a link (flows/files.py): the nightly latest/ and the site's inbox are each
written into a new numbered folder and switched to in one rename; a few are kept."""

from __future__ import annotations

import os
from pathlib import Path

from flows.files import new_build, switch_to_build


def test_builds_are_numbered_switched_and_pruned_whatever_else_is_there(tmp_path: Path) -> None:
    builds = tmp_path / ".builds"
    builds.mkdir()
    (builds / "2025-old").mkdir()  # a folder someone left: no number, never a crash
    (builds / "2024-7").mkdir()  # another year's build: not counted, not pruned
    link = tmp_path / "2025"
    made = []
    for _ in range(4):
        build = new_build(builds, "2025", among="2025-*")
        (build / "data.csv").write_text(build.name, encoding="utf-8")
        switch_to_build(link, build, keep=3, among="2025-*")
        made.append(build.name)
        assert (link / "data.csv").read_text(encoding="utf-8") == build.name
    assert made == ["2025-1", "2025-2", "2025-3", "2025-4"]
    assert os.readlink(link) == ".builds/2025-4"
    # the three newest of 2025 are kept; the stray folder, numbered 0, went first
    assert sorted(p.name for p in builds.iterdir()) == ["2024-7", "2025-2", "2025-3", "2025-4"]
