"""Column-at-a-time typing of ingested text: cells to typed, unit-converted columns.

Per-cell Python conversion cost ~8 µs a cell, 98 s for a national-scale submission (a million
project rows). Here cleaning, classification and problem flags are Polars expressions over a
whole column; Python touches only what must be exact (Decimal money, parsed once per valid cell
in a tight comprehension) and the few cells that produce a finding. The semantics are those of
the per-cell reading kept as a test oracle in tests/oracles/cell_reference.py: the ingest
tests check both agree on a corpus of awkward cells.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import polars as pl
from openpyxl.utils.cell import get_column_letter

from flows.ingest.headers import HeaderMap
from flows.ingest.raw import RawTable
from transforms.contract import (
    BOOL_FALSE,
    BOOL_TRUE,
    SOURCE_FILE,
    SOURCE_ROW,
    SOURCE_SHEET,
    Column,
    Dataset,
    Kind,
    normalise_header,
    polars_dtype,
)
from transforms.findings import (
    ROWS_LISTED,
    Finding,
    Severity,
    listed_or_grouped,
    quote,
)
from transforms.industry import division_label, industry_division
from transforms.money import round_fen
from transforms.units import CELL_UNIT_WORDS, UNIT_FACTORS

NUMBER_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
# A number, then a unit word at the end (spaces between allowed): 12万元, 12 户, 12%.
UNIT_SPLIT_RE = r"^(.*?)\s*(" + "|".join(CELL_UNIT_WORDS) + ")$"
# Thousands separators where they belong: every three digits, commas or spaces, not both.
GROUPED_RE = r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$|^[+-]?[0-9]{1,3}( [0-9]{3})+(\.[0-9]*)?$"
# 2025年 or 2025年度 in a year column: the year, said with a warning.
YEAR_SUFFIX_RE = r"^([0-9]{4})\s*年度?$"
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
# Unit words a count or an area may carry besides a money column's own units.
COUNT_UNITS = ("户", "家", "个")
AREA_UNITS = ("平方公里",)
# What a column can hold, as a power of ten of its base unit: beyond this a figure is refused at
# its cell, never turned into an empty value, a cap or a crash. Counts must fit Int64. Money and
# rates stay far inside Decimal(38, 2) / (38, 6) so that every sum, product and rounding to the
# fen downstream stays exact in Python's 28-digit decimal context: 10^20 yuan is a hundred
# thousand times the world's annual output.
MAX_DIGITS = {Kind.MONEY: 20, Kind.DECIMAL: 12, Kind.INT: 18, Kind.FLOAT: 300}

# Cells that mean "no value" in the spreadsheets staff actually send.
PLACEHOLDERS = frozenset({"", "-", "--", "—", "——", "/", "空", "无", "暂无", "na", "n/a", "null", "none"})
# A cell like this marks a summary row, not data (合计/总计/小计, also written 合　计, 小计：
# or 南宁市小计).
TOTAL_RE = r"^\s*([^0-9\s]{0,12}?)\s*([小合总])\s*计\s*([:：(（].*)?$"


def _problem(rule: str, severity: Severity, message: str, hint: str) -> dict[str, Any]:
    return {"rule": rule, "severity": severity, "message": message, "hint": hint}


class Problems(list[tuple[int, dict[str, Any]]]):
    """(row position, problem) for the first ROWS_LISTED cells of each rule, and in `counts`
    how many cells each (rule, severity) found: a column of two million bad cells costs a
    hundred problems, not two million."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[tuple[str, Severity]] = Counter()

    def flag(self, frame: pl.DataFrame, mask: pl.Expr, rule: str, severity: Severity,
             message: Callable[..., str], hint: str, columns: tuple[str, ...] = ("text",)
             ) -> None:
        hits = frame.select("_i", *columns, mask.fill_null(False).alias("_hit")).filter("_hit")
        if hits.height == 0:
            return
        self.counts[(rule, severity)] += hits.height
        for row in hits.head(ROWS_LISTED).drop("_hit").iter_rows():
            self.append((row[0], _problem(rule, severity, message(*row[1:]), hint)))

    def one(self, pos: int, rule: str, severity: Severity, message: str, hint: str) -> None:
        self.counts[(rule, severity)] += 1
        if self.counts[(rule, severity)] <= ROWS_LISTED:
            self.append((pos, _problem(rule, severity, message, hint)))


