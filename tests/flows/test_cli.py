"""The command line as the operator meets it: Chinese help and errors, one exit status per
meaning, mistakes answered before Prefect starts, one Chinese line and a log file per failure,
and Ctrl-C or SIGTERM ending a running assessment promptly, the publication in force untouched.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

from flows import cli, stopping
from flows.publication.lock import LOCK_FILE
from flows.settings import DEMO_DATA_DIR, ExitStatus
from tests.helpers import (
    DEMO_REPORT_DATE,
    DEMO_YEAR,
    copy_publication,
    end_session,
    run_etdz,
    session_processes,
    start_etdz,
    tmpfs,
    wait_for,
)

# Prefect's temporary server takes 7-15 s to start and a run minutes; an answer "before the
# work" comes well inside this even on a loaded 2-core machine (the benchmark measures it).
BEFORE_PREFECT = 10.0


def assess_args(out: Path, *extra: str, data: Path = DEMO_DATA_DIR) -> list[str]:
    return ["assess", "--data", str(data), "--year", str(DEMO_YEAR), "--out", str(out), *extra]


# ---------------------------------------------------------------------------------------------
# Help and arguments


def test_help_is_chinese_describes_every_option_and_every_exit_status(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("用法：etdz") and "退出状态：" in text
    listed = dict(re.findall(r"^  (\d+)\s+(\S+)", text, re.M))
    assert sorted(map(int, listed)) == sorted(s.value for s in ExitStatus)
    assert listed["0"] == "完成" and listed["130"].startswith("被")
    parser = cli._parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, sub in commands.items():
        for action in sub._actions:
            if action.help == "==SUPPRESS==":  # the watch loop's polling interval, for tests
                continue
            assert action.help and re.search(r"[\u4e00-\u9fff]", action.help), (name, action)


@pytest.mark.parametrize(("argv", "says"), [
    (["assess", "--demo", "--year", "2025", "--out", "x", "--report-date", "2026/01/15"],
     "参数 --report-date：日期应为 YYYY-MM-DD 格式的真实日期，如 2026-01-15，而不是“2026/01/15”"),
    (["assess", "--demo", "--year", "2025", "--out", "x", "--report-date", "2026-02-30"],
     "而不是“2026-02-30”"),
    (["assess", "--demo", "--out", "x"], "缺少必需的参数：--year"),
    (["assess", "--year", "2025", "--out", "x"], "以下参数必须给出一个：--data --demo"),
    (["assess", "--demo", "--data", "d", "--year", "2025", "--out", "x"],
     "参数 --data 不能与 --demo 同时使用"),
    (["assess", "--demo", "--year", "二〇二五", "--out", "x"], "参数 --year 应为整数"),
    (["assess", "--demo", "--year", "2025", "--out", "x", "--workers", "0"],
     "参数 --workers：应为不小于 1 的整数，而不是“0”"),
    (["nightly", "--data", "d", "--out", "x", "--date", "tomorrow"], "参数 --date：日期应为"),
    (["asses"], "参数 命令 的取值 'asses' 无效"),
    (["validate", "--demo", "--out", "x", "--colour"], "不认识的参数：--colour"),
])
def test_argument_mistakes_are_answered_in_chinese_with_status_3(
        argv: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(argv)
    assert done.value.code == ExitStatus.USAGE
    err = capsys.readouterr().err
    assert err.startswith("用法：etdz") and says in err and "错误：" in err
    assert "Traceback" not in err and "usage:" not in err


# ---------------------------------------------------------------------------------------------
# Mistakes found before the work


def one_chinese_failure(printed: str, *names: str) -> Path:
    """The failure is one line starting with ✗ that names `names`, then the log file's path;
    no traceback. Returns the log file (which holds the traceback)."""
    assert "Traceback" not in printed, printed
    assert "Starting temporary server" not in printed, printed  # answered before Prefect
    lines = [line for line in printed.splitlines() if line.strip()]
    assert lines[-2].startswith("✗ ") and all(n in lines[-2] for n in names), printed
    match = re.fullmatch(r"  详情见日志 (\S+)", lines[-1])
    assert match, printed
    log = Path(match.group(1))
    assert "Traceback" in log.read_text(encoding="utf-8")
    return log


def test_an_empty_or_missing_data_folder_is_answered_at_once(tmp_path: Path) -> None:
    empty = tmp_path / "inbox"
    empty.mkdir()
    (empty / "说明.txt").write_text("这里放数据文件", encoding="utf-8")
    for data, names in ((empty, (str(empty), "没有任何数据集文件", "zones.csv")),
                        (tmp_path / "nowhere", (str(tmp_path / "nowhere"), "不存在"))):
        code, printed, took = run_etdz(assess_args(tmp_path / "out", data=data),
                                       tmp_path / "empty.log")
        assert code == ExitStatus.USAGE and took < BEFORE_PREFECT, (took, printed)
        one_chinese_failure(printed, *names)
        assert not (tmp_path / "out" / LOCK_FILE).exists()
    code, printed, _ = run_etdz(["nightly", "--data", str(empty), "--out", str(tmp_path / "n")],
                                tmp_path / "nightly.log")
    assert code == ExitStatus.USAGE
    one_chinese_failure(printed, str(empty))
    code, printed, _ = run_etdz(["validate", "--data", str(empty), "--out", str(tmp_path / "v")],
                                tmp_path / "validate.log")
    assert code == ExitStatus.USAGE  # not 2: nothing was validated
    one_chinese_failure(printed, str(empty))


def test_a_busy_output_folder_is_answered_before_prefect_starts(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with (out / LOCK_FILE).open("a+") as held:  # as another run holds it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write(f"{os.getpid()}\n")
        held.flush()
        code, printed, took = run_etdz(assess_args(out), tmp_path / "busy.log")
    assert code == ExitStatus.USAGE and took < BEFORE_PREFECT, (took, printed)
    one_chinese_failure(printed, str(out), "正在被另一次考核运行使用", f"进程 {os.getpid()}")
    assert sorted(p.name for p in out.iterdir()) == [LOCK_FILE]  # nothing else touched


def test_a_read_only_output_folder_is_answered_before_prefect_starts(tmp_path: Path) -> None:
    with tmpfs("1m", read_only=True) as read_only:
        out = read_only / "out"
        code, printed, took = run_etdz(assess_args(out), tmp_path / "ro.log")
        assert code == ExitStatus.USAGE and took < BEFORE_PREFECT, (took, printed)
        one_chinese_failure(printed, str(out), "只读")
        code, printed, _ = run_etdz(["validate", "--demo", "--out", str(out)],
                                    tmp_path / "ro-validate.log")
        assert code == ExitStatus.USAGE
        one_chinese_failure(printed, str(out), "只读")


def test_a_disk_without_room_for_a_publication_is_answered_at_once(tmp_path: Path) -> None:
    with tmpfs("4m") as small:
        out = small / "out"
        code, printed, took = run_etdz(assess_args(out), tmp_path / "full.log")
    assert code == ExitStatus.USAGE and took < BEFORE_PREFECT, (took, printed)
    one_chinese_failure(printed, str(out), "只剩", "ETDZ_MIN_FREE_MB")


def test_a_bad_report_date_leaves_nothing_behind(tmp_path: Path) -> None:
    code, printed, _ = run_etdz(assess_args(tmp_path / "out", "--report-date", "2026/01/15"),
                                tmp_path / "date.log")
    assert code == ExitStatus.USAGE and "而不是“2026/01/15”" in printed
    assert not (tmp_path / "out").exists()  # no .lock, no staging folder


def test_a_fault_of_the_program_is_status_4_with_its_log(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    def broken(args: object, handler: object) -> int:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setenv("ETDZ_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setitem(cli.COMMANDS, "demo-data", broken)
    assert cli.main(["demo-data", str(tmp_path / "demo")]) == ExitStatus.INTERNAL
    err = capsys.readouterr().err
    assert "程序内部错误（ZeroDivisionError）" in err and "Traceback" not in err
    log = next((tmp_path / "logs").glob("etdz-*-demo-data-*.log"))
    assert str(log) in err and "ZeroDivisionError" in log.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Stops


def snapshot(out: Path) -> dict[str, int]:
    """What users see: every published file's size, and where current points."""
    seen: dict[str, int] = {"current -> " + os.readlink(out / "current"): 0}
    for path in sorted((out / "current").rglob("*")):
        if path.is_file():
            seen[path.relative_to(out / "current").as_posix()] = path.stat().st_size
    return seen


