"""Paths, config loading, exit statuses and the environment the pipeline runs in.

Nothing happens on import: the entry points (the CLI, the flows, the tests' conftest) call
configure_environment() before Prefect or Great Expectations is imported, and
configure_region() before any submission is read.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import config as _config_pkg
import report_templates as _templates_pkg
from flows.files import sha256_file
from transforms import quality
from transforms.contract import use_region
from transforms.methodology import MethodologyConfig, MethodologyConfigError
from transforms.policy import PolicyConfig, PolicyConfigError

CONFIG_DIR = Path(_config_pkg.__file__).resolve().parent
TEMPLATE_DIR = Path(_templates_pkg.__file__).resolve().parent
PROJECT_ROOT = CONFIG_DIR.parent
DEFAULT_POLICY = CONFIG_DIR / "policy.toml"
DEFAULT_METHODOLOGY = CONFIG_DIR / "methodology.toml"
DEFAULT_REGION = CONFIG_DIR / "region.toml"
DEFAULT_PLAUSIBILITY = CONFIG_DIR / "validation.toml"
DEMO_DATA_DIR = PROJECT_ROOT / "data" / "demo"
# Guangxi's clock: report dates, nights and the year a scheduled run assesses.
CHINA = dt.timezone(dt.timedelta(hours=8))


class ExitStatus(IntEnum):
    """What every command's exit status means (README "Exit statuses", `etdz --help`)."""

    OK = 0  # done
    WARNINGS = 1  # done; validation found warnings (etdz validate, nightly)
    BLOCKED = 2  # stopped by critical data findings (the fix list says what to change)
    USAGE = 3  # bad arguments or set-up: data or output folder, busy folder, unusable year
    INTERNAL = 4  # a fault of the program itself
    # Ctrl-C or SIGTERM: 128 + SIGINT, what shells and systemd expect of an interrupted command.
    STOPPED = 130


class OperatorError(Exception):
    """An expected failure the operator can act on: one Chinese sentence naming the cause and
    the path involved, and the exit status it means. The CLI prints the message, never a
    traceback (the details go to the command's log file)."""

    status: ExitStatus = ExitStatus.USAGE

    def __init__(self, message: str, status: ExitStatus | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message


def _read_toml(path: Path, error: type[ValueError], what: str) -> dict:
    """The parsed file, or `error` naming the problem in Chinese (missing file, bad syntax)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise error([f"找不到{what}文件 {path}"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise error([f"{path.name} 不是合法的 TOML：{exc}"]) from exc


def load_policy(path: Path = DEFAULT_POLICY) -> PolicyConfig:
    """Read and validate the policy config; a broken file names every problem, in Chinese."""
    return PolicyConfig.from_mapping(_read_toml(path, PolicyConfigError, "政策参数"))


def load_methodology(path: Path = DEFAULT_METHODOLOGY) -> MethodologyConfig:
    """Read and validate the scoring methodology; a broken file names every problem, in Chinese."""
    return MethodologyConfig.from_mapping(_read_toml(path, MethodologyConfigError, "评分方法"))


def load_plausibility(path: Path | None = None) -> quality.Plausibility:
    """config/validation.toml: each field's range, each case amount's band, the ratio bands
    against a zone's GDP or city (all critical), the 10^4 unit-jump ratio and the year-on-year
    bands (warnings). A missing or broken file is refused in Chinese, like the policy."""
    path = path or DEFAULT_PLAUSIBILITY
    return quality.Plausibility.from_mapping(_read_toml(path, ValueError, "校验参数"))


def load_region(path: Path | None = None) -> tuple[str, list[str]]:
    """(region name, host cities) from config/region.toml, or the file in ETDZ_REGION."""
    path = path or Path(os.environ.get("ETDZ_REGION", DEFAULT_REGION))
    data = _read_toml(path, ValueError, "地区配置")
    cities = data.get("cities")
    if not isinstance(cities, list) or not all(isinstance(c, str) and c for c in cities):
        raise ValueError(f"{path.name}：cities 应为设区市名称列表")
    return str(data.get("name", "")), cities


@dataclass(frozen=True)
class Configs:
    """The policy and the scoring methodology a run applies, with the files they came from."""

    policy: PolicyConfig
    policy_file: Path
    methodology: MethodologyConfig
    methodology_file: Path

    @classmethod
    def load(cls, policy_path: str | None, methodology_path: str | None) -> Configs:
        policy_file = Path(policy_path) if policy_path else DEFAULT_POLICY
        methodology_file = Path(methodology_path) if methodology_path else DEFAULT_METHODOLOGY
        return cls(load_policy(policy_file), policy_file, load_methodology(methodology_file),
                   methodology_file)

    def provenance(self) -> dict[str, dict[str, str]]:
        return {
            "policy": {"version": self.policy.version, "file": self.policy_file.name,
                       "sha256": sha256_file(self.policy_file)},
            "methodology": {"version": self.methodology.version,
                            "file": self.methodology_file.name,
                            "sha256": sha256_file(self.methodology_file)},
        }


def default_report_date() -> str:
    """The cover date: SOURCE_DATE_EPOCH if set (reproducible builds), else today in Guangxi."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    return dt.datetime.now(CHINA).date().isoformat()


def iso_day(text: str) -> bool:
    """YYYY-MM-DD and a real day. date.fromisoformat alone also takes 20260115 and 2026-W03-4,
    which would print on the reports as typed and misorder the nightly history."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def today_in_china() -> str:
    return dt.datetime.now(CHINA).date().isoformat()


def previous_year() -> int:
    """The year a scheduled official run assesses: last calendar year, in Guangxi's time."""
    return dt.datetime.now(CHINA).year - 1


def configure_region(path: Path | None = None) -> None:
    """Make the contract accept the configured region's host cities."""
    use_region(load_region(path)[1])


def configure_environment() -> None:
    """Settings that must be in place before Prefect or Great Expectations is imported.

    No telemetry, no network, a per-user Prefect home so runs do not share a database with
    other tools, and a start-up timeout that fits a 2-core machine (see stack-notes.md).
    """
    defaults = {
        "PREFECT_HOME": str(Path.home() / ".cache" / "etdz" / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_LOGGING_LOG_PRINTS": "true",
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "false",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    # Prefect creates its home but not the parents of it.
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)
