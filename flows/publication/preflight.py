"""Checks made before the orchestrator starts, each answering in well under two seconds: the
data folder, the output folder (writable, with room), the lock, the warehouse and the config
files. A mistake found here costs the operator a second, not a run: Prefect's temporary server
alone takes 7 to 15 seconds to start, and a whole run minutes.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from flows.ingest.folder import SUPPORTED_SUFFIXES, dataset_for_stem
from flows.publication import warehouse
from flows.publication.lock import probe_lock
from flows.settings import OperatorError
from transforms.contract import DATASETS

# Room a run needs beyond what it reuses: the demo publication is about 12 MB (19 PDFs, the
# workbook, the fix list with its font); 200 MB covers a national run's 2,700 reports.
DEFAULT_MIN_FREE_MB = 200


def min_free_bytes() -> int:
    return int(float(os.environ.get("ETDZ_MIN_FREE_MB", DEFAULT_MIN_FREE_MB)) * 2**20)


def check_data_folder(data: Path) -> None:
    """The folder exists, can be read and holds at least one dataset file."""
    if not data.exists():
        raise OperatorError(f"数据文件夹不存在：{data}；请检查 --data 给出的路径")
    if not data.is_dir():
        raise OperatorError(f"--data 应为文件夹，而 {data} 是一个文件；请给出存放各数据文件的文件夹")
    try:
        names = [p for p in data.iterdir() if p.is_file()]
    except PermissionError as exc:
        raise OperatorError(f"数据文件夹 {data} 无法读取：没有读取权限") from exc
    datasets = [p for p in names if p.suffix.lower() in SUPPORTED_SUFFIXES
                and not p.name.startswith((".", "~$")) and dataset_for_stem(p.stem)]
    if not datasets:
        expected = "、".join(f"{name}.csv" for name, ds in DATASETS.items() if ds.required)
        found = f"（其中有 {len(names)} 个其他文件）" if names else "（文件夹是空的）"
        raise OperatorError(f"数据文件夹 {data} 中没有任何数据集文件{found}；应有 {expected} 等，"
                            "文件名为数据集名称（英文或中文，.csv、.xlsx 或 .xls）")


def _describe_unwritable(path: Path, exc: OSError) -> str:
    if exc.errno == errno.EROFS:
        return f"输出文件夹 {path} 不可写：所在文件系统是只读的；请换一个可写的文件夹"
    if exc.errno == errno.ENOENT:
        return f"输出文件夹 {path} 无法创建：其上级位置不存在或不能在其中建文件夹；请换一个文件夹"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"输出文件夹 {path} 不可写：磁盘空间已满；请清理该磁盘或换一个文件夹"
    return (f"输出文件夹 {path} 不可写：没有写入权限；请换一个可写的文件夹，"
            "或请管理员开放写权限")


def _existing_ancestor(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_output_folder(out: Path) -> None:
    """The folder (or, before the first run, the folder it will be made in) can be written
    and has room for a publication. Nothing is created: a refused run leaves no trace."""
    if out.exists() and not out.is_dir():
        raise OperatorError(f"--out 应为文件夹，而 {out} 是一个文件；请换一个输出文件夹")
    where = out if out.exists() else _existing_ancestor(out)
    if not where.is_dir():
        raise OperatorError(f"输出文件夹 {out} 无法创建：{where} 是一个文件；请换一个文件夹")
    try:
        if out.exists():
            with tempfile.NamedTemporaryFile(dir=out, prefix=".write-check-"):
                pass
        elif os.statvfs(where).f_flag & os.ST_RDONLY:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(where))
        elif not os.access(where, os.W_OK | os.X_OK):
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(where))
    except OSError as exc:
        raise OperatorError(_describe_unwritable(out, exc)) from exc
    free, needed = shutil.disk_usage(where).free, min_free_bytes()
    if free < needed:
        raise OperatorError(
            f"输出文件夹 {out} 所在磁盘只剩 {free / 2**20:.0f} MB，少于一次运行所需的 "
            f"{needed / 2**20:.0f} MB；请清理磁盘或换一个文件夹（ETDZ_MIN_FREE_MB 可调整此下限）")


def check_warehouse(path: Path) -> str | None:
    """None if the warehouse can be written now; a notice naming the holder if another program
    has it open (the run goes on and waits for it when it records); OperatorError if it can
    never be written (no permission, not a DuckDB file)."""
    parent = path.parent
    if not path.exists():
        if parent.exists() and not os.access(parent, os.W_OK):
            raise OperatorError(f"数据仓库 {path} 无法创建：文件夹 {parent} 没有写入权限；"
                                "请用 --warehouse 指定一个可写的位置")
        return None
    if not os.access(path, os.W_OK):
        raise OperatorError(f"数据仓库 {path} 没有写入权限；请用 --warehouse 指定一个可写的文件")
    try:
        con = warehouse.open_connection(path, wait=0)
    except warehouse.WarehouseBusy as exc:
        holder = warehouse.lock_holder(exc.__cause__) if exc.__cause__ else None
        return (f"注意：数据仓库 {path} 正被{holder or '另一个程序'}打开；本次运行照常进行，"
                f"写入数据仓库前会等待其关闭（最多 {warehouse.wait_seconds():.0f} 秒）")
    con.close()
    return None


def check_assess(data: Path, out: Path, store: Path) -> list[str]:
    """Every check `etdz assess` makes before starting; returns the notices to print."""
    check_data_folder(data)
    check_output_folder(out)
    probe_lock(out)
    notice = check_warehouse(store)
    return [notice] if notice else []


def check_nightly(data: Path, out: Path) -> None:
    check_data_folder(data)
    check_output_folder(out)
