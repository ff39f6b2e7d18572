"""The yearly assessment, read top to bottom as a recipe: ingest, validate, compute, render, publish.

Each step is a Prefect task so a scheduled run shows where it is and where it stopped. The
steps' bodies are plain functions (`*_step`) that tests call directly without the engine.
Everything is written into a staging folder first and moved into place only at the end, so a
failed run never leaves half a publication behind.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import hashlib
import json
import os
import platform
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import polars as pl

from flows.findings import Finding, Severity, max_severity
from flows.ingest import IngestResult, InputFile, ingest_folder
from flows.publish import (  # noqa: F401  (PUBLISHED: the documented entries)
    PUBLISHED,
    PublicationBusy,
    adopt_legacy,
    cache_report,
    carry_over,
    clean_stale_staging,
    current_release,
    new_staging,
    prune_cache,
    publication_lock,
    publish_release,
    report_cache,
    reuse_report,
)
from flows.report_context import RunInfo, province_context, zone_context
from flows.settings import (
    DEFAULT_METHODOLOGY,
    DEFAULT_POLICY,
    PROJECT_ROOT,
    TEMPLATE_DIR,
    load_methodology,
    load_policy,
)
from flows.validate import (
    preload_great_expectations,
    summarise,
    validate_step,
    write_validation,
)
from transforms.contract import DATASETS, empty_frame
from transforms.indicators import assessed_zones, zone_indicators
from transforms.methodology import MethodologyConfig
from transforms.policy import PolicyConfig
from transforms.rewards import all_rewards, researcher_taxable_amounts
from transforms.scores import (
    ScoringCache,
    composite_scores,
    rank_robustness,
    regional_last_history,
    score_explanation,
)
from transforms.supervision import supervision_actions
from transforms.targets import province_targets, zone_targets

# results/<name>.csv, in the order the contract lists them, then the supporting tables.
RESULT_FILES = ("indicators", "targets", "scores", "rewards", "supervision",
                "province_targets", "score_details", "rank_robustness", "researcher_taxable")


@dataclass
class Results:
    year: int
    assessed: pl.DataFrame
    indicators: pl.DataFrame
    targets: pl.DataFrame
    province_targets: pl.DataFrame
    scores: pl.DataFrame
    score_details: pl.DataFrame  # per zone and indicator: why this score
    rank_robustness: pl.DataFrame
    regional_history: pl.DataFrame  # regional ranking of the years supervision looks back on
    rewards: pl.DataFrame
    supervision: pl.DataFrame
    researcher_taxable: pl.DataFrame
    # For the reports' trend and rank charts: zone_stats and national_rankings up to year Y, as
    # accepted by validation (inputs, hashed in the manifest; not re-published as results).
    zone_history: pl.DataFrame = field(default_factory=pl.DataFrame)
    rank_history: pl.DataFrame = field(default_factory=pl.DataFrame)
    # The scoring method applied, so the reports can explain it in words.
    methodology: MethodologyConfig | None = None


# ---------------------------------------------------------------------------------------------
# Steps as plain functions
# ---------------------------------------------------------------------------------------------


def ingest_step(data_dir: Path) -> IngestResult:
    return ingest_folder(data_dir)


def frame(ingested: IngestResult, name: str) -> pl.DataFrame:
    """A dataset's accepted rows; an optional dataset nobody submitted reads as empty."""
    return ingested.frames.get(name, empty_frame(name))