def stop_while_rendering(out: Path, log: Path, sig: signal.Signals, group: bool,
                         env: dict[str, str] | None = None) -> tuple[int, str, float]:
    """Start an assessment that must render every report (another date), send `sig` once a
    report is rendered, and return (exit status, what it printed, seconds the stop took)."""
    before = set(out.glob(".staging-*"))
    process = start_etdz(assess_args(out, "--report-date", "2026-02-01"), log, env)
    try:
        wait_for(lambda: any(p.parent.parent.parent not in before
                             for p in out.glob(".staging-*/reports/zones/*.pdf")),
                 420, "a report rendered", process, log)
        sent = time.monotonic()
        if group:  # Ctrl-C in a terminal: the whole foreground process group gets it
            os.killpg(process.pid, sig)
        else:  # kill, systemd: the command's own process
            os.kill(process.pid, sig)
        code = process.wait(timeout=120)
        took = time.monotonic() - sent
        time.sleep(1)
        left = session_processes(process.pid)
    finally:
        end_session(process)
    assert left == [], left  # no render worker or Prefect server outlives the command
    return code, log.read_text(encoding="utf-8"), took


def test_ctrl_c_stops_a_run_promptly_and_the_next_run_starts_clean(
        published_demo: Path, tmp_path: Path) -> None:
    out = copy_publication(published_demo, tmp_path / "out")
    before = snapshot(out)
    # No PREFECT_API_URL: the run starts Prefect's temporary server, as an operator's does.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    code, printed, took = stop_while_rendering(out, tmp_path / "sigint.log", signal.SIGINT,
                                               group=True, env=env)
    print(f"stopped {took:.1f} s after Ctrl-C")
    assert code == ExitStatus.STOPPED and took < 60, (took, printed)
    assert "收到 Ctrl-C（SIGINT），正在停止年度考核" in printed
    run_id = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["run_id"]
    assert f"■ 已停止年度考核（停在“④ 生成报告”）：本次运行没有发布任何内容。当前发布（运行编号 {run_id}）未受影响。" \
        in printed
    assert "Traceback" not in printed and "KeyboardInterrupt" not in printed
    assert snapshot(out) == before

    code, printed, _ = run_etdz(assess_args(out, "--report-date", DEMO_REPORT_DATE),
                                tmp_path / "next.log", env)
    assert code == ExitStatus.OK, printed[-3000:]
    assert not list(out.glob(".staging-*"))  # the stopped run's leftovers are gone
    def published(seen: dict[str, int]) -> dict[str, int]:
        return {k: v for k, v in seen.items() if k.startswith(("results/", "reports/"))}

    assert published(snapshot(out)) == published(before)  # same inputs, same files


