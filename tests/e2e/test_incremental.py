"""Incremental runs: only the reports whose inputs changed are rendered again."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

from flows.cli import main as etdz
from flows.settings import DEMO_DATA_DIR
from tests.helpers import DEMO_REPORT_DATE, DEMO_YEAR, copy_publication

ZONE = "GX-NN-03"
# zone_stats.csv columns (GBK, Chinese headers): ... 8 = 固定资产投资（亿元）.
FIXED_ASSET_INVESTMENT = 8


def correct_one_figure(data: Path, zone: str, column: int, value: str) -> str:
    """Edit one cell of zone_stats.csv for `zone` in the assessed year; returns the old value."""
    path = data / "zone_stats.csv"
    lines = path.read_bytes().decode("gb18030").split("\n")
    for i, line in enumerate(lines):
        if line.startswith(f"{zone},{DEMO_YEAR},"):
            cells = line.split(",")
            old, cells[column] = cells[column], value
            lines[i] = ",".join(cells)
            path.write_bytes("\n".join(lines).encode("gb18030"))
            return old
    raise AssertionError(f"no {zone} row for {DEMO_YEAR}")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_one_zone_changed_rebuilds_its_report_and_the_province_report(
    published_demo: Path, tmp_path: Path
) -> None:
    out = copy_publication(published_demo, tmp_path / "out")
    data = tmp_path / "data"
    shutil.copytree(DEMO_DATA_DIR, data)
    # A fixed-asset-investment correction that moves neither this zone's rank nor any other
    # zone's normalised scores (scores are relative: a change that did would rightly rebuild
    # those zones' reports too).
    assert correct_one_figure(data, ZONE, FIXED_ASSET_INVESTMENT, "99.0000") == "96.9896"

    started = time.perf_counter()
    assert etdz(["assess", "--data", str(data), "--year", str(DEMO_YEAR), "--out", str(out),
                 "--report-date", DEMO_REPORT_DATE]) == 0
    print(f"incremental run after one zone changed: {time.perf_counter() - started:.1f} s")

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    first = json.loads((published_demo / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] != first["run_id"]
    assert manifest["reports"]["rebuilt"] == ["reports/province.pdf", f"reports/zones/{ZONE}.pdf"]
    status = {o["path"]: o["status"] for o in manifest["outputs"] if "report_id" in o}
    assert len(status) == 19 and list(status.values()).count("reused") == 17
    for path in (published_demo / "reports" / "zones").glob("*.pdf"):
        rel = f"reports/zones/{path.name}"
        if path.stem == ZONE:
            assert sha(out / rel) != sha(path)
        else:  # byte for byte the previous publication's report
            assert sha(out / rel) == sha(path), rel
    assert sha(out / "reports" / "province.pdf") != sha(published_demo / "reports/province.pdf")
    # The cache keeps only what the publication in force uses.
    keys = {o["key"] for o in manifest["outputs"] if "key" in o}
    assert {p.stem for p in (out / ".cache" / "reports").glob("*.pdf")} == keys
