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
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import polars as pl

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
from transforms.findings import Finding, Severity
from transforms.money import round_fen
from transforms.units import CELL_UNIT_WORDS, UNIT_FACTORS

NUMBER_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
UNIT_RE = "(" + "|".join(CELL_UNIT_WORDS) + ")$"
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")

# Cells that mean "no value" in the spreadsheets staff actually send.
PLACEHOLDERS = frozenset({"", "-", "--", "—", "——", "/", "空", "无", "暂无", "na", "n/a", "null", "none"})
# A first cell like this marks a summary row, not data (合计/总计/小计).
TOTAL_MARKERS = ("合计", "总计", "小计")


def _problem(rule: str, severity: Severity, message: str, hint: str) -> dict[str, Any]:
    return {"rule": rule, "severity": severity, "message": message, "hint": hint}


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
) -> tuple[pl.Series, list[tuple[int, dict[str, Any]]]]:
    """(typed values, [(row position, problem)]) for one column of raw cell text."""
    frame = pl.DataFrame({"raw": raw.cast(pl.String)})
    ascii_only = not frame["raw"].str.contains(r"[^\x00-\x7F]").any()
    text = clean(pl.col("raw"), col.kind is not Kind.TEXT, placeholders, ascii_only)
    if col.default is not None:
        text = text.fill_null(pl.lit(col.default))
    frame = frame.with_columns(text.alias("text"), pl.col("raw").str.strip_chars().alias("rawt"))
    kind = col.kind
    problems: list[tuple[int, dict[str, Any]]] = []
    # Read as empty, but never silently: “—” may hide a figure someone forgot.
    held = pl.col("raw").str.strip_chars()
    if not ascii_only:
        held = held.str.normalize("NFKC").str.strip_chars()
    held = held.str.to_lowercase()
    required = col.required and col.default is None
    for i, r in frame.with_row_index("_i").filter(
            (pl.col("rawt") != "") & held.is_in(list(placeholders))).select("_i", "rawt").iter_rows():
        problems.append((i, _problem(
            "ingest.placeholder", Severity.CRITICAL if required else Severity.WARNING,
            f"“{r}”是占位符，已按空值读取" + ("；该项为必填" if required else ""),
            "请填写实际数值" + ("" if required else "；确实没有数据的请留空，数值为零的请填 0"))))

    if kind is Kind.TEXT:
        return frame["text"].rename(col.name), problems
    if kind is Kind.ID:
        values = frame["text"]
        if col.name.endswith("_uscc"):
            values = values.str.to_uppercase()
        return values.rename(col.name), problems
    if kind in (Kind.MONEY, Kind.DECIMAL, Kind.INT, Kind.FLOAT):
        values, more = _numbers(frame, col, factor)
        return values, problems + more
    if kind is Kind.BOOL:
        low = pl.col("text").str.to_lowercase()
        frame = frame.with_columns(
            pl.when(low.is_in(list(BOOL_TRUE))).then(True)
            .when(low.is_in(list(BOOL_FALSE))).then(False)
            .otherwise(None).alias("value"))
        bad = frame.with_row_index("_i").filter(
            pl.col("text").is_not_null() & pl.col("value").is_null())
        for i, t in bad.select("_i", "text").iter_rows():
            problems.append((i, _problem(
                "ingest.not_a_boolean", Severity.CRITICAL, f"“{t}”不是“是/否”",
                "只填“是”或“否”（也可写 true/false、1/0、Y/N）")))
        return frame["value"].rename(col.name), problems
    if kind is Kind.ENUM:
        values, more = _enum(frame, col)
        return values, problems + more
    if kind is Kind.DATE:
        values, more = _dates(frame, col)
        return values, problems + more
    raise AssertionError(kind)


