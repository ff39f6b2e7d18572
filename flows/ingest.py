"""Read the submitted files into typed Polars frames, tagging every row with where it came from.

Data staff send CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or .xlsx, with English or Chinese
headers, in the units of the contract's labels. This module converts units once, enforces
types (money as Decimal) and records each row's file, sheet and the row number a person sees in
that file. Nothing here raises on bad input: every problem becomes a `Finding`, and whatever
can be read safely is kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import polars as pl

from flows.findings import Finding, Severity
from transforms.contract import (
    DATASETS,
    SOURCE_FILE,
    SOURCE_ROW,
    SOURCE_SHEET,
    WAN,
    YI,
    Column,
    Dataset,
    Kind,
)

SUPPORTED_SUFFIXES = (".csv", ".xlsx")

# Cells that mean "no value" in the spreadsheets staff actually send.
PLACEHOLDERS = frozenset({"", "-", "--", "—", "——", "/", "空", "无", "暂无", "na", "n/a", "null", "none"})
# A first cell like this marks a summary row, not data (合计/总计/小计).
TOTAL_MARKERS = ("合计", "总计", "小计")

# Units a header may carry; the factor converts to the base unit of the same currency.
UNIT_FACTORS: dict[str, tuple[str, Decimal]] = {
    "元": ("CNY", Decimal(1)),
    "万元": ("CNY", WAN),
    "亿元": ("CNY", YI),
    "美元": ("USD", Decimal(1)),
    "万美元": ("USD", WAN),
    "亿美元": ("USD", YI),
}


@dataclass(frozen=True)
class InputFile:
    """A submitted file as the manifest records it."""

    file: str
    dataset: str
    sha256: str
    size_bytes: int
    encoding: str  # utf-8, utf-8-sig, gb18030 or xlsx
    sheet: str
    rows: int  # data rows accepted into the frame


@dataclass
class IngestResult:
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    files: list[InputFile] = field(default_factory=list)


def normalise_header(text: str) -> str:
    """NFKC folds full-width brackets and letters; spaces and case never carry meaning."""
    folded = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\s+", "", folded).lower()


def _split_unit(header: str) -> tuple[str, str | None]:
    """'地区生产总值(亿元)' -> ('地区生产总值', '亿元'); the header must already be normalised."""
    m = re.match(r"^(.*)\(([^()]*)\)$", header)
    if m:
        return m.group(1), m.group(2)
    return header, None


def _header_lookup(dataset: Dataset) -> dict[str, Column]:
    lookup: dict[str, Column] = {}
    for col in dataset.columns:
        for spelling in (col.name, col.label, *col.aliases):
            lookup[normalise_header(spelling)] = col
    return lookup


def dataset_for_stem(stem: str) -> str | None:
    """The file's stem names the dataset; the Chinese dataset label is accepted too."""
    key = normalise_header(stem)
    for ds in DATASETS.values():
        if key in (ds.name, normalise_header(ds.label)):
            return ds.name
    return None


# ---------------------------------------------------------------------------------------------
# Raw reading: rows of text with the row number a person sees
# ---------------------------------------------------------------------------------------------


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
    import openpyxl  # exact row numbers; calamine-based readers trim leading empty rows

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


# ---------------------------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------------------------


@dataclass
class HeaderMap:
    header_row: int
    positions: dict[str, int]  # canonical column -> cell index
    unit_factors: dict[str, Decimal]  # canonical column -> factor to the base unit


def _merged_spans(refs: list[str]) -> list[tuple[str, int, int, int]]:
    """(ref, first row, first column, last row) of each merged range spanning columns."""
    from openpyxl.utils.cell import range_boundaries

    spans = []
    for ref in refs:
        c0, r0, c1, r1 = range_boundaries(ref)
        if c1 > c0:
            spans.append((ref, r0, c0, r1))
    return spans


def _is_blank(cells: list[str | None]) -> bool:
    return all(c is None or str(c).strip() == "" for c in cells)


