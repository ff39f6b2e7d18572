"""One run per output folder: the lock a run holds while it builds and publishes."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".lock"


class PublicationBusy(RuntimeError):
    """Another run holds the output folder."""


@contextmanager
def publication_lock(out_dir: Path) -> Iterator[None]:
    """Hold the output folder for one run; a second run is refused at once, not queued.

    flock is released by the kernel when the holder dies, so a killed run never leaves a lock
    that someone has to delete by hand.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    handle = (out_dir / LOCK_FILE).open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "未知"
        handle.close()
        raise PublicationBusy(
            f"输出文件夹 {out_dir} 正在被另一次考核运行使用（进程 {holder}），本次运行已拒绝；"
            "请等待该运行结束后再试 / another run is publishing to this folder") from None
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
