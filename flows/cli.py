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

Every command answers with one exit status of ExitStatus (flows/settings.py). An expected
failure prints one Chinese line naming the cause and the path, never a traceback; the details
go to the command's log file, whose path the line gives.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from flows import stopping
from flows.publication import preflight, warehouse
from flows.publication.delivery import DEFAULT_DISTRIBUTION, load_distribution
from flows.publication.releases import current_run_id
from flows.settings import (
    DEFAULT_METHODOLOGY,
    DEFAULT_POLICY,
    DEMO_DATA_DIR,
    Configs,
    ExitStatus,
    OperatorError,
    configure_environment,
    configure_region,
    iso_day,
    load_methodology,
    previous_year,
)
from transforms.policy import ConfigError

# The commands import their flows and stages when they run: Prefect reads the environment
# that main() sets up when it is imported, and a usage error or a failed check answers before
# the imports a run needs (Prefect alone takes 2 s). Great Expectations is imported only when
# the expectations run, so `etdz validate` prints ingest's findings before GE's 8-10 s import.

EXIT_STATUSES = """退出状态：
  0    完成
  1    完成，但数据有警告（validate、nightly）
  2    数据有严重问题，已停止；修改清单说明要改什么
  3    用法或环境问题：参数有误，数据文件夹不存在或没有数据文件，输出文件夹不可写或空间不足，
       文件夹正被另一次运行使用，配置文件有误，年度不可用
  4    程序内部错误（详情见提示中的日志文件）
  130  被 Ctrl-C 或 SIGTERM 停止；当前发布不受影响，下次运行会清理本次留下的临时文件

日志：每次运行的详细日志在 ~/.cache/etdz/logs/（可用 ETDZ_LOG_DIR 指定），出错时提示会给出路径。"""

LOG_KEEP = 50  # log files kept; older ones are removed when a command starts

log = logging.getLogger("etdz")


# ---------------------------------------------------------------------------------------------
# Arguments, in Chinese

# argparse's English messages, as staff should read them. Custom types raise Chinese already.
_ARGPARSE_ZH: list[tuple[str, str]] = [
    (r"^the following arguments are required: (.*)$", r"缺少必需的参数：\1"),
    (r"^one of the arguments (.*) is required$", r"以下参数必须给出一个：\1"),
    (r"^argument (\S+): not allowed with argument (\S+)$", r"参数 \1 不能与 \2 同时使用"),
    (r"^unrecognized arguments: (.*)$", r"不认识的参数：\1"),
    (r"^argument (\S+): invalid choice: (.*) \(choose from (.*)\)$",
     r"参数 \1 的取值 \2 无效，可选：\3"),
    (r"^argument (\S+): invalid int value: (.*)$", r"参数 \1 应为整数，而不是 \2"),
    (r"^argument (\S+): invalid float value: (.*)$", r"参数 \1 应为数字，而不是 \2"),
    (r"^argument (\S+): expected one argument$", r"参数 \1 后面需要一个值"),
    (r"^argument (\S+): ignored explicit argument (.*)$", r"参数 \1 不接受取值 \2"),
    (r"^ambiguous option: (\S+) could match (.*)$", r"参数 \1 有歧义，可能是：\2"),
    (r"^argument (\S+): (.*)$", r"参数 \1：\2"),
]


def translate_argparse(message: str) -> str:
    for pattern, replacement in _ARGPARSE_ZH:
        if re.match(pattern, message):
            return re.sub(pattern, replacement, message)
    return message


class _ChineseFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage: str | None, actions: Any, groups: Any,
                  prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with Chinese headings and errors, and exit status 3 for a usage error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _ChineseFormatter)
        kwargs.setdefault("add_help", False)
        kwargs.setdefault("epilog", EXIT_STATUSES)
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="显示本帮助（各选项的说明和退出状态）并退出")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(ExitStatus.USAGE, f"{self.prog}：错误：{translate_argparse(message)}\n"
                                    f"（用 {self.prog} --help 查看各选项的说明）\n")


