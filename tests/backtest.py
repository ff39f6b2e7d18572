"""The demo run's ground truth: what a fresh run on the bundled demo data must publish.

Stored under tests/e2e/backtest/demo-2025/: every results CSV, the fix list, and each PDF's
extracted text. Three values change with every commit and nothing else: the code version
(package version + git commit), the run id (it hashes the code version) and each zone report's
report id (it hashes its context, which carries the code version). They are masked as
<程序版本>, <运行编号> and <报告编号>, so the texts compare across commits.

Refresh it only when a change alters results on purpose, in the same commit, saying why:

    .venv/bin/python -m tests.backtest
"""

from __future__ import annotations

import difflib
import json
import sys
import tempfile
from pathlib import Path

from pypdf import PdfReader

from flows.cli import main as etdz
from flows.settings import DEMO_DATA_DIR

BACKTEST_DIR = Path(__file__).resolve().parent / "e2e" / "backtest" / "demo-2025"
YEAR = 2025
REPORT_DATE = "2026-01-15"
# results/ and validation/ files stored as they are (text, so a difference prints as a diff).
STORED_FILES = ("validation/fix_list.csv",)
MASKS = (("code_version", "<程序版本>"), ("run_id", "<运行编号>"))


def pdf_text(path: Path) -> str:
    """Every page's text, pages separated by a marked line."""
    pages = PdfReader(path).pages
    return "".join(f"--- 第 {n} 页 ---\n{page.extract_text()}\n"
                   for n, page in enumerate(pages, start=1))


def snapshot(publication: Path) -> dict[str, str]:
    """Relative path -> text for everything the back test compares."""
    manifest = json.loads((publication / "manifest.json").read_text(encoding="utf-8"))
    masks = [(manifest[key], label) for key, label in MASKS]
    masks += [(o["report_id"], "<报告编号>") for o in manifest["outputs"] if o.get("report_id")]
    texts: dict[str, str] = {}
    for path in sorted((publication / "results").glob("*.csv")):
        texts[f"results/{path.name}"] = path.read_text(encoding="utf-8-sig")
    for name in STORED_FILES:
        texts[name] = (publication / name).read_text(encoding="utf-8-sig")
    for path in sorted((publication / "reports").rglob("*.pdf")):
        text = pdf_text(path)
        for value, label in masks:
            text = text.replace(value, label)
        rel = path.relative_to(publication).with_suffix(".txt").as_posix()
        texts[rel] = text
    return texts


def stored() -> dict[str, str]:
    return {p.relative_to(BACKTEST_DIR).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(BACKTEST_DIR.rglob("*")) if p.is_file()}


def differences(expected: dict[str, str], actual: dict[str, str], context: int = 2,
                max_lines: int = 40) -> list[str]:
    """Human-readable differences: missing and extra files, then a short diff per changed file."""
    out = [f"缺少（应有而本次运行未产生）：{name}" for name in sorted(set(expected) - set(actual))]
    out += [f"多出（本次运行产生而基准中没有）：{name}" for name in sorted(set(actual) - set(expected))]
    for name in sorted(set(expected) & set(actual)):
        if expected[name] == actual[name]:
            continue
        diff = list(difflib.unified_diff(expected[name].splitlines(), actual[name].splitlines(),
                                         f"基准/{name}", f"本次/{name}", n=context, lineterm=""))
        shown = diff[:max_lines] + ([f"…（另有 {len(diff) - max_lines} 行差异）"]
                                    if len(diff) > max_lines else [])
        out.append("\n".join(shown))
    return out


def write(texts: dict[str, str]) -> None:
    for old in BACKTEST_DIR.rglob("*"):
        if old.is_file():
            old.unlink()
    for name, text in texts.items():
        path = BACKTEST_DIR / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        code = etdz(["assess", "--data", str(DEMO_DATA_DIR), "--year", str(YEAR),
                     "--out", str(out), "--report-date", REPORT_DATE])
        if code != 0:
            print(f"示例运行失败（退出状态 {code}），基准未更新", file=sys.stderr)
            return code
        texts = snapshot(out)
    changes = differences(stored(), texts)
    write(texts)
    print(f"已更新基准 {BACKTEST_DIR}：{len(texts)} 个文件，{len(changes)} 处变化")
    for change in changes:
        print(change)
    return 0


if __name__ == "__main__":
    sys.exit(main())