def compute_step(ingested: IngestResult, policy: PolicyConfig, methodology: MethodologyConfig,
                 year: int, ledger: pl.DataFrame | None = None) -> Results:
    frames = {name: frame(ingested, name) for name in DATASETS}
    zones, zone_stats = frames["zones"], frames["zone_stats"]
    city_stats, rankings = frames["city_stats"], frames["national_rankings"]
    scoring = (zones, zone_stats, city_stats, rankings, methodology)
    # Each year is scored once and shared by the scores, their explanation, the robustness
    # check and the last-place history (year Y is in all four).
    cache = ScoringCache()
    # "Last three years running" looks back on the rankings of Y-2 and Y-1 as well.
    look_back = range(year - policy.supervision.exit_after_years_last + 1, year + 1)
    history = regional_last_history(*scoring, years=list(look_back), cache=cache)
    return Results(
        year=year,
        assessed=assessed_zones(zones, year),
        indicators=zone_indicators(zones, zone_stats, city_stats, year, policy.base_year),
        targets=zone_targets(zones, zone_stats, city_stats, rankings, policy, year),
        province_targets=province_targets(zones, policy, year),
        scores=composite_scores(*scoring, year, cache=cache),
        score_details=score_explanation(*scoring, year, cache=cache),
        rank_robustness=rank_robustness(*scoring, year, cache=cache),
        regional_history=history,
        rewards=all_rewards(frames, policy, year, ledger),  # ledger: flows/warehouse.py
        supervision=supervision_actions(zones, zone_stats, rankings, history, policy, year),
        researcher_taxable=researcher_taxable_amounts(frames["researcher_rewards"], policy, year),
        zone_history=zone_stats.filter(pl.col("year") <= year).select(pl.exclude("^_.*$")),
        rank_history=rankings.filter(pl.col("year") <= year).select(pl.exclude("^_.*$")),
        methodology=methodology,
    )


def _render_one(job: tuple[str, dict[str, Any], str]) -> str:
    from flows.render import render_job

    return render_job(job)


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
        if path.is_file() and "__pycache__" not in path.parts:
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


# Result frames a zone report reads only its own rows of (flows/report_context.py filters them
# by zone_id). `scores` stays whole: a report counts the zones ranked beside it.
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
                      findings: list[Finding]) -> list[ReportJob]:
    names = dict(results.assessed.select("zone_id", "zone_name").iter_rows())
    regional_total = results.scores.filter(pl.col("regional_rank").is_not_null()).height
    return [zone_report_job("zone.html",
                            zone_context(zone, view, policy, run, mine, names=names,
                                         regional_total=regional_total),
                            f"reports/zones/{zone['zone_id']}.pdf")
            for zone, view, mine in zone_views(results, findings)]


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


def start_early(job: ReportJob, staging: Path) -> tuple[ProcessPoolExecutor, Any]:
    """Render one report in a process of its own now, while this process goes on planning.

    The province report changes on every run and is the longest to render (about 35 s of CPU
    at national scale); planning the 2,700 zone reports takes about as long. Overlapping the
    two is most of what an incremental national run can still save."""
    target = staging / job.path
    target.parent.mkdir(parents=True, exist_ok=True)
    from flows.render import render_job  # by reference: the process imports the renderer only

    pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
    return pool, pool.submit(render_job, (job.template, job.context, str(target)))


def render_jobs(jobs: list[ReportJob], staging: Path, workers: int | None = None) -> None:
    """Render in ``workers`` processes: this one plus ``workers - 1`` spawned ones.

    Each PDF is one to three seconds of one core. The jobs go out longest first, one at a time
    to whichever process is free, and this process renders too instead of waiting, so a run
    with N processes pays for N - 1 worker start-ups. Workers run flows.render.render_job,
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

    todo = [(j.template, j.context, str(staging / j.path))
            for j in sorted(jobs, key=lambda j: -estimated_cost(j))]  # stable for equal costs
    for _, _, path in todo:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    workers = min(workers or os.cpu_count() or 1, len(todo))
    if workers <= 1:
        for job in todo:
            _render_one(job)
        return
    from flows.render import render_job  # lazy: WeasyPrint only when something is rendered

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

    # spawn, not fork: the Prefect engine runs threads, and forking a threaded process is unsafe.
    with (ProcessPoolExecutor(max_workers=workers - 1, mp_context=get_context("spawn")) as pool,
          ThreadPoolExecutor(max_workers=workers - 1, thread_name_prefix="render-feed") as feeders):
        job = take()  # the longest job is ours: a worker needs a few seconds to start
        # Each submit starts a worker process (it copies this process's environment as it
        # starts), so all are started here, before this process renders: rendering sets
        # SOURCE_DATE_EPOCH for a moment (flows/render.py), and a worker started then would
        # stamp its fonts with this report's date instead of its own.
        started = [pool.submit(render_job, next_job)
                   for next_job in (take() for _ in range(workers - 1)) if next_job is not None]
        feeding = [feeders.submit(feed, pool, running) for running in started]
        try:
            while job is not None:
                _render_one(job)
                job = take()
        except BaseException:
            give_up()
            raise
        for done in feeding:
            done.result()  # a worker's error, re-raised here


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


def render_step(results: Results, policy: PolicyConfig, run: RunInfo, staging: Path,
                findings: list[Finding], workers: int | None = None,
                cache_dir: Path | None = None) -> list[RenderedReport]:
    """Every zone's PDF and the province PDF; only those whose content key is not cached."""
    jobs = plan_reports(results, policy, run, findings)
    todo, _ = split_cached(jobs, staging, cache_dir)
    render_jobs(todo, staging, workers)
    return finish_reports(jobs, todo, staging, cache_dir)