def clean(raw: pl.Expr, fold: bool, placeholders: frozenset[str], ascii_only: bool = False
          ) -> pl.Expr:
    """Strip, read placeholders as missing, fold full-width forms (not for names).

    NFKC costs ~0.5 s a million cells and changes nothing in plain ASCII, so a column known to
    be ASCII (`ascii_only`) skips it.
    """
    stripped = raw.str.strip_chars()
    folded = stripped if ascii_only else stripped.str.normalize("NFKC").str.strip_chars()
    is_placeholder = folded.str.to_lowercase().is_in(list(placeholders)) | (folded == "")
    return pl.when(raw.is_null() | is_placeholder).then(None).otherwise(
        folded if fold else stripped)


def convert_column(
    raw: pl.Series,
    col: Column,
    factor: Decimal,
    placeholders: frozenset[str],
    max_cell_chars: int | None = None,
) -> tuple[pl.Series, Problems]:
    """(typed values, problems at row positions) for one column of raw cell text."""
    frame = pl.DataFrame({"raw": raw.cast(pl.String)}).with_row_index("_i")
    ascii_only = not frame["raw"].str.contains(r"[^\x00-\x7F]").any()
    text = clean(pl.col("raw"), col.kind is not Kind.TEXT, placeholders, ascii_only)
    problems = Problems()
    if max_cell_chars is not None:
        too_long = pl.col("raw").str.len_chars() > max_cell_chars
        problems.flag(frame, too_long, "ingest.cell_too_large", Severity.CRITICAL,
                      lambda r: f"单元格有 {len(r)} 个字符，超过上限 {max_cell_chars} 个，未读取"
                                f"（开头为“{quote(r)}”）",
                      f"“{col.short_label}”只填该项的值；说明文字请写在单独的备注文件中",
                      ("raw",))
        text = pl.when(too_long.fill_null(False)).then(None).otherwise(text)
    if col.default is not None:
        text = text.fill_null(pl.lit(col.default))
    frame = frame.with_columns(text.alias("text"), pl.col("raw").str.strip_chars().alias("rawt"))
    kind = col.kind
    # Read as empty, but never silently: “—” may hide a figure someone forgot.
    held = pl.col("raw").str.strip_chars()
    if not ascii_only:
        held = held.str.normalize("NFKC").str.strip_chars()
    held = held.str.to_lowercase()
    required = col.required and col.default is None
    problems.flag(
        frame, (pl.col("rawt") != "") & held.is_in(list(placeholders)), "ingest.placeholder",
        Severity.CRITICAL if required else Severity.WARNING,
        lambda r: f"“{quote(r)}”是占位符，已按空值读取" + ("；该项为必填" if required else ""),
        "请填写实际数值" + ("" if required else "；确实没有数据的请留空，数值为零的请填 0"),
        ("rawt",))

    if kind is Kind.TEXT:
        return frame["text"].rename(col.name), problems
    if kind is Kind.ID:
        values = frame["text"]
        if col.name.endswith("_uscc"):
            values = values.str.to_uppercase()
        return values.rename(col.name), problems
    if kind in (Kind.MONEY, Kind.DECIMAL, Kind.INT, Kind.FLOAT):
        return _numbers(frame, col, factor, problems), problems
    if kind is Kind.BOOL:
        low = pl.col("text").str.to_lowercase()
        frame = frame.with_columns(
            pl.when(low.is_in(list(BOOL_TRUE))).then(True)
            .when(low.is_in(list(BOOL_FALSE))).then(False)
            .otherwise(None).alias("value"))
        problems.flag(frame, pl.col("text").is_not_null() & pl.col("value").is_null(),
                      "ingest.not_a_boolean", Severity.CRITICAL,
                      lambda t: f"“{quote(t)}”不是“是/否”",
                      "只填“是”或“否”（也可写 true/false、1/0、Y/N）")
        return frame["value"].rename(col.name), problems
    if kind is Kind.ENUM:
        return _enum(frame, col, problems), problems
    if kind is Kind.DATE:
        return _dates(frame, col, problems), problems
    raise AssertionError(kind)