def test_sigterm_stops_a_run_promptly(published_demo: Path, tmp_path: Path,
                                      prefect_api_env: dict[str, str]) -> None:
    out = copy_publication(published_demo, tmp_path / "out")
    before = snapshot(out)
    code, printed, took = stop_while_rendering(out, tmp_path / "sigterm.log", signal.SIGTERM,
                                               group=False, env=prefect_api_env)
    print(f"stopped {took:.1f} s after SIGTERM")
    assert code == ExitStatus.STOPPED and took < 60, (took, printed)
    assert "收到 SIGTERM，正在停止年度考核" in printed and "未受影响" in printed
    assert "Traceback" not in printed
    assert snapshot(out) == before


def test_a_stop_requested_during_a_retry_never_publishes() -> None:
    stopping.reset()
    stopping.enter_step("④ 生成报告")
    stopping.raise_if_requested()  # nothing asked: goes on
    stopping._state.signal_name = "SIGTERM"  # the signal arrived while a render was retried
    try:
        with pytest.raises(stopping.RunStopped):
            stopping.raise_if_requested()
    finally:
        stopping.reset()
    assert stopping.STOPPED_STATUS == ExitStatus.STOPPED


def test_a_stop_is_reported_as_a_stop_whatever_the_unwinding_raises(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(args: object, handler: object) -> int:
        stopping.enter_step("② 数据校验")
        stopping._state.signal_name = "SIGTERM"  # the signal arrived ...
        raise ValueError("Task run is not set")  # ... while Prefect was setting up a task

    monkeypatch.setenv("ETDZ_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setitem(cli.COMMANDS, "demo-data", interrupted)
    assert cli.main(["demo-data", str(tmp_path / "demo")]) == ExitStatus.STOPPED
    err = capsys.readouterr().err
    assert "■ 已停止示例数据生成（停在“② 数据校验”）：本次运行没有发布任何内容。" in err
    assert "内部错误" not in err and "Traceback" not in err
