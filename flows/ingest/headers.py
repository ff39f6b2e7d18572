"""Headers: which column of a submitted table holds which contract field, in which unit.

Headers may be English (`gdp`) or Chinese with the unit (`地区生产总值（亿元）`); full-width
brackets, spaces and case never matter. A money header in another unit of the same currency
(`地区生产总值（万元）`) is read and converted from that unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from openpyxl.utils.cell import range_boundaries

from flows.ingest.raw import RawTable
from transforms.contract import Column, Dataset, Kind, normalise_header
from transforms.findings import Finding, Severity, quote
from transforms.units import UNIT_FACTORS

# A unit line under a header's names: （亿元）, 万美元, 单位：户 ...
_UNIT_CELL = re.compile(r"^[(（]?\s*(单位\s*[:：])?\s*(" + "|".join(
    re.escape(u) for u in (*UNIT_FACTORS, "户", "家", "个", "平方公里", "吨标准煤/万元", "%")
) + r")\s*[)）]?$")


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


@dataclass
class HeaderMap:
    header_row: int  # the header's (last) row: data starts below it
    positions: dict[str, int]  # canonical column -> cell index
    unit_factors: dict[str, Decimal]  # canonical column -> factor to the base unit
    first_row: int = 0  # the header's first row (a header merged over two rows)


def _merged_spans(refs: list[str]) -> list[tuple[str, int, int, int, int]]:
    """(ref, first row, first column, last row, last column) of each merged range spanning
    columns."""
    spans = []
    for ref in refs:
        c0, r0, c1, r1 = range_boundaries(ref)
        if c1 > c0:
            spans.append((ref, r0, c0, r1, c1))
    return spans


def is_blank(cells: list[str | None]) -> bool:
    return all(c is None or str(c).strip() == "" for c in cells)


def _text(cell: str | None) -> str:
    return "" if cell is None else str(cell).strip()


def _match(text: str, lookup: dict[str, Column], dataset: Dataset
           ) -> tuple[Column | None, str | None]:
    """The contract column a header text names, and the unit written in it."""
    key = normalise_header(text)
    col = lookup.get(key)
    unit = None
    if col is None:
        name_part, unit = _split_unit(key)
        col = lookup.get(name_part)
        if col is None:
            # "地区生产总值（万元）": the label with a different unit than the contract's.
            col = next((c for c in dataset.columns
                        if _split_unit(normalise_header(c.label))[0] == name_part), None)
    return col, unit


def _combined(upper: str, lower: str) -> list[str]:
    """What a column's header can be when it spans two rows: the lower row under a group title,
    the two rows read together (a name above its unit), or the upper one alone (a cell merged
    down over both rows)."""
    if not lower:
        return [upper] if upper else []
    if not upper:
        return [lower]
    if _UNIT_CELL.match(lower):
        unit = _UNIT_CELL.match(lower).group(2)  # type: ignore[union-attr]
        return [upper + lower, f"{upper}({unit})", upper]
    return [lower, upper]


def _header_cells(rows: list[list[str | None]], lookup: dict[str, Column], dataset: Dataset
                  ) -> tuple[list[str], int]:
    """The header text of each column for a header of one or two rows, and how many distinct
    contract columns it names."""
    if len(rows) == 1:
        texts = [_text(c) for c in rows[0]]
    else:
        upper, lower = rows
        width = max(len(upper), len(lower))
        texts = []
        for i in range(width):
            options = _combined(_text(upper[i]) if i < len(upper) else "",
                                _text(lower[i]) if i < len(lower) else "")
            chosen = next((t for t in options if _match(t, lookup, dataset)[0] is not None),
                          options[0] if options else "")
            texts.append(chosen)
    named = {c.name for c in (_match(t, lookup, dataset)[0] for t in texts if t) if c}
    return texts, len(named)


def _is_unit_line(cells: list[str | None]) -> bool:
    texts = [_text(c) for c in cells if _text(c)]
    return bool(texts) and all(_UNIT_CELL.match(t) for t in texts)


def _groups_over(line: int, width: int, merged: list[str]) -> bool:
    """The row holds group titles: a range merged over some (not all) of the table's columns,
    or a cell merged down into the next row (园区代码 over two header rows)."""
    for ref in merged:
        c0, r0, c1, r1 = range_boundaries(ref)
        if r0 <= line <= r1 and ((r1 > line) or (c1 > c0 and (c1 - c0 + 1) < width)):
            return True
    return False


def find_header(head: list[tuple[int, list[str | None]]], dataset: Dataset,
                merged: list[str] | None = None) -> tuple[int, int, list[str], int]:
    """(first header row, last header row, header texts, columns named) among the first rows:
    the row naming most of the dataset's columns, or two adjacent rows when they name more, or
    as many with group titles or a unit line (a header merged over two rows). Title rows, a
    填报单位 line, a unit line and notes above the header name none. When no row names two
    columns, the first row is the header (and its missing columns are reported there)."""
    lookup = _header_lookup(dataset)
    singles = [_header_cells([cells], lookup, dataset) for _, cells in head]
    best: tuple[int, int, list[str], int] | None = None
    for i, (line, cells) in enumerate(head):
        texts, score = singles[i]
        if best is None or score > best[3]:
            best = (line, line, texts, score)
        if i + 1 < len(head) and head[i + 1][0] == line + 1:
            lower = head[i + 1][1]
            texts2, score2 = _header_cells([cells, lower], lookup, dataset)
            width = max(len(cells), len(lower))
            # group titles count only over a row that names columns itself (sub-headers), not
            # over the first data row
            joined = _is_unit_line(lower) or (singles[i + 1][1] > 0
                                              and _groups_over(line, width, merged or []))
            if score2 > max(score, singles[i + 1][1]) or (
                    joined and score2 > 0 and score2 >= max(score, singles[i + 1][1])):
                if score2 >= best[3]:
                    best = (line, line + 1, texts2, score2)
    assert best is not None
    needed = min(2, sum(c.required for c in dataset.columns))
    if best[3] < needed:
        line, cells = head[0]
        texts, score = _header_cells([cells], lookup, dataset)
        return line, line, texts, score
    return best


def header_score(head: list[tuple[int, list[str | None]]], dataset: Dataset) -> int:
    """How many of the dataset's columns the best header among these rows names."""
    if not head:
        return 0
    return find_header(head, dataset)[3]