def allowed_units(col: Column, factor: Decimal) -> list[str]:
    """Unit words a cell of this column may carry: the header's own money unit (and its
    synonyms of the same size), a count's 户/家/个, an area's 平方公里; nothing else."""
    if col.kind is Kind.MONEY:
        return [u for u, (cur, f) in UNIT_FACTORS.items() if cur == col.base_unit and f == factor]
    if col.kind is Kind.INT and col.base_unit == "户":
        return list(COUNT_UNITS)
    if col.base_unit == "km2":
        return list(AREA_UNITS)
    return []


def _header_unit(col: Column) -> str:
    if col.submitted_unit:
        return col.submitted_unit
    return {"km2": "平方公里"}.get(col.base_unit, col.base_unit)


def _numbers(frame: pl.DataFrame, col: Column, factor: Decimal, problems: Problems
             ) -> pl.Series:
    t = pl.col("text")
    year = (t.str.extract(YEAR_SUFFIX_RE, 1) if col.name == "year"
            else pl.lit(None, pl.String))
    unit = t.str.extract(UNIT_SPLIT_RE, 2)
    number = pl.coalesce(year, pl.when(unit.is_not_null()).then(t.str.extract(UNIT_SPLIT_RE, 1))
                         .otherwise(t).str.strip_chars())
    frame = frame.with_columns(
        pl.when(year.is_null()).then(unit).alias("unit"),
        number.alias("number"),
        year.is_not_null().alias("year_suffix"),
    ).with_columns(
        pl.col("number").str.replace_all(r"[, ]", "").alias("num"),
        pl.col("number").str.contains(r"[, ]").fill_null(False).alias("grouped"),
    ).with_columns(
        pl.col("num").str.contains(NUMBER_RE).fill_null(False).alias("is_num"),
        (~pl.col("grouped") | pl.col("number").str.contains(GROUPED_RE).fill_null(False))
        .alias("grouping_ok"),
        pl.col("rawt").str.contains(NUMBER_RE).fill_null(False).alias("plain"),
    )
    present = t.is_not_null()
    problems.flag(frame, present & ~pl.col("is_num"), "ingest.not_a_number", Severity.CRITICAL,
                  lambda v: f"“{quote(v)}”不是数字",
                  f"填写数字，单位按表头“{col.label}”，不要夹带文字或单位")
    problems.flag(frame, present & pl.col("is_num") & ~pl.col("grouping_ok"),
                  "ingest.bad_grouping", Severity.CRITICAL,
                  lambda r: f"“{quote(r)}”的千分位分隔位置不对（应每三位一个），无法确定是哪个数，未读取",
                  "只填纯数字，不要加千分位逗号或空格", ("rawt",))
    ok_units = allowed_units(col, factor)
    mismatch = (pl.col("unit").is_not_null() & ~pl.col("unit").is_in(ok_units)).fill_null(False)
    header_unit = _header_unit(col)
    if header_unit:
        def unit_message(r: str, u: str) -> str:
            return f"“{quote(r)}”的单位“{u}”与表头单位“{header_unit}”不一致，未读取"
        unit_hint = (f"按表头单位“{header_unit}”换算后只填数字" if col.kind is Kind.MONEY
                     else f"“{col.short_label}”按表头单位“{header_unit}”只填数字")
    else:
        def unit_message(r: str, u: str) -> str:
            return f"“{quote(r)}”带有单位“{u}”，但“{col.label}”不带单位，未读取"
        unit_hint = f"“{col.short_label}”只填数字"
    problems.flag(frame, present & pl.col("is_num") & pl.col("grouping_ok") & mismatch,
                  "ingest.unit_mismatch", Severity.CRITICAL, unit_message, unit_hint,
                  ("rawt", "unit"))
    usable = frame.filter(present & pl.col("is_num") & pl.col("grouping_ok") & ~mismatch)
    positions = usable["_i"].to_list()
    numbers = [Decimal(t) for t in usable["num"].to_list()]
    tidied = usable["plain"].not_().to_list()
    suffixed = usable["year_suffix"].to_list()
    raws = usable["rawt"].to_list()
    values: list[Any] = [None] * frame.height
    max_digits = MAX_DIGITS[col.kind] - (factor.adjusted() if col.kind is Kind.MONEY else 0)
    for pos, number, was_tidied, was_suffixed, r in zip(positions, numbers, tidied, suffixed,
                                                        raws, strict=True):
        if number and number.adjusted() >= max_digits:
            # checked before any arithmetic: 1e999999 万元 would overflow Decimal's context
            problems.one(pos, "ingest.number_too_large", Severity.CRITICAL,
                         f"“{quote(r)}”超出“{col.short_label}”能填写的范围，未读取",
                         "检查是否多填了数字、把单位弄错或用了科学计数法，按表头单位填写实际数值")
            continue
        warned = False
        if was_suffixed:
            warned = True
            problems.one(pos, "ingest.year_suffix", Severity.WARNING,
                         f"年份“{quote(r)}”带有“年”字，已按 {number} 读取",
                         "年份只填四位数字，如 2025")
        elif was_tidied:
            warned = True
            problems.one(pos, "ingest.number_tidied", Severity.WARNING,
                         f"数值“{quote(r)}”含千分位逗号、全角字符或单位，已按 {number} 读取",
                         "请只填纯数字，单位以表头为准")
        if col.kind is Kind.INT:
            if number != number.to_integral_value():
                problems.one(pos, "ingest.not_an_integer", Severity.CRITICAL,
                             f"“{quote(r)}”不是整数", f"“{col.short_label}”应填整数")
                continue
            values[pos] = int(number)
        elif col.kind is Kind.FLOAT:
            values[pos] = float(number)
        elif col.kind is Kind.DECIMAL:
            values[pos] = number
        else:
            converted = number * factor
            rounded = round_fen(converted)
            if rounded != converted and not warned:
                problems.one(pos, "ingest.sub_cent", Severity.WARNING,
                             f"数值“{quote(r)}”换算为 {converted} 后小于 0.01 的部分已四舍五入",
                             f"“{col.short_label}”换算后精确到分即可，请检查小数位数是否多填")
            values[pos] = rounded
    return pl.Series(col.name, values, dtype=polars_dtype(col), strict=False)


