"""One run per output folder: the lock a run holds while it builds and publishes."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from flows.settings import OperatorError

LOCK_FILE = ".lock"


class PublicationBusy(OperatorError):
    """Another run holds the output folder (a set-up problem: exit status 3)."""


@contextmanager
def publication_lock(out_dir: Path) -> Iterator[None]:
    """Hold the output folder for one run; a second run is refused at once, not queued.

    flock is released by the kernel when the holder dies, so a killed run never leaves a lock
    that someone has to delete by hand.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    handle = _take(out_dir)
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _take(out_dir: Path) -> IO[str]:
    """The lock file, locked; PublicationBusy naming the holder's process if another run has it."""
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
    return handle


def probe_lock(out_dir: Path) -> None:
    """Before a run starts: PublicationBusy at once if another run holds the folder. The lock
    is let go again (the run takes it for itself); a folder not yet made is free."""
    if not (out_dir / LOCK_FILE).exists():
        return
    handle = _take(out_dir)
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()
