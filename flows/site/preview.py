"""A zone's draft (草稿) report from the site, built through the report cache.

The inbox as it is now is read, validated and computed once per inbox version (about 2-3 s at
Guangxi's size, in the warm process); a zone's report is then planned like the yearly run plans
it (flows/reporting/planning.py) and looked up in the site's report cache by its content key:
a report whose inputs did not change is served from the cache, and after one zone's correction
only that zone's report (and those whose ranks moved) is rendered again, in a second or two.
Previews are never official: the run is not official, so every page is stamped 草稿.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows.ingest.folder import IngestResult
from flows.ingest.submissions import read_inbox_submissions
from flows.publication.provenance import describe_run
from flows.publication.warehouse import read_ledger
from flows.reporting.cache import cache_report
from flows.reporting.planning import plan_zone_reports
from flows.reporting.render import render_pdf_bytes
from flows.reporting.run_info import RunInfo
from flows.settings import Configs, today_in_china
from flows.site.inbox import read_inbox as read_inbox_build
from flows.site.store import WAREHOUSE_FILE
from flows.validation.validate import validate_step
from transforms.compute import compute_year
from transforms.findings import Finding, Severity, max_severity
from transforms.results import Results

PREVIEW_CACHE = "preview/.cache/reports"


class PreviewUnavailable(Exception):
    """The inbox cannot be computed yet (message in Chinese, for the page)."""


@dataclass(frozen=True)
class _Computed:
    build: Path
    results: Results
    findings: list[Finding]
    run: RunInfo


class Previewer:
    def __init__(self, root: Path, year: int, configs: Configs,
                 read_inbox: Callable[[], tuple[Path | None, IngestResult]] | None = None,
                 validation_lock: threading.Lock | None = None) -> None:
        self.root, self.year, self.configs = root, year, configs
        # the site passes its checker's cached read of the inbox (same frames, same suites)
        self.read_inbox = read_inbox or (lambda: read_inbox_build(root, year))
        # Great Expectations' suite cache is shared with the checks of uploads
        self._validation_lock = validation_lock or threading.Lock()
        self.cache_dir = root / PREVIEW_CACHE
        self._computed: _Computed | None = None
        self._lock = threading.Lock()
        self.last: dict[str, Any] = {}  # what the last preview cost, for the benchmark

    def _compute(self) -> _Computed:
        with self._validation_lock:
            build, ingested = self.read_inbox()
            if self._computed is not None and self._computed.build == build:
                return self._computed
            if build is None:
                raise PreviewUnavailable("收件箱还没有任何没有严重问题的提交，暂不能预览")
            findings = validate_step(ingested)
        if max_severity(findings) is Severity.CRITICAL:
            missing = sorted({f.dataset for f in findings if f.severity is Severity.CRITICAL})
            raise PreviewUnavailable(
                "收件箱汇总后的数据还有严重问题（涉及：" + "、".join(missing) +
                "），年度考核无法计算，暂不能预览；各数据集都提交且没有严重问题后即可预览")
        results = compute_year(ingested.frames, self.configs.policy, self.configs.methodology,
                               self.year, read_ledger(self.root / WAREHOUSE_FILE, self.year))
        run = describe_run(ingested.files, findings, self.configs, self.year, False,
                           today_in_china(), read_inbox_submissions(build))
        self._computed = _Computed(build, results, findings, run)
        return self._computed

    def zone_report(self, zone_id: str) -> Path:
        """The cached PDF of the zone's draft report, rendered first if its key is new."""
        with self._lock:
            computed = self._compute()
            for job in plan_zone_reports(computed.results, self.configs.policy, computed.run,
                                         computed.findings, only=zone_id):
                cached = self.cache_dir / f"{job.key}.pdf"
                self.last = {"zone_id": zone_id, "key": job.key, "rendered": False}
                if not cached.is_file():
                    self.cache_dir.mkdir(parents=True, exist_ok=True)
                    rendered = self.cache_dir / f".{job.key}.render"
                    rendered.write_bytes(render_pdf_bytes(job.template, job.context))
                    cache_report(self.cache_dir, job.key, rendered)
                    rendered.unlink(missing_ok=True)
                    self.last["rendered"] = True
                return cached
        raise PreviewUnavailable(f"园区 {zone_id} 不在本年度参评园区中（未登记、已退出或没有统计数据）")
