"""results/assessment.xlsx: the result tables for staff who work in Excel.

One table per sheet (indicators, targets, scores, rewards, supervision) with Chinese headers, a
cover sheet (run, status, versions) and a notes sheet (what each sheet and column is).

- Numbers are written as numbers, money with a ``#,##0.00`` format, rates and shares as
  fractions with a percentage format, so staff can sum and filter without converting text.
- Text is always written with ``write_string``: a zone or enterprise name starting with
  ``= + - @`` stays text and can never become a formula (CSV/Excel formula injection).
- Same results and run give the same bytes: the workbook's created date is the report date
  (xlsxwriter would stamp the current time) and xlsxwriter writes fixed zip timestamps.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from flows.reporting.run_info import RunInfo
from transforms.formatting import beside
from transforms.policy import PolicyConfig
from transforms.results import Results
from transforms.rewards import RULE_LABELS
from transforms.supervision import REASON_LABELS
from transforms.targets import exact_figures

SHEETS = (
    ("indicators", "主要指标", "每个园区每项指标一行：当年值（元 / 美元 / 户等基本单位）、同比增长、年均增长、占全市比重"),
    ("targets", "发展目标", "每个国家级经开区每项发展目标一行：实际值、本年度要求、最终目标、完成情况"),
    ("scores", "综合评分", "每个园区一行：五类得分、综合得分、自治区级排名、国家级排名"),
    ("rewards", "奖励资金", "每个奖励事项一行：计算基数、比例、最高可获金额及自治区、设区市分担（元）"),
    ("supervision", "督促措施", "每项约谈、预警、退出或奖励激励措施一行，含事由与政策依据"),
    ("city_performance", "设区市考评", "条款（十七）：每个设区市的每个国家级经开区一行：国家级考核名次及较上年变化、"
     "是否位于后10位、发展目标达标情况"),
)

COLUMN_LABELS = {
    "zone_id": "园区代码", "zone_name": "园区名称", "year": "年度", "indicator": "指标",
    "value": "数值", "unit": "单位", "yoy_growth": "同比增长", "cagr_since_base": "年均增长",
    "city_share": "占全市比重", "target_id": "目标代码", "threshold": "本年度要求",
    "final_threshold": "最终目标", "status": "完成情况", "base_year": "基准年",
    "base_value": "基准年数值", "year_value": "当年数值", "city_value": "设区市数值",
    "note": "备注", "level": "级别", "open_economy": "对外开放得分",
    "development_quality": "发展质量得分", "innovation": "科技创新得分", "green": "绿色发展得分",
    "coordination": "统筹协调得分", "score": "综合得分", "regional_rank": "自治区级排名",
    "national_rank": "国家级排名", "regional_last": "是否末位",
    "missing_indicators": "缺失指标", "rule": "奖励项目", "subject_id": "对象编号",
    "basis_cny": "计算基数（元）", "rate": "比例", "computed_cny": "按比例计算（元）",
    "cap_cny": "上限（元）", "reward_cny": "最高可获（元）", "region_share_cny": "自治区承担（元）",
    "city_share_cny": "设区市承担（元）", "clause": "政策依据", "city": "所在设区市",
    "subject_name": "对象名称", "eligible": "是否符合条件", "explanation": "说明",
    "action": "措施", "reason": "事由", "data_missing": "数据缺失",
    "rank": "国家级考核名次", "ranked_total": "参评园区总数", "previous_rank": "上年名次",
    "rank_change": "较上年提升位次", "bottom_ten": "是否后10位", "targets_met": "达标目标数",
    "targets_not_met": "未达标目标数", "targets_no_data": "无数据目标数",
    "targets_total": "目标总数",
}
PERCENT_COLUMNS = {"yoy_growth", "cagr_since_base", "city_share", "rate"}
# Decimal values the transforms keep as exact text (indicator values, thresholds, rates):
# numbers to staff, so they are converted here; anything that does not parse stays text.
NUMERIC_TEXT_COLUMNS = {"value", "threshold", "final_threshold", "base_value", "year_value",
                        "city_value", "rate"}
# Codes staff read better as words; the code itself stays in the CSVs.
WORDS = {
    "status": {"met": "达标", "not_met": "未达标", "no_data": "无数据", "in_progress": "进行中"},
    "level": {"national": "国家级", "regional": "自治区级"},
    "rule": RULE_LABELS,
    "action": {"interview": "约谈", "exit": "退出", "commendation": "奖励激励",
               "early_warning": "预警"},
    "reason": REASON_LABELS,
}
FORMULA_PREFIXES = ("=", "+", "-", "@")


def _with_names(frame: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    if "zone_id" not in frame.columns or "zone_name" in frame.columns:
        return frame
    joined = frame.join(names, on="zone_id", how="left", maintain_order="left")
    order = ["zone_id", "zone_name", *[c for c in frame.columns if c != "zone_id"]]
    return joined.select(order)


def write_assessment_workbook(results: Results, path: Path, run: RunInfo,
                              policy: PolicyConfig) -> Path:
    """`policy` (the run's) lets the targets sheet show each figure beside its threshold with
    the decimals it takes to see its side (see _verdict_cells)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    report_date = dt.date.fromisoformat(run.report_date)
    workbook = xlsxwriter.Workbook(str(path), {
        # Never guess: a string is a string, even when it looks like a formula, number or URL.
        "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
    })
    workbook.set_properties({
        "title": f"广西经开区 {results.year} 年度考核评价结果",
        "author": "广西壮族自治区商务厅",
        "comments": f"运行编号 {run.run_id}",
        "created": dt.datetime(report_date.year, report_date.month, report_date.day),
    })
    fmt = {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "header": workbook.add_format({"bold": True, "bg_color": "#ECECEC", "border": 1,
                                       "text_wrap": True, "valign": "vcenter"}),
        "label": workbook.add_format({"bold": True}),
        "money": workbook.add_format({"num_format": "#,##0.00"}),
        "number": workbook.add_format({"num_format": "#,##0.######"}),
        "decimal": workbook.add_format({"num_format": "#,##0.00##"}),
        "integer": workbook.add_format({"num_format": "0"}),
        "percent": workbook.add_format({"num_format": "0.00%"}),
        "text": workbook.add_format({"text_wrap": False}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
    }
    _cover_sheet(workbook, fmt, results, run)
    _notes_sheet(workbook, fmt)
    names = results.assessed.select("zone_id", "zone_name")
    for name, title, _ in SHEETS:
        cells = _verdict_cells(workbook, results.targets, policy) if name == "targets" else {}
        _table_sheet(workbook, fmt, title, _with_names(getattr(results, name), names), cells)
    workbook.close()
    return path


def _text(sheet: Any, row: int, col: int, value: str, cell_format: Any = None) -> None:
    # write_string, never write(): "=HYPERLINK(...)" in a name must stay the text it is.
    sheet.write_string(row, col, value, cell_format)


def _cover_sheet(workbook: Any, fmt: dict[str, Any], results: Results,
                 run: RunInfo) -> None:
    sheet = workbook.add_worksheet("封面")
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 70)
    _text(sheet, 0, 0, f"广西经开区 {results.year} 年度考核评价结果", fmt["title"])
    rows = [
        ("考核年度", f"{results.year} 年"),
        ("状态", "草稿" if run.draft else "正式"),
        ("报告日期", run.report_date),
        ("运行编号", run.run_id),
        ("程序版本", run.code_version),
        ("政策参数版本", run.policy_version),
        ("评分方法版本", run.methodology_version),
        ("数据警告", f"{run.warnings} 条"),
    ]
    rows += [("参评园区", f"{results.assessed.height} 家"),
             ("工作表", "、".join(title for _, title, _ in SHEETS))]
    for i, (label, value) in enumerate(rows, start=2):
        _text(sheet, i, 0, label, fmt["label"])
        _text(sheet, i, 1, value)


def _notes_sheet(workbook: Any, fmt: dict[str, Any]) -> None:
    sheet = workbook.add_worksheet("说明")
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 90)
    _text(sheet, 0, 0, "说明", fmt["title"])
    lines = [
        ("数据来源", "与同一运行发布的 results/*.csv 逐行一致；CSV 为正式口径，本工作簿便于筛选汇总。"),
        ("金额", "金额单位为元，保留两位小数，可直接求和；比例、增长率、比重为小数，以百分比格式显示。"),
        ("指标数值", "“主要指标”的数值为基本单位：元、美元、户等，见“单位”列（CNY 为元，USD 为美元）。"),
        ("文本", "所有文本单元格均按文本写入，不会被当作公式计算。"),
        *[(title, description) for _, title, description in SHEETS],
    ]
    for i, (label, text) in enumerate(lines, start=2):
        _text(sheet, i, 0, label, fmt["label"])
        _text(sheet, i, 1, text, fmt["wrap"])


