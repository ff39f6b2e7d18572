"""Where a publication comes from: the code version and the run id that every output carries."""

from __future__ import annotations

import hashlib
import json
import subprocess
from importlib import metadata

from flows.ingest.folder import InputFile
from flows.settings import PROJECT_ROOT, Configs


def code_version() -> str:
    """The package version, plus the git commit when run from a checkout (-dirty if edited)."""
    try:
        version = metadata.version("etdz-assessment")
    except metadata.PackageNotFoundError:
        version = "0+unknown"
    try:
        commit = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version}+{commit}" if commit else version


def make_run_id(inputs: list[InputFile], configs: Configs, version: str, year: int,
                official: bool, report_date: str) -> str:
    """Derived from everything that feeds the outputs: same inputs, same id, same bytes."""
    payload = json.dumps(
        {
            "inputs": sorted((i.file, i.sha256) for i in inputs),
            "configs": configs.provenance(),
            "code": version,
            "year": year,
            "official": official,
            "report_date": report_date,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