def map_headers(
    table: RawTable, dataset: Dataset, file: str
) -> tuple[HeaderMap | None, list[Finding]]:
    findings: list[Finding] = []

    def finding(sev: Severity, rule: str, row: int | None, col: Column | None, value: str,
                message: str, hint: str) -> None:
        findings.append(Finding(sev, dataset.name, file, table.sheet, row,
                                col.name if col else "", col.label if col else "", value,
                                rule, message, hint))

    non_blank = [(n, cells) for n, cells in table.rows if not _is_blank(cells)]
    if not non_blank:
        finding(Severity.CRITICAL, "ingest.empty_file", None, None, "",
                "文件没有任何内容（找不到表头行）", "请确认提交的是填好数据的文件")
        return None, findings
    lookup = _header_lookup(dataset)
    merged = _merged_spans(table.merged)
    header_row, cells = non_blank[0]
    if len(non_blank) > 1 and any(r0 <= header_row <= r1 for _, r0, _, r1 in merged):
        # A merged group title above the real headers (“经济指标” over three columns): take
        # the next row if it names more of the dataset's columns.
        def known(row: list[str | None]) -> int:
            return sum(normalise_header(str(c)) in lookup for c in row if c)

        if known(non_blank[1][1]) > known(cells):
            header_row, cells = non_blank[1]
    for ref, r0, c0, r1 in merged:
        if r0 > header_row:
            continue  # merged data cells are read as their top-left value
        text = str(cells[c0 - 1]) if r0 == header_row and c0 - 1 < len(cells) else ""
        first = lookup.get(normalise_header(text)) if text else None
        if r0 < header_row and r1 < header_row:
            message = (f"第 {r0} 行的合并单元格 {ref} 是表头上方的分组标题，已跳过；"
                       f"以第 {header_row} 行为表头")
        else:
            message = (f"表头单元格 {ref} 是合并单元格：只有第一列有表头，"
                       "合并区域中其余各列没有表头，其数据未读取")
        finding(Severity.WARNING, "ingest.merged_header", r0, first, ref + (
            f"（{text}）" if text else ""), message,
            "在 Excel 中选中该区域，点“合并后居中”取消合并；每一列只写一个表头，"
            "多行表头请合并成一行")
    positions: dict[str, int] = {}
    factors: dict[str, Decimal] = {}
    for idx, raw in enumerate(cells):
        if raw is None or str(raw).strip() == "":
            continue
        key = normalise_header(str(raw))
        col = lookup.get(key)
        unit = None
        if col is None:
            name_part, unit = _split_unit(key)
            col = lookup.get(name_part)
            if col is None:
                # "地区生产总值（万元）": the label with a different unit than the contract's.
                col = next((c for c in dataset.columns
                            if _split_unit(normalise_header(c.label))[0] == name_part), None)
        if col is None:
            finding(Severity.WARNING, "ingest.unknown_header", header_row, None, str(raw),
                    f"表头“{raw}”不是“{dataset.label}”的字段，该列已忽略",
                    "核对表头是否与数据规范一致（可用英文字段名或中文标签）；多余的列可删除")
            continue
        if col.name in positions:
            finding(Severity.CRITICAL, "ingest.duplicate_header", header_row, col, str(raw),
                    f"字段“{col.label}”出现了两次，只读取了第一次出现的列",
                    "删除重复的列，或把其中一列改为正确的表头")
            continue
        factor = col.unit_factor
        if unit is not None and col.kind is Kind.MONEY:
            given = UNIT_FACTORS.get(unit)
            if given is None or given[0] != col.base_unit:
                finding(Severity.CRITICAL, "ingest.unit_unknown", header_row, col, str(raw),
                        f"表头单位“{unit}”无法换算为规范单位“{col.submitted_unit}”，该列未读取",
                        f"请按规范单位“{col.submitted_unit}”填报，表头写作“{col.label}”")
                continue
            factor = given[1]
        positions[col.name] = idx
        factors[col.name] = factor
    for col in dataset.columns:
        if col.required and col.name not in positions:
            finding(Severity.CRITICAL, "ingest.missing_column", header_row, col, "",
                    f"缺少必填字段“{col.label}”（{col.name}）",
                    f"在表头行加上“{col.label}”这一列并填写数据")
    return HeaderMap(header_row, positions, factors), findings


# ---------------------------------------------------------------------------------------------
# Typing and unit conversion
# ---------------------------------------------------------------------------------------------


