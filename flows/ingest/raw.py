"""Raw reading: a submitted file's rows of text, each with the row number a person sees.

CSV is decoded as UTF-8 (with or without BOM), else GB18030, the superset of GBK and GB2312.
Workbooks are read as Excel shows them: .xlsx with openpyxl's sheet parser driven here, so every
row is read whatever the stored sheet size (`<dimension>`) says, and hidden rows and columns,
merged ranges and formulas without a cached value are seen; .xls (Excel 97-2003, what WPS and
older systems still save) with xlrd, which also gives hidden rows, columns and sheets. A file that
cannot be read raises UnreadableFile with a Chinese message and hint, which the folder reader
turns into a finding.

Rows are kept as a Polars frame of text (`_line` + column_1..n), built a chunk at a time: a
file of two million rows never exists as Python lists of cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import openpyxl
import polars as pl
import xlrd
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
from openpyxl.utils.cell import get_column_letter

# openpyxl's own sheet parser, driven directly: its read-only worksheet stops at the row and
# column the stored <dimension> names (a stale one silently drops every row beyond it) and does
# not expose hidden rows, columns or formulas without a value. The lock pins openpyxl.
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

# Rows handed to header detection: title, unit and note lines above a header are a handful.
HEAD_ROWS = 30
# Formula cells without a value kept per column (the rest are counted): enough to list the
# rows of a fix-list finding whatever rows above the header hold.
FORMULAS_KEPT = 1_000
# Rows turned from Python lists into a Polars frame at a time.
CHUNK_ROWS = 100_000

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (BIFF in an OLE2 container)
ZIP_MAGIC = b"PK\x03\x04"  # .xlsx


@dataclass
class RawTable:
    sheet: str
    encoding: str
    cells: pl.DataFrame  # `_line` (row number as seen in the file) + column_1..n, all text
    merged: list[str] = field(default_factory=list)  # Excel merged ranges, e.g. "C1:D1"
    hidden_rows: list[int] = field(default_factory=list)  # row numbers
    hidden_columns: list[int] = field(default_factory=list)  # 1-based column numbers
    # (row, 1-based column) -> formula, for formula cells that carry no calculated value (the
    # first FORMULAS_KEPT of a column), and how many each column has in all
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    formula_counts: dict[int, int] = field(default_factory=dict)
    # (row, 1-based column) -> text, for cells stored as a whole number of 1-3 digits with no
    # zero-padding format: a code with leading zeros typed into such a cell lost them, and
    # nobody can tell 690 from 0690 afterwards (the first FORMULAS_KEPT of a column, and how
    # many each column has in all)
    short_numbers: dict[tuple[int, int], str] = field(default_factory=dict)
    short_number_counts: dict[int, int] = field(default_factory=dict)

    def head(self, n: int = HEAD_ROWS) -> list[tuple[int, list[str | None]]]:
        """The first n rows with anything in them, for finding the header."""
        rows = []
        for values in self.cells.head(n * 4).iter_rows():
            cells = list(values[1:])
            if any(c is not None and str(c).strip() != "" for c in cells):
                rows.append((int(values[0]), cells))
                if len(rows) >= n:
                    break
        return rows


class UnreadableFile(Exception):
    def __init__(self, rule_id: str, message: str, hint: str):
        super().__init__(message)
        self.rule_id = rule_id
        self.message = message
        self.hint = hint


class CellFrameBuilder:
    """Rows (row number, cells) into a text frame, a chunk at a time."""

    def __init__(self) -> None:
        self.chunks: list[pl.DataFrame] = []
        self.lines: list[int] = []
        self.columns: list[list[str | None]] = []

    def add(self, line: int, cells: list[str | None]) -> None:
        while len(self.columns) < len(cells):
            self.columns.append([None] * len(self.lines))
        for i, column in enumerate(self.columns):
            column.append(cells[i] if i < len(cells) else None)
        self.lines.append(line)
        if len(self.lines) >= CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self.lines:
            return
        data: dict[str, pl.Series] = {"_line": pl.Series("_line", self.lines, dtype=pl.UInt32)}
        for i, column in enumerate(self.columns):
            data[f"column_{i + 1}"] = pl.Series(f"column_{i + 1}", column, dtype=pl.String)
        self.chunks.append(pl.DataFrame(data))
        self.lines = []
        self.columns = [[] for _ in self.columns]

    def frame(self) -> pl.DataFrame:
        self._flush()
        if not self.chunks:
            return pl.DataFrame(schema={"_line": pl.UInt32})
        frame = pl.concat(self.chunks, how="diagonal")
        width = len(frame.columns) - 1
        return frame.select("_line", *[pl.col(f"column_{i + 1}") for i in range(width)])


def rows_to_cells(rows: Iterable[tuple[int, list[str | None]]]) -> pl.DataFrame:
    builder = CellFrameBuilder()
    for line, cells in rows:
        builder.add(line, cells)
    return builder.frame()


# ---------------------------------------------------------------------------------------------
# CSV


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first, then GB18030, the superset of GBK and GB2312."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode 文本" export; reading it would succeed but it is not a CSV staff
        # meant (tab separated); ask for the usual export instead.
        raise UnreadableFile(
            "ingest.encoding",
            "文件是 UTF-16（“Unicode 文本”）编码，不是 UTF-8 或 GBK/GB18030 的 CSV",
            "请在 Excel 或 WPS 中“另存为”CSV UTF-8（逗号分隔）或 .xlsx 后重新提交",
        )
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            "ingest.encoding",
            f"文件编码无法识别：既不是 UTF-8，也不是 GBK/GB18030（第 {exc.start} 字节附近）",
            "请在 Excel 或 WPS 中“另存为”CSV UTF-8（逗号分隔）或 .xlsx 后重新提交",
        ) from exc


def _lines(text: str) -> Iterator[str]:
    """The text's lines, endings kept, one at a time: io.StringIO would hold a second copy of
    the whole file at four bytes a character."""
    if "\n" not in text and "\r" in text:  # classic Mac line endings
        text = text.replace("\r", "\n")
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end + 1]
        start = end + 1


def read_csv_rows(data: bytes) -> RawTable:
    text, encoding = decode_csv_bytes(data)
    reader = csv.reader(_lines(text))
    builder = CellFrameBuilder()
    next_line = 1
    try:
        for record in reader:
            # A quoted cell may span lines: the person sees the record start on next_line.
            builder.add(next_line, list(record))
            next_line = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(
            "ingest.csv_syntax",
            f"CSV 格式错误（第 {reader.line_num} 行）：{str(exc)[:50]}",
            "检查该行的引号是否成对，或用 Excel 重新导出 CSV",
        ) from exc
    return RawTable("", encoding, builder.frame())


# ---------------------------------------------------------------------------------------------
# Cell values as Excel shows them


def number_text(value: float | int, percent: bool = False) -> str:
    """A number as Excel shows it: at most 15 significant digits, Excel's own precision, so a
    formula's binary residue (475.7696999999999) reads as the figure on screen (475.7697).
    A cell formatted as a percentage shows 12%, not 0.12: a unit the column's header may
    contradict."""
    if isinstance(value, int) and not percent:
        return str(value)
    number = float(value) * (100 if percent else 1)
    if number.is_integer() and abs(number) < 1e15:
        text = str(int(number))
    else:
        text = repr(number)
        digits = re.sub(r"e.*$", "", text.lower()).lstrip("-").replace(".", "").lstrip("0")
        if len(digits) > 15:
            text = f"{number:.15g}"
    return text + ("%" if percent else "")


class ShortNumbers:
    """Collects RawTable.short_numbers while a sheet is read."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], str] = {}
        self.counts: dict[int, int] = {}

    def add(self, row: int, column: int, text: str) -> None:
        seen = self.counts.get(column, 0)
        self.counts[column] = seen + 1
        if seen < FORMULAS_KEPT:  # a sheet of counts has a million short numbers
            self.cells[(row, column)] = text


