"""The yearly assessment, read top to bottom as a recipe: ingest, validate, compute, render, publish.

Each step is a Prefect task so a scheduled run shows where it is and where it stopped. The
steps' bodies are plain functions (`*_step`) that tests call directly without the engine.
Everything is written into a staging folder first and moved into place only at the end, so a
failed run never leaves half a publication behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import polars as pl

from flows.findings import Finding, Severity, max_severity
from flows.ingest import IngestResult, InputFile, ingest_folder
from flows.report_context import RunInfo, province_context, zone_context
from flows.settings import (
    DEFAULT_METHODOLOGY,
    DEFAULT_POLICY,
    PROJECT_ROOT,
    load_methodology,
    load_policy,
)
from flows.validate import summarise, validate_step, write_validation
from transforms.contract import DATASETS, empty_frame
from transforms.indicators import assessed_zones, zone_indicators
from transforms.methodology import MethodologyConfig
from transforms.policy import PolicyConfig
from transforms.rewards import all_rewards, researcher_taxable_amounts
from transforms.scores import (
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
PUBLISHED = ("results", "reports", "validation", "manifest.json")


class AssessmentBlocked(Exception):
    """Critical findings: nothing is computed or published until data staff fix them."""

    def __init__(self, findings: list[Finding], fix_list: Path):
        self.findings = findings
        self.fix_list = fix_list
        critical = sum(f.severity is Severity.CRITICAL for f in findings)
        super().__init__(f"发现 {critical} 条严重数据问题，已停止本次考核；修改清单：{fix_list}")


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


@dataclass
class RunOutcome:
    out_dir: Path
    run_id: str
    manifest: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Steps as plain functions
# ---------------------------------------------------------------------------------------------


def ingest_step(data_dir: Path) -> IngestResult:
    return ingest_folder(data_dir)


def frame(ingested: IngestResult, name: str) -> pl.DataFrame:
    """A dataset's accepted rows; an optional dataset nobody submitted reads as empty."""
    return ingested.frames.get(name, empty_frame(name))


def compute_step(ingested: IngestResult, policy: PolicyConfig, methodology: MethodologyConfig,
                 year: int) -> Results:
    frames = {name: frame(ingested, name) for name in DATASETS}
    zones, zone_stats = frames["zones"], frames["zone_stats"]
    city_stats, rankings = frames["city_stats"], frames["national_rankings"]
    scoring = (zones, zone_stats, city_stats, rankings, methodology)
    # "Last three years running" looks back on the rankings of Y-2 and Y-1 as well.
    look_back = range(year - policy.supervision.exit_after_years_last + 1, year + 1)
    history = regional_last_history(*scoring, years=list(look_back))
    return Results(
        year=year,
        assessed=assessed_zones(zones, year),
        indicators=zone_indicators(zones, zone_stats, city_stats, year, policy.base_year),
        targets=zone_targets(zones, zone_stats, city_stats, rankings, policy, year),
        province_targets=province_targets(zones, policy, year),
        scores=composite_scores(*scoring, year),
        score_details=score_explanation(*scoring, year),
        rank_robustness=rank_robustness(*scoring, year),
        regional_history=history,
        rewards=all_rewards(frames, policy, year),
        supervision=supervision_actions(zones, zone_stats, rankings, history, policy, year),
        researcher_taxable=researcher_taxable_amounts(frames["researcher_rewards"], policy, year),
    )


def _render_one(job: tuple[str, dict[str, Any], str]) -> str:
    from flows.render import render_pdf

    template, context, out_path = job
    render_pdf(template, context, Path(out_path))
    return out_path


def render_step(results: Results, policy: PolicyConfig, run: RunInfo, staging: Path,
                findings: list[Finding], workers: int | None = None) -> list[Path]:
    """Render every zone's PDF and the province PDF; in parallel processes when there are cores."""
    zones_dir = staging / "reports" / "zones"
    zones_dir.mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[str, dict[str, Any], str]] = []
    for zone in results.assessed.iter_rows(named=True):
        ctx = zone_context(zone, results, policy, run, findings)
        jobs.append(("zone.html", ctx, str(zones_dir / f"{zone['zone_id']}.pdf")))
    ctx = province_context(results, policy, run, findings)
    jobs.append(("province.html", ctx, str(staging / "reports" / "province.pdf")))
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        return [Path(_render_one(job)) for job in jobs]
    # spawn, not fork: the Prefect engine runs threads, and forking a threaded process is unsafe.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        return [Path(p) for p in pool.map(_render_one, jobs)]


