"""The yearly assessment, read top to bottom as a recipe: lock → ingest → validate → (blocked:
publish the fix list) → compute → write results → render → record → publish → deliver.

Each step is a Prefect task (or a function of tasks) so a scheduled run shows where it is and
where it stopped; the work itself lives in the stages (flows/ingest, validation, reporting,
publication) and the rules in transforms/. Everything is written into a staging folder first
and made current only at the end, so a failed run never leaves half a publication behind.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.runtime import task_run
from prefect.states import Failed, State

from flows import stopping
from flows.ingest.folder import IngestResult, dataset_files, ingest_folder, read_dataset_file
from flows.ingest.submissions import read_inbox_submissions
from flows.publication import warehouse
from flows.publication.delivery import (
    Distribution,
    Mail,
    SmtpSettings,
    fix_list_mail,
    load_distribution,
    report_mails,
    send,
)
from flows.publication.lock import publication_lock
from flows.publication.manifest import build_manifest
from flows.publication.provenance import describe_run
from flows.publication.releases import (
    adopt_legacy,
    carry_over,
    clean_stale_staging,
    current_release,
    current_run_id,
    new_staging,
    publish,
    publish_release,
)
from flows.reporting.cache import report_cache
from flows.reporting.parallel import render_jobs
from flows.reporting.planning import RenderedReport, ReportJob
from flows.reporting.rendering import render_all
from flows.reporting.results_files import write_results
from flows.reporting.run_info import RunInfo
from flows.settings import (
    DEFAULT_POLICY,
    Configs,
    ExitStatus,
    OperatorError,
    configure_region,
    default_report_date,
    iso_day,
    load_policy,
    previous_year,
)
from flows.validation.ge_runner import preload_great_expectations
from flows.validation.outputs import write_validation
from flows.validation.validate import FindingList, validate_step
from transforms.completeness import completeness_findings
from transforms.compute import compute_year, dataset_frame
from transforms.contract import DATASETS
from transforms.findings import Finding, Severity, max_severity, sort_findings, summarise
from transforms.policy import ConfigError, PolicyConfig
from transforms.results import Results
from transforms.rewards import granted_rewards
from transforms.years import assessment_year_problem, dataset_years

# Frames are large and in memory: no result persistence and no input hashing for caching.
_task: dict[str, Any] = dict(cache_policy=NO_CACHE, persist_result=False)


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
) -> dict[str, Any] | State:
    """广西经开区年度考核评价：读取 → 校验 → 计算 → 生成报告 → 发布 → 发送。"""
    stopping.reclaim_sigterm()
    configure_region()
    check_report_date(report_date)  # a scheduled run's parameter, before any work
    preload_great_expectations()  # overlaps the 8-10 s import with reading the files
    data, out, year = Path(data_dir), Path(out_dir), year or previous_year()
    configs = Configs.load(policy_path, methodology_path)
    # An unusable year is refused before any work: no lock, no staging, no fix list.
    problem = year_problem(data, year, configs.policy)
    if problem is not None:
        return Failed(message=problem, data=OperatorError(problem))
    # A broken distribution file stops the run before any work.
    distribution = load_distribution(Path(distribution_path) if distribution_path else None) \
        if deliver_reports else None
    store = warehouse.warehouse_path(out, warehouse_path)
    with publication_lock(out):
        stopping.enter_step("准备输出文件夹")
        prepare_output_folder(out, store)
        stopping.enter_step("① 读取数据")
        # The site's inbox is a symlink it switches when a submission is accepted: the files
        # and the record of the submissions they came from are read from one build.
        data = data.resolve()
        ingested = ingest_inputs(data, year)
        stopping.enter_step("② 数据校验")
        findings = check_completeness(ingested, validate_inputs(ingested), configs, year,
                                      official)
        run = describe_run(ingested.files, findings, configs, year, official,
                           report_date or default_report_date(),
                           read_inbox_submissions(data))
        staging = new_staging(out, run.run_id)
        if max_severity(findings) is Severity.CRITICAL:
            return publish_fix_list(findings, ingested, run, year, staging, out, store,
                                    distribution)
        stopping.enter_step("③ 计算")
        # Rewards granted by earlier years' runs, so a one-time reward stays one-time.
        results = compute_results(ingested, configs, year, warehouse.read_ledger(store, year))
        stopping.enter_step("④ 生成报告")
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="results") as beside:
            # The workbook is pure-Python cell writing (~25 s at national scale) and
            # rendering runs in other processes: written beside it instead of before it.
            written = beside.submit(write_results, results, staging, run, configs.policy)
            write_validation(findings, staging / "validation")
            rendered = render_reports(results, configs, run, findings, staging, out, workers)
            written.result()  # its error, if any, stops the run here, before publishing
        manifest = build_manifest(staging, run, year, configs, ingested.files, findings,
                                  rendered)
        # Recorded before publishing, as pending: confirmed right after the switch, or
        # settled by the next run if this one is killed in between (warehouse.reconcile).
        stopping.enter_step("⑤ 写入数据仓库")
        stopping.raise_if_requested()
        record_in_warehouse(store, warehouse.pending_row(
            warehouse.run_row(run, year, findings, "published"), out), ingested, results,
            findings)
        stopping.enter_step("⑥ 发布")
        stopping.raise_if_requested()
        release = publish_outputs(staging, out, manifest)
        warehouse.confirm_run(store, run.run_id)
        stopping.enter_step("⑦ 发送邮件")
        if distribution is not None:
            names = dict(results.assessed.select("zone_id", "zone_name").iter_rows())
            mail(report_mails(distribution, release, manifest, names), distribution.smtp,
                 store, run.run_id)
        return manifest


# ---------------------------------------------------------------------------------------------
# The steps
# ---------------------------------------------------------------------------------------------


def check_report_date(report_date: str | None) -> None:
    """A malformed date would be found only when the first report prints it."""
    if report_date is not None and not iso_day(report_date):
        raise OperatorError(f"报告日期应为 YYYY-MM-DD 格式的真实日期，如 2026-01-15，"
                            f"而不是“{report_date}”")


def zone_stats_years(data_dir: Path, year: int) -> list[int] | None:
    """The years the folder's zone statistics hold, read from the file and the sheet ingest
    reads for `year`; None when there is none it can read (validation then reports it,
    critically)."""
    if not data_dir.is_dir():
        return None
    paths = dataset_files(data_dir)[0].get("zone_stats")
    if not paths:
        return None
    frame = read_dataset_file(paths[0], DATASETS["zone_stats"], year=year)[0]
    return None if frame is None else dataset_years(frame)


def year_problem(data_dir: Path, year: int, policy: PolicyConfig) -> str | None:
    """Why `year` cannot be assessed on this folder (transforms.years), or None."""
    stats_years = zone_stats_years(data_dir, year)
    if stats_years is None:  # nothing to check against: validation stops the run
        return assessment_year_problem(year, policy.base_year, [year])
    return assessment_year_problem(year, policy.base_year, stats_years)


def preflight_year_problem(data_dir: Path, year: int, policy_path: Path | None) -> str | None:
    """The CLI's check before it starts the flow (and Prefect): the same as the flow's own.
    A broken policy file is left to the flow, which lists all its problems."""
    try:
        policy = load_policy(policy_path or DEFAULT_POLICY)
    except ConfigError:
        return None
    return year_problem(data_dir, year, policy)


def prepare_output_folder(out: Path, store: Path | None = None) -> None:
    """We hold the folder: any staging folder left is a dead run's; an output folder written
    before releases existed becomes one; a run killed between recording itself in the
    warehouse and confirming its switch is settled against the publication in force."""
    clean_stale_staging(out)
    adopt_legacy(out)
    if store is not None:
        settled = warehouse.reconcile(store, out, current_run_id(out))
        for run_id, status in settled.items():
            get_run_logger().warning("上次中断的运行 %s 已在数据仓库中记为 %s", run_id, status)


@task(name="ingest", task_run_name="① 读取数据", **_task)
def ingest_inputs(data_dir: Path, year: int | None = None) -> IngestResult:
    ingested = ingest_folder(data_dir, year)
    rows = sum(f.rows for f in ingested.files)
    get_run_logger().info("读取 %d 个文件，共 %d 行数据", len(ingested.files), rows)
    for line in ingested.sheets_read():  # which sheet of each workbook was read
        get_run_logger().info(line)
    return ingested


@task(name="validate", task_run_name="② 数据校验", **_task)
def validate_inputs(ingested: IngestResult) -> list[Finding]:
    findings = validate_step(ingested)
    counts = summarise(findings)["by_severity"]
    get_run_logger().info("严重问题 %d 条，警告 %d 条", counts["critical"], counts["warning"])
    return findings


@task(name="completeness", task_run_name="② 数据完整性检查", **_task)
def check_completeness(ingested: IngestResult, findings: list[Finding], configs: Configs,
                       year: int, official: bool) -> list[Finding]:
    """The validation step's last part: every zone-year and ranking year that year Y's rules
    read (transforms.completeness). Critical in an official run, a warning in a draft."""
    extra = completeness_findings(ingested.frames, configs.policy, configs.methodology, year,
                                  official)
    if extra:
        get_run_logger().info("数据完整性：%d 条（%s）", len(extra),
                              "严重" if official else "警告")
    return FindingList(sort_findings([*findings, *extra]), getattr(findings, "ge_runs", []),
                       getattr(findings, "zone_names", {}))


def publish_fix_list(findings: list[Finding], ingested: IngestResult, run: RunInfo, year: int,
                     staging: Path, out: Path, store: Path,
                     distribution: Distribution | None) -> State:
    """A blocked run: only the fix list is new; the last good results and reports are carried
    over, and data staff get the fix list by mail."""
    write_validation(findings, staging / "validation")
    carry_over(current_release(out), staging, ("results", "reports", "manifest.json"))
    stopping.raise_if_requested()
    record_in_warehouse(store, warehouse.pending_row(
        warehouse.run_row(run, year, findings, "blocked"), out), ingested, None, findings)
    stopping.raise_if_requested()
    publish_release(staging, out, run.run_id)
    warehouse.confirm_run(store, run.run_id)
    fix_list = out / "validation" / "fix_list.csv"
    if distribution is not None:
        message = fix_list_mail(distribution, fix_list.resolve(), summarise(findings), year)
        mail([message] if message else [], distribution.smtp, store, run.run_id)
    critical = sum(f.severity is Severity.CRITICAL for f in findings)
    message = f"发现 {critical} 条严重数据问题，未计算也未发布结果；请按 {fix_list} 修改后重跑"
    return Failed(message=message, data=OperatorError(message, ExitStatus.BLOCKED))


@task(name="compute", task_run_name="③ 计算指标与目标", **_task)
def compute_results(ingested: IngestResult, configs: Configs, year: int,
                    ledger: pl.DataFrame | None = None) -> Results:
    results = compute_year(ingested.frames, configs.policy, configs.methodology, year, ledger)
    counts = dict(results.targets["status"].value_counts().sort("status").rows())
    paid = results.rewards.filter(pl.col("reward_cny") > 0)
    get_run_logger().info(
        "参评园区 %d 家；目标判定 %s；奖励 %d 项共 %s 元；督促措施 %d 项",
        results.assessed.height, counts, paid.height, paid["reward_cny"].sum(),
        results.supervision.height)
    return results


def render_reports(results: Results, configs: Configs, run: RunInfo, findings: list[Finding],
                   staging: Path, out: Path, workers: int | None) -> list[RenderedReport]:
    """Every report not in the cache: on the Dask cluster the flow runs on, else locally."""
    context = FlowRunContext.get()
    on_dask = context is not None and type(context.task_runner).__name__ == "DaskTaskRunner"
    return render_all(results, configs.policy, run, findings, staging, report_cache(out),
                      workers, local=render_locally, remote=render_on_dask if on_dask else None,
                      log=get_run_logger())


@task(name="render", task_run_name="④ 生成报告", retries=1, retry_delay_seconds=5, **_task)
def render_locally(jobs: list[ReportJob], staging: Path, workers: int | None = None) -> None:
    """Reports in local processes (a crashed worker is retried once)."""
    render_jobs(jobs, staging, workers)


@task(name="render_report", task_run_name="④ 生成报告 {path}", retries=2,
      retry_delay_seconds=5, **_task)
def render_report(template: str, context: dict[str, Any], path: str) -> bytes:
    """One report on whichever Dask worker is free; bytes come back, so workers need no share."""
    from flows.reporting.render import render_pdf_bytes  # WeasyPrint only where it renders

    return render_pdf_bytes(template, context)


def render_on_dask(jobs: list[ReportJob]) -> list[bytes]:
    futures = [render_report.submit(j.template, j.context, j.path) for j in jobs]
    return [future.result() for future in futures]


@task(name="warehouse", task_run_name="⑤ 写入数据仓库", retries=2, retry_delay_seconds=2,
      **_task)
def record_in_warehouse(path: Path, run: dict[str, Any], ingested: IngestResult,
                        results: Results | None, findings: list[Finding]) -> None:
    ledger = (granted_rewards(results.rewards,
                              dataset_frame(ingested.frames, "supplier_introductions"))
              if results else None)
    warehouse.record_run(path, run, ingested.frames, results.result_frames() if results else {},
                         warehouse.findings_frame(findings), ledger)


@task(name="publish", task_run_name="⑥ 发布", **_task)
def publish_outputs(staging: Path, out_dir: Path, manifest: dict[str, Any]) -> Path:
    release = publish(staging, out_dir, manifest)
    reports = manifest["reports"]
    get_run_logger().info("已发布到 %s（运行编号 %s）：重新生成报告 %d 份，沿用 %d 份",
                          out_dir, manifest["run_id"], len(reports["rebuilt"]),
                          len(reports["reused"]))
    return release


@task(name="send_mail", task_run_name="⑦ 发送邮件", **_task)
def send_mail(message: Mail, smtp: SmtpSettings) -> None:
    try:
        send(message, smtp)
    except Exception as exc:
        # The attempt number goes into the final state's message, so the log says how hard
        # we tried.
        raise RuntimeError(f"第 {task_run.run_count} 次发送失败：{exc!r}") from exc


def mail(mails: list[Mail], smtp: SmtpSettings, store: Path, run_id: str) -> None:
    """Send each mail with retries; a failure is logged and recorded, never raised."""
    logger = get_run_logger()
    sender = send_mail.with_options(retries=smtp.retries,
                                    retry_delay_seconds=smtp.retry_delay_seconds)
    records = []
    for message in mails:
        state = sender(message, smtp, return_state=True)
        ok = state.is_completed()
        error = "" if ok else (state.message or "发送失败")
        if ok:
            logger.info("已发送“%s”给 %s", message.subject, ", ".join(message.to))
        else:
            logger.error("邮件“%s”发送失败（已重试 %d 次）：%s；报告已发布，不受影响",
                         message.subject, smtp.retries, error)
        records.append({"kind": message.kind, "to": message.to, "subject": message.subject,
                        "attachments": [p.name for p in message.attachments],
                        "status": "sent" if ok else "failed", "error": error,
                        "at": dt.datetime.now(dt.UTC).replace(tzinfo=None)})
    warehouse.record_deliveries(store, run_id, records)
