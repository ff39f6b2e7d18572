"""The fix list in the three forms data staff use: CSV, a Chinese HTML page and an Excel workbook.

One row per finding, grouped by zone and then by file, so whoever looks after a zone or a file
finds their rows together. The HTML page is self-contained (inline CSS, no script, no CDN): it
opens on an office PC without internet, unlike Great Expectations' Data Docs, which are built
beside it for technical staff. The nightly flow adds a status per finding (新增 / 未解决) and the
findings fixed since the previous night (已解决).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from jinja2 import Environment

from flows.findings import FIX_LIST_COLUMNS, Finding, Severity

STATUS_NEW, STATUS_OPEN, STATUS_FIXED = "新增", "未解决", "已解决"
# A finding's identity from one night to the next: the cell (file, sheet, row, column) and the
# rule. The value is left out on purpose: a cell corrected to another wrong value is the same
# open problem, not one fixed and one new.
FindingKey = tuple[str, str, int | None, str, str]

SEVERITY_ICON = {Severity.CRITICAL: "⛔", Severity.WARNING: "⚠"}
NO_ZONE = "不属于单个园区（文件、设区市、汇率等）"
# xlsxwriter stamps the creation time into docProps/core.xml; a fixed one keeps the file
# identical for identical findings (the run's manifest hashes every output).
_EPOCH = dt.datetime(2000, 1, 1)

# Chinese headers of the Excel sheet, in the order of the columns written.
XLSX_COLUMNS = [
    ("status", "状态"),
    ("severity", "严重程度"),
    ("zone_id", "园区代码"),
    ("dataset", "数据集"),
    ("file", "文件"),
    ("sheet", "工作表"),
    ("row", "行号"),
    ("column_label", "列"),
    ("value", "填写的值"),
    ("message", "问题说明"),
    ("hint", "修改建议"),
    ("rule_id", "规则编号"),
]


def finding_key(f: Finding) -> FindingKey:
    return (f.file, f.sheet, f.row, f.column, f.rule_id)


def group_sort_key(f: Finding) -> tuple:
    """Zone (findings about no single zone last), file, sheet, then critical first, row."""
    return (
        f.zone_id == "",
        f.zone_id,
        f.file,
        f.sheet,
        0 if f.severity is Severity.CRITICAL else 1,
        f.row if f.row is not None else 0,
        f.column,
        f.rule_id,
    )


def grouped(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=group_sort_key)


def _severity_text(f: Finding) -> str:
    return f"{SEVERITY_ICON[f.severity]} {f.severity.label}"


# ---------------------------------------------------------------------------------------------
# CSV


def write_csv(
    findings: list[Finding], path: Path, statuses: dict[FindingKey, str] | None = None
) -> Path:
    """UTF-8 with BOM (Excel on a Chinese Windows desktop opens it without mojibake); English
    column names, stable for scripts; rows grouped by zone and file. With `statuses`, a status
    column comes first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = (["status"] if statuses is not None else []) + FIX_LIST_COLUMNS
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for f in grouped(findings):
            row = asdict(f)
            row["severity"] = f.severity.value
            row["row"] = "" if f.row is None else f.row
            if statuses is not None:
                row["status"] = statuses.get(finding_key(f), "")
            writer.writerow(row)
    return path


# ---------------------------------------------------------------------------------------------
# HTML

_HTML = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Noto Sans SC",
       sans-serif; margin: 1.5em; color: #1f2328; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 2px solid #d0d7de; }