def iso_date(text: str) -> str:
    """YYYY-MM-DD and a real day, or a Chinese usage error at once (not after the run)."""
    if iso_day(text):
        return text
    raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD 格式的真实日期，如 2026-01-15，而不是“{text}”")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为不小于 1 的整数，而不是“{text}”")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog="etdz", description="广西经开区年度考核评价流水线 / Guangxi ETDZ annual assessment")
    sub = parser.add_subparsers(dest="command", required=True, title="命令", metavar="命令")

    assess = sub.add_parser("assess", help="运行年度考核评价 / run the annual assessment",
                            description="年度考核：读取 → 校验 → 计算 → 生成报告 → 发布（→ 发送邮件）")
    src = assess.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", type=Path, metavar="文件夹",
                     help="数据文件夹 / folder of submitted files")
    src.add_argument("--demo", action="store_true", help="使用内置示例数据 / bundled demo data")
    assess.add_argument("--year", type=int, required=True, metavar="年度", help="考核年度 / assessment year")
    assess.add_argument("--out", type=Path, required=True, metavar="文件夹", help="输出文件夹 / output folder")
    assess.add_argument("--policy", type=Path, metavar="文件", help="政策参数文件 / policy config (TOML)")
    assess.add_argument("--methodology", type=Path, metavar="文件",
                        help="评分方法文件 / scoring methodology (TOML)")
    assess.add_argument("--official", action="store_true",
                        help="正式年度考核（无警告时报告不标“草稿”）/ the official yearly run")
    assess.add_argument("--report-date", type=iso_date, metavar="日期",
                        help="报告日期 YYYY-MM-DD（默认今天或 SOURCE_DATE_EPOCH）/ cover date")
    assess.add_argument("--task-runner", choices=("processes", "dask"), default="processes",
                        help="报告生成方式：本机多进程，或 Dask 集群 / render locally or on Dask")
    assess.add_argument("--dask-address", metavar="地址",
                        help="已有 Dask 集群调度器地址，如 tcp://scheduler:8786（不填则启动本机集群）")
    assess.add_argument("--workers", type=positive_int, metavar="个数",
                        help="并行进程或 Dask 工作进程数（默认 CPU 核数）/ parallel workers")
    assess.add_argument("--warehouse", type=Path, metavar="文件",
                        help="数据仓库文件（DuckDB；默认 输出文件夹/warehouse.duckdb 或 ETDZ_WAREHOUSE）")
    assess.add_argument("--deliver", action="store_true",
                        help="发布后按分发名单发送邮件 / e-mail the reports after publishing")
    assess.add_argument("--distribution", type=Path, metavar="文件",
                        help="分发名单（默认 config/distribution.toml）/ recipients (TOML)")

    serve = sub.add_parser("serve", help="按计划运行：每晚校验、每年正式考核 / serve the schedules",
                           description="注册并按计划运行每晚校验和每年正式考核，直到被停止")
    serve.add_argument("--schedule", type=Path, metavar="文件",
                       help="计划配置（默认 config/schedule.toml）/ schedule config (TOML)")

    validate = sub.add_parser("validate", help="只做数据校验 / validate the inputs only",
                              description="只读取和校验数据（不启动 Prefect），写出修改清单")
    vsrc = validate.add_mutually_exclusive_group(required=True)
    vsrc.add_argument("--data", type=Path, metavar="文件夹",
                     help="数据文件夹 / folder of submitted files")
    vsrc.add_argument("--demo", action="store_true", help="使用内置示例数据 / bundled demo data")
    validate.add_argument("--out", type=Path, required=True, metavar="文件夹",
                          help="修改清单输出文件夹 / where fix_list.html/.xlsx/.csv go")
    validate.add_argument("--watch", action="store_true",
                          help="保持运行，文件保存后自动重新校验 / re-validate on every change")
    validate.add_argument("--max-passes", type=positive_int, default=None, metavar="次数",
                          help="--watch 最多校验几次后退出 / stop --watch after N passes")
    validate.add_argument("--interval", type=float, default=1.0, help=argparse.SUPPRESS)

    nightly = sub.add_parser("nightly", help="夜间数据校验（Prefect 流程）/ nightly validation",
                             description="校验收件文件夹，保留每晚的记录，并与前一晚对比")
    nightly.add_argument("--data", type=Path, required=True, metavar="文件夹", help="收件文件夹 / inbox folder")
    nightly.add_argument("--out", type=Path, required=True, metavar="文件夹", help="输出文件夹 / output folder")
    nightly.add_argument("--date", type=iso_date, metavar="日期",
                         help="运行日期 YYYY-MM-DD（默认今天，UTC+8）/ run date")

    demo = sub.add_parser("demo-data", help="生成示例数据 / write the demo data set",
                          description="重新生成示例数据（与 data/demo/ 逐字节相同）")
    demo.add_argument("dir", type=Path, metavar="文件夹", help="写入示例数据的文件夹 / target folder")
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
    web.add_argument("--nightly-out", type=Path,
                     help="本年度夜间校验的输出目录（etdz nightly --out），报送情况页据此显示每晚的"
                          "问题；默认 ROOT/nightly/<年度> / the nightly run's output folder")
    web.add_argument("--demo", action="store_true",
                     help="空网站首次启动时提交内置示例数据 / seed the demo data")

    user = sub.add_parser("user", help="报送网站用户 / the site's users")
    user_sub = user.add_subparsers(dest="user_command", required=True, title="子命令",
                                   metavar="子命令", help="add：添加或重设用户")
    add = user_sub.add_parser("add", help="添加或重设用户 / add or reset a user")
    add.add_argument("--root", type=Path, required=True, help="网站数据目录 / the site's folder")
    add.add_argument("name", help="用户名（英文字母、数字、下划线）/ user name")
    add.add_argument("--role", required=True, choices=("city", "department", "leader"),
                     help="city 设区市填报人员，department 自治区商务厅，leader 领导（只读报告）")
    add.add_argument("--city", default="", help="设区市填报人员所在的设区市，如 南宁市")
    add.add_argument("--display-name", default="", help="显示名称，如 南宁市商务局 张三")
    add.add_argument("--password-stdin", action="store_true",
                     help="从标准输入读取密码（一行）/ read the password from stdin")