def map_headers(
    table: RawTable, dataset: Dataset, file: str
) -> tuple[HeaderMap | None, list[Finding]]:
    findings: list[Finding] = []

    def finding(sev: Severity, rule: str, row: int | None, col: Column | None, value: str,
                message: str, hint: str) -> None:
        findings.append(Finding(sev, dataset.name, file, table.sheet, row,
                                col.name if col else "", col.label if col else "", quote(value),
                                rule, message, hint))

    head = table.head()
    if not head:
        finding(Severity.CRITICAL, "ingest.empty_file", None, None, "",
                "文件没有任何内容（找不到表头行）", "请确认提交的是填好数据的文件")
        return None, findings
    lookup = _header_lookup(dataset)
    first_row, header_row, cells, _ = find_header(head, dataset, table.merged)
    above = [(n, row) for n, row in head if n < first_row]
    if above:
        text = " ".join(_text(c) for c in above[0][1] if _text(c))
        rows = (f"第 {above[0][0]} 行" if len(above) == 1
                else f"第 {above[0][0]}—{above[-1][0]} 行")
        finding(Severity.WARNING, "ingest.rows_above_header", above[0][0], None, text,
                f"{rows}在表头（第 {first_row} 行）之上，是标题、单位、填报单位或说明，"
                "未作为数据读取",
                "确认这些行没有要报送的数据；表头行与数据之间不要插入其他内容")
    for ref, r0, c0, r1, c1 in _merged_spans(table.merged):
        if r1 < first_row or r0 > header_row:
            continue  # above the header (reported as skipped) or merged data cells
        # A range merged over several columns leaves the columns after its first without a
        # header, unless the header's lower row names them (a group title over sub-headers).
        headless = [c for c in range(c0 + 1, c1 + 1) if c - 1 >= len(cells) or not cells[c - 1]]
        if not headless:
            continue
        text = cells[c0 - 1] if c0 - 1 < len(cells) else ""
        first, _ = _match(text, lookup, dataset) if text else (None, None)
        finding(Severity.WARNING, "ingest.merged_header", r0, first, ref + (
            f"（{text}）" if text else ""),
            f"表头单元格 {ref} 是合并单元格：只有第一列有表头，"
            "合并区域中其余各列没有表头，其数据未读取",
            "在 Excel 中选中该区域，点“合并后居中”取消合并；每一列只写一个表头，"
            "多行表头请合并成一行")
    positions: dict[str, int] = {}
    factors: dict[str, Decimal] = {}
    for idx, raw in enumerate(cells):
        if not raw:
            continue
        col, unit = _match(raw, lookup, dataset)
        if col is None:
            finding(Severity.WARNING, "ingest.unknown_header", header_row, None, raw,
                    f"表头“{quote(raw)}”不是“{dataset.label}”的字段，该列已忽略",
                    "核对表头是否与数据规范一致（可用英文字段名或中文标签）；多余的列可删除")
            continue
        if col.name in positions:
            finding(Severity.CRITICAL, "ingest.duplicate_header", header_row, col, raw,
                    f"字段“{col.label}”出现了两次，只读取了第一次出现的列",
                    "删除重复的列，或把其中一列改为正确的表头")
            continue
        factor = col.unit_factor
        if unit is not None and col.kind is Kind.MONEY:
            given = UNIT_FACTORS.get(unit)
            if given is None or given[0] != col.base_unit:
                finding(Severity.CRITICAL, "ingest.unit_unknown", header_row, col, raw,
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
    return HeaderMap(header_row, positions, factors, first_row), findings