def _numbers(frame: pl.DataFrame, col: Column, factor: Decimal
             ) -> tuple[pl.Series, list[tuple[int, dict[str, Any]]]]:
    tidy = pl.col("text").str.replace_all(",", "", literal=True).str.replace_all(
        " ", "", literal=True)
    frame = frame.with_columns(
        tidy.str.extract(UNIT_RE, 1).alias("unit"),
        tidy.str.replace(UNIT_RE, "").alias("num"),
    ).with_columns(
        pl.col("num").str.contains(NUMBER_RE).fill_null(False).alias("is_num"),
        pl.col("rawt").str.contains(NUMBER_RE).fill_null(False).alias("plain"),
    ).with_row_index("_i")
    problems: list[tuple[int, dict[str, Any]]] = []
    present = pl.col("text").is_not_null()
    for i, t in frame.filter(present & ~pl.col("is_num")).select("_i", "text").iter_rows():
        problems.append((i, _problem(
            "ingest.not_a_number", Severity.CRITICAL, f"“{t}”不是数字",
            f"填写数字，单位按表头“{col.label}”，不要夹带文字或单位")))
    mismatch = pl.lit(False)
    if col.kind is Kind.MONEY:
        ok_units = [u for u, (cur, f) in UNIT_FACTORS.items() if cur == col.base_unit and f == factor]
        # No unit at all is the usual case: null must read as "no mismatch", not drop the row.
        mismatch = (pl.col("unit").is_in(list(UNIT_FACTORS))
                    & ~pl.col("unit").is_in(ok_units)).fill_null(False)
        for i, r, u in frame.filter(present & pl.col("is_num") & mismatch).select(
                "_i", "rawt", "unit").iter_rows():
            problems.append((i, _problem(
                "ingest.unit_mismatch", Severity.CRITICAL,
                f"“{r}”的单位“{u}”与表头单位“{col.submitted_unit}”不一致，未读取",
                f"按表头单位“{col.submitted_unit}”换算后只填数字")))
    usable = frame.filter(present & pl.col("is_num") & ~mismatch)
    positions = usable["_i"].to_list()
    numbers = [Decimal(t) for t in usable["num"].to_list()]
    tidied = usable["plain"].not_().to_list()
    raws = usable["rawt"].to_list()
    values: list[Any] = [None] * frame.height
    for pos, number, was_tidied, r in zip(positions, numbers, tidied, raws, strict=True):
        warned = False
        if was_tidied:
            warned = True
            problems.append((pos, _problem(
                "ingest.number_tidied", Severity.WARNING,
                f"数值“{r}”含千分位逗号、全角字符或单位，已按 {number} 读取",
                "请只填纯数字，单位以表头为准")))
        if col.kind is Kind.INT:
            if number != number.to_integral_value():
                problems.append((pos, _problem(
                    "ingest.not_an_integer", Severity.CRITICAL, f"“{r}”不是整数",
                    f"“{col.short_label}”应填整数")))
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
                problems.append((pos, _problem(
                    "ingest.sub_cent", Severity.WARNING,
                    f"数值“{r}”换算为 {converted} 后小于 0.01 的部分已四舍五入",
                    f"“{col.short_label}”换算后精确到分即可，请检查小数位数是否多填")))
            values[pos] = rounded
    series = pl.Series(col.name, values, dtype=polars_dtype(col), strict=False)
    return series, problems


def _enum(frame: pl.DataFrame, col: Column) -> tuple[pl.Series, list[tuple[int, dict[str, Any]]]]:

    lookup: dict[str, str] = {}
    for canonical, spellings in col.choices.items():
        for s in (canonical, *spellings):
            lookup[normalise_header(s)] = canonical
    key = pl.col("text").str.normalize("NFKC").str.replace_all(r"\s+", "").str.to_lowercase()
    frame = frame.with_columns(
        pl.coalesce(key.replace_strict(lookup, default=None, return_dtype=pl.String),
                    (key + "市").replace_strict(lookup, default=None, return_dtype=pl.String)
                    ).alias("value"))
    problems = []
    allowed = "、".join((sp[0] if sp else c) for c, sp in col.choices.items())
    bad = frame.with_row_index("_i").filter(
        pl.col("text").is_not_null() & pl.col("value").is_null())
    for i, t in bad.select("_i", "text").iter_rows():
        problems.append((i, _problem(
            "ingest.not_in_vocabulary", Severity.CRITICAL, f"“{t}”不是“{col.short_label}”允许的取值",
            f"从以下取值中选择一个：{allowed}")))
    return frame["value"].rename(col.name), problems


def _python_date(text: str) -> dt.date | None:
    for fmt in (*DATE_FORMATS, "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _dates(frame: pl.DataFrame, col: Column) -> tuple[pl.Series, list[tuple[int, dict[str, Any]]]]:
    t = pl.col("text")
    parsed = pl.coalesce(
        *[t.str.to_date(f, strict=False) for f in DATE_FORMATS],
        t.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False).dt.date(),
    )
    frame = frame.with_columns(parsed.alias("value")).with_row_index("_i")
    values = frame["value"].to_list()
    problems = []
    # Polars' parser is stricter than strptime in corners (single-digit fields in some
    # formats); whatever it leaves, the reference parser gets a second look at.
    for i, text in frame.filter(t.is_not_null() & pl.col("value").is_null()).select(
            "_i", "text").iter_rows():
        day = _python_date(text)
        if day is None:
            problems.append((i, _problem(
                "ingest.bad_date", Severity.CRITICAL, f"“{text}”不是有效日期",
                "日期写作 2025-03-31 的形式，并确认该日期真实存在（如 2 月没有 30 日）")))
        values[i] = day
    return pl.Series(col.name, values, dtype=pl.Date), problems


