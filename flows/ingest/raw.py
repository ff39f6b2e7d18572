"""Raw reading: a submitted file's rows of text, each with the row number a person sees.

CSV is decoded as UTF-8 (with or without BOM), else GB18030, the superset of GBK and GB2312;
.xlsx is read with openpyxl, which keeps exact row numbers. A file that cannot be read raises
UnreadableFile with a Chinese message and hint, which the folder reader turns into a finding.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from transforms.contract import Dataset, normalise_header


@dataclass
class RawTable:
    sheet: str
    encoding: str
    rows: list[tuple[int, list[str | None]]]  # (row number as seen in the file, cells)
    merged: list[str] = field(default_factory=list)  # Excel merged ranges, e.g. "C1:D1"


class UnreadableFile(Exception):
    def __init__(self, rule_id: str, message: str, hint: str):
        super().__init__(message)
        self.rule_id = rule_id
        self.message = message
        self.hint = hint


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


def read_csv_rows(data: bytes) -> RawTable:
    text, encoding = decode_csv_bytes(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str | None]]] = []
    next_line = 1
    try:
        for record in reader:
            # A quoted cell may span lines: the person sees the record start on next_line.
            rows.append((next_line, list(record)))
            next_line = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(
            "ingest.csv_syntax",
            f"CSV 格式错误（第 {reader.line_num} 行）：{exc}",
            "检查该行的引号是否成对，或用 Excel 重新导出 CSV",
        ) from exc
    return RawTable("", encoding, rows)


def _excel_cell_text(value: object) -> str | None:
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
    if isinstance(value, float):
        # repr is the shortest text that round-trips: 7777.7777 stays 7777.7777.
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value)


def read_xlsx_rows(path: Path, dataset: Dataset) -> RawTable:
    # openpyxl, not calamine: calamine-based readers trim leading empty rows, and row numbers
    # must be the ones staff see
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
        raise UnreadableFile(
            "ingest.xlsx_unreadable",
            f"Excel 文件无法打开：{type(exc).__name__}",
            "确认文件是 .xlsx 格式（不是改了扩展名的 .xls 或 .et），用 Excel 另存为 .xlsx 后重新提交",
        ) from exc
    try:
        sheets = [ws for ws in wb.worksheets if ws.sheet_state == "visible"] or wb.worksheets
        wanted = {normalise_header(dataset.name), normalise_header(dataset.label)}
        ws = next((s for s in sheets if normalise_header(s.title) in wanted), sheets[0])
        rows = [
            (i, [_excel_cell_text(v) for v in values])
            for i, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1)
        ]
        return RawTable(ws.title, "xlsx", rows, _merged_ranges(wb, ws))
    finally:
        wb.close()


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _merged_ranges(wb: object, ws: object) -> list[str]:
    """Merged ranges of a sheet opened read-only. openpyxl's read-only mode (needed for exact
    row numbers at any size) does not expose them, so read the <mergeCell> elements from the
    sheet's XML directly; a full (non read-only) load would cost far more on large files."""
    try:
        xml = wb._archive.read(ws._worksheet_path)  # type: ignore[attr-defined]
    except Exception:  # a private attribute gone in a future openpyxl: skip the check
        return []
    return [m.decode("ascii") for m in _MERGE_CELL.findall(xml)]
