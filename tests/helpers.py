"""Shared test helpers: tiny typed frames, the demo run's constants, sample report contexts, the
demo results with hostile names planted, and readers for PDFs. Fixtures are in conftest.py;
no test module imports another."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import polars as pl
import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from flows.ingest.folder import ingest_folder
from flows.reporting.run_info import RunInfo
from flows.settings import DEMO_DATA_DIR, Configs
from flows.site.accounts import USERS_FILE, add_user
from transforms.compute import compute_year
from transforms.contract import DATASETS, polars_dtype, region_cities
from transforms.findings import Finding, Severity
from transforms.results import Results

# ---------------------------------------------------------------------------------------------
# Tiny typed frames in the shape ingest produces, for unit tests of the transforms

CITY = "南宁市"


def frame(dataset: str, rows: list[dict]) -> pl.DataFrame:
    schema = {c.name: polars_dtype(c) for c in DATASETS[dataset].columns}
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def zones(*specs: tuple[str, str]) -> pl.DataFrame:
    return frame("zones", [
        {"zone_id": z, "zone_name": z, "level": level, "city": CITY,
         "approved_date": dt.date(2001, 1, 1), "status": "active"}
        for z, level in specs
    ])


def stats(rows: list[tuple[str, int, dict]]) -> pl.DataFrame:
    return frame("zone_stats", [{"zone_id": z, "year": y, **values} for z, y, values in rows])


def city(year: int, **values) -> pl.DataFrame:
    return frame("city_stats", [{"city": CITY, "year": year, **values}])


def ranks(rows: list[tuple[str, int, int]]) -> pl.DataFrame:
    return frame("national_rankings",
                 [{"zone_id": z, "year": y, "rank": r, "ranked_total": 230} for z, y, r in rows])


# The bad-input corpus: one real file per problem data staff send (bad_inputs/make_corpus.py).
BAD_INPUTS = Path(__file__).resolve().parent / "bad_inputs"

# ---------------------------------------------------------------------------------------------
# The demo run every publication test starts from (conftest.published_demo)

DEMO_YEAR = 2025
DEMO_REPORT_DATE = "2026-01-15"


def copy_publication(src: Path, dst: Path) -> Path:
    """A copy that keeps the relative symlinks (current, results, ...) and the report cache."""
    shutil.copytree(src, dst, symlinks=True)
    return dst


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# Running `etdz` as the operator does: a process of its own, its output and log kept

PROJECT = Path(__file__).resolve().parent.parent


def start_etdz(args: list[str], log: Path, env: dict[str, str] | None = None
               ) -> subprocess.Popen:
    """`etdz ARGS` in a new session (as a terminal's foreground job is a process group of its
    own), stdout and stderr into `log`; log files into a folder beside `log`."""
    env = {**(env or os.environ), "ETDZ_LOG_DIR": str(log.parent / "etdz-logs")}
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "flows.cli", *args], cwd=PROJECT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def run_etdz(args: list[str], log: Path, env: dict[str, str] | None = None,
             timeout: float = 600) -> tuple[int, str, float]:
    """(exit status, what it printed, seconds it took)."""
    started = time.monotonic()
    process = start_etdz(args, log, env)
    try:
        code = process.wait(timeout=timeout)
    finally:
        end_session(process)
    return code, log.read_text(encoding="utf-8", errors="replace"), time.monotonic() - started


def end_session(process: subprocess.Popen) -> None:
    """Whatever is left of a test's etdz process group (a test never leaves one behind)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass


def session_processes(pid: int) -> list[str]:
    """Live processes of the session `pid` led (zombies waiting for init do not count)."""
    listed = subprocess.run(["ps", "-o", "pid=,stat=,args=", "-s", str(pid)],
                            capture_output=True, text=True).stdout.splitlines()
    return [line for line in listed if line.split()[1:2] and not line.split()[1].startswith("Z")]


