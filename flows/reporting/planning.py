"""Which PDFs a run publishes: one job per report, with its template, context and content key.

A report is keyed by the SHA-256 of everything that feeds it (its context, the templates, CSS,
fonts, the rendering code and the PDF libraries' versions): same key, same bytes, so a cached
PDF under that key is reused instead of rendered.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl

from flows.files import sha256_file
from flows.reporting.province_report import province_context
from flows.reporting.run_info import RunInfo
from flows.reporting.zone_report import zone_context
from flows.settings import TEMPLATE_DIR
from transforms.findings import Finding
from transforms.policy import PolicyConfig
from transforms.results import Results

# Pages of report_templates/ that no PDF uses: changing them must not re-render every report.
NOT_IN_PDFS = ("fix_list.html", "fix_list.css", "data_docs.html")
NOT_IN_PDFS_DIRS = ("site",)  # the submission site's pages


@dataclass(frozen=True)
class ReportJob:
    """One PDF to publish: its template, context, place in the publication and content key."""

    template: str
    context: dict[str, Any]
    path: str  # relative to the publication, e.g. reports/zones/GX-NN-01.pdf
    key: str  # sha256 of everything that feeds the PDF: same key, same bytes
    report_id: str


@dataclass(frozen=True)
class RenderedReport:
    path: str
    key: str
    report_id: str
    status: str  # rebuilt | reused


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str,
                      separators=(",", ":")).encode("utf-8")


@functools.cache
def renderer_digest() -> str:
    """Templates, CSS, fonts, the rendering code and the PDF libraries' versions, hashed once."""
    digest = hashlib.sha256()
    for path in sorted(TEMPLATE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.name not in NOT_IN_PDFS \
                and path.relative_to(TEMPLATE_DIR).parts[0] not in NOT_IN_PDFS_DIRS:
            digest.update(path.relative_to(TEMPLATE_DIR).as_posix().encode())
            digest.update(sha256_file(path).encode())
    for module in ("render.py", "charts.py"):
        path = Path(__file__).with_name(module)
        if path.is_file():
            digest.update(module.encode())
            digest.update(sha256_file(path).encode())
    for dist in ("weasyprint", "pydyf", "fonttools", "jinja2"):
        try:
            digest.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            pass
    return digest.hexdigest()


def _content_key(template: str, context: dict[str, Any]) -> str:
    return hashlib.sha256(template.encode() + b"\0" + renderer_digest().encode() + b"\0"
                          + _canonical(context)).hexdigest()


def zone_report_job(template: str, context: dict[str, Any], path: str) -> ReportJob:
    """A zone report keyed by its own inputs only, so it is re-rendered only when they change.

    The run id hashes every input file, and the provenance table lists every file's SHA-256:
    printed in a zone's report, any other zone's corrected figure would change this report's
    bytes too. So a zone report prints a report id instead (the first 16 hex digits of its
    content key) and points to the manifest, which maps each report id to the run id and all
    the input hashes; the province report, rebuilt on every change anyway, keeps the run id.
    """
    # New dicts for the two blocks that change; the rest is shared, never mutated (a deep copy
    # of every zone's context cost ~15 s at national scale).
    scoped = {**context,
              "provenance": {**context["provenance"], "run_id": "", "inputs": []},
              "doc": {**context["doc"], "run_id": ""}}
    key = _content_key(template, scoped)
    report_id = key[:16]
    scoped["provenance"]["run_id"] = report_id
    scoped["provenance"]["report_id"] = report_id
    scoped["doc"]["run_id"] = report_id  # feeds the PDF /ID
    return ReportJob(template, scoped, path, key, report_id)


# Result frames a zone report reads only its own rows of (zone_report.py filters them by
# zone_id). `scores` stays whole: a report counts the zones ranked beside it.
ZONE_SLICED = ("indicators", "targets", "score_details", "rewards", "supervision",
               "researcher_taxable", "zone_history", "rank_history")


def zone_views(results: Results, findings: list[Finding]
               ) -> Iterator[tuple[dict[str, Any], Results, list[Finding]]]:
    """Each assessed zone with the results cut to its rows, and its findings.

    The same rows, in the same order, as filtering the whole frames by zone_id, but split once:
    filtering every frame again for each of 2,730 zones took most of a minute.
    """
    parts = {name: getattr(results, name).partition_by("zone_id", as_dict=True,
                                                       maintain_order=True)
             for name in ZONE_SLICED}
    empty = {name: getattr(results, name).clear() for name in ZONE_SLICED}
    by_zone: dict[str, list[Finding]] = {}
    for f in findings:
        by_zone.setdefault(f.zone_id, []).append(f)
    for zone in results.assessed.iter_rows(named=True):
        key = (zone["zone_id"],)
        view = replace(results, **{n: parts[n].get(key, empty[n]) for n in ZONE_SLICED})
        yield zone, view, by_zone.get(zone["zone_id"], [])


def plan_zone_reports(results: Results, policy: PolicyConfig, run: RunInfo,
                      findings: list[Finding], only: str | None = None) -> list[ReportJob]:
    """Every zone's report, or `only` that zone's (the site's preview): the same context and
    content key either way, so a preview and a publication share the report cache's keys."""
    names = dict(results.assessed.select("zone_id", "zone_name").iter_rows())
    regional_total = results.scores.filter(pl.col("regional_rank").is_not_null()).height
    return [zone_report_job("zone.html",
                            zone_context(zone, view, policy, run, mine, names=names,
                                         regional_total=regional_total),
                            f"reports/zones/{zone['zone_id']}.pdf")
            for zone, view, mine in zone_views(results, findings)
            if only is None or zone["zone_id"] == only]


def plan_province_report(results: Results, policy: PolicyConfig, run: RunInfo,
                         findings: list[Finding]) -> ReportJob:
    ctx = province_context(results, policy, run, findings)
    return ReportJob("province.html", ctx, "reports/province.pdf",
                     _content_key("province.html", ctx), run.run_id)


def plan_reports(results: Results, policy: PolicyConfig, run: RunInfo,
                 findings: list[Finding]) -> list[ReportJob]:
    """Every zone's report, then the province report (the manifest's order)."""
    return [*plan_zone_reports(results, policy, run, findings),
            plan_province_report(results, policy, run, findings)]
