"""etdz: the command line for data staff and schedulers.

    etdz assess --demo --year 2025 --out out/       年度考核（示例数据）
    etdz assess --data DIR --year 2025 --out DIR   年度考核
    etdz validate --data DIR --out DIR             只做数据校验（0 无问题，1 有警告，2 有严重问题）
    etdz validate --data DIR --out DIR --watch     边改边校验：文件保存后自动重新校验
    etdz nightly --data DIR --out DIR              夜间校验（Prefect 流程），与前一晚对比
    etdz demo-data DIR                             重新生成示例数据
    etdz serve                                     按计划运行（每晚校验、每年正式考核）
    etdz web --root DIR                            数据报送网站：提交、即时校验、报送情况、报告预览
    etdz user add --root DIR NAME --role city --city 南宁市   为报送网站添加用户
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from flows.settings import (
    DEMO_DATA_DIR,
    ExitStatus,
    configure_environment,
    configure_region,
    previous_year,
)
from flows.validation.console import exit_code, validation_pass, watch
from flows.validation.ge_runner import preload_great_expectations
from transforms.policy import ConfigError

# The commands import their flows when they run: Prefect reads the environment that main()
# sets up when it is imported. Great Expectations is imported only when the expectations run,
# so `etdz validate` prints ingest's findings before GE's 8-10 s import.


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="etdz", description="广西经开区年度考核评价流水线 / Guangxi ETDZ annual assessment"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    assess = sub.add_parser("assess", help="运行年度考核评价 / run the annual assessment")
    src = assess.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", type=Path, help="数据文件夹 / folder of submitted files")
    src.add_argument("--demo", action="store_true", help="使用内置示例数据 / bundled demo data")
    assess.add_argument("--year", type=int, required=True, help="考核年度 / assessment year")
    assess.add_argument("--out", type=Path, required=True, help="输出文件夹 / output folder")
    assess.add_argument("--policy", type=Path, help="政策参数文件 / policy config (TOML)")
    assess.add_argument("--methodology", type=Path,
                        help="评分方法文件 / scoring methodology (TOML)")
    assess.add_argument("--official", action="store_true",
                        help="正式年度考核（无警告时报告不标“草稿”）/ the official yearly run")
    assess.add_argument("--report-date", help="报告日期 YYYY-MM-DD（默认今天或 SOURCE_DATE_EPOCH）")
    assess.add_argument("--task-runner", choices=("processes", "dask"), default="processes",
                        help="报告生成方式：本机多进程，或 Dask 集群 / render locally or on Dask")
    assess.add_argument("--dask-address",
                        help="已有 Dask 集群调度器地址，如 tcp://scheduler:8786（不填则启动本机集群）")
    assess.add_argument("--workers", type=int,
                        help="并行进程或 Dask 工作进程数（默认 CPU 核数）/ parallel workers")
    assess.add_argument("--warehouse", type=Path,
                        help="数据仓库文件（DuckDB；默认 输出文件夹/warehouse.duckdb 或 ETDZ_WAREHOUSE）")
    assess.add_argument("--deliver", action="store_true",
                        help="发布后按分发名单发送邮件 / e-mail the reports after publishing")
    assess.add_argument("--distribution", type=Path,
                        help="分发名单（默认 config/distribution.toml）/ recipients (TOML)")

    serve = sub.add_parser("serve", help="按计划运行：每晚校验、每年正式考核 / serve the schedules")
    serve.add_argument("--schedule", type=Path,
                       help="计划配置（默认 config/schedule.toml）/ schedule config (TOML)")

    validate = sub.add_parser("validate", help="只做数据校验 / validate the inputs only")
    vsrc = validate.add_mutually_exclusive_group(required=True)
    vsrc.add_argument("--data", type=Path)
    vsrc.add_argument("--demo", action="store_true")
    validate.add_argument("--out", type=Path, required=True,
                          help="修改清单输出文件夹 / where fix_list.html/.xlsx/.csv go")
    validate.add_argument("--watch", action="store_true",
                          help="保持运行，文件保存后自动重新校验 / re-validate on every change")
    validate.add_argument("--max-passes", type=int, default=None,
                          help="--watch 最多校验几次后退出 / stop --watch after N passes")
    validate.add_argument("--interval", type=float, default=1.0, help=argparse.SUPPRESS)

    nightly = sub.add_parser("nightly", help="夜间数据校验（Prefect 流程）/ nightly validation")
    nightly.add_argument("--data", type=Path, required=True, help="收件文件夹 / inbox folder")
    nightly.add_argument("--out", type=Path, required=True, help="输出文件夹 / output folder")
    nightly.add_argument("--date", help="运行日期 YYYY-MM-DD（默认今天，UTC+8）/ run date")

    demo = sub.add_parser("demo-data", help="生成示例数据 / write the demo data set")
    demo.add_argument("dir", type=Path)
    _add_site_commands(sub)
    return parser


def _add_site_commands(sub: argparse._SubParsersAction) -> None:
    web = sub.add_parser("web", help="数据报送网站 / the data staff's submission site")
    web.add_argument("--root", type=Path, required=True,
                     help="网站数据目录（用户、提交的文件、数据仓库、收件箱）/ the site's folder")
    web.add_argument("--year", type=int, help="考核年度（默认上一年）/ assessment year")
    web.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，由反向代理转发）")
    web.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    web.add_argument("--max-upload-mb", type=int, default=10, help="单个文件上限（MB，默认 10）")
    web.add_argument("--secure-cookies", action="store_true",
                     help="会话 Cookie 只经 HTTPS 发送（在 HTTPS 反向代理之后时使用）")
    web.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                     help="信任其 X-Forwarded-For 的反向代理地址（默认 127.0.0.1）")
    web.add_argument("--demo", action="store_true",
                     help="空网站首次启动时提交内置示例数据 / seed the demo data")

    user = sub.add_parser("user", help="报送网站用户 / the site's users")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="添加或重设用户 / add or reset a user")
    add.add_argument("--root", type=Path, required=True, help="网站数据目录 / the site's folder")
    add.add_argument("name", help="用户名（英文字母、数字、下划线）/ user name")
    add.add_argument("--role", required=True, choices=("city", "department", "leader"),
                     help="city 设区市填报人员，department 自治区商务厅，leader 领导（只读报告）")
    add.add_argument("--city", default="", help="设区市填报人员所在的设区市，如 南宁市")
    add.add_argument("--display-name", default="", help="显示名称，如 南宁市商务局 张三")
    add.add_argument("--password-stdin", action="store_true",
                     help="从标准输入读取密码（一行）/ read the password from stdin")


def _data_dir(args: argparse.Namespace) -> Path | None:
    data = DEMO_DATA_DIR if args.demo else args.data
    if not data.is_dir():
        print(f"错误：数据文件夹不存在：{data}", file=sys.stderr)
        return None
    return data


def cmd_assess(args: argparse.Namespace) -> int:
    from flows.annual import annual_assessment, preflight_year_problem  # after the environment


    # While Prefect starts its temporary API server (~12 s, another process), load GE here.
    preload_great_expectations()

    data = _data_dir(args)
    if data is None:
        return ExitStatus.BLOCKED
    problem = preflight_year_problem(data, args.year, args.policy)
    if problem is not None:  # before Prefect starts: the flow refuses the year the same way
        print(f"错误：{problem}", file=sys.stderr)
        return ExitStatus.USAGE

    started = time.perf_counter()
    flow = annual_assessment
    if args.task_runner == "dask":
        flow = annual_assessment.with_options(task_runner=dask_task_runner(
            args.dask_address, args.workers))
    try:
        state = flow(
            data_dir=str(data), year=args.year, out_dir=str(args.out),
            policy_path=str(args.policy) if args.policy else None,
            methodology_path=str(args.methodology) if args.methodology else None,
            official=args.official, report_date=args.report_date, workers=args.workers,
            warehouse_path=str(args.warehouse) if args.warehouse else None,
            deliver_reports=args.deliver,
            distribution_path=str(args.distribution) if args.distribution else None,
            return_state=True,
        )
    except ConfigError as exc:  # policy, methodology or distribution: every problem listed
        print(str(exc), file=sys.stderr)
        return ExitStatus.BLOCKED
    elapsed = time.perf_counter() - started
    if state.is_failed():
        print(f"\n✗ 年度考核未完成：{state.message}", file=sys.stderr)
        return ExitStatus.BLOCKED
    manifest = state.result()
    warnings = manifest["validation"]["by_severity"]["warning"]
    print(f"\n✓ 年度考核完成（{elapsed:.1f} 秒）：运行编号 {manifest['run_id']}，"
          f"报告状态 {manifest['status_label']}，警告 {warnings} 条")
    print(f"  结果：{args.out / 'results'}\n  报告：{args.out / 'reports'}\n"
          f"  清单：{args.out / 'manifest.json'}")
    reports = manifest.get("reports", {})
    print(f"  本次重新生成报告 {len(reports.get('rebuilt', []))} 份，"
          f"沿用未变化的报告 {len(reports.get('reused', []))} 份")
    return ExitStatus.OK


def dask_task_runner(address: str | None, workers: int | None) -> object:
    """Render on an existing Dask cluster, or on a local one with one process per worker."""
    from prefect_dask import DaskTaskRunner  # Dask's import costs seconds: only when asked for

    if address:
        return DaskTaskRunner(address=address)
    # Processes, one thread each: WeasyPrint holds the GIL, so threads would not render faster.
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers or 2, "processes": True,
                                          "threads_per_worker": 1, "dashboard_address": None})


def cmd_serve(args: argparse.Namespace) -> int:
    from flows.deploy import serve_all  # after the environment, see above

    serve_all(args.schedule)
    return ExitStatus.OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Ingest and validate without the orchestrator: staff run this again and again while fixing."""
    data = _data_dir(args)
    if data is None:
        return ExitStatus.BLOCKED
    if args.watch:
        return watch(data, args.out, max_passes=args.max_passes, interval=args.interval)
    return exit_code(validation_pass(data, args.out))