def build_frame(
    table: RawTable | pl.DataFrame, header: HeaderMap, dataset: Dataset, file: str,
    sheet: str | None = None,
) -> tuple[pl.DataFrame, list[Finding]]:
    """Typed rows and their findings; column at a time (flows/convert.py).

    `table` is the exact path's RawTable or, for plain CSV, the fast path's cell frame.
    """
    from flows.convert import convert_frame, data_cells, rows_to_cells

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


# ---------------------------------------------------------------------------------------------
# Whole folders
# ---------------------------------------------------------------------------------------------


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_dataset_file(path: Path, dataset: Dataset, file: str | None = None
                      ) -> tuple[pl.DataFrame | None, list[Finding], InputFile]:
    """One file -> (typed frame or None, findings, manifest record)."""
    file = file or path.name
    data = path.read_bytes()
    record = dict(file=file, dataset=dataset.name, sha256=sha256_bytes(data), size_bytes=len(data))
    try:
        if path.suffix.lower() == ".xlsx":
            table = read_xlsx_rows(path, dataset)
        else:
            fast = _read_csv_fast(data, dataset, file, record)
            if fast is not None:
                return fast
            table = read_csv_rows(data)
    except UnreadableFile as exc:
        finding = Finding(Severity.CRITICAL, dataset.name, file, "", None, "", "", "",
                          exc.rule_id, exc.message, exc.hint)
        return None, [finding], InputFile(**record, encoding="", sheet="", rows=0)
    header, findings = map_headers(table, dataset, file)
    if header is None:
        return None, findings, InputFile(**record, encoding=table.encoding, sheet=table.sheet, rows=0)
    frame, row_findings = build_frame(table, header, dataset, file)
    return frame, findings + row_findings, InputFile(
        **record, encoding=table.encoding, sheet=table.sheet, rows=frame.height)


def _read_csv_fast(data: bytes, dataset: Dataset, file: str, record: dict
                   ) -> tuple[pl.DataFrame | None, list[Finding], InputFile] | None:
    """The whole file through Polars' reader when every line is one record; else None.

    Same findings and row numbers as the exact path (tests/test_convert.py, test_ingest.py);
    a national submission's million rows read in seconds instead of minutes.
    """
    from flows.convert import csv_cells_fast

    text, encoding = decode_csv_bytes(data)
    cells = csv_cells_fast(text)
    if cells is None or cells.is_empty():
        return None
    first = [v for v in cells.row(0)[1:]]
    if _is_blank(first):
        return None
    header, findings = map_headers(RawTable("", encoding, [(1, first)]), dataset, file)
    if header is None:
        return None
    frame, row_findings = build_frame(cells, header, dataset, file, "")
    return frame, findings + row_findings, InputFile(
        **record, encoding=encoding, sheet="", rows=frame.height)


def ingest_folder(data_dir: Path) -> IngestResult:
    """Every contract dataset found in data_dir, read and typed; problems become findings."""
    result = IngestResult()
    by_dataset: dict[str, list[Path]] = {}
    for path in sorted(p for p in data_dir.iterdir() if p.is_file()):
        if path.name.startswith((".", "~$")) or path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue  # README, lock files Excel leaves behind, other formats
        name = dataset_for_stem(path.stem)
        if name is None:
            result.findings.append(Finding(
                Severity.WARNING, "", path.name, "", None, "", "", "", "ingest.unknown_file",
                f"文件名“{path.name}”不对应任何数据集，未读取",
                "文件名应为数据集名称，如 zone_stats.csv 或 园区年度统计.xlsx"))
            continue
        by_dataset.setdefault(name, []).append(path)
    for name, paths in sorted(by_dataset.items()):
        dataset = DATASETS[name]
        if len(paths) > 1:
            listed = "、".join(p.name for p in paths)
            result.findings.append(Finding(
                Severity.CRITICAL, name, paths[1].name, "", None, "", "", "",
                "ingest.duplicate_dataset",
                f"数据集“{dataset.label}”提交了多个文件（{listed}），只读取了 {paths[0].name}",
                "每个数据集只保留一个文件，删除或合并多余的文件"))
        frame, findings, record = read_dataset_file(paths[0], dataset)
        result.findings.extend(findings)
        result.files.append(record)
        if frame is not None:
            result.frames[name] = frame
    return result