def write_results(results: Results, staging: Path) -> list[Path]:
    out = staging / "results"
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in RESULT_FILES:
        path = out / f"{name}.csv"
        getattr(results, name).write_csv(path, float_precision=6)
        paths.append(path)
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
                   inputs: list[InputFile], findings: list[Finding]) -> dict[str, Any]:
    outputs = [
        {"path": p.relative_to(staging).as_posix(), "sha256": sha256_file(p),
         "bytes": p.stat().st_size}
        for p in sorted(staging.rglob("*")) if p.is_file() and p.name != "manifest.json"
    ]
    return {
        "manifest_version": 1,
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
    }


def publish_step(staging: Path, out_dir: Path, manifest: dict[str, Any]) -> Path:
    """Swap the staged publication into place; the manifest goes last, marking it complete."""
    (staging / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = out_dir / f".previous-{manifest['run_id']}"
    shutil.rmtree(previous, ignore_errors=True)
    previous.mkdir()
    for name in PUBLISHED:
        if (out_dir / name).exists():
            (out_dir / name).rename(previous / name)
    for name in PUBLISHED:
        (staging / name).rename(out_dir / name)
    shutil.rmtree(previous, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "manifest.json"


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
def compute_results(ingested: IngestResult, configs: Configs, year: int) -> Results:
    results = compute_step(ingested, configs.policy, configs.methodology, year)
    counts = dict(results.targets["status"].value_counts().sort("status").rows())
    paid = results.rewards.filter(pl.col("reward_cny") > 0)
    get_run_logger().info(
        "参评园区 %d 家；目标判定 %s；奖励 %d 项共 %s 元；督促措施 %d 项",
        results.assessed.height, counts, paid.height, paid["reward_cny"].sum(),
        results.supervision.height)
    return results


@task(name="render", task_run_name="④ 生成报告", retries=1, **_task)
def render_reports(results: Results, policy: PolicyConfig, run: RunInfo, staging: Path,
                   findings: list[Finding]) -> list[Path]:
    paths = render_step(results, policy, run, staging, findings)
    get_run_logger().info("生成 PDF 报告 %d 份", len(paths))
    return paths


@task(name="publish", task_run_name="⑤ 发布", **_task)
def publish_outputs(staging: Path, out_dir: Path, manifest: dict[str, Any]) -> Path:
    path = publish_step(staging, out_dir, manifest)
    get_run_logger().info("已发布到 %s（运行编号 %s）", out_dir, manifest["run_id"])
    return path


@flow(name="annual_assessment", log_prints=True)
def annual_assessment(
    data_dir: str,
    year: int,
    out_dir: str,
    policy_path: str | None = None,
    methodology_path: str | None = None,
    official: bool = False,
    report_date: str | None = None,
) -> dict[str, Any]:
    """广西经开区年度考核评价：读取 → 校验 → 计算 → 生成报告 → 发布。"""
    data, out = Path(data_dir), Path(out_dir)
    configs = Configs.load(policy_path, methodology_path)
    policy = configs.policy

    ingested = ingest_inputs(data)
    findings = validate_inputs(ingested)
    version = code_version()
    report_date = report_date or default_report_date()
    run_id = make_run_id(ingested.files, configs, version, year, official, report_date)
    staging = out / f".staging-{run_id}"
    shutil.rmtree(staging, ignore_errors=True)

    if max_severity(findings) is Severity.CRITICAL:
        # Only the fix list is published; the last good results and reports stay untouched.
        write_validation(findings, staging / "validation")
        out.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(out / "validation", ignore_errors=True)
        (staging / "validation").rename(out / "validation")
        shutil.rmtree(staging, ignore_errors=True)
        critical = sum(f.severity is Severity.CRITICAL for f in findings)
        return Failed(message=f"发现 {critical} 条严重数据问题，未计算也未发布；"
                              f"请按 {out / 'validation' / 'fix_list.csv'} 修改后重跑")

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
    results = compute_results(ingested, configs, year)
    write_results(results, staging)
    write_validation(findings, staging / "validation")
    render_reports(results, policy, run, staging, findings)
    manifest = build_manifest(staging, run, year, configs, ingested.files, findings)
    publish_outputs(staging, out, manifest)
    return manifest