def write_results(results: Results, staging: Path, run: RunInfo | None = None) -> list[Path]:
    from flows.excel import write_assessment_workbook

    out = staging / "results"
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in RESULT_FILES:
        path = out / f"{name}.csv"
        getattr(results, name).write_csv(path, float_precision=6)
        paths.append(path)
    # The same tables for staff who work in Excel; `run` puts the run id and date on its cover.
    paths.append(write_assessment_workbook(results, out / "assessment.xlsx", run))
    return paths


# ---------------------------------------------------------------------------------------------
# Provenance
# ---------------------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def code_version() -> str:
    """The package version, plus the git commit when run from a checkout (-dirty if edited)."""
    try:
        version = metadata.version("etdz-assessment")
    except metadata.PackageNotFoundError:
        version = "0+unknown"
    try:
        commit = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version}+{commit}" if commit else version


@dataclass(frozen=True)
class Configs:
    """The policy and the scoring methodology a run applies, with the files they came from."""

    policy: PolicyConfig
    policy_file: Path
    methodology: MethodologyConfig
    methodology_file: Path

    @classmethod
    def load(cls, policy_path: str | None, methodology_path: str | None) -> Configs:
        policy_file = Path(policy_path) if policy_path else DEFAULT_POLICY
        methodology_file = Path(methodology_path) if methodology_path else DEFAULT_METHODOLOGY
        return cls(load_policy(policy_file), policy_file, load_methodology(methodology_file),
                   methodology_file)

    def provenance(self) -> dict[str, dict[str, str]]:
        return {
            "policy": {"version": self.policy.version, "file": self.policy_file.name,
                       "sha256": sha256_file(self.policy_file)},
            "methodology": {"version": self.methodology.version,
                            "file": self.methodology_file.name,
                            "sha256": sha256_file(self.methodology_file)},
        }


