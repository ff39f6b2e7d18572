"""The annotated copy of a submitted file: the staff's own workbook, every cell with a finding
filled by severity (critical red, warning yellow) and carrying a comment with the explanation
and the hint, plus a sheet listing every finding with a link to its cell.

Staff fix their figures where they typed them; a fix list beside the file makes them look up
each row and column by hand. An .xlsx is annotated in place (a copy: their formats, formulas and
other sheets stay); a CSV becomes an .xlsx with its cells as text, in the rows and columns a
person sees. `etdz validate` writes one per file with findings next to the fix list
(annotated/); the submission site offers the same copy for download.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from expectations.messages_zh import KEY_JOINER
from flows.ingest.folder import dataset_for_stem, read_table
from flows.ingest.headers import map_headers
from flows.ingest.raw import RawTable, UnreadableFile
from transforms.contract import DATASETS, Dataset
from transforms.findings import Finding, Severity, sort_findings

# Excel's own "bad" and "neutral" cell styles, which staff recognise.
FILLS = {Severity.CRITICAL: PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE"),
         Severity.WARNING: PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C")}
FONTS = {Severity.CRITICAL: Font(color="9C0006", bold=True),
         Severity.WARNING: Font(color="9C5700")}
LIST_SHEET = "校验问题清单"
COMMENT_AUTHOR = "经开区考核数据校验"
ANNOTATED_SUFFIX = "_批注.xlsx"


def annotated_name(file: str) -> str:
    """zone_stats.csv -> zone_stats_批注.xlsx"""
    return Path(file).stem + ANNOTATED_SUFFIX


def _comment_text(findings: list[Finding]) -> str:
    parts = [f"【{f.severity.label}】{f.message.rstrip('。')}。\n修改建议：{f.hint}"
             for f in findings]
    return "\n\n".join(parts)


def _cells_of(f: Finding, positions: dict[str, int], header_row: int) -> list[tuple[int, int]]:
    """(row, column) of the cells a finding points at, 1-based; a finding about a whole row
    points at the row's first cell, one about a missing column at the header's first cell."""
    if f.row is None:
        return []
    columns = [c for c in f.column.split(KEY_JOINER) if c] if f.column else []
    known = [positions[c] + 1 for c in columns if c in positions]
    if known:
        return [(f.row, c) for c in known]
    return [(f.row if f.row != header_row or not columns else header_row, 1)]


def _mark(cell: Cell, findings: list[Finding]) -> None:
    worst = Severity.CRITICAL if any(f.severity is Severity.CRITICAL for f in findings) \
        else Severity.WARNING
    cell.fill = FILLS[worst]
    cell.font = FONTS[worst]
    comment = Comment(_comment_text(findings), COMMENT_AUTHOR)
    comment.width, comment.height = 360, 80 + 60 * len(findings)
    cell.comment = comment


def _header_positions(table: RawTable | None, dataset: Dataset | None, file: str
                      ) -> tuple[dict[str, int], int]:
    if table is None or dataset is None:
        return {}, 1
    header, _ = map_headers(table, dataset, file)
    return (header.positions, header.header_row) if header is not None else ({}, 1)


def _write_text(ws: Worksheet, row: int, column: int, value: str) -> None:
    cell = ws.cell(row=row, column=column, value=value)
    # a cell typed "=..." in a CSV is text, never a formula in our copy
    cell.data_type = "s"


def _list_sheet(wb: openpyxl.Workbook, findings: list[Finding],
                where: dict[int, tuple[str, int, int] | None]) -> None:
    ws = wb.create_sheet(LIST_SHEET, 0)
    heads = ["严重程度", "工作表", "行号", "列", "填写的值", "问题说明", "修改建议", "单元格"]
    for c, head in enumerate(heads, start=1):
        _write_text(ws, 1, c, head)
        ws.cell(row=1, column=c).font = Font(bold=True)
    for r, f in enumerate(findings, start=2):
        values = [f.severity.label, f.sheet, "整个文件" if f.row is None else str(f.row),
                  f.column_label, f.value, f.message, f.hint]
        for c, value in enumerate(values, start=1):
            _write_text(ws, r, c, value or "")
        ws.cell(row=r, column=1).fill = FILLS[f.severity]
        target = where.get(id(f))
        if target is not None:
            sheet, row, column = target
            ref = f"{get_column_letter(column)}{row}"
            link = ws.cell(row=r, column=8, value=ref)
            link.hyperlink = f"#{quote_sheetname(sheet)}!{ref}"
            link.font = Font(color="0563C1", underline="single")
    for c, width in enumerate((10, 14, 9, 24, 18, 48, 48, 10), start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "A2"


def annotate(source: Path, findings: Iterable[Finding], target: Path,
             dataset: str | None = None, file: str | None = None, year: int | None = None
             ) -> Path:
    """Write the annotated copy of `source` (a submitted .xlsx or .csv) to `target` (.xlsx).

    `findings` are those of this file (the caller filters by finding.file); `dataset` defaults
    to the one the file name names; `file` is the name findings use for it; `year` the
    assessment year the file was read for (it chooses the sheet, as ingest did)."""
    findings = sort_findings(list(findings))
    file = file or source.name
    spec = DATASETS.get(dataset or dataset_for_stem(Path(file).stem) or "")
    is_xlsx = source.suffix.lower() == ".xlsx"
    table: RawTable | None = None
    try:
        table = read_table(source, spec, file, year)
    except UnreadableFile:
        table = None  # the findings say why; the copy then holds the list only
    positions, header_row = _header_positions(table, spec, file)

    wb: openpyxl.Workbook
    ws: Worksheet | None = None
    if is_xlsx and table is not None:
        wb = openpyxl.load_workbook(source)
        ws = wb[table.sheet] if table.sheet in wb.sheetnames else wb.worksheets[0]
    else:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = (spec.label if spec else "数据")[:31]
        rows = table.cells.iter_rows() if table is not None else iter(())
        for number, *cells in rows:  # `_line` (the row as seen in the file), then the cells
            for c, value in enumerate(cells, start=1):
                if value not in (None, ""):
                    _write_text(ws, number, c, str(value))
        if table is None:
            wb.remove(ws)
            ws = None

    by_cell: dict[tuple[int, int], list[Finding]] = {}
    where: dict[int, tuple[str, int, int] | None] = {}
    for f in findings:
        cells = _cells_of(f, positions, header_row) if ws is not None else []
        where[id(f)] = (ws.title, *cells[0]) if cells and ws is not None else None
        for cell in cells:
            by_cell.setdefault(cell, []).append(f)
    if ws is not None:
        for (row, column), marked in sorted(by_cell.items()):
            _mark(ws.cell(row=row, column=column), marked)
    _list_sheet(wb, findings, where)
    wb.active = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    wb.save(tmp)
    tmp.replace(target)
    return target


def write_annotated_copies(data_dir: Path, findings: list[Finding], out_dir: Path) -> list[Path]:
    """One annotated copy per submitted file with findings, as <stem>_批注.xlsx in out_dir;
    copies of files that have no finding any more are removed (they would mislead)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        if (data_dir / f.file).is_file():
            by_file.setdefault(f.file, []).append(f)
    wanted = {annotated_name(file) for file in by_file}
    for old in out_dir.glob(f"*{ANNOTATED_SUFFIX}"):
        if old.name not in wanted:
            old.unlink()
    return [annotate(data_dir / file, mine, out_dir / annotated_name(file),
                     dataset=mine[0].dataset or None, file=file)
            for file, mine in sorted(by_file.items())]