# (row, column name) -> the number to write and its format, instead of the frame's value
VerdictCells = dict[tuple[int, str], tuple[float, Any]]


def _verdict_cells(workbook: Any, targets: pl.DataFrame, policy: PolicyConfig
                   ) -> VerdictCells:
    """The value and this year's threshold of each targets row, shown with the same decimals:
    six, as in targets.csv, or as many more as formatting.beside needs for the value to show on
    which side of the threshold it lies (a CAGR of 0.1999996 is not 0.200000 beside 未达标).
    Where six suffice the cells hold the CSV's numbers; else the exact figure and threshold."""
    by_id = {t.id: t for t in policy.zone_targets}
    formats: dict[int, Any] = {}
    cells: VerdictCells = {}
    for r, row in enumerate(targets.iter_rows(named=True), start=1):
        target = by_id.get(row["target_id"])
        figures = exact_figures(target, row, policy) if target is not None else None
        if figures is None:
            continue
        figure, threshold = figures
        places = 6 if target.kind != "rank_gain" else 0
        shown, _ = beside(figure, threshold, places)
        decimals = len(shown.partition(".")[2])
        if decimals not in formats:
            formats[decimals] = workbook.add_format(
                {"num_format": "#,##0" + ("." + "0" * decimals if decimals else "")})
        if decimals > places:
            value, limit = float(figure), float(threshold)
        else:
            value, limit = row["value"], float(Decimal(row["threshold"]))
        cells[(r, "value")] = (value, formats[decimals])
        cells[(r, "threshold")] = (limit, formats[decimals])
    return cells