def make_run_id(inputs: list[InputFile], configs: Configs, version: str, year: int,
                official: bool, report_date: str) -> str:
    """Derived from everything that feeds the outputs: same inputs, same id, same bytes."""
    payload = json.dumps(
        {
            "inputs": sorted((i.file, i.sha256) for i in inputs),
            "configs": configs.provenance(),
            "code": version,
            "year": year,
            "official": official,
            "report_date": report_date,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def software_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for dist in ("polars", "prefect", "great-expectations", "weasyprint", "jinja2"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


def build_manifest(staging: Path, run: RunInfo, year: int, configs: Configs,
                   inputs: list[InputFile], findings: list[Finding],
                   reports: list[RenderedReport] | None = None) -> dict[str, Any]:
    """What was published and from what; each report says whether it was rebuilt or reused.

    Nothing here depends on the clock or the folder: two runs on the same inputs give the same
    manifest (apart from "rebuilt"/"reused", which says what this run had to do).
    """
    by_path = {r.path: r for r in reports or []}
    outputs = []
    for p in sorted(staging.rglob("*")):
        if not p.is_file() or p.name == "manifest.json":
            continue
        rel = p.relative_to(staging).as_posix()
        entry: dict[str, Any] = {"path": rel, "sha256": sha256_file(p), "bytes": p.stat().st_size,
                                 "status": "rebuilt"}
        if rel in by_path:
            entry["status"] = by_path[rel].status
            entry["report_id"] = by_path[rel].report_id
            entry["key"] = by_path[rel].key
        outputs.append(entry)
    return {
        "manifest_version": 2,
        "run_id": run.run_id,
        "year": year,
        "official": run.official,
        "status_label": "草稿" if run.draft else "正式",
        "report_date": run.report_date,
        "code_version": run.code_version,
        **configs.provenance(),
        "software": software_versions(),
        "inputs": [asdict(i) for i in inputs],
        "validation": summarise(findings),
        "outputs": outputs,
        "reports": {
            "rebuilt": sorted(r.path for r in reports or [] if r.status == "rebuilt"),
            "reused": sorted(r.path for r in reports or [] if r.status == "reused"),
        },
    }


def write_manifest(staging: Path, manifest: dict[str, Any]) -> Path:
    path = staging / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                    encoding="utf-8")
    return path


def publish_step(staging: Path, out_dir: Path, manifest: dict[str, Any]) -> Path:
    """Make the staged publication current in one atomic step (see flows/publish.py).

    The manifest is written last into staging; the release becomes visible only after that.
    Returns the release folder.
    """
    write_manifest(staging, manifest)
    release = publish_release(staging, out_dir, manifest["run_id"])
    # The cache keeps what the publication in force uses: the next run reuses those.
    prune_cache(report_cache(out_dir), {o["key"] for o in manifest["outputs"] if "key" in o})
    return release


def default_report_date() -> str:
    """The cover date: SOURCE_DATE_EPOCH if set (reproducible builds), else today in Guangxi."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()


# ---------------------------------------------------------------------------------------------
# The Prefect flow
# ---------------------------------------------------------------------------------------------

from prefect import flow, get_run_logger, task  # noqa: E402  (settings first, see cli.py)
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.states import Failed  # noqa: E402

# Frames are large and in memory: no result persistence and no input hashing for caching.
_task = dict(cache_policy=NO_CACHE, persist_result=False)


@task(name="ingest", task_run_name="① 读取数据", **_task)
def ingest_inputs(data_dir: Path) -> IngestResult:
    ingested = ingest_step(data_dir)
    rows = sum(f.rows for f in ingested.files)
    get_run_logger().info("读取 %d 个文件，共 %d 行数据", len(ingested.files), rows)
    return ingested


@task(name="validate", task_run_name="② 数据校验", **_task)
def validate_inputs(ingested: IngestResult) -> list[Finding]:
    findings = validate_step(ingested)
    counts = summarise(findings)["by_severity"]
    get_run_logger().info("严重问题 %d 条，警告 %d 条", counts["critical"], counts["warning"])
    return findings


@task(name="compute", task_run_name="③ 计算指标与目标", **_task)
def compute_results(ingested: IngestResult, configs: Configs, year: int,
                    ledger: pl.DataFrame | None = None) -> Results:
    results = compute_step(ingested, configs.policy, configs.methodology, year, ledger)
    counts = dict(results.targets["status"].value_counts().sort("status").rows())
    paid = results.rewards.filter(pl.col("reward_cny") > 0)
    get_run_logger().info(
        "参评园区 %d 家；目标判定 %s；奖励 %d 项共 %s 元；督促措施 %d 项",
        results.assessed.height, counts, paid.height, paid["reward_cny"].sum(),
        results.supervision.height)
    return results


@task(name="render", task_run_name="④ 生成报告", retries=1, retry_delay_seconds=5, **_task)
def render_reports(jobs: list[ReportJob], staging: Path, workers: int | None = None) -> None:
    """All reports not in the cache, in local processes (a crashed worker is retried once)."""
    render_jobs(jobs, staging, workers)


@task(name="render_report", task_run_name="④ 生成报告 {path}", retries=2,
      retry_delay_seconds=5, **_task)
def render_report(template: str, context: dict[str, Any], path: str) -> bytes:
    """One report on whichever Dask worker is free; bytes come back, so workers need no share."""
    from flows.render import render_pdf_bytes

    return render_pdf_bytes(template, context)


@task(name="warehouse", task_run_name="⑤ 写入数据仓库", retries=2, retry_delay_seconds=2,
      **_task)
def record_in_warehouse(path: Path, run: dict[str, Any], ingested: IngestResult,
                        results: Results | None, findings: list[Finding]) -> None:
    from flows import warehouse

    result_frames = {n: getattr(results, n) for n in RESULT_FILES} if results else {}
    ledger = (warehouse.granted_rewards(results.rewards, frame(ingested, "supplier_introductions"))
              if results else None)
    warehouse.record_run(path, run, ingested.frames, result_frames,
                         warehouse.findings_frame(findings), ledger)


@task(name="publish", task_run_name="⑥ 发布", **_task)
def publish_outputs(staging: Path, out_dir: Path, manifest: dict[str, Any]) -> Path:
    release = publish_step(staging, out_dir, manifest)
    reports = manifest["reports"]
    get_run_logger().info("已发布到 %s（运行编号 %s）：重新生成报告 %d 份，沿用 %d 份",
                          out_dir, manifest["run_id"], len(reports["rebuilt"]),
                          len(reports["reused"]))
    return release


@task(name="send_mail", task_run_name="⑦ 发送邮件", **_task)
def send_mail(mail: Any, smtp: Any) -> None:
    from prefect.runtime import task_run

    from flows.delivery import send

    try:
        send(mail, smtp)
    except Exception as exc:
        # The attempt number goes into the final state's message, so the log says how hard
        # we tried.
        raise RuntimeError(f"第 {task_run.run_count} 次发送失败：{exc!r}") from exc


def deliver(mails: list[Any], smtp: Any) -> list[dict[str, Any]]:
    """Send each mail with retries; a failure is logged and recorded, never raised."""
    logger = get_run_logger()
    sender = send_mail.with_options(retries=smtp.retries,
                                    retry_delay_seconds=smtp.retry_delay_seconds)
    records = []
    for mail in mails:
        state = sender(mail, smtp, return_state=True)
        ok = state.is_completed()
        error = "" if ok else (state.message or "发送失败")
        if ok:
            logger.info("已发送“%s”给 %s", mail.subject, ", ".join(mail.to))
        else:
            logger.error("邮件“%s”发送失败（已重试 %d 次）：%s；报告已发布，不受影响",
                         mail.subject, smtp.retries, error)
        records.append({"kind": mail.kind, "to": mail.to, "subject": mail.subject,
                        "attachments": [p.name for p in mail.attachments],
                        "status": "sent" if ok else "failed", "error": error,
                        "at": dt.datetime.now(dt.UTC).replace(tzinfo=None)})
    return records


def _uses_dask() -> bool:
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    return context is not None and type(context.task_runner).__name__ == "DaskTaskRunner"


def previous_year() -> int:
    """The year a scheduled official run assesses: last calendar year, in Guangxi's time."""
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).year - 1


@flow(name="annual_assessment", log_prints=True)
def annual_assessment(
    data_dir: str,
    year: int | None = None,
    out_dir: str = "out",
    policy_path: str | None = None,
    methodology_path: str | None = None,
    official: bool = False,
    report_date: str | None = None,
    workers: int | None = None,
    warehouse_path: str | None = None,
    deliver_reports: bool = False,
    distribution_path: str | None = None,
) -> dict[str, Any]:
    """广西经开区年度考核评价：读取 → 校验 → 计算 → 生成报告 → 发布 → 发送。"""
    from flows.warehouse import read_ledger, record_deliveries
    from flows.warehouse import warehouse_path as locate_warehouse

    preload_great_expectations()  # overlaps the 8-10 s import with reading the files
    data, out = Path(data_dir), Path(out_dir)
    year = year or previous_year()
    configs = Configs.load(policy_path, methodology_path)
    policy = configs.policy
    distribution = None
    if deliver_reports:  # a broken distribution file stops the run before any work
        from flows.delivery import load_distribution

        distribution = load_distribution(Path(distribution_path) if distribution_path else None)
    warehouse = locate_warehouse(out, warehouse_path)
    try:
        lock = publication_lock(out)
        lock.__enter__()
    except PublicationBusy as exc:
        return Failed(message=str(exc))
    try:
        # We hold the folder: any staging folder left is a dead run's.
        clean_stale_staging(out)
        adopt_legacy(out)
        ingested = ingest_inputs(data)
        findings = validate_inputs(ingested)
        version = code_version()
        report_date = report_date or default_report_date()
        run_id = make_run_id(ingested.files, configs, version, year, official, report_date)
        staging = new_staging(out, run_id)
        run_row = {"run_id": run_id, "year": year, "official": official,
                   "report_date": report_date, "code_version": version,
                   "policy_version": policy.version,
                   "methodology_version": configs.methodology.version,
                   "validation": summarise(findings)}

        if max_severity(findings) is Severity.CRITICAL:
            # Only the fix list is new; the last good results and reports are carried over.
            write_validation(findings, staging / "validation")
            carry_over(current_release(out), staging, ("results", "reports", "manifest.json"))
            record_in_warehouse(warehouse, {**run_row, "status": "blocked"}, ingested, None,
                                findings)
            publish_release(staging, out, run_id)
            fix_list = out / "validation" / "fix_list.csv"
            if distribution is not None:
                from flows.delivery import fix_list_mail

                mail = fix_list_mail(distribution, fix_list.resolve(), summarise(findings), year)
                record_deliveries(warehouse, run_id,
                                  deliver([mail] if mail else [], distribution.smtp))
            critical = sum(f.severity is Severity.CRITICAL for f in findings)
            return Failed(message=f"发现 {critical} 条严重数据问题，未计算也未发布；"
                                  f"请按 {fix_list} 修改后重跑")

        warnings = sum(f.severity is Severity.WARNING for f in findings)
        run = RunInfo(
            run_id=run_id,
            code_version=version,
            policy_version=policy.version,
            methodology_version=configs.methodology.version,
            report_date=report_date,
            official=official,
            warnings=warnings,
            inputs=[{"file": i.file, "sha256": i.sha256} for i in ingested.files],
        )
        # Rewards granted by earlier years' runs, so a one-time reward stays one-time.
        ledger = read_ledger(warehouse, year)
        results = compute_results(ingested, configs, year, ledger)
        # The workbook is pure-Python cell writing (~25 s at national scale) and rendering runs
        # in other processes: write the results beside it instead of before it.
        background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="results")
        written = background.submit(write_results, results, staging, run)
        write_validation(findings, staging / "validation")
        cache = report_cache(out)
        province = plan_province_report(results, policy, run, findings)
        early = None
        dask = _uses_dask()
        if not dask and split_cached([province], staging, cache)[0]:  # not in the cache
            early = start_early(province, staging)
        zone_jobs = plan_zone_reports(results, policy, run, findings)
        jobs = [*zone_jobs, province]
        todo, _ = split_cached(jobs if dask else zone_jobs, staging, cache)
        if todo and _uses_dask():
            futures = [render_report.submit(j.template, j.context, j.path) for j in todo]
            for job, future in zip(todo, futures, strict=True):
                target = staging / job.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(future.result())
        elif todo:
            render_reports(todo, staging, workers)
        if early is not None:
            pool, future = early
            try:
                future.result()
            except Exception as exc:  # a crashed process: the render task's retry, as for any
                get_run_logger().warning("省级报告提前生成失败（%r），重新生成", exc)
                render_reports([province], staging, workers)
            finally:
                pool.shutdown()
            todo.append(province)
        written.result()  # its error, if any, stops the run here, before publishing
        background.shutdown()
        rendered = finish_reports(jobs, todo, staging, cache)
        manifest = build_manifest(staging, run, year, configs, ingested.files, findings, rendered)
        # Recorded before publishing: a publication the warehouse does not know never appears.
        record_in_warehouse(warehouse, {**run_row, "status": "published"}, ingested, results,
                            findings)
        release = publish_outputs(staging, out, manifest)
        if distribution is not None:
            from flows.delivery import report_mails

            names = dict(results.assessed.select("zone_id", "zone_name").iter_rows())
            mails = report_mails(distribution, release, manifest, names)
            record_deliveries(warehouse, run_id, deliver(mails, distribution.smtp))
        return manifest
    finally:
        lock.__exit__(None, None, None)
