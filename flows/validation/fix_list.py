"""The fix list in the three forms data staff use: CSV, a Chinese HTML page and an Excel workbook.

One row per finding, grouped by zone and then by file, so whoever looks after a zone or a file
finds their rows together, and leading with what blocks: groups with critical findings first,
critical first within each, and a finding caused by another (a column that could not be read)
after the others, with its cause named (起因, the last column). The HTML page
(report_templates/fix_list.html) is self-contained (its CSS and a subset of the bundled Chinese
font inlined, no script, no CDN): it opens on an office PC without internet or a Chinese font.
The technical report (data_docs/) is built beside it for technical staff. The nightly flow adds
a status per finding (新增 / 未解决) and the
findings fixed since the previous night (已解决).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from dataclasses import asdict, fields
from pathlib import Path

import xlsxwriter
from jinja2 import Environment, FileSystemLoader

from flows.files import neutralise_formula, restore_formula
from flows.settings import TEMPLATE_DIR
from flows.validation.comparison import STATUS_FIXED, FindingKey, finding_key, grouped
from flows.validation.page_font import embedded_font_face
from transforms.contract import DATASETS
from transforms.findings import Finding, Severity

# The CSV's columns, stable for scripts: the finding's fields in order.
FIX_LIST_COLUMNS = [f.name for f in fields(Finding)]

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
    ("caused_by", "起因"),
    ("rows", "涉及行号"),
    ("count", "处数"),
]


def _severity_text(f: Finding) -> str:
    return f"{SEVERITY_ICON[f.severity]} {f.severity.label}"


# ---------------------------------------------------------------------------------------------
# CSV


def write_csv(
    findings: list[Finding], path: Path, statuses: dict[FindingKey, str] | None = None
) -> Path:
    """UTF-8 with BOM (Excel on a Chinese Windows desktop opens it without mojibake); English
    column names, stable for scripts; rows grouped by zone and file. With `statuses`, a status
    column comes first. Submitted text such as "=HYPERLINK(...)" is neutralised, so Excel shows
    it instead of evaluating it (flows/files.py)."""
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
            writer.writerow({k: neutralise_formula(v) if isinstance(v, str) else v
                             for k, v in row.items()})
    return path


# ---------------------------------------------------------------------------------------------
# HTML


# Autoescape: every value comes from a submitted file and may contain <, & or quotes.
_ENV = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True, trim_blocks=True,
                   lstrip_blocks=True, keep_trailing_newline=True)


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
    by_dataset: dict[str, dict[str, int]] = {}
    for f in findings:
        label = DATASETS[f.dataset].label if f.dataset in DATASETS else (f.dataset or "其他文件")
        c = by_dataset.setdefault(label, {"critical": 0, "warning": 0})
        c[f.severity.value] += 1
    page = _ENV.get_template("fix_list.html").render
    context = dict(
        css=(TEMPLATE_DIR / "fix_list.css").read_text(encoding="utf-8"),
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
    # The font goes with the page: a subset holding exactly the characters the page shows.
    return page(**context, font_face=embedded_font_face(page(**context, font_face="")))


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
              "row": 7, "column_label": 22, "value": 20, "message": 48, "hint": 48, "rule_id": 36,
              "caused_by": 48, "rows": 20, "count": 7}

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
                elif key == "count":
                    ws.write_number(r, c, f.count, wrap)
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


def read_csv(path: Path) -> list[Finding]:
    """A fix_list.csv written by write_csv, back into findings (the status column, if any, is
    dropped: it is recomputed against the pass before)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    findings = []
    for row in rows:
        values = {name: restore_formula(row.get(name) or "") for name in FIX_LIST_COLUMNS}
        values["severity"] = Severity(values["severity"])
        values["row"] = int(values["row"]) if values["row"] else None
        values["count"] = int(values["count"]) if values["count"] else 1
        findings.append(Finding(**values))
    return findings
