"""The technical report of a validation run, in place of Great Expectations' Data Docs.

GE's Data Docs load Bootstrap, jQuery and fonts from six CDNs (offline they are an empty page)
and write submitted values into the page unescaped (a cell holding a script ran in the
browser). This page shows the same facts, every suite's expectations with their arguments,
row counts and a sample of the values that failed, from the results GE returned, through
autoescaped Jinja2, with its CSS and the Chinese font inside the file and a Content Security
Policy that forbids scripts and any network request. It is written at the same path,
validation/data_docs/index.html, and identical results give identical bytes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader

from flows.settings import TEMPLATE_DIR
from flows.validation.page_font import embedded_font_face

SAMPLE = 10  # values shown per failed expectation; every failing row is in the fix list

_ENV = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True, trim_blocks=True,
                   lstrip_blocks=True, keep_trailing_newline=True)
_SEVERITY = {"critical": "严重", "warning": "警告", "info": "提示"}


def _severity(config: Any) -> str:
    value = getattr(getattr(config, "severity", None), "value", None) or str(
        getattr(config, "severity", "") or "")
    return _SEVERITY.get(value.lower(), value)


def _row(result: Any) -> dict[str, Any]:
    config = result.expectation_config
    meta = dict(config.meta or {})
    outcome = dict(result.result or {})
    kwargs = {k: v for k, v in dict(config.kwargs).items() if k != "batch_id"}
    sample = outcome.get("partial_unexpected_list") or []
    info = result.exception_info or {}
    error = info.get("exception_message") if info.get("raised_exception") else None
    return {
        "success": bool(result.success),
        "severity": _severity(config),
        "rule_id": meta.get("rule_id", ""),
        "column_label": meta.get("column_label", ""),
        "type": config.type,
        "kwargs": json.dumps(kwargs, ensure_ascii=False, sort_keys=True, default=str),
        "element_count": outcome.get("element_count", ""),
        "unexpected_count": outcome.get("unexpected_count", ""),
        "sample": "、".join(str(v) for v in sample[:SAMPLE]),
        "message": meta.get("message", ""),
        "error": error,
    }


def render_report(runs: list[tuple[dict[str, Any], Any]], ge_version: str = "") -> str:
    suites = []
    for suite, result in runs:
        rows = sorted((_row(r) for r in result.results),
                      key=lambda r: (r["success"], r["rule_id"], r["type"]))
        failed = sum(not r["success"] for r in rows)
        suites.append({"name": suite["name"], "anchor": f"suite-{len(suites)}",
                       "label": (suite.get("meta") or {}).get("dataset_label", suite["name"]),
                       "rows": rows, "failed": failed, "evaluated": len(rows)})
    evaluated = sum(s["evaluated"] for s in suites)
    failed = sum(s["failed"] for s in suites)
    page = _ENV.get_template("data_docs.html").render
    context = dict(suites=suites, totals={"evaluated": evaluated, "failed": failed,
                                          "passed": evaluated - failed},
                   css=(TEMPLATE_DIR / "fix_list.css").read_text(encoding="utf-8"),
                   ge_version=ge_version)
    # The font goes with the page: a subset holding exactly the characters the page shows.
    return page(**context, font_face=embedded_font_face(page(**context, font_face="")))


def build_data_docs(runs: list[tuple[dict[str, Any], Any]], docs_dir: Path) -> Path:
    """validation/data_docs/index.html: the technical report of these GE results."""
    versions = {str((getattr(result, "meta", None) or {}).get("great_expectations_version", ""))
                for _, result in runs}
    shutil.rmtree(docs_dir, ignore_errors=True)
    docs_dir.mkdir(parents=True)
    index = docs_dir / "index.html"
    index.write_text(render_report(runs, ", ".join(sorted(v for v in versions if v))),
                     encoding="utf-8")
    return index