def _table_sheet(workbook: Any, fmt: dict[str, Any], title: str, frame: pl.DataFrame,
                 cells: VerdictCells | None = None) -> None:
    sheet = workbook.add_worksheet(title)
    columns = frame.columns
    for c, name in enumerate(columns):
        _text(sheet, 0, c, COLUMN_LABELS.get(name, name), fmt["header"])
        wide = name in ("clause", "explanation", "note", "missing_indicators")
        sheet.set_column(c, c, 40 if wide else 14)
    for r, row in enumerate(frame.iter_rows(), start=1):
        for c, (name, value) in enumerate(zip(columns, row, strict=True)):
            if cells and (r, name) in cells:
                sheet.write_number(r, c, *cells[(r, name)])
            else:
                _write_value(sheet, fmt, r, c, name, value)
    sheet.freeze_panes(1, 2 if "zone_name" in columns else 1)
    if frame.height:
        sheet.autofilter(0, 0, frame.height, len(columns) - 1)


def _write_value(sheet: Any, fmt: dict[str, Any], r: int, c: int, name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        _text(sheet, r, c, "是" if value else "否")
    elif isinstance(value, Decimal):
        # Excel holds doubles: amounts to the fen are exact well beyond 10^12 yuan.
        number_format = fmt["money"] if name.endswith("_cny") else fmt["number"]
        sheet.write_number(r, c, float(value), number_format)
    elif isinstance(value, int):
        sheet.write_number(r, c, value, fmt["integer"])
    elif isinstance(value, float):
        sheet.write_number(r, c, value,
                           fmt["percent"] if name in PERCENT_COLUMNS else fmt["number"])
    elif isinstance(value, dt.date):
        _text(sheet, r, c, value.isoformat())
    elif name in NUMERIC_TEXT_COLUMNS and (number := _decimal(value)) is not None:
        sheet.write_number(r, c, float(number),
                           fmt["percent"] if name in PERCENT_COLUMNS else fmt["decimal"])
    else:
        text = str(value)
        _text(sheet, r, c, WORDS.get(name, {}).get(text, text))


def _decimal(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