def convert_frame(raw: pl.DataFrame, dataset: Dataset, factors: dict[str, Decimal],
                  file: str, sheet: str, placeholders: frozenset[str]
                  ) -> tuple[pl.DataFrame, list[Finding]]:
    """Typed frame and findings from raw text columns (canonical names) plus `_source_row`.

    Columns absent from `raw` read as their default or null.
    """
    rows = raw["_source_row"].to_list()
    if "zone_id" in raw.columns:  # for grouping the fix list by zone
        zone_of = raw.select(clean(pl.col("zone_id"), True, placeholders).fill_null("")
                             .alias("z"))["z"].to_list() if raw.height else []
    else:
        zone_of = [""] * raw.height
    def convert(col: Column) -> tuple[Column, pl.Series, pl.Series, list]:
        series = raw[col.name] if col.name in raw.columns else pl.Series(
            col.name, [None] * raw.height, dtype=pl.String)
        values, problems = convert_column(series, col, factors.get(col.name, col.unit_factor),
                                          placeholders)
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
    findings: list[Finding] = []
    for col, series, values, problems in converted:
        columns[col.name] = values
        raw_text = series.to_list() if problems else []
        for pos, p in problems:
            findings.append(Finding(
                p["severity"], dataset.name, file, sheet, rows[pos], col.name, col.label,
                str(raw_text[pos]), p["rule"], p["message"], p["hint"], zone_of[pos]))
    findings.sort(key=lambda f: (f.row or 0, [c.name for c in dataset.columns].index(f.column)))
    return pl.DataFrame(columns), findings


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


def rows_to_cells(rows: list[tuple[int, list[str | None]]]) -> pl.DataFrame:
    """The exact path's rows (row number, cells) as the same shape csv_cells_fast returns."""
    width = max((len(cells) for _, cells in rows), default=0)
    columns: dict[str, list] = {f"column_{i + 1}": [] for i in range(width)}
    for _, cells in rows:
        for i in range(width):
            columns[f"column_{i + 1}"].append(cells[i] if i < len(cells) else None)
    frame = pl.DataFrame(columns, schema={k: pl.String for k in columns})
    return frame.with_columns(pl.Series("_line", [n for n, _ in rows], dtype=pl.UInt32)).select(
        "_line", *columns)


def data_cells(cells: pl.DataFrame, header_line: int, positions: dict[str, int],
               placeholders: frozenset[str], total_markers: tuple[str, ...]
               ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(data rows as canonical text columns + _source_row, total rows found).

    Blank rows are dropped silently (they carry nothing); a row whose first non-empty cell
    starts with 合计/总计/小计 is a summary row, returned separately for a finding.
    """
    value_columns = [c for c in cells.columns if c != "_line"]
    body = cells.filter(pl.col("_line") > header_line)
    stripped = [pl.col(c).str.strip_chars() for c in value_columns]
    present = [pl.when(x != "").then(x) for x in stripped]
    # The first cell that says something (placeholders say nothing): 合计 marks a total row.
    meaningful = [pl.when((x != "") & ~x.str.to_lowercase().is_in(list(placeholders))).then(x)
                  for x in stripped]
    none = pl.lit(None, pl.String)
    body = body.with_columns(
        (pl.coalesce(present) if present else none).alias("_any"),
        (pl.coalesce(meaningful) if meaningful else none).alias("_first"))
    body = body.filter(pl.col("_any").is_not_null()).drop("_any")  # blank rows carry nothing
    body = body.with_columns(pl.col("_first").str.normalize("NFKC"))
    is_total = pl.any_horizontal(
        [pl.col("_first").str.starts_with(m) for m in total_markers]).fill_null(False)
    totals = body.filter(is_total).select(pl.col("_line").cast(pl.Int64), "_first")
    data = body.filter(~is_total)
    selected = [pl.col(value_columns[i]).alias(name) for name, i in positions.items()
                if i < len(value_columns)]
    return data.select(pl.col("_line").cast(pl.Int64).alias("_source_row"), *selected), totals


def build_frame(
    table: RawTable | pl.DataFrame, header: HeaderMap, dataset: Dataset, file: str,
    sheet: str | None = None,
) -> tuple[pl.DataFrame, list[Finding]]:
    """Typed rows and their findings, column at a time.

    `table` is the exact path's RawTable or, for plain CSV, the fast path's cell frame.
    """
    if isinstance(table, RawTable):
        cells, sheet = rows_to_cells(table.rows), table.sheet
    else:
        cells, sheet = table, sheet or ""
    data, totals = data_cells(cells, header.header_row, header.positions, PLACEHOLDERS,
                              TOTAL_MARKERS)
    findings = [
        Finding(Severity.WARNING, dataset.name, file, sheet, row_no, "", "", first,
                "ingest.total_row", f"第 {row_no} 行是汇总行（{first}），未作为数据读取",
                "汇总行由系统计算，提交时请删除")
        for row_no, first in totals.iter_rows()
    ]
    frame, problems = convert_frame(data, dataset, header.unit_factors, file, sheet,
                                    PLACEHOLDERS)
    frame = frame.with_columns(
        pl.lit(file).alias(SOURCE_FILE),
        pl.lit(sheet).alias(SOURCE_SHEET),
        data["_source_row"].alias(SOURCE_ROW),
    )
    return frame, findings + problems