def wait_for(condition, timeout: float, what: str, process: subprocess.Popen | None = None,
             log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: the process ended first\n"
                                 + (log.read_text(errors="replace")[-3000:] if log else ""))
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s\n"
                                 + (log.read_text(errors="replace")[-3000:] if log else ""))
        time.sleep(0.2)


@contextmanager
def tmpfs(size: str, read_only: bool = False) -> Iterator[Path]:
    """A small file system of its own: a full disk or a read-only folder, for real (root can
    write through any permission bit). Skips where mounting is not allowed."""
    path = Path(tempfile.mkdtemp(prefix="etdz-tmpfs-"))
    options = f"size={size}" + (",ro" if read_only else "")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        path.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)
        path.rmdir()


# ---------------------------------------------------------------------------------------------
# A real browser with the network off

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  # the network off: every host unresolvable, every request to a dead proxy
                  "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
                  "--proxy-bypass-list=<-loopback>",
                  # let the page settle (its web font decoded) before a dump or a screenshot,
                  # however busy the machine is
                  "--run-all-compositor-stages-before-draw", "--virtual-time-budget=10000"]
# fontconfig with no font directory: a machine without any (Chinese) font.
NO_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><cachedir>{cache}</cachedir></fontconfig>
"""


def chromium(page: Path, work: Path, *action: str, no_fonts: bool = True) -> str:
    """Open `page` in headless Chromium (Debian's, installed by scripts/ensure-system-deps.sh)
    with the network off and, by default, no system font; returns what it printed."""
    binary = shutil.which("chromium")
    assert binary, "Chromium is missing: run scripts/ensure-system-deps.sh (Debian's chromium)"
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if no_fonts:
        (work / "fonts.conf").write_text(NO_FONTS.format(cache=work / "fc-cache"),
                                         encoding="utf-8")
        env["FONTCONFIG_FILE"] = str(work / "fonts.conf")
    profile = tempfile.mkdtemp(dir=work, prefix="profile-")
    done = subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *action,
                           page.resolve().as_uri()], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


# ---------------------------------------------------------------------------------------------
# Sample report contexts (already formatted, as the reporting stage hands them to templates)

HOSTILE_NAME = (
    '<b>粗</b><img src="http://127.0.0.1:9/x.png"><link rel=stylesheet href="file:///etc/passwd">'
)

PROVENANCE = {
    "run_id": "ab12cd34ef56",
    "code_version": "0.1.0",
    "policy_version": "2025.1",
    "methodology_version": "2025.1",
    "inputs": [
        {
            "file": "zone_stats.csv",
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        },
        {
            "file": "企业名录.xlsx",
            "sha256": "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752",
        },
    ],
}


METHODOLOGY = {
    "policy_title": "关于推进我区经开区创新提升打造改革开放新高地的意见",
    "policy_version": "2025.1", "base_year": 2019, "target_year": 2025,
    "targets": [{"label": "地区生产总值年均增长", "threshold": "20%",
                 "rule": "按年均增长判定", "clause": "二、主要目标"}],
    "scoring": {"title": "自治区级经开区综合发展水平考核评价方法", "version": "2025.1",
                "normaliser": "功效系数法",
                "categories": [{"label": "对外开放", "weight": "30%", "indicators": "实际利用外资"}]},
    "rewards": [{"label": "外资项目奖励", "clause": "五、（十二）：按年实际到位外资的2%给予奖励"}],
    "supervision": ["七、（十六）：对位于国家级考核评价年度排名后10位的经开区进行约谈"],
    "effective_year": 2020,
}

GDP_CHART = {
    "kind": "trend", "indicator": "gdp", "title": "地区生产总值", "unit": "亿元",
    "years": [2019, 2020, 2021], "actual": [100.0, 120.0, 150.0], "target": [100.0, 120.0, 144.0],
    "target_legend": "目标路径（年均增长 20%）", "caption": "地区生产总值 2019—2021 年实际值与目标路径对比",
    "rows": [{"year": 2019, "actual": "100.00", "target": "100.00"},
             {"year": 2020, "actual": "120.00", "target": "120.00"},
             {"year": 2021, "actual": "150.00", "target": "144.00"}],
}


def sample_zone_context(zone_name: str = "南宁经济技术开发区", draft: bool = True) -> dict:
    return {
        "doc": {
            "title": f"{zone_name} 2025 年度考核评价报告",
            "year": 2025,
            "status_label": "草稿" if draft else "正式",
            "draft": draft,
            "report_date": "2026-01-15",
            "version": "0.1.0",
            "run_id": "ab12cd34ef56",
        },
        "zone": {
            "zone_id": "NNETDZ",
            "zone_name": zone_name,
            "level": "national",
            "level_label": "国家级",
            "city": "南宁市",
            "approved_date": "2001-05-01",
            "history": "2001-05-01 批准为国家级经开区",
        },
        "data_missing": False,
        "data_gaps": [{"zone_name": zone_name, "zone_id": "NNETDZ", "missing_year": 2019,
                       "needed_for": "2025 年度国家级经开区发展目标（以 2019 年为基数）"}],
        "undecided": [{"zone_name": zone_name, "rule": "国家级考核排名后10位",
                       "reason": "缺少 2025 年国家级考核排名"}],
        "indicators": [
            {
                "indicator": "gdp",
                "label": "地区生产总值",
                "unit_label": "亿元",
                "value": "1,234.56",
                "yoy": "12.3%",
                "since_base": "133.1%",
                "cagr": "15.2%",
                "city_share": "18.4%",
            },
            {
                "indicator": "fdi",
                "label": "实际使用外资",
                "unit_label": "万美元",
                "value": "45,678.00",
                "yoy": "-3.1%",
                "since_base": "—",
                "cagr": "—",
                "city_share": "22.0%",
            },
            {
                "indicator": "trade",
                "label": "进出口总额",
                "unit_label": "亿元",
                "value": "312.40",
                "yoy": "—",
                "since_base": "—",
                "cagr": "—",
                "city_share": "—",
            },
        ],
        "targets": [
            {
                "target_id": "gdp_cagr",
                "label": "地区生产总值年均增长",
                "value": "21.3%",
                "threshold": "≥ 20%",
                "final_threshold": "≥ 20%",
                "status": "met",
                "status_label": "达标",
                "note": "2019 年 812.00 亿元 → 2025 年 2,424.64 亿元",
            },
            {
                "target_id": "fdi_share",
                "label": "实际使用外资占全市比重",
                "value": "12.0%",
                "threshold": "≥ 15%",
                "final_threshold": "≥ 20%",
                "status": "not_met",
                "status_label": "未达标",
                "note": "全市 380,600 万美元",
            },
            {
                "target_id": "rnd_ratio",
                "label": "研发经费投入强度",
                "value": "—",
                "threshold": "≥ 2.5%",
                "final_threshold": "≥ 3%",
                "status": "no_data",
                "status_label": "无数据",
                "note": "未报送研发经费",
            },
        ],
        "score": {
            "score": "77.66",
            "rank": "自治区级经开区第 2 名（共 13 家）",
            "gap": "距上一名次差 0.24 分",
            "categories": [{
                "label": "对外开放", "weight": "30%", "score": "72.65", "contribution": "21.79",
                "indicators": [{"label": "实际利用外资", "unit": "万美元", "value": "9,800.00",
                                "range": "120.00 ~ 98,000.00", "direction": "越高越好",
                                "score": "63.96", "missing": False, "missing_reason": ""}],
            }],
            "missing": "",
        },
        "rewards": [
            {"rule": "外资项目奖励", "subject": f"WZ-2025-001 {zone_name}", "basis": "1.00",
             "reward": "7,180,014.36", "region": "3,590,007.18", "city": "3,590,007.18",
             "clause": "五、（十二）", "explanation": "按 2% 计 7,180,014.36 元", "granted": True},
            {"rule": "引进供应商（合作伙伴）奖励", "subject": "GY-2025-003 乙公司", "basis": "1.00",
             "reward": "0.00", "region": "0.00", "city": "0.00", "clause": "三、（二）",
             "explanation": "不予奖励：实际投资额 4,999.99 万元 < 5,000 万元", "granted": False},
        ],
        "researcher": [],
        "base_year": 2019,
        "conclusions": [f"予以约谈：{zone_name}国家级考核排名后10位。",
                        "本年度可获奖励资金 1 项，最高合计 718.00 万元（7,180,014.36 元）。"],
        "charts": [GDP_CHART],
        "rank_chart": {"kind": "rank", "years": [2019, 2020], "ranks": [120, 95],
                       "target_rank": 90, "target_legend": "2025 年目标：第 90 名",
                       "caption": "国家级考核排名 2019—2020 年",
                       "rows": [{"year": 2019, "rank": 120, "total": 219},
                                {"year": 2020, "rank": 95, "total": 217}]},
        "reward_total": {"count": 1, "total": "718.00 万元（7,180,014.36 元）",
                         "region": "359.00 万元（3,590,007.18 元）",
                         "city": "359.00 万元（3,590,007.18 元）"},
        "data_quality": [{"severity": "警告", "file": "zone_stats.csv", "sheet": "", "row": "7",
                          "column": "地区生产总值（亿元）", "value": zone_name,
                          "message": "数值含千位分隔符", "hint": "去掉千位分隔符"}],
        "methodology": METHODOLOGY,
        "attachments": [{"name": "NNETDZ-rewards.csv", "description": "奖励资金",
                         "content": "zone_id,reward_cny\nNNETDZ,7180014.36\n"}],
        "supervision": [
            {"zone_name": zone_name, "action": "interview", "action_label": "约谈",
             "reason_label": "国家级考核排名后10位", "clause": "七、（十六）",
             "explanation": "2025 年国家级考核排名第 223 名（共 230 个）"},
        ],
        "notes": ["增速按可比价计算；“—”表示无数据。", "本报告为草稿，仅供内部核对（第一轮）。"],
        "provenance": PROVENANCE,
    }


def sample_province_context() -> dict:
    statuses = [("met", "达标"), ("not_met", "未达标"), ("no_data", "无数据")]
    target_columns = [
        {"target_id": f"t{i}", "label": label}
        for i, label in enumerate(
            [
                "GDP年均增长",
                "外资占比",
                "进出口增长",
                "研发强度",
                "高新企业数",
                "亩均税收",
                "单位能耗下降",
                "亿元项目数",
                "园区扩区",
            ]
        )
    ]
    zone_names = ["南宁经济技术开发区", "钦州港经济技术开发区", "中国—马来西亚钦州产业园区"]
    return {
        "doc": {
            "title": "广西经开区 2025 年度考核评价汇总报告",
            "year": 2025,
            "status_label": "正式",
            "draft": False,
            "report_date": "2026-01-15",
            "version": "0.1.0",
            "run_id": "ab12cd34ef56",
        },
        "summary": [
            {"label": "参评经开区", "value": "16 家"},
            {"label": "地区生产总值合计", "value": "8,765.43 亿元"},
            {"label": "国家级经开区达标率", "value": "62.5%"},
        ],
        "zones": [
            {
                "no": i + 1,
                "zone_id": f"Z{i:02d}",
                "zone_name": name,
                "level_label": "国家级",
                "city": "南宁市",
                "gdp": "1,234.56",
                "fdi": "45,678.00",
                "trade": "312.40",
                "targets_met": "5 / 9",
            }
            for i, name in enumerate(zone_names)
        ],
        "target_columns": target_columns,
        "matrix": [
            {
                "zone_name": name,
                "cells": [
                    {"status": s, "status_label": lbl}
                    for s, lbl in (statuses[(i + j) % 3] for j in range(9))
                ],
            }
            for i, name in enumerate(zone_names)
        ],
        "province_targets": [
            {
                "label": "自治区级经开区数量",
                "value": "12 家",
                "threshold": "2025 年 ≥ 15 家",
                "progress": "距目标还差 3 家",
                "status": "in_progress",
                "status_label": "进行中",
            },
        ],
        "province_target_legend": "“15家以上”是到目标年应达到的数量：目标年及以后按 15 家判定达标与否。",
        "registry_changes": [{"change": "由自治区级升格为国家级经开区",
                              "zone_name": zone_names[2], "city": "钦州市",
                              "date": "2025-06-18"}],
        "gaps": {"zones": [], "rankings": [{"missing_year": 2025,
                                            "rules": "国家级考核排名后10位约谈"}],
                 "undecided": [{"zone_name": zone_names[0], "rule": "连续3年自治区级考核排名末位",
                                "reason": "2024 年有 1 家园区数据缺失、未参加排名"}]},
        "cities": [{"city": "南宁市", "count": 1, "bottom_ten": 0, "targets": "5 / 9",
                    "zones": [{"zone_name": zone_names[0], "rank": "99 / 230",
                               "change": "↑ 提升 11 位", "bottom_ten": "否", "targets": "5 / 9",
                               "note": ""}]}],
        "ranking": [
            {"rank": 1, "zone_name": "北海经济技术开发区（示例）", "score": "77.66", "last": False,
             "robust": True, "robust_label": "稳健", "changed_by": ""},
            {"rank": 2, "zone_name": "来宾经济技术开发区（示例）", "score": "60.00", "last": True,
             "robust": False, "robust_label": "不稳健（第 2–3 名）", "changed_by": "发展质量 +10%"},
        ],
        "rewards": {
            "by_rule": [{"label": "外资项目奖励", "count": 2, "total": "8,616,028.72",
                         "region": "4,308,014.36", "city": "4,308,014.36"}],
            "by_zone": [{"zone_id": "Z00", "zone_name": zone_names[0], "count": 2,
                         "total": "8,616,028.72", "region": "4,308,014.36",
                         "city": "4,308,014.36"}],
            "by_payer": [{"payer": "自治区财政", "amount": "4,308,014.36", "amount_wan": "430.80"},
                         {"payer": "南宁市财政", "amount": "4,308,014.36", "amount_wan": "430.80"}],
            "total": "8,616,028.72",
            "total_wan": "861.60",
            "unpriced": 1,
        },
        "supervision": [],
        "national_ranks": [{"zone_id": "Z00", "zone_name": zone_names[0], "previous": "110 / 229",
                            "current": "99 / 230", "change": "↑ 提升 11 位", "sort": 99}],
        "data_quality": [],
        "data_quality_summary": [],
        "methodology": METHODOLOGY,
        "attachments": [{"name": "rewards.csv", "description": "results/rewards.csv",
                         "content": "zone_id,reward_cny\nZ00,8616028.72\n"}],
        "notes": ["汇总口径：16 家经开区。"],
        "omitted": {},  # no table is long enough to be abridged
        "provenance": PROVENANCE,
    }


# ---------------------------------------------------------------------------------------------
# The demo results, with hostile names planted where zone and enterprise names print

NATIONAL = "GX-QZ-01"  # 钦州港: national, rewards, targets met and missed, rank history
EXITING = "GX-LZ-02"  # 柳州: regional, last three years running -> exit, and interviews
HOSTILE_ZONE = '<b>粗</b><img src="http://127.0.0.1:9/x.png"><link rel=stylesheet href="file:///etc/passwd">'
HOSTILE_ENTERPRISE = '=HYPERLINK("http://127.0.0.1:9/","点我") <style>@import url(http://x/)</style>'
FORMULA_ZONE = "=1+1 经开区"


@cache
def configs() -> Configs:
    return Configs.load(None, None)


@cache
def demo_results() -> Results:
    """The demo results, with hostile names planted where zone and enterprise names print."""
    policy, methodology = configs().policy, configs().methodology
    results = compute_year(ingest_folder(DEMO_DATA_DIR).frames, policy, methodology, DEMO_YEAR)
    assessed = results.assessed.with_columns(
        pl.when(pl.col("zone_id") == EXITING).then(pl.lit(HOSTILE_ZONE))
        .when(pl.col("zone_id") == "GX-BH-01").then(pl.lit(FORMULA_ZONE))
        .otherwise(pl.col("zone_name")).alias("zone_name"))
    first_paid = (results.rewards.with_row_index("_i")
                  .filter((pl.col("zone_id") == NATIONAL) & (pl.col("reward_cny") > 0))["_i"][0])
    rewards = results.rewards.with_row_index("_i").with_columns(
        pl.when(pl.col("_i") == first_paid).then(pl.lit(HOSTILE_ENTERPRISE))
        .otherwise(pl.col("subject_name")).alias("subject_name")).drop("_i")
    return dataclasses.replace(results, assessed=assessed, rewards=rewards)


def warning_for(zone_id: str) -> Finding:
    return Finding(Severity.WARNING, "zone_stats", "zone_stats.csv", "", 7, "gdp",
                   "地区生产总值（亿元）", "1,234.5", "ingest.number_format",
                   "数值含千位分隔符", "去掉千位分隔符后重新提交", zone_id=zone_id)


FINDINGS = [warning_for(NATIONAL), warning_for(NATIONAL), warning_for("GX-NN-01")]


def run_info() -> RunInfo:
    return RunInfo(run_id="0123456789abcdef", code_version="0.1.0+test",
                   policy_version=configs().policy.version,
                   methodology_version=configs().methodology.version,
                   report_date="2026-01-15", official=True, warnings=len(FINDINGS),
                   inputs=[{"file": "zone_stats.csv", "sha256": "0" * 64}])


# ---------------------------------------------------------------------------------------------
# Reading PDFs back

def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def embedded_fonts(pdf: bytes) -> dict[str, tuple[set[str], str]]:
    """BaseFont -> (font file kinds in its descriptor, PostScript name inside the font program)."""

    fonts: dict[str, tuple[set[str], str]] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            targets = [d.get_object() for d in descendants] if descendants else [font]
            for target in targets:
                descriptor = target["/FontDescriptor"].get_object()
                kinds = {k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor}
                ps_name = ""
                if "/FontFile2" in descriptor:
                    program = descriptor["/FontFile2"].get_object().get_data()
                    ps_name = TTFont(io.BytesIO(program))["name"].getDebugName(6) or ""
                fonts[str(target["/BaseFont"])] = (kinds, ps_name)
    return fonts


# ---------------------------------------------------------------------------------------------
# The submission site (flows/site): users, logging in, and Nanning's zone_stats rows

SITE_YEAR = 2025
# user name -> (password, role, city)
SITE_USERS = {
    "nn": ("nanning-pass-1", "city", "南宁市"),
    "lz": ("liuzhou-pass-1", "city", "柳州市"),
    "dept": ("department-pass", "department", ""),
    "boss": ("leader-pass-1", "leader", ""),
}


def add_site_users(root: Path) -> None:
    for name, (password, role, city) in SITE_USERS.items():
        add_user(root / USERS_FILE, name, password, role, city, f"{city or '商务厅'} {name}",
                 region_cities())


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def site_login(client, name: str, password: str | None = None):
    """Log `name` in through the login form; returns the response to the POST."""
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"csrf_token": token, "username": name,
                                       "password": password or SITE_USERS[name][0],
                                       "next": "/"})


def demo_zone_stats_rows(prefix: str) -> tuple[str, list[str]]:
    """The demo zone_stats.csv's header and the rows of the zones whose id starts with
    `prefix` (GBK, as the demo file is)."""
    lines = (DEMO_DATA_DIR / "zone_stats.csv").read_text(encoding="gb18030").splitlines()
    return lines[0], [line for line in lines[1:] if line.startswith(prefix)]


def set_cell(line: str, column: int, value: str) -> str:
    cells = line.split(",")
    cells[column] = value
    return ",".join(cells)


def csv_bytes(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("gb18030")