def cmd_nightly(args: argparse.Namespace) -> int:
    """The nightly_validation flow once, now: exit 0 clean, 1 warnings, 2 critical."""
    from flows.nightly import nightly_validation  # after the environment, see above

    if not args.data.is_dir():
        print(f"错误：数据文件夹不存在：{args.data}", file=sys.stderr)
        return ExitStatus.BLOCKED
    preload_great_expectations()  # during Prefect's server start-up
    result = nightly_validation(inbox_dir=str(args.data), out_dir=str(args.out),
                                run_date=args.date)
    print(result["message"])
    return int(result["exit_code"])


def cmd_demo_data(args: argparse.Namespace) -> int:
    from flows.demo.data import write_demo_data  # xlsxwriter and the case tables: only here

    paths = write_demo_data(args.dir)
    print(f"已生成示例数据 {len(paths)} 个文件：{args.dir}")
    return ExitStatus.OK


def cmd_web(args: argparse.Namespace) -> int:
    from flows.site.accounts import AccountError  # Starlette and uvicorn: only for the site
    from flows.site.app import SiteConfig
    from flows.site.server import serve

    try:
        serve(SiteConfig(root=args.root, year=args.year or previous_year(),
                         max_upload_bytes=args.max_upload_mb * 1024 * 1024,
                         secure_cookies=args.secure_cookies),
              args.host, args.port, demo=args.demo,
              forwarded_allow_ips=args.forwarded_allow_ips)
    except AccountError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return ExitStatus.USAGE
    return ExitStatus.OK


def cmd_user(args: argparse.Namespace) -> int:
    from flows.site.accounts import AccountError  # only for the site
    from flows.site.server import add_user_command

    try:
        user = add_user_command(args.root, args.name, args.role, args.city, args.display_name,
                                args.password_stdin)
    except AccountError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return ExitStatus.USAGE
    print(f"已保存用户 {user.name}（{user.role_label}{'，' + user.city if user.city else ''}）"
          f"到 {args.root / 'users.toml'}")
    return ExitStatus.OK


def main(argv: list[str] | None = None) -> int:
    configure_environment()
    configure_region()
    args = _parser().parse_args(argv)
    handler = {"assess": cmd_assess, "validate": cmd_validate, "nightly": cmd_nightly, "demo-data": cmd_demo_data,
               "serve": cmd_serve, "web": cmd_web, "user": cmd_user}
    return handler[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
