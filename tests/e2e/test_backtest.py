"""The back test: a fresh demo run publishes exactly the stored ground truth.

Any difference in a results CSV, the fix list or a PDF's text fails, and the message lists each
file that differs with its changed lines. A change that alters results on purpose refreshes the
ground truth in the same commit (`python -m tests.backtest`) and says why.
"""

from __future__ import annotations

from pathlib import Path

from tests.backtest import BACKTEST_DIR, REPORT_DATE, YEAR, differences, snapshot, stored
from tests.helpers import DEMO_REPORT_DATE, DEMO_YEAR


def test_demo_run_matches_the_stored_ground_truth(published_demo: Path) -> None:
    assert (DEMO_YEAR, DEMO_REPORT_DATE) == (YEAR, REPORT_DATE), "the shared run is the demo run"
    expected = stored()
    assert len(expected) == 10 + 1 + 19, f"ground truth incomplete in {BACKTEST_DIR}"
    changes = differences(expected, snapshot(published_demo))
    assert not changes, "本次示例运行与基准不同：\n" + "\n\n".join(changes)


def test_the_comparison_names_what_differs() -> None:
    expected = {"results/a.csv": "x,y\n1,2\n", "reports/p.txt": "第一行\n", "gone.csv": ""}
    actual = {"results/a.csv": "x,y\n1,3\n", "reports/p.txt": "第一行\n", "new.csv": ""}
    changes = differences(expected, actual)
    assert changes[0] == "缺少（应有而本次运行未产生）：gone.csv"
    assert changes[1] == "多出（本次运行产生而基准中没有）：new.csv"
    assert "-1,2" in changes[2] and "+1,3" in changes[2] and "results/a.csv" in changes[2]
    assert len(changes) == 3
