"""The inbox's record of where its rows came from: submissions.json beside the data files.

The submission site assembles the inbox from each city's latest submission without critical
findings (flows/site/inbox.py) and writes this file with it: the submissions used (who, when,
the file's SHA-256) and, for every data row of every inbox file, the submission and the row of
the submitted file it came from. Ingest does not read .json files as data, so a folder with
or without it reads the same; the yearly run names the submissions in its reports' provenance
appendix. A folder assembled by hand has no such file and no submissions are named.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from transforms.contract import DATASETS

INBOX_SUBMISSIONS = "submissions.json"

# What the reports print of each submission, in this order.
SUBMISSION_FIELDS = ("submission_id", "city", "dataset", "file", "sha256", "submitted_by",
                     "submitted_at")


def read_inbox_submissions(data_dir: Path) -> list[dict[str, str]]:
    """The submissions an assembled inbox was built from; [] for a folder without the record.

    A record that cannot be read is named as such in the list, so that a report never claims
    submissions it cannot show, and a run never stops on it."""
    path = data_dir / INBOX_SUBMISSIONS
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        used = [{k: str(s.get(k, "")) for k in SUBMISSION_FIELDS} for s in data["submissions"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return [{**{k: "" for k in SUBMISSION_FIELDS}, "dataset_label": "",
                 "submission_id": f"（{INBOX_SUBMISSIONS} 无法读取：{type(exc).__name__}）"}]
    for s in used:
        known = DATASETS.get(s["dataset"])
        s["dataset_label"] = known.label if known else s["dataset"]
    return used


def read_row_sources(data_dir: Path) -> dict[str, list[tuple[str, int]]]:
    """Inbox file name -> for each data row in order (file row 2, 3, ...): (submission id, row
    of the submitted file)."""
    path = data_dir / INBOX_SUBMISSIONS
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {file: [(str(s), int(r)) for s, r in rows] for file, rows in data["rows"].items()}
