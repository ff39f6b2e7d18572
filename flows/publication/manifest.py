"""manifest.json: what was published and from what, every output's SHA-256 with its report id,
every input's, the versions, and whether each report was rebuilt or reused."""

from __future__ import annotations

import json
import platform
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

from flows.files import sha256_file
from flows.ingest.folder import InputFile
from flows.reporting.planning import RenderedReport
from flows.reporting.run_info import RunInfo
from flows.settings import Configs
from transforms.findings import Finding, summarise


def software_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for dist in ("polars", "prefect", "great-expectations", "weasyprint", "jinja2"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


def build_manifest(staging: Path, run: RunInfo, year: int, configs: Configs,
                   inputs: list[InputFile], findings: list[Finding],
                   reports: list[RenderedReport] | None = None) -> dict[str, Any]:
    """What was published and from what; each report says whether it was rebuilt or reused.

    Nothing here depends on the clock or the folder: two runs on the same inputs give the same
    manifest (apart from "rebuilt"/"reused", which says what this run had to do).
    """
    by_path = {r.path: r for r in reports or []}
    outputs = []
    for p in sorted(staging.rglob("*")):
        if not p.is_file() or p.name == "manifest.json":
            continue
        rel = p.relative_to(staging).as_posix()
        entry: dict[str, Any] = {"path": rel, "sha256": sha256_file(p), "bytes": p.stat().st_size,
                                 "status": "rebuilt"}
        if rel in by_path:
            entry["status"] = by_path[rel].status
            entry["report_id"] = by_path[rel].report_id
            entry["key"] = by_path[rel].key
        outputs.append(entry)
    return {
        "manifest_version": 2,
        "run_id": run.run_id,
        "year": year,
        "official": run.official,
        "status_label": "草稿" if run.draft else "正式",
        "report_date": run.report_date,
        "code_version": run.code_version,
        **configs.provenance(),
        "software": software_versions(),
        "inputs": [asdict(i) for i in inputs],
        "validation": summarise(findings),
        "outputs": outputs,
        "reports": {
            "rebuilt": sorted(r.path for r in reports or [] if r.status == "rebuilt"),
            "reused": sorted(r.path for r in reports or [] if r.status == "reused"),
        },
    }


def write_manifest(staging: Path, manifest: dict[str, Any]) -> Path:
    path = staging / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                    encoding="utf-8")
    return path