# ---------------------------------------------------------------------------------------------
# The log file and the terminal


def log_dir() -> Path:
    return Path(os.environ.get("ETDZ_LOG_DIR") or Path.home() / ".cache" / "etdz" / "logs")


def open_log(command: str) -> tuple[Path, logging.Handler]:
    """This command's log file (every log record, tracebacks included), older ones pruned."""
    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # a home without room or rights must not cost the operator the message
        folder = Path(tempfile.gettempdir()) / "etdz-logs"
        folder.mkdir(parents=True, exist_ok=True)
    for old in sorted(folder.glob("etdz-*.log"))[:-LOG_KEEP]:
        old.unlink(missing_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"etdz-{stamp}-{command}-{os.getpid()}.log"
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.DEBUG)
    return path, handler


class _NoTracebacks(logging.Filter):
    """On the terminal: no traceback and nothing after a stop; the log file keeps both."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.exc_info and stopping.requested() is None


# Prefect's console handlers this command quieted, to restore when it ends (tests run many).
_quieted: list[tuple[logging.Handler, logging.Filter]] = []


@contextmanager
def logging_to(handler: logging.Handler) -> Iterator[None]:
    """Our notices to stderr and every record to the log file, for the command's duration."""
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(logging.Formatter("%(message)s"))
    console.setLevel(logging.WARNING)  # notices such as a warehouse held open; INFO: file only
    console.addFilter(_NoTracebacks())
    # Not through the root logger: Prefect configures the root's console only while the root
    # has no handler, at its import, which comes later (quiet_prefect_console).
    log.propagate = False
    log.addHandler(console)
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(console)
        while _quieted:
            quieted, quiet = _quieted.pop()
            quieted.removeFilter(quiet)
        for logger in [logging.getLogger(), log, *_prefect_loggers()]:
            if handler in logger.handlers:
                logger.removeHandler(handler)
        handler.close()


def _prefect_loggers() -> list[logging.Logger]:
    return [logger for name, logger in logging.Logger.manager.loggerDict.items()
            if name.startswith("prefect") and isinstance(logger, logging.Logger)]


def quiet_prefect_console(handler: logging.Handler) -> None:
    """After Prefect's import (which configures its loggers): every record reaches the log
    file too, and the console shows no tracebacks (an expected failure is one Chinese line)."""
    root = logging.getLogger()
    for logger in [root, *_prefect_loggers()]:
        if (logger is root or not logger.propagate) and handler not in logger.handlers:
            logger.addHandler(handler)
        for console in logger.handlers:
            if isinstance(console, logging.StreamHandler) and console is not handler and not any(
                    isinstance(f, _NoTracebacks) for f in console.filters):
                quiet = _NoTracebacks()
                console.addFilter(quiet)
                _quieted.append((console, quiet))