h3 { font-size: 1em; margin: 1.2em 0 .4em; color: #57606a; }
.note { color: #57606a; font-size: .9em; }
.summary { display: flex; gap: 1em; flex-wrap: wrap; margin: 1em 0; }
.box { border: 1px solid #d0d7de; border-radius: 6px; padding: .6em 1em; min-width: 7em; }
.box b { display: block; font-size: 1.6em; }
.box.critical b { color: #b42318; } .box.warning b { color: #9a6700; }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
th, td { border: 1px solid #d0d7de; padding: .35em .5em; text-align: left;
         vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.critical td.sev { color: #b42318; font-weight: bold; white-space: nowrap; }
tr.warning td.sev { color: #9a6700; white-space: nowrap; }
td.value { font-family: Consolas, "Courier New", monospace; word-break: break-all; }
td.rule { color: #57606a; font-size: .85em; }
.status-新增 { color: #b42318; } .status-未解决 { color: #9a6700; }
.status-已解决 { color: #1a7f37; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p class="note">{{ subtitle }}</p>
<div class="summary">
  <div class="box critical">⛔ 严重<b>{{ counts.critical }}</b>须修改后才能计算和发布</div>
  <div class="box warning">⚠ 警告<b>{{ counts.warning }}</b>请核对，不阻止计算</div>
  <div class="box">合计<b>{{ counts.total }}</b>条问题</div>
  {% if resolved is not none %}
  <div class="box">✔ 已解决<b>{{ resolved|length }}</b>条（与上次相比）</div>
  {% endif %}
</div>
{% if by_dataset %}
<table style="width:auto">
<tr><th>数据集</th><th>⛔ 严重</th><th>⚠ 警告</th></tr>
{% for name, c in by_dataset %}
<tr><td>{{ name }}</td><td class="num">{{ c.critical }}</td><td class="num">{{ c.warning }}</td></tr>
{% endfor %}
</table>
{% endif %}
<p class="note">本页是给数据填报人员使用的修改清单，无需联网即可打开。同目录下的
fix_list.xlsx 内容相同，可在 Excel 中筛选；data_docs/index.html 是 Great Expectations
生成的技术报告，供技术人员排查，其样式需联网加载，请以本页为准。</p>
{% if not groups %}<p><b>✔ 未发现数据问题。</b></p>{% endif %}
{% for zone_title, files in groups %}
<h2>{{ zone_title }}</h2>
{% for file_title, rows in files %}
<h3>📄 {{ file_title }}</h3>
<table>
<tr>{% if statuses is not none %}<th>状态</th>{% endif %}<th>严重程度</th><th>行号</th><th>列</th>
<th>填写的值</th><th>问题说明</th><th>修改建议</th><th>规则编号</th></tr>
{% for f in rows %}
<tr class="{{ f.severity.value }}">
{% if statuses is not none %}{% set s = status_of(f) %}<td class="status-{{ s }}">{{ s }}</td>{% endif %}
<td class="sev">{{ severity_text(f) }}</td>
<td class="num">{{ f.row if f.row is not none else "整个文件" }}</td>
<td>{{ f.column_label }}</td>
<td class="value">{{ f.value }}</td>
<td>{{ f.message }}</td>
<td>{{ f.hint }}</td>
<td class="rule">{{ f.rule_id }}</td>
</tr>
{% endfor %}
</table>
{% endfor %}
{% endfor %}
{% if resolved %}
<h2>✔ 已解决（上次有、本次已没有的问题）</h2>
<table>
<tr><th>严重程度</th><th>文件</th><th>行号</th><th>列</th><th>当时的值</th><th>问题说明</th>
<th>规则编号</th></tr>
{% for f in resolved %}
<tr class="{{ f.severity.value }}"><td class="sev">{{ severity_text(f) }}</td>
<td>{{ file_title(f) }}</td>
<td class="num">{{ f.row if f.row is not none else "整个文件" }}</td>
<td>{{ f.column_label }}</td><td class="value">{{ f.value }}</td><td>{{ f.message }}</td>
<td class="rule">{{ f.rule_id }}</td></tr>
{% endfor %}
</table>
{% endif %}
</body>
</html>
"""

# Autoescape: every value comes from a submitted file and may contain <, & or quotes.
_ENV = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
_TEMPLATE = _ENV.from_string(_HTML)


def _file_title(f: Finding) -> str:
    return f.file + (f"（工作表：{f.sheet}）" if f.sheet else "")


def _groups(
    findings: list[Finding], zone_names: dict[str, str]
) -> list[tuple[str, list[tuple[str, list[Finding]]]]]:
    groups: list[tuple[str, list[tuple[str, list[Finding]]]]] = []
    for f in grouped(findings):
        zone = f"园区 {f.zone_id} {zone_names.get(f.zone_id, '')}".strip() if f.zone_id else NO_ZONE
        if not groups or groups[-1][0] != zone:
            groups.append((zone, []))
        files = groups[-1][1]
        title = _file_title(f)
        if not files or files[-1][0] != title:
            files.append((title, []))
        files[-1][1].append(f)
    return groups


def counts(findings: list[Finding]) -> dict[str, int]:
    by = Counter(f.severity for f in findings)
    return {
        "critical": by[Severity.CRITICAL],
        "warning": by[Severity.WARNING],
        "total": len(findings),
    }


def render_html(
    findings: list[Finding],
    *,
    title: str = "数据修改清单",
    subtitle: str = "",
    zone_names: dict[str, str] | None = None,
    statuses: dict[FindingKey, str] | None = None,
    resolved: list[Finding] | None = None,
) -> str:
    from transforms.contract import DATASETS

    by_dataset: dict[str, dict[str, int]] = {}
    for f in findings:
        label = DATASETS[f.dataset].label if f.dataset in DATASETS else (f.dataset or "其他文件")
        c = by_dataset.setdefault(label, {"critical": 0, "warning": 0})
        c[f.severity.value] += 1
    return _TEMPLATE.render(
        title=title,
        subtitle=subtitle,
        counts=counts(findings),
        by_dataset=sorted(by_dataset.items()),
        groups=_groups(findings, zone_names or {}),
        statuses=statuses,
        status_of=lambda f: (statuses or {}).get(finding_key(f), ""),
        resolved=grouped(resolved) if resolved is not None else None,
        severity_text=_severity_text,
        file_title=_file_title,
    )


def write_html(findings: list[Finding], path: Path, **kwargs: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(findings, **kwargs), encoding="utf-8")  # type: ignore[arg-type]
    return path


# ---------------------------------------------------------------------------------------------
# Excel


def write_xlsx(
    findings: list[Finding],
    path: Path,
    statuses: dict[FindingKey, str] | None = None,
    resolved: list[Finding] | None = None,
) -> Path:
    """修改清单 (every finding, grouped by zone and file; autofilter, frozen header) and, for
    the nightly run, 已解决. Every cell is written as text or a number: a value such as
    "=HYPERLINK(...)" or "-5" typed by staff must never become a formula."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    columns = [(k, label) for k, label in XLSX_COLUMNS if k != "status" or statuses is not None]
    # strings_to_formulas off as well: write() would otherwise turn "=..." into a formula
    wb = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False}
    )
    # fixed metadata so the same findings give the same bytes
    wb.set_properties({"title": "数据修改清单", "created": _EPOCH})
    head = wb.add_format({"bold": True, "bg_color": "#F6F8FA", "border": 1, "text_wrap": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    critical = wb.add_format({"font_color": "#B42318", "bold": True, "valign": "top"})
    warning = wb.add_format({"font_color": "#9A6700", "valign": "top"})
    widths = {"status": 8, "severity": 10, "zone_id": 12, "dataset": 14, "file": 24, "sheet": 12,
              "row": 7, "column_label": 22, "value": 20, "message": 48, "hint": 48, "rule_id": 36}

    def sheet(name: str, rows: list[Finding], status_of: dict[FindingKey, str] | None) -> None:
        ws = wb.add_worksheet(name)
        for c, (key, label) in enumerate(columns):
            ws.write_string(0, c, label, head)
            ws.set_column(c, c, widths[key])
        for r, f in enumerate(grouped(rows), start=1):
            for c, (key, _) in enumerate(columns):
                if key == "status":
                    ws.write_string(r, c, (status_of or {}).get(finding_key(f), STATUS_FIXED))
                elif key == "severity":
                    fmt = critical if f.severity is Severity.CRITICAL else warning
                    ws.write_string(r, c, _severity_text(f), fmt)
                elif key == "row":
                    if f.row is None:
                        ws.write_string(r, c, "整个文件", wrap)
                    else:
                        ws.write_number(r, c, f.row, wrap)
                else:
                    ws.write_string(r, c, str(getattr(f, key)), wrap)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)

    sheet("修改清单", findings, statuses)
    if resolved is not None:
        sheet("已解决", resolved, None)
    wb.close()
    return path


def write_all(
    findings: list[Finding],
    out_dir: Path,
    *,
    subtitle: str = "",
    zone_names: dict[str, str] | None = None,
    statuses: dict[FindingKey, str] | None = None,
    resolved: list[Finding] | None = None,
) -> list[Path]:
    """fix_list.csv, fix_list.html and fix_list.xlsx in out_dir."""
    return [
        write_csv(findings, out_dir / "fix_list.csv", statuses),
        write_html(findings, out_dir / "fix_list.html", subtitle=subtitle,
                   zone_names=zone_names, statuses=statuses, resolved=resolved),
        write_xlsx(findings, out_dir / "fix_list.xlsx", statuses, resolved),
    ]


# ---------------------------------------------------------------------------------------------
# Comparing two validation passes (the nightly run, `etdz validate --watch`)


@dataclass(frozen=True)
class Comparison:
    statuses: dict[FindingKey, str]  # each current finding: 新增 or 未解决
    resolved: list[Finding]  # in the previous pass, gone now

    @property
    def new(self) -> int:
        return sum(s == STATUS_NEW for s in self.statuses.values())

    @property
    def still_open(self) -> int:
        return sum(s == STATUS_OPEN for s in self.statuses.values())


def compare(previous: list[Finding] | None, current: list[Finding]) -> Comparison:
    """By finding_key: a key in both is 未解决, only now is 新增, only before is 已解决. With no
    previous pass everything is 新增."""
    before = {finding_key(f): f for f in previous or []}
    now = {finding_key(f) for f in current}
    statuses = {finding_key(f): STATUS_OPEN if finding_key(f) in before else STATUS_NEW
                for f in current}
    resolved = [f for k, f in before.items() if k not in now]
    return Comparison(statuses, grouped(resolved))


def read_csv(path: Path) -> list[Finding]:
    """A fix_list.csv written by write_csv, back into findings (the status column, if any, is
    dropped: it is recomputed against the pass before)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    findings = []
    for row in rows:
        values = {name: row.get(name, "") for name in FIX_LIST_COLUMNS}
        values["severity"] = Severity(values["severity"])
        values["row"] = int(values["row"]) if values["row"] else None
        findings.append(Finding(**values))
    return findings
