"""Where a publication comes from: the code version and the run id that every output carries."""

from __future__ import annotations

import hashlib
import json
import subprocess
from importlib import metadata

from flows.ingest.folder import InputFile
from flows.reporting.run_info import RunInfo
from flows.settings import PROJECT_ROOT, Configs
from transforms.findings import Finding, Severity


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


def describe_run(inputs: list[InputFile], findings: list[Finding], configs: Configs, year: int,
                 official: bool, report_date: str,
                 submissions: list[dict[str, str]] | None = None) -> RunInfo:
    """The run's identity, for the yearly run and the site's previews alike: derived from
    everything that feeds the outputs."""
    version = code_version()
    return RunInfo(
        run_id=make_run_id(inputs, configs, version, year, official, report_date),
        code_version=version,
        policy_version=configs.policy.version,
        methodology_version=configs.methodology.version,
        report_date=report_date,
        official=official,
        warnings=sum(f.severity is Severity.WARNING for f in findings),
        inputs=[{"file": i.file, "sha256": i.sha256} for i in inputs],
        submissions=submissions or [],
    )
