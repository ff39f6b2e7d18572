"""File helpers every stage shares: content hashes, cheap copies, and the rule that keeps a
CSV safe to open in a spreadsheet."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

import polars as pl


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def replace_symlink(link: Path, target: str) -> None:
    """Point `link` at `target` in one atomic step (a new symlink renamed over the old): a
    reader sees the old target or the new one, never neither."""
    tmp = link.parent / f".current-{os.getpid()}-{link.name}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)


def build_number(path: Path) -> int:
    """The n of a build folder named <anything>-<n>; 0 for any other name."""
    tail = path.name.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def new_build(builds: Path, name: str, among: str = "*") -> Path:
    """An empty folder builds/<name>-<n>, n one more than that of any build matching `among`:
    a rerun never writes into the folder a link points at."""
    builds.mkdir(parents=True, exist_ok=True)
    number = 1 + max((build_number(p) for p in builds.glob(among)), default=0)
    build = builds / f"{name}-{number}"
    build.mkdir()
    return build


def switch_to_build(link: Path, build: Path, keep: int, among: str = "*") -> None:
    """Point `link` at a finished build in one rename, then keep only the `keep` newest builds
    matching `among` (this one among them)."""
    replace_symlink(link, os.path.relpath(build, link.parent))
    earlier = sorted((p for p in build.parent.glob(among) if p != build), key=build_number)
    for old in earlier[:max(0, len(earlier) - (keep - 1))]:
        shutil.rmtree(old, ignore_errors=True)


def link_or_copy(src: str, dst: str) -> str:
    """A hard link (instant, no space), or a copy where the file system cannot link."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


# ---------------------------------------------------------------------------------------------
# Text a spreadsheet would evaluate

# A cell starting with one of these is a formula to Excel, LibreOffice and WPS (a leading tab
# or carriage return is stripped first, so it hides one): "=HYPERLINK(...)", "+cmd|...",
# "-2+3", "@SUM(...)".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Text that is just a number stays as written: "-5" and "+3.2" are numbers, not formulas.
PLAIN_NUMBER = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
_PLAIN = re.compile(PLAIN_NUMBER)
_NEEDS_QUOTE = r"^(?:['=+@\t\r]|-)"


def neutralise_formula(text: str) -> str:
    """The one rule for every CSV the product writes: text a spreadsheet would evaluate gets
    a leading apostrophe, which spreadsheets show as text. Text already starting with an
    apostrophe gets one too, so that `restore_formula` gives back exactly what was written."""
    if text[:1] == "'" or (text.startswith(FORMULA_STARTS) and not _PLAIN.match(text)):
        return "'" + text
    return text


def restore_formula(text: str) -> str:
    """The text neutralise_formula was given (for our own CSVs read back, e.g. last night's
    fix list)."""
    return text[1:] if text[:1] == "'" else text


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """neutralise_formula on every text column; numbers, dates and decimals stay as they are."""
    fixes = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            quote = col.str.contains(_NEEDS_QUOTE) & ~col.str.contains(PLAIN_NUMBER)
            fixes.append(pl.when(quote).then(pl.lit("'") + col).otherwise(col).alias(name))
    return frame.with_columns(fixes) if fixes else frame