def say(text: str) -> None:
    """One line to the terminal, as written: not print(), which Prefect routes into the run's
    log inside a task (PREFECT_LOGGING_LOG_PRINTS)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


# ---------------------------------------------------------------------------------------------
# Failures: what the operator reads


def describe_os_error(exc: OSError, folder: Path | None = None) -> str:
    """A disk full, a read-only or forbidden path: what ran out or was refused, and where
    (the file when the error names it, else the folder the command writes to)."""
    path = exc.filename or (str(folder) if folder is not None else "")
    where = f" {path}" if path else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        left = ""
        if folder is not None:
            try:
                left = f"（剩余 {shutil.disk_usage(folder).free / 2**20:.1f} MB）"
            except OSError:
                pass
        return f"磁盘空间不足{left}：写入{where}时失败；请清理磁盘或换一个输出文件夹后重跑"
    if exc.errno == errno.EROFS:
        return f"只读文件系统：无法写入{where}；请换一个可写的输出文件夹"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"没有权限：无法写入或读取{where}；请换一个文件夹，或请管理员开放权限"
    if exc.errno == errno.ENOENT:
        return f"找不到文件或文件夹：{path or exc.strerror}"
    return f"文件操作失败：{exc.strerror or exc}{where}"


def failure(exc: BaseException, folder: Path | None = None) -> tuple[str, ExitStatus] | None:
    """The Chinese line and status of an expected failure; None for a fault of the program."""
    if isinstance(exc, OperatorError):
        return exc.message, exc.status
    if isinstance(exc, ConfigError):
        return str(exc), ExitStatus.USAGE
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS,
                                                  errno.EACCES, errno.EPERM):
        return describe_os_error(exc, folder), ExitStatus.USAGE
    return None


def stopped_message(what: str, out: Path | None) -> str:
    if what == STOPPED_WHAT["web"]:
        return f"■ 已停止{what}：已提交的文件和数据仓库不受影响；再次运行 etdz web 即恢复服务。"
    if what == STOPPED_WHAT["serve"]:
        return (f"■ 已停止{what}：各计划已暂停，不再按时运行；已发布的内容不受影响。"
                "再次运行 etdz serve 即重新注册并恢复按计划运行。")
    step = stopping.current_step()
    where = f"（停在“{step}”）" if step else ""
    text = f"■ 已停止{what}{where}：本次运行没有发布任何内容。"
    if out is not None:
        run_id = current_run_id(out)
        text += (f"当前发布（运行编号 {run_id}）未受影响。" if run_id
                 else "该输出文件夹此前没有发布，也未写入新的发布。")
        text += "下次运行会自动清理本次留下的临时文件。"
    return text


# ---------------------------------------------------------------------------------------------
# The commands


def _data_dir(args: argparse.Namespace) -> Path:
    data = DEMO_DATA_DIR if args.demo else args.data
    preflight.check_data_folder(data)
    return data


def start_temporary_server() -> None:
    """Start Prefect's temporary API server now, deaf to Ctrl-C: a terminal's Ctrl-C reaches
    the whole process group, and a server that died of it leaves the stopping run waiting on
    retries for minutes (seen: 163-218 s). Started from a thread whose SIGINT is blocked, it
    inherits the block; the run stops it at exit. With PREFECT_API_URL set there is nothing
    to start."""
    from prefect.settings import PREFECT_API_URL  # after the environment, see above

    if PREFECT_API_URL.value():
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the instance Prefect's client uses when no URL is set
    errors: list[BaseException] = []

    def start() -> None:
        try:
            server.start()
        except BaseException as exc:  # re-raised in the main thread below
            errors.append(exc)

    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        starter = threading.Thread(target=start, name="prefect-server-start", daemon=True)
        starter.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    while starter.is_alive():
        starter.join(0.2)  # short joins: Ctrl-C is handled while the server starts
    if server.server_process is not None:
        stopping.track_process(server.server_process)
    if errors:
        raise errors[0]


def check_configs(args: argparse.Namespace) -> None:
    """The policy, methodology and distribution files, each problem listed, the file named."""
    files = [(args.policy or DEFAULT_POLICY, lambda: Configs.load(
        str(args.policy) if args.policy else None, None)),
             (args.methodology or DEFAULT_METHODOLOGY, lambda: load_methodology(
                 args.methodology or DEFAULT_METHODOLOGY))]
    if args.deliver:
        files.append((args.distribution or DEFAULT_DISTRIBUTION,
                      lambda: load_distribution(args.distribution)))
    for path, load in files:
        try:
            load()
        except ConfigError as exc:
            raise OperatorError(f"{path}：{exc}") from exc


def cmd_assess(args: argparse.Namespace, handler: logging.Handler) -> int:
    data = _data_dir(args)
    store = warehouse.warehouse_path(args.out, str(args.warehouse) if args.warehouse else None)
    for notice in preflight.check_assess(data, args.out, store):
        say(notice)
    check_configs(args)

    from flows.annual import annual_assessment, preflight_year_problem  # after the checks
    from flows.validation.ge_runner import preload_great_expectations

    quiet_prefect_console(handler)
    # The year, before Prefect's server starts: the flow refuses it the same way.
    problem = preflight_year_problem(data, args.year, args.policy)
    if problem is not None:
        raise OperatorError(problem)
    # While Prefect starts its temporary API server (~12 s, another process), load GE here.
    preload_great_expectations()
    start_temporary_server()

    started = time.perf_counter()
    flow = annual_assessment
    if args.task_runner == "dask":
        flow = annual_assessment.with_options(task_runner=dask_task_runner(
            args.dask_address, args.workers))
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
    elapsed = time.perf_counter() - started
    manifest = flow_result(state, "年度考核")
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


def cmd_serve(args: argparse.Namespace, handler: logging.Handler) -> int:
    from flows.deploy import ScheduleConfigError, load_schedule, serve_schedule

    try:
        schedule = load_schedule(args.schedule)
    except ScheduleConfigError as exc:
        raise OperatorError(str(exc)) from exc
    quiet_prefect_console(handler)
    serve_schedule(schedule)
    # serve() returns only once stopped: Prefect's runner takes SIGTERM and Ctrl-C itself (it
    # pauses the schedules and stops its runs), so the stop is reported here.
    raise stopping.RunStopped(stopping.requested() or "停止信号")


def cmd_validate(args: argparse.Namespace, handler: logging.Handler) -> int:
    """Ingest and validate without the orchestrator: staff run this again and again while fixing."""
    data = _data_dir(args)
    preflight.check_output_folder(args.out)
    from flows.validation.console import exit_code, validation_pass, watch  # see above

    if args.watch:
        return watch(data, args.out, max_passes=args.max_passes, interval=args.interval)
    return exit_code(validation_pass(data, args.out))


def flow_result(state: Any, what: str) -> Any:
    """A finished flow run's result; a failed run's own exception (a blocked run's, a stop's),
    or, failing that, its message as an internal error."""
    if state.is_failed():
        exc = state.result(raise_on_failure=False)
        if isinstance(exc, BaseException):
            raise exc
        raise OperatorError(f"{what}未完成：{state.message}", ExitStatus.INTERNAL)
    return state.result()


def cmd_nightly(args: argparse.Namespace, handler: logging.Handler) -> int:
    """The nightly_validation flow once, now: exit 0 clean, 1 warnings, 2 critical."""
    preflight.check_nightly(args.data, args.out)
    from flows.nightly import nightly_validation  # after the checks and the environment
    from flows.validation.ge_runner import preload_great_expectations

    quiet_prefect_console(handler)
    preload_great_expectations()  # during Prefect's server start-up
    start_temporary_server()
    state = nightly_validation(inbox_dir=str(args.data), out_dir=str(args.out),
                               run_date=args.date, return_state=True)
    result = flow_result(state, "夜间校验")
    print(result["message"])
    return int(result["exit_code"])


def cmd_demo_data(args: argparse.Namespace, handler: logging.Handler) -> int:
    from flows.demo.data import write_demo_data  # xlsxwriter and the case tables: only here

    paths = write_demo_data(args.dir)
    print(f"已生成示例数据 {len(paths)} 个文件：{args.dir}")
    return ExitStatus.OK


def cmd_web(args: argparse.Namespace, handler: logging.Handler) -> int:
    from flows.site.accounts import AccountError  # Starlette and uvicorn: only for the site
    from flows.site.app import SiteConfig
    from flows.site.server import serve

    try:
        serve(SiteConfig(root=args.root, year=args.year or previous_year(),
                         max_upload_bytes=args.max_upload_mb * 1024 * 1024,
                         secure_cookies=args.secure_cookies, nightly_dir=args.nightly_out),
              args.host, args.port, demo=args.demo,
              forwarded_allow_ips=args.forwarded_allow_ips)
    except AccountError as exc:
        raise OperatorError(str(exc)) from exc
    return ExitStatus.OK


def cmd_user(args: argparse.Namespace, handler: logging.Handler) -> int:
    from flows.site.accounts import AccountError  # only for the site
    from flows.site.server import add_user_command

    try:
        user = add_user_command(args.root, args.name, args.role, args.city, args.display_name,
                                args.password_stdin)
    except AccountError as exc:
        raise OperatorError(str(exc)) from exc
    print(f"已保存用户 {user.name}（{user.role_label}{'，' + user.city if user.city else ''}）"
          f"到 {args.root / 'users.toml'}")
    return ExitStatus.OK


COMMANDS: dict[str, Callable[[argparse.Namespace, logging.Handler], int]] = {
    "assess": cmd_assess, "validate": cmd_validate, "nightly": cmd_nightly,
    "demo-data": cmd_demo_data, "serve": cmd_serve, "web": cmd_web, "user": cmd_user,
}
# What a stop message says was stopped.
STOPPED_WHAT = {"assess": "年度考核", "nightly": "夜间校验", "serve": "计划服务（etdz serve）",
                "validate": "数据校验", "demo-data": "示例数据生成",
                "web": "数据报送网站（etdz web）", "user": "用户管理"}


def run_command(args: argparse.Namespace) -> int:
    """Run one command: its exit status, one Chinese line for any failure, details logged."""
    log_file, handler = open_log(args.command)
    what = STOPPED_WHAT.get(args.command, args.command)
    out = getattr(args, "out", None) if args.command in ("assess",) else None
    detail = f"详情见日志 {log_file}"

    def on_stop(signal_name: str) -> None:
        say(f"\n收到 {signal_name}，正在停止{what}……（再次按 Ctrl-C 或发送信号可立即结束）")

    def on_timeout(signal_name: str) -> None:
        say(stopped_message(what, out) + f"{detail}")

    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    stopping.reset()
    stopping.install(on_stop, on_timeout)
    try:
        with logging_to(handler):
            log.info("etdz %s：%s", args.command, vars(args))
            try:
                return COMMANDS[args.command](args, handler)
            except KeyboardInterrupt:
                logging.getLogger("etdz.stop").info("stopped", exc_info=True)
                say(stopped_message(what, out) + detail)
                stopping.mark_reported()
                stopping.end_helpers()
                return ExitStatus.STOPPED
            except BaseException as exc:
                # Prefect's TerminationSignal for a SIGTERM; or, once a stop was asked for, any
                # error of the unwinding (a task interrupted while Prefect set it up raises
                # "Task run is not set" in place of the stop)
                if type(exc).__name__ == "TerminationSignal" or (
                        stopping.requested() is not None and not isinstance(exc, SystemExit)):
                    logging.getLogger("etdz.stop").info("stopped", exc_info=True)
                    say(stopped_message(what, out) + detail)
                    stopping.mark_reported()
                    stopping.end_helpers()
                    return ExitStatus.STOPPED
                if isinstance(exc, SystemExit):
                    raise
                known = failure(exc, getattr(args, "out", None)) if isinstance(
                    exc, Exception) else None
                logging.getLogger("etdz.error").error("%s", exc, exc_info=exc)
                if known is not None:
                    message, status = known
                    say(f"✗ {message}\n  {detail}")
                    return status
                say(f"✗ 程序内部错误（{type(exc).__name__}）：{exc}\n  这不是数据问题，请把日志发给技术人员：{log_file}")
                return ExitStatus.INTERNAL
    finally:
        stopping.uninstall()
        for sig, handler_before in previous.items():
            signal.signal(sig, handler_before)


def main(argv: list[str] | None = None) -> int:
    configure_environment()
    try:
        configure_region()
    except (OSError, ValueError) as exc:
        say(f"✗ 地区配置有误：{exc}")
        return ExitStatus.USAGE
    args = _parser().parse_args(argv)
    try:
        return run_command(args)
    except Exception as exc:  # a fault in the reporting itself: still no traceback on screen
        say(f"✗ 程序内部错误（{type(exc).__name__}）：{exc}")
        return ExitStatus.INTERNAL


if __name__ == "__main__":
    sys.exit(main())