def _enum(frame: pl.DataFrame, col: Column, problems: Problems) -> pl.Series:
    lookup: dict[str, str] = {}
    for canonical, spellings in col.choices.items():
        for s in (canonical, *spellings):
            lookup[normalise_header(s)] = canonical
    key = pl.col("text").str.normalize("NFKC").str.replace_all(r"\s+", "").str.to_lowercase()
    frame = frame.with_columns(
        pl.coalesce(key.replace_strict(lookup, default=None, return_dtype=pl.String),
                    (key + "市").replace_strict(lookup, default=None, return_dtype=pl.String)
                    ).alias("value"))
    allowed = "、".join((sp[0] if sp else c) for c, sp in col.choices.items())
    problems.flag(frame, pl.col("text").is_not_null() & pl.col("value").is_null(),
                  "ingest.not_in_vocabulary", Severity.CRITICAL,
                  lambda t: f"“{quote(t)}”不是“{col.short_label}”允许的取值",
                  f"从以下取值中选择一个：{allowed}")
    return frame["value"].rename(col.name)


def _python_date(text: str) -> dt.date | None:
    for fmt in (*DATE_FORMATS, "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _dates(frame: pl.DataFrame, col: Column, problems: Problems) -> pl.Series:
    t = pl.col("text")
    parsed = pl.coalesce(
        *[t.str.to_date(f, strict=False) for f in DATE_FORMATS],
        t.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False).dt.date(),
    )
    frame = frame.with_columns(parsed.alias("value"))
    values = frame["value"].to_list()
    bad = []
    # Polars' parser is stricter than strptime in corners (single-digit fields in some
    # formats); whatever it leaves, the reference parser gets a second look at.
    for i, text in frame.filter(t.is_not_null() & pl.col("value").is_null()).select(
            "_i", "text").iter_rows():
        day = _python_date(text[:40])
        if day is None:
            bad.append(i)
        values[i] = day
    if bad:
        problems.flag(frame, pl.col("_i").is_in(bad), "ingest.bad_date", Severity.CRITICAL,
                      lambda v: f"“{quote(v)}”不是有效日期",
                      "日期写作 2025-03-31 的形式，并确认该日期真实存在（如 2 月没有 30 日）")
    return pl.Series(col.name, values, dtype=pl.Date)