def is_short_whole_number(value: object, text: str | None) -> bool:
    return (type(value) in (int, float) and text is not None and len(text) <= 3
            and text.isdigit())


ZERO_PAD = re.compile(r"^0+$")


def zero_pad_width(fmt: str | None) -> int:
    """The digits a number format such as 0000 pads a whole number to (Excel shows 690 as
    0690), or 0."""
    return len(fmt) if fmt and ZERO_PAD.match(fmt) else 0


def padded(text: str, width: int) -> str:
    return text.zfill(width) if width and text.isdigit() else text


def _excel_cell_text(value: object, percent: bool = False) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    if isinstance(value, int | float):
        return number_text(value, percent)
    return str(value)


_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def is_percent_format(fmt: str | None) -> bool:
    return bool(fmt) and "%" in _QUOTED.sub("", fmt or "")


# ---------------------------------------------------------------------------------------------
# Workbooks: the sheets, and one sheet's rows


@dataclass(frozen=True)
class SheetInfo:
    title: str
    hidden: bool  # hidden or "very hidden": not shown to the person who filled it in


class Workbook:
    """A workbook's sheets, and any sheet's rows (all of them, or the first few)."""

    kind = ""
    sheets: list[SheetInfo]

    def rows(self, index: int, limit: int | None = None) -> Iterator[tuple[int, list[str | None]]]:
        raise NotImplementedError

    def table(self, index: int) -> RawTable:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _SheetParser(WorkSheetParser):
    """openpyxl's parser, keeping what a read-only worksheet drops: which rows are hidden (and
    nothing else about rows: a million rows' heights would cost hundreds of MB) and which
    formula cells have no calculated value."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.hidden_row_numbers: list[int] = []
        self.shown_rows: set[int] = set()
        self.formula_cells: dict[tuple[int, int], str] = {}
        self.formula_counts: dict[int, int] = {}

    def parse_row(self, row):  # type: ignore[no-untyped-def]
        idx, cells = super().parse_row(row)
        attrs = self.row_dimensions.pop(str(idx), None)
        if attrs:
            hidden = attrs.get("hidden") in ("1", "true")
            zero = attrs.get("ht") not in (None, "") and float(attrs["ht"]) == 0
            if hidden or zero:
                self.hidden_row_numbers.append(idx)
            elif attrs.get("ht") not in (None, ""):
                self.shown_rows.add(idx)
        return idx, cells

    def parse_cell(self, element):  # type: ignore[no-untyped-def]
        cell = super().parse_cell(element)
        if cell["value"] is None:
            formula = element.find(FORMULA_TAG)
            if formula is not None:
                column = cell["column"]
                seen = self.formula_counts.get(column, 0)
                self.formula_counts[column] = seen + 1
                if seen < FORMULAS_KEPT:  # a generated file may have a million of them
                    self.formula_cells[(cell["row"], column)] = "=" + (formula.text or "")
        return cell


class XlsxWorkbook(Workbook):
    kind = "xlsx"

    def __init__(self, data: bytes) -> None:
        try:
            self.wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
            raise UnreadableFile(
                "ingest.xlsx_unreadable",
                f"Excel 文件无法打开：{type(exc).__name__}",
                "确认文件是 .xlsx 格式（不是改了扩展名的 .et 或其他文件），用 Excel 另存为 .xlsx 后重新提交",
            ) from exc
        self.sheets = [SheetInfo(ws.title, ws.sheet_state != "visible")
                       for ws in self.wb.worksheets]
        self.percent_styles = set()
        self.pad_styles: dict[int, int] = {}  # style id -> width of a 0000-like format
        for style_id, style in enumerate(self.wb._cell_styles):
            fmt_id = style.numFmtId
            fmt = (BUILTIN_FORMATS.get(fmt_id) if fmt_id < BUILTIN_FORMATS_MAX_SIZE
                   else self.wb._number_formats[fmt_id - BUILTIN_FORMATS_MAX_SIZE])
            if is_percent_format(fmt):
                self.percent_styles.add(style_id)
            if zero_pad_width(fmt):
                self.pad_styles[style_id] = zero_pad_width(fmt)

    def _parser(self, index: int) -> tuple[_SheetParser, object]:
        ws = self.wb.worksheets[index]
        src = self.wb._archive.open(ws._worksheet_path)
        parser = _SheetParser(src, ws._shared_strings, data_only=True, epoch=self.wb.epoch,
                              date_formats=self.wb._date_formats,
                              timedelta_formats=self.wb._timedelta_formats)
        return parser, src

    def _row_text(self, cells: list[dict], short: ShortNumbers | None = None
                  ) -> list[str | None]:
        if not cells:
            return []
        width = max(c["column"] for c in cells)
        row: list[str | None] = [None] * width
        for c in cells:
            value, style = c["value"], c["style_id"]
            text = _excel_cell_text(value, style in self.percent_styles)
            if style in self.pad_styles:  # shown as Excel shows it: 0690, not 690
                text = padded(text, self.pad_styles[style]) if text else text
            elif short is not None and is_short_whole_number(value, text):
                short.add(c["row"], c["column"], text)  # type: ignore[arg-type]
            row[c["column"] - 1] = text
        return row

    def rows(self, index: int, limit: int | None = None) -> Iterator[tuple[int, list[str | None]]]:
        parser, src = self._parser(index)
        try:
            for n, (idx, cells) in enumerate(parser.parse()):
                if limit is not None and n >= limit:
                    break
                yield idx, self._row_text(cells)
        finally:
            src.close()  # type: ignore[attr-defined]

    def table(self, index: int) -> RawTable:
        parser, src = self._parser(index)
        builder = CellFrameBuilder()
        short = ShortNumbers()
        try:
            for idx, cells in parser.parse():
                builder.add(idx, self._row_text(cells, short))
        except UnreadableFile:
            raise
        except Exception as exc:  # a damaged sheet: a finding, never a traceback
            raise UnreadableFile(
                "ingest.xlsx_unreadable", f"Excel 工作表无法读取：{type(exc).__name__}",
                "用 Excel 打开后另存为 .xlsx 再提交") from exc
        finally:
            src.close()  # type: ignore[attr-defined]
        cells_frame = builder.frame()
        hidden_rows = list(parser.hidden_row_numbers)
        if getattr(parser.sheet_format, "zeroHeight", False):
            # rows are hidden unless given a height of their own
            hidden_rows = [int(n) for n in cells_frame["_line"].to_list()
                           if n not in parser.shown_rows]
        hidden_columns: list[int] = []
        for attrs in parser.column_dimensions.values():
            width = attrs.get("width")
            if attrs.get("hidden") in ("1", "true") or (width not in (None, "")
                                                         and float(width) == 0):
                hidden_columns.extend(range(int(attrs["min"]), int(attrs.get("max",
                                                                             attrs["min"])) + 1))
        merged = ([m.coord for m in parser.merged_cells.mergeCell]
                  if parser.merged_cells is not None else [])
        return RawTable(self.wb.worksheets[index].title, "xlsx", cells_frame, merged,
                        sorted(set(hidden_rows)), sorted(set(hidden_columns)),
                        dict(parser.formula_cells), dict(parser.formula_counts),
                        short.cells, short.counts)

    def close(self) -> None:
        self.wb.close()


class XlsWorkbook(Workbook):
    kind = "xls"

    def __init__(self, data: bytes) -> None:
        try:
            self.book = xlrd.open_workbook(file_contents=data, formatting_info=True,
                                           on_demand=True)
        except Exception as exc:  # xlrd.XLRDError, CompDocError, struct.error ...
            raise UnreadableFile(
                "ingest.xls_unreadable",
                f"Excel 97-2003（.xls）文件无法打开：{type(exc).__name__}",
                "用 Excel 或 WPS 打开后“另存为”.xlsx 再提交",
            ) from exc
        self.sheets = []
        for i in range(self.book.nsheets):
            sheet = self.book.sheet_by_index(i)
            self.sheets.append(SheetInfo(sheet.name, sheet.visibility != 0))

    def _cell_text(self, sheet: xlrd.sheet.Sheet, r: int, c: int) -> str | None:
        ctype = sheet.cell_type(r, c)
        value = sheet.cell_value(r, c)
        if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return None
        if ctype == xlrd.XL_CELL_TEXT:
            return str(value)
        if ctype == xlrd.XL_CELL_BOOLEAN:
            return "true" if value else "false"
        if ctype == xlrd.XL_CELL_ERROR:
            return xlrd.error_text_from_code.get(value, "#错误")
        if ctype == xlrd.XL_CELL_DATE:
            try:
                return _excel_cell_text(xlrd.xldate_as_datetime(value, self.book.datemode))
            except Exception:  # a date serial outside Excel's calendar: show the number
                return number_text(value)
        xf = self.book.xf_list[sheet.cell_xf_index(r, c)]
        fmt = self.book.format_map.get(xf.format_key)
        fmt_str = fmt.format_str if fmt else None
        text = number_text(value, is_percent_format(fmt_str))
        if zero_pad_width(fmt_str):  # shown as Excel shows it: 0690, not 690
            return padded(text, zero_pad_width(fmt_str))
        if self._short is not None and is_short_whole_number(value, text):
            self._short.add(r + 1, c + 1, text)
        return text

    _short: ShortNumbers | None = None  # collecting, while table() reads a sheet

    def rows(self, index: int, limit: int | None = None) -> Iterator[tuple[int, list[str | None]]]:
        sheet = self.book.sheet_by_index(index)
        last = sheet.nrows if limit is None else min(sheet.nrows, limit)
        for r in range(last):
            yield r + 1, [self._cell_text(sheet, r, c) for c in range(sheet.row_len(r))]

    def table(self, index: int) -> RawTable:
        sheet = self.book.sheet_by_index(index)
        self._short = short = ShortNumbers()
        try:
            cells = rows_to_cells(self.rows(index))
        finally:
            self._short = None
        hidden_rows = sorted(r + 1 for r, info in sheet.rowinfo_map.items() if info.hidden)
        hidden_columns = sorted(c + 1 for c, info in sheet.colinfo_map.items() if info.hidden)
        merged = [f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1)}{r1}"
                  for r0, r1, c0, c1 in sheet.merged_cells]
        return RawTable(sheet.name, "xls", cells, merged, hidden_rows, hidden_columns,
                        short_numbers=short.cells, short_number_counts=short.counts)

    def close(self) -> None:
        self.book.release_resources()


def open_workbook(data: bytes, suffix: str) -> Workbook:
    """By what the bytes are, not the name: an .xls saved under .xlsx (or the reverse) is
    still read."""
    if data.startswith(OLE2_MAGIC):
        return XlsWorkbook(data)
    if data.startswith(ZIP_MAGIC) or suffix == ".xlsx":
        return XlsxWorkbook(data)
    return XlsWorkbook(data)
