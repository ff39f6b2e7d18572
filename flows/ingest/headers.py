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
from transforms.findings import Finding, Severity
from transforms.units import UNIT_FACTORS


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
    header_row: int
    positions: dict[str, int]  # canonical column -> cell index
    unit_factors: dict[str, Decimal]  # canonical column -> factor to the base unit


def _merged_spans(refs: list[str]) -> list[tuple[str, int, int, int]]:
    """(ref, first row, first column, last row) of each merged range spanning columns."""
    spans = []
    for ref in refs:
        c0, r0, c1, r1 = range_boundaries(ref)
        if c1 > c0:
            spans.append((ref, r0, c0, r1))
    return spans


def is_blank(cells: list[str | None]) -> bool:
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

    non_blank = [(n, cells) for n, cells in table.rows if not is_blank(cells)]
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
