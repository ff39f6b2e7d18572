"""Scale-out: the same flow renders its reports on a Dask cluster (a local one here)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from prefect import flow

from flows.annual import render_report
from flows.cli import main as etdz
from flows.reporting import render
from flows.settings import DEMO_DATA_DIR
from tests.helpers import DEMO_REPORT_DATE, DEMO_YEAR, copy_publication

TO_RENDER = ("reports/zones/GX-QZ-01.pdf", "reports/zones/GX-LZ-02.pdf", "reports/province.pdf")


def test_reports_render_on_a_local_dask_cluster(published_demo: Path, tmp_path: Path) -> None:
    out = copy_publication(published_demo, tmp_path / "out")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    keys = {o["path"]: o["key"] for o in manifest["outputs"] if "key" in o}
    for path in TO_RENDER:  # forget three reports, so the cluster has work to do
        (out / ".cache" / "reports" / f"{keys[path]}.pdf").unlink()

    assert etdz(["assess", "--data", str(DEMO_DATA_DIR), "--year", str(DEMO_YEAR),
                 "--out", str(out), "--report-date", DEMO_REPORT_DATE,
                 "--task-runner", "dask", "--workers", "2"]) == 0

    again = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert again["reports"]["rebuilt"] == sorted(TO_RENDER)
    # Rendered in Dask worker processes, and still byte for byte what local processes made.
    assert [(o["path"], o["sha256"]) for o in again["outputs"]] == [
        (o["path"], o["sha256"]) for o in manifest["outputs"]]
    for path in TO_RENDER:
        assert hashlib.sha256((out / path).read_bytes()).hexdigest() == keys_sha(manifest, path)


def keys_sha(manifest: dict, path: str) -> str:
    return next(o["sha256"] for o in manifest["outputs"] if o["path"] == path)


def test_a_transient_render_failure_is_retried(prefect_server, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    calls: list[str] = []

    def flaky(template: str, context: dict) -> bytes:
        calls.append(template)
        if len(calls) == 1:
            raise OSError("暂时性故障：工作进程丢失")  # e.g. a worker lost mid-document
        return b"%PDF-1.7 rendered"

    monkeypatch.setattr(render, "render_pdf_bytes", flaky)

    @flow
    def one_report() -> bytes:
        return render_report.with_options(retry_delay_seconds=0)("zone.html", {}, "x.pdf")

    assert one_report() == b"%PDF-1.7 rendered"
    assert len(calls) == 2
