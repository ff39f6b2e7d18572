"""Read the submitted files into typed Polars frames, tagging every row with where it came from.

Data staff send CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or .xlsx, with English or Chinese
headers, in the units of the contract's labels. The stage converts units once, enforces types
(money as Decimal) and records each row's file, sheet and the row number a person sees in that
file. Nothing here raises on bad input: every problem becomes a `Finding`, and whatever can be
read safely is kept.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from flows.files import sha256_bytes
from flows.ingest.convert import build_frame, csv_cells_fast
from flows.ingest.headers import is_blank, map_headers
from flows.ingest.limits import IngestLimits, load_limits
from flows.ingest.raw import (
    RawTable,
    UnreadableFile,
    decode_csv_bytes,
    open_workbook,
    read_csv_rows,
)
from flows.ingest.sheets import choose_sheet
from transforms.contract import DATASETS, Dataset, normalise_header
from transforms.findings import Finding, Severity, quote

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".xls")
# Other spreadsheet and text formats people save a table in: named in a finding when the file
# is named like a dataset, never skipped without a word.
SPREADSHEET_LIKE = (".xlsm", ".xlsb", ".et", ".ett", ".ods", ".numbers", ".tsv", ".txt", ".dbf",
                    ".wps")


@dataclass(frozen=True)
class InputFile:
    """A submitted file as the manifest records it."""

    file: str
    dataset: str
    sha256: str
    size_bytes: int
    encoding: str  # utf-8, utf-8-sig, gb18030, xlsx or xls
    sheet: str
    rows: int  # data rows accepted into the frame


@dataclass
class IngestResult:
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    files: list[InputFile] = field(default_factory=list)
    # Per dataset, the cells ingest could not read (a value was there and is empty now, each
    # with its finding): one boolean column per contract column, aligned with the frame.
    unread: dict[str, pl.DataFrame] = field(default_factory=dict)

    def sheets_read(self) -> list[str]:
        """Which sheet of each workbook was read, for the log and the terminal."""
        return [f"{f.file}：读取工作表“{f.sheet}”" for f in self.files if f.sheet]


def dataset_for_stem(stem: str) -> str | None:
    """The file's stem names the dataset; the Chinese dataset label is accepted too."""
    key = normalise_header(stem)
    for ds in DATASETS.values():
        if key in (ds.name, normalise_header(ds.label)):
            return ds.name
    return None


