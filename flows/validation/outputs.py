"""Everything a validation pass publishes under validation/: the fix list (CSV, HTML, Excel),
summary.json for the nightly history, and Great Expectations' Data Docs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flows.validation import fix_list
from flows.validation.data_docs import build_data_docs
from transforms.findings import Finding, summarise


def write_validation(
    findings: list[Finding], out_dir: Path, data_docs: bool = True, **fix_list_options: Any
) -> list[Path]:
    """Everything under validation/: the fix list as CSV, HTML and Excel for staff,
    summary.json for the nightly history, and Great Expectations' Data Docs (data_docs/) when
    the findings carry GE's results. `fix_list_options` go to fix_list.write_all
    (statuses and resolved findings, from the nightly comparison)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fix_list_options.setdefault("zone_names", getattr(findings, "zone_names", {}))
    paths = fix_list.write_all(findings, out_dir, **fix_list_options)
    summary = out_dir / "summary.json"
    summary.write_text(json.dumps(summarise(findings), ensure_ascii=False, indent=2,
                                  sort_keys=True) + "\n", encoding="utf-8")
    paths.append(summary)
    runs = getattr(findings, "ge_runs", [])
    if data_docs and runs:
        paths.append(build_data_docs(runs, out_dir / "data_docs"))
    return paths