def cell_findings(problems: Problems, col: Column, dataset: Dataset, file: str, sheet: str,
                  rows: list[int], raw_text: pl.Series, zone_of: pl.Series) -> list[Finding]:
    """One finding per problem cell; a problem in more than GROUP_AFTER cells of the column is
    one finding listing its rows (problems hold the first ROWS_LISTED, counts all)."""
    by_key: dict[tuple[str, Severity], list[tuple[int, dict[str, Any]]]] = {}
    for pos, p in problems:
        by_key.setdefault((p["rule"], p["severity"]), []).append((pos, p))
    findings: list[Finding] = []
    for key, listed in by_key.items():
        cells = [Finding(p["severity"], dataset.name, file, sheet, rows[pos], col.name, col.label,
                         quote(raw_text[pos]), p["rule"], p["message"], p["hint"], zone_of[pos])
                 for pos, p in listed]
        findings += listed_or_grouped(cells, problems.counts[key])
    return findings


def convert_frame(raw: pl.DataFrame, dataset: Dataset, factors: dict[str, Decimal],
                  file: str, sheet: str, placeholders: frozenset[str],
                  max_cell_chars: int | None = None
                  ) -> tuple[pl.DataFrame, list[Finding], pl.DataFrame]:
    """Typed frame, findings, and which cells could not be read (a boolean column per
    contract column with any: a value was there and is empty now, each with its finding),
    from raw text columns (canonical names) plus `_source_row`.

    Columns absent from `raw` read as their default or null.
    """
    rows = raw["_source_row"].to_list()
    if "zone_id" in raw.columns:  # for grouping the fix list by zone
        zone_of = raw.select(clean(pl.col("zone_id"), True, placeholders).fill_null("")
                             .alias("z"))["z"] if raw.height else pl.Series("z", [], pl.String)
    else:
        zone_of = pl.Series("z", [""] * raw.height, dtype=pl.String)

    def convert(col: Column) -> tuple[Column, pl.Series, pl.Series, Problems]:
        series = raw[col.name] if col.name in raw.columns else pl.Series(
            col.name, [None] * raw.height, dtype=pl.String)
        values, problems = convert_column(series, col, factors.get(col.name, col.unit_factor),
                                          placeholders, max_cell_chars)
        return col, series, values.cast(polars_dtype(col)), problems

    # Columns are independent, and most of a column's time is Polars string work, which runs
    # outside the GIL: two threads use both cores (national-scale ingest 16 s -> ~10 s).
    workers = min(len(dataset.columns), os.cpu_count() or 1)
    if raw.height < 10_000 or workers <= 1:
        converted = [convert(col) for col in dataset.columns]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            converted = list(pool.map(convert, dataset.columns))
    columns: dict[str, pl.Series] = {}
    unread: dict[str, pl.Series] = {}
    findings: list[Finding] = []
    for col, series, values, problems in converted:
        columns[col.name] = values
        if problems:
            findings += cell_findings(problems, col, dataset, file, sheet, rows, series, zone_of)
            lost = (series.str.strip_chars().fill_null("") != "") & values.is_null()
            if lost.any():
                unread[col.name] = lost.rename(col.name)
    order = [c.name for c in dataset.columns]
    findings.sort(key=lambda f: (f.row or 0, order.index(f.column)))
    return pl.DataFrame(columns), findings, pl.DataFrame(list(unread.values()))


