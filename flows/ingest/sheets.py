"""Which sheet of a workbook holds the dataset.

The sheet named after the dataset (园区年度统计, zone_stats) or the assessment year (2025年),
else the only sheet whose first rows hold the dataset's header (a 填表说明 or cover sheet before
it is passed over). A sheet for another year is never taken silently, a hidden sheet is read only
when no visible one holds the data (and then it is critical), and other sheets that also carry
the header are named in a warning: the person who sent the workbook learns which sheet was read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flows.ingest.headers import header_score
from flows.ingest.raw import HEAD_ROWS, Workbook
from transforms.contract import Dataset, normalise_header
from transforms.findings import Finding, Severity, quote

# 2025, 2025年, 2025年度, 2024-2025: a year written in a sheet's name.
_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])")


@dataclass
class SheetCandidate:
    index: int
    title: str
    hidden: bool
    named: bool  # named after the dataset
    year: int | None  # the one year the name carries, if any
    header: bool  # its first rows hold the dataset's header


@dataclass
class SheetChoice:
    index: int | None  # None: no sheet is read (the findings say why)
    findings: list[Finding] = field(default_factory=list)


def _year_of(title: str) -> int | None:
    years = {int(y) for y in _YEAR.findall(title)}
    return years.pop() if len(years) == 1 else None


def candidates(book: Workbook, dataset: Dataset) -> list[SheetCandidate]:
    names = {normalise_header(dataset.name), normalise_header(dataset.label)}
    needed = min(2, sum(c.required for c in dataset.columns))
    found = []
    for i, info in enumerate(book.sheets):
        head = [(n, cells) for n, cells in book.rows(i, limit=HEAD_ROWS * 4)
                if any(c is not None and str(c).strip() for c in cells)][:HEAD_ROWS]
        found.append(SheetCandidate(i, info.title, info.hidden,
                                    normalise_header(info.title) in names, _year_of(info.title),
                                    header_score(head, dataset) >= needed))
    return found


def choose_sheet(book: Workbook, dataset: Dataset, file: str, year: int | None) -> SheetChoice:
    """The sheet to read and the findings that say so (see the module's docstring)."""
    if len(book.sheets) == 1:
        only = book.sheets[0]
        choice = SheetChoice(0)
        if only.hidden:
            choice.findings.append(_hidden_read(dataset, file, only.title))
        return choice
    sheets = candidates(book, dataset)
    visible = [s for s in sheets if not s.hidden]
    picked, findings = _pick(visible, dataset, file, year)
    if picked is None and not findings:
        picked, findings = _pick(sheets, dataset, file, year)
    if picked is None and not findings:
        # No sheet holds the header: the first visible one is read, and its header's missing
        # columns are reported there.
        picked = (visible or sheets)[0]
    choice = SheetChoice(picked.index if picked else None, findings)
    if picked is not None and picked.hidden:
        choice.findings.append(_hidden_read(dataset, file, picked.title))
    chosen = picked.title if picked else ""
    for s in sheets:
        if picked is not None and s.index == picked.index:
            continue
        if s.hidden and s.header:
            choice.findings.append(Finding(
                Severity.WARNING, dataset.name, file, s.title, None, "", "", quote(s.title),
                "ingest.hidden_sheet",
                f"隐藏的工作表“{quote(s.title)}”也有“{dataset.label}”的表头，未读取"
                + (f"；本次读取的是工作表“{quote(chosen)}”" if chosen else ""),
                "在 Excel 中右键工作表标签“取消隐藏”，核对其中的数据；不需要的工作表请删除"))
        elif s.header and picked is not None:
            choice.findings.append(Finding(
                Severity.WARNING, dataset.name, file, s.title, None, "", "", quote(s.title),
                "ingest.sheet_not_read",
                f"工作表“{quote(s.title)}”也有“{dataset.label}”的表头，未读取；"
                f"本次读取的是工作表“{quote(chosen)}”",
                f"每个文件只保留一个“{dataset.label}”工作表；要读取的工作表请命名为"
                f"“{dataset.label}”" + (f"或“{year}年”" if year else "")))
    return choice


def _hidden_read(dataset: Dataset, file: str, title: str) -> Finding:
    return Finding(
        Severity.CRITICAL, dataset.name, file, title, None, "", "", quote(title),
        "ingest.hidden_sheet",
        f"读取的工作表“{quote(title)}”是隐藏的：Excel 里看不到，但其中的数据会被读取并参与计算",
        "在 Excel 中右键工作表标签“取消隐藏”，核对其中的数据后保存再提交")


def _pick(pool: list[SheetCandidate], dataset: Dataset, file: str, year: int | None
          ) -> tuple[SheetCandidate | None, list[Finding]]:
    named = [s for s in pool if s.named or (year is not None and s.year == year)]
    if len(named) > 1:
        named = [s for s in named if s.header] or named
        both = [s for s in named if s.named and (year is None or s.year in (None, year))]
        named = both if len(both) == 1 else named
    if len(named) == 1:
        return named[0], []
    if len(named) > 1:
        return None, [_ambiguous(named, dataset, file)]
    other_year = [s for s in pool if s.header and year is not None and s.year not in (None, year)]
    with_header = [s for s in pool if s.header and s not in other_year]
    if len(with_header) == 1:
        return with_header[0], []
    if len(with_header) > 1:
        dated = [s for s in with_header if s.year is not None]
        if year is None and len(dated) == len(with_header):
            # No assessment year given (nightly validation): the latest year's sheet, and the
            # others are named as not read.
            return max(dated, key=lambda s: s.year or 0), []
        return None, [_ambiguous(with_header, dataset, file)]
    if other_year:
        listed = "、".join(f"“{quote(s.title)}”" for s in other_year)
        return None, [Finding(
            Severity.CRITICAL, dataset.name, file, other_year[0].title, None, "", "",
            quote(other_year[0].title), "ingest.sheet_other_year",
            f"有“{dataset.label}”表头的工作表 {listed} 不是考核年度 {year} 年的，未读取",
            f"提交 {year} 年的工作表；如果该工作表确实是本次要报送的数据，请把它改名为"
            f"“{dataset.label}”或“{year}年”")]
    return None, []


def _ambiguous(sheets: list[SheetCandidate], dataset: Dataset, file: str) -> Finding:
    listed = "、".join(f"“{quote(s.title)}”" for s in sheets)
    return Finding(
        Severity.CRITICAL, dataset.name, file, "", None, "", "", listed[:60],
        "ingest.sheet_ambiguous",
        f"工作簿中有 {len(sheets)} 个工作表都像“{dataset.label}”（{listed}），无法确定读取哪一个，"
        "均未读取",
        f"只保留一个“{dataset.label}”工作表，或把要读取的工作表命名为“{dataset.label}”")
