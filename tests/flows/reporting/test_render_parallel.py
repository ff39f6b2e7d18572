"""Rendering a run's reports (render_jobs): several processes, the same bytes.

render_jobs renders in this process and in spawned workers, longest report first; a worker
imports the renderer only. Each render is one or two seconds and a worker start-up a few more,
so the jobs here are few and small.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jinja2
import pydyf
import pytest

from flows.reporting import render
from flows.reporting.parallel import render_jobs
from flows.reporting.planning import ReportJob
from flows.reporting.render import render_pdf_bytes
from tests.helpers import sample_province_context, sample_zone_context


def jobs() -> list[ReportJob]:
    zones = [ReportJob("zone.html", sample_zone_context(name), f"reports/zones/{i}.pdf", "", "")
             for i, name in enumerate(["南宁经济技术开发区", "钦州港经济技术开发区"])]
    province = sample_province_context()
    province["zones"] = [dict(z, no=i + 1) for i, z in enumerate(province["zones"] * 10)]
    return [*zones, ReportJob("province.html", province, "reports/province.pdf", "", "")]


def test_two_processes_write_the_bytes_of_one(tmp_path: Path) -> None:
    todo = jobs()
    # Different report dates: each PDF's embedded fonts carry its own (render.py pins
    # fontTools' clock to it while writing), whichever process renders it.
    todo[0].context["doc"]["report_date"] = "2026-02-01"
    render_jobs(todo, tmp_path, workers=2)
    for job in todo:
        assert (tmp_path / job.path).read_bytes() == render_pdf_bytes(job.template, job.context)


def test_longest_report_goes_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    done: list[str] = []
    monkeypatch.setattr(render, "render_job", lambda job: done.append(Path(job[2]).name))
    render_jobs(jobs(), tmp_path, workers=1)
    assert done == ["province.pdf", "0.pdf", "1.pdf"]  # equal estimates keep their order


def test_a_failing_report_fails_the_run(tmp_path: Path) -> None:
    broken = [*jobs()[:2], ReportJob("missing.html", {}, "reports/x.pdf", "", "")]
    with pytest.raises(jinja2.TemplateNotFound):
        render_jobs(broken, tmp_path, workers=2)


def test_a_render_worker_does_not_import_prefect() -> None:
    # What a spawned worker imports to run render.render_job: Prefect would cost every
    # worker about 3 s of CPU before its first report.
    probe = "import sys, flows.reporting.render; print('prefect' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=Path(render.__file__).parents[2])
    assert out.stdout.strip() == "False"


def test_page_references_are_built_once_and_follow_new_pages() -> None:
    # render.py caches pydyf's page reference list (tagging read it once per box).
    pdf = pydyf.PDF()
    for _ in range(3):
        pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    references = pdf.page_references
    assert references is pdf.page_references
    assert references == tuple(f"{n} 0 R".encode() for n in pdf.pages["Kids"][::3])
    pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    assert len(pdf.page_references) == 4