# ---------------------------------------------------------------------------------------------
# Raw text frames: all cells as text, one row per record, with the row number a person sees
# ---------------------------------------------------------------------------------------------


def csv_cells_fast(text: str) -> pl.DataFrame | None:
    """Every cell as text, when each physical line is exactly one record; else None.

    Then line numbers are simply index + 1, and Polars' reader does in a second what Python's
    csv module does in a minute. Quotes (a cell may span lines) and blank lines (which the
    reader would skip, shifting row numbers) send the file down the exact, slower path.
    """
    if '"' in text or text.startswith(("\n", "\r")) or re.search(r"\n[ \t]*\r?\n[^\n]", text):
        return None
    frame = pl.read_csv(io.BytesIO(text.encode("utf-8")), has_header=False, infer_schema=False,
                        truncate_ragged_lines=True)
    return frame.with_row_index("_line", offset=1)


def data_cells(cells: pl.DataFrame, header_line: int, positions: dict[str, int]
               ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(data rows as canonical text columns + _source_row, summary rows found).

    Blank rows are dropped silently (they carry nothing); a row with 合计/总计/小计 in any cell
    (also 合　计, 小计：, 合计（南宁）) is a summary row, returned separately for a finding.
    """
    value_columns = [c for c in cells.columns if c != "_line"]
    stripped = [pl.col(c).str.strip_chars() for c in value_columns]
    present = [pl.when(x != "").then(x) for x in stripped]
    # The first cell that says 小计/合计/总计, in whichever column people put it.
    totals = [pl.when(x.str.contains(TOTAL_RE)).then(x) for x in stripped]
    none = pl.lit(None, pl.String)
    # Lazily, so that two million rows are not copied once per step.
    body = cells.lazy().filter(pl.col("_line") > header_line).with_columns(
        (pl.coalesce(present) if present else none).alias("_any"),
        (pl.coalesce(totals) if totals else none).alias("_total"),
    ).filter(pl.col("_any").is_not_null())  # blank rows carry nothing
    is_total = pl.col("_total").is_not_null()
    found = body.filter(is_total).select(pl.col("_line").cast(pl.Int64), "_total").collect()
    selected = [pl.col(value_columns[i]).alias(name) for name, i in positions.items()
                if i < len(value_columns)]
    data = body.filter(~is_total).select(pl.col("_line").cast(pl.Int64).alias("_source_row"),
                                         *selected).collect()
    return data, found


def _row_findings(rule: str, severity: Severity, rows: list[int], count: int, value: str,
                  message: str, hint: str, dataset: Dataset, file: str, sheet: str,
                  column: Column | None = None) -> list[Finding]:
    """Findings about whole rows (or a column's cells): one each, or one for many."""
    if not rows:
        return []
    made = [Finding(severity, dataset.name, file, sheet, r, column.name if column else "",
                    column.label if column else "", value, rule, message.format(row=r), hint)
            for r in rows[:ROWS_LISTED]]
    return listed_or_grouped(made, count)


def sheet_findings(table: RawTable, header: HeaderMap, dataset: Dataset, file: str,
                   data: pl.DataFrame) -> tuple[list[Finding], dict[str, list[int]]]:
    """What Excel hides or cannot show a value for, in the rows read: hidden data rows, hidden
    columns the contract reads, formula cells without a calculated value. Also the rows, per
    column, of the formula cells (read as empty, but said)."""
    findings: list[Finding] = []
    lines = data["_source_row"]
    sheet = table.sheet
    if table.hidden_rows:
        mapped = [c for c in header.positions if c in data.columns]
        counts = (pl.any_horizontal([pl.col(c).str.strip_chars().fill_null("") != ""
                                     for c in mapped]) if mapped else pl.lit(False))
        hidden = data.filter(pl.col("_source_row").is_in(table.hidden_rows)).with_columns(
            counts.alias("_counts"))
        for severity, part in ((Severity.CRITICAL, hidden.filter("_counts")),
                               (Severity.WARNING, hidden.filter(~pl.col("_counts")))):
            rows = part["_source_row"].to_list()
            findings += _row_findings(
                "ingest.hidden_row", severity, rows, len(rows), "",
                "第 {row} 行是隐藏行：Excel 里看不到，但照样会被读取" + (
                    "并参与计算" if severity is Severity.CRITICAL else ""),
                "在 Excel 中取消隐藏（选中上下两行，右键“取消隐藏”），确认该行是否应当报送；"
                "不应报送的请删除整行", dataset, file, sheet)
    by_index = {i: name for name, i in header.positions.items()}
    for number in table.hidden_columns:
        name = by_index.get(number - 1)
        if name is None:
            continue
        col = dataset.column(name)
        holds = (data[name].str.strip_chars().fill_null("") != "").any()
        letter = get_column_letter(number)
        findings.append(Finding(
            Severity.CRITICAL if holds else Severity.WARNING, dataset.name, file, sheet,
            header.header_row, col.name, col.label, letter, "ingest.hidden_column",
            f"第 {letter} 列（{col.label}）是隐藏列：Excel 里看不到，但其中的数据照样会被读取"
            + ("并参与计算" if holds else ""),
            "在 Excel 中取消隐藏该列，核对其中的数据；不应报送的请删除该列"))
    formula_rows: dict[str, list[int]] = {}
    if table.formulas:
        read = set(lines.to_list())
        for row, number in sorted(table.formulas):
            name = by_index.get(number - 1)
            if name is None or row not in read:
                continue
            formula_rows.setdefault(name, []).append(row)
        for name, rows in formula_rows.items():
            col = dataset.column(name)
            first = table.formulas[(rows[0], header.positions[name] + 1)]
            count = max(len(rows), table.formula_counts.get(header.positions[name] + 1, 0)
                        if len(rows) >= ROWS_LISTED else len(rows))
            findings += _row_findings(
                "ingest.formula_no_value", Severity.CRITICAL, rows, count, quote(first),
                "该单元格是公式，但文件里没有保存公式的计算结果，无法读取其数值（不是空白）",
                "用 Excel 或 WPS 打开文件，确认公式已计算（按 F9）后保存再提交；"
                "或把公式所在列“选择性粘贴”为数值", dataset, file, sheet, col)
    findings += code_number_findings(table, header, dataset, file, lines, formula_rows)
    return findings, formula_rows


def _code_reading(code: str) -> str:
    division = industry_division(code)
    return f"“{code}”（{division_label(division)}）" if division else f"“{code}”（不是有效代码）"


def code_number_findings(table: RawTable, header: HeaderMap, dataset: Dataset, file: str,
                         lines: pl.Series, unread_rows: dict[str, list[int]]) -> list[Finding]:
    """Codes whose leading zeros matter (Column.digit_code) that Excel stored as a number of
    1-3 digits: 0690 typed into a General cell is kept as 690, which reads as another industry
    division. Critical where the code decides something (a required code: the FDI finance
    exclusion), and then the cell is read as empty, like a formula without a value (added to
    `unread_rows`): no rule reads 690 as finance; a warning where it decides nothing."""
    if not table.short_numbers:
        return []
    read = set(lines.to_list())
    findings: list[Finding] = []
    for col in dataset.columns:
        if not col.digit_code or col.name not in header.positions:
            continue
        number = header.positions[col.name] + 1
        cells = sorted((row, text) for (row, c), text in table.short_numbers.items()
                       if c == number and row in read)
        if not cells:
            continue
        rows = [row for row, _ in cells]
        count = max(len(rows), table.short_number_counts.get(number, 0)
                    if len(rows) >= ROWS_LISTED else len(rows))
        severity = Severity.CRITICAL if col.required else Severity.WARNING
        made = [Finding(
            severity, dataset.name, file, table.sheet, row, col.name, col.label, text,
            "ingest.code_as_number",
            f"“{col.short_label}”在 Excel 中保存成了数字 {text}，代码开头的 0 会被去掉：无法确认是"
            f"{_code_reading(text)}还是{_code_reading('0' + text)}"
            + ("，两者的判定可能不同" if severity is Severity.CRITICAL else ""),
            f"把该列单元格格式设为“文本”后重新输入完整代码（如 0{text}），或在代码前加英文单引号"
            f"（'0{text}）；代码本来就是 {text} 的，也请按文本重新输入")
            for row, text in cells[:ROWS_LISTED]]
        findings += listed_or_grouped(made, count)
        if severity is Severity.CRITICAL:
            unread_rows.setdefault(col.name, []).extend(rows)
    return findings


def build_frame(
    table: RawTable | pl.DataFrame, header: HeaderMap, dataset: Dataset, file: str,
    sheet: str | None = None, max_cell_chars: int | None = None,
) -> tuple[pl.DataFrame, list[Finding], pl.DataFrame]:
    """Typed rows, their findings, and the cells that could not be read, column at a time.

    `table` is the exact path's RawTable or, for plain CSV, the fast path's cell frame.
    """
    if isinstance(table, RawTable):
        cells, sheet = table.cells, table.sheet
    else:
        cells, sheet = table, sheet or ""
    data, totals = data_cells(cells, header.header_row, header.positions)
    del cells
    if isinstance(table, RawTable):
        table.cells = table.cells.clear()  # read: every row is in `data` now
    findings: list[Finding] = []
    if totals.height:
        listed = totals.head(ROWS_LISTED).rows()
        made = [Finding(Severity.WARNING, dataset.name, file, sheet, r, "", "", quote(t),
                        "ingest.total_row", f"第 {r} 行是汇总行（{quote(t)}），未作为数据读取",
                        "汇总行由系统计算，提交时请删除") for r, t in listed]
        findings += listed_or_grouped(made, totals.height)
    formula_rows: dict[str, list[int]] = {}
    if isinstance(table, RawTable):
        more, formula_rows = sheet_findings(table, header, dataset, file, data)
        findings += more
    frame, problems, unread = convert_frame(data, dataset, header.unit_factors, file, sheet,
                                            PLACEHOLDERS, max_cell_chars)
    for name, rows in formula_rows.items():
        mask = data["_source_row"].is_in(rows).alias(name)
        # unread means empty now: a formula without a value is, a code that lost its zero too
        frame = frame.with_columns(pl.when(mask).then(None).otherwise(pl.col(name)).alias(name))
        if unread.width == 0:
            unread = mask.to_frame()
        else:
            unread = unread.with_columns((unread[name] | mask) if name in unread.columns
                                         else mask)
    frame = frame.with_columns(
        pl.lit(file).alias(SOURCE_FILE),
        pl.lit(sheet).alias(SOURCE_SHEET),
        data["_source_row"].alias(SOURCE_ROW),
    )
    return frame, findings + problems, unread