def _read_regular(path: Path, limits: IngestLimits) -> bytes:
    """The bytes of a regular file, opened without following a link (a link swapped in after
    the folder was listed is refused too) and refused above the size limit before reading."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnreadableFile("ingest.not_a_regular_file", "该文件是符号链接（快捷方式），未读取",
                                 "把实际文件复制到数据文件夹中，不要用链接或快捷方式") from exc
        raise UnreadableFile("ingest.unreadable", f"文件无法打开：{exc.strerror}",
                             "检查文件是否被其他程序占用或没有读取权限") from exc
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile("ingest.not_a_regular_file", "不是普通文件（设备、管道或套接字），未读取",
                                 "数据文件夹中只放提交的数据文件")
        if info.st_size > limits.max_file_bytes:
            raise UnreadableFile(
                "ingest.file_too_large",
                f"文件有 {_size_text(info.st_size)}，超过上限 {_size_text(limits.max_file_bytes)}，未读取",
                "确认提交的是本数据集的数据（不是整个系统的导出）；确需提交请联系运维人员调整上限")
        data = fh.read(limits.max_file_bytes + 1)
    if len(data) > limits.max_file_bytes:  # grew while being read
        raise UnreadableFile("ingest.file_too_large", "文件超过大小上限，未读取",
                             "确认提交的是本数据集的数据")
    return data


def _size_text(size: int) -> str:
    if size >= 2**20:
        return f"{size / 2**20:.1f} MB".replace(".0 MB", " MB")
    return f"{-(-size // 1024)} KB"


def read_dataset_file(path: Path, dataset: Dataset, file: str | None = None,
                      year: int | None = None, limits: IngestLimits | None = None
                      ) -> tuple[pl.DataFrame | None, list[Finding], InputFile]:
    """One file -> (typed frame or None, findings, manifest record)."""
    frame, findings, record, _ = read_dataset(path, dataset, file, year, limits)
    return frame, findings, record


def read_dataset(path: Path, dataset: Dataset, file: str | None = None, year: int | None = None,
                 limits: IngestLimits | None = None
                 ) -> tuple[pl.DataFrame | None, list[Finding], InputFile, pl.DataFrame | None]:
    """One file -> (typed frame or None, findings, manifest record, cells not read)."""
    file = file or path.name
    limits = limits or load_limits()
    try:
        data = _read_regular(path, limits)
    except UnreadableFile as exc:
        finding = Finding(Severity.CRITICAL, dataset.name, file, "", None, "", "", "",
                          exc.rule_id, exc.message, exc.hint)
        return None, [finding], InputFile(file, dataset.name, "", 0, "", "", 0), None
    record = dict(file=file, dataset=dataset.name, sha256=sha256_bytes(data), size_bytes=len(data))
    suffix = path.suffix.lower()
    findings: list[Finding] = []
    try:
        if suffix in (".xlsx", ".xls"):
            table, findings = _read_workbook(data, suffix, dataset, file, year)
            if table is None:
                return None, findings, InputFile(**record, encoding=suffix[1:], sheet="",
                                                 rows=0), None
        else:
            fast = _read_csv_fast(data, dataset, file, record, limits)
            if fast is not None:
                return fast
            table = read_csv_rows(data)
    except UnreadableFile as exc:
        finding = Finding(Severity.CRITICAL, dataset.name, file, "", None, "", "", "",
                          exc.rule_id, exc.message, exc.hint)
        return None, findings + [finding], InputFile(**record, encoding="", sheet="", rows=0), None
    header, header_findings = map_headers(table, dataset, file)
    findings += header_findings
    if header is None:
        return None, findings, InputFile(**record, encoding=table.encoding, sheet=table.sheet,
                                         rows=0), None
    frame, row_findings, unread = build_frame(table, header, dataset, file,
                                              max_cell_chars=limits.max_cell_chars)
    return frame, findings + row_findings, InputFile(
        **record, encoding=table.encoding, sheet=table.sheet, rows=frame.height), unread


def read_table(path: Path, dataset: Dataset | None, file: str | None = None,
               year: int | None = None) -> RawTable | None:
    """The rows ingest reads from `path`: a CSV's, or the sheet it chooses in a workbook (None
    when it chooses none, or for a workbook of no dataset). Only what ingest would open: a link,
    a device or a file above the size limit raises UnreadableFile, as reading does."""
    data = _read_regular(path, load_limits())
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        if dataset is None:
            return None
        return _read_workbook(data, suffix, dataset, file or path.name, year)[0]
    return read_csv_rows(data)


def _read_workbook(data: bytes, suffix: str, dataset: Dataset, file: str, year: int | None
                   ) -> tuple[RawTable | None, list[Finding]]:
    book = open_workbook(data, suffix)
    try:
        choice = choose_sheet(book, dataset, file, year)
        if choice.index is None:
            return None, choice.findings
        return book.table(choice.index), choice.findings
    except UnreadableFile:
        raise
    except Exception as exc:  # a damaged workbook: a finding, never a traceback
        raise UnreadableFile("ingest.xlsx_unreadable", f"Excel 文件无法读取：{type(exc).__name__}",
                             "用 Excel 或 WPS 打开后“另存为”.xlsx 再提交") from exc
    finally:
        book.close()


def _read_csv_fast(data: bytes, dataset: Dataset, file: str, record: dict, limits: IngestLimits
                   ) -> tuple[pl.DataFrame | None, list[Finding], InputFile,
                              pl.DataFrame | None] | None:
    """The whole file through Polars' reader when every line is one record; else None.

    Same findings and row numbers as the exact path (tests/flows/ingest/);
    a national submission's million rows read in seconds instead of minutes.
    """
    text, encoding = decode_csv_bytes(data)
    cells = csv_cells_fast(text)
    if cells is None or cells.is_empty():
        return None
    first = [v for v in cells.row(0)[1:]]
    if is_blank(first):
        return None
    head = RawTable("", encoding, cells.head(60).with_columns(pl.col("_line").cast(pl.UInt32)))
    header, findings = map_headers(head, dataset, file)
    if header is None:
        return None
    frame, row_findings, unread = build_frame(cells, header, dataset, file, "",
                                              max_cell_chars=limits.max_cell_chars)
    return frame, findings + row_findings, InputFile(
        **record, encoding=encoding, sheet="", rows=frame.height), unread


def _refused(name: str, dataset: str | None, what: str) -> Finding:
    label = DATASETS[dataset].label if dataset else ""
    return Finding(
        Severity.CRITICAL if dataset else Severity.WARNING, dataset or "", name, "", None, "", "",
        "", "ingest.not_a_regular_file",
        f"“{quote(name)}”是{what}，不是提交的数据文件，未读取"
        + (f"（名称像是“{label}”）" if label else ""),
        "数据文件夹中只放提交的数据文件本身：把实际文件复制进来，不要用链接、快捷方式或文件夹")


def dataset_files(data_dir: Path) -> tuple[dict[str, list[Path]], list[Finding]]:
    """The files ingest reads, by dataset (in name order), and the findings about the others:
    only regular files directly in the folder; a link, a device or a folder named like a
    dataset is refused and never opened, a file of no dataset is named."""
    findings: list[Finding] = []
    by_dataset: dict[str, list[Path]] = {}
    with os.scandir(data_dir) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        name = entry.name
        if name.startswith((".", "~$")):
            continue  # lock files Excel and WPS leave behind, hidden files
        path = Path(entry.path)
        stem_dataset = dataset_for_stem(path.stem) or dataset_for_stem(name)
        if entry.is_symlink():
            findings.append(_refused(name, stem_dataset, "符号链接（快捷方式）"))
            continue
        if entry.is_dir(follow_symlinks=False):
            if stem_dataset:
                findings.append(_refused(name, stem_dataset, "文件夹"))
            continue
        if not entry.is_file(follow_symlinks=False):
            findings.append(_refused(name, stem_dataset, "设备、管道或套接字"))
            continue
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            if stem_dataset:
                findings.append(Finding(
                    Severity.CRITICAL, stem_dataset, name, "", None, "", "", "",
                    "ingest.unsupported_format",
                    f"文件“{quote(name)}”的格式（{suffix or '无扩展名'}）无法读取，未读取",
                    "请“另存为”.xlsx 或 CSV（UTF-8 或 GBK）后重新提交"))
            elif suffix in SPREADSHEET_LIKE:
                findings.append(_unknown_file(name))
            continue  # README, notes, other documents
        name_dataset = dataset_for_stem(path.stem)
        if name_dataset is None:
            findings.append(_unknown_file(name))
            continue
        by_dataset.setdefault(name_dataset, []).append(path)
    return by_dataset, findings


def ingest_folder(data_dir: Path, year: int | None = None, limits: IngestLimits | None = None
                  ) -> IngestResult:
    """Every contract dataset found in data_dir, read and typed; problems become findings.

    Only regular files directly in the folder are read: a symbolic link, a device or a folder
    named like a dataset is refused with a finding and never opened. `year` is the assessment
    year, for choosing a workbook's sheet."""
    limits = limits or load_limits()
    result = IngestResult()
    by_dataset, result.findings = dataset_files(data_dir)
    for name, paths in sorted(by_dataset.items()):
        dataset = DATASETS[name]
        if len(paths) > 1:
            listed = "、".join(p.name for p in paths)
            result.findings.append(Finding(
                Severity.CRITICAL, name, paths[1].name, "", None, "", "", "",
                "ingest.duplicate_dataset",
                f"数据集“{dataset.label}”提交了多个文件（{listed}），只读取了 {paths[0].name}",
                "每个数据集只保留一个文件，删除或合并多余的文件"))
        frame, findings, record, unread = read_dataset(paths[0], dataset, year=year,
                                                       limits=limits)
        result.findings.extend(findings)
        result.files.append(record)
        if frame is not None:
            result.frames[name] = frame
            if unread is not None and unread.width:
                result.unread[name] = unread
    return result


def _unknown_file(name: str) -> Finding:
    return Finding(
        Severity.WARNING, "", name, "", None, "", "", "", "ingest.unknown_file",
        f"文件名“{quote(name)}”不对应任何数据集，未读取",
        "文件名应为数据集名称，如 zone_stats.csv 或 园区年度统计.xlsx")
