"""Paths, config loading and the environment the pipeline runs in."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import config as _config_pkg
import report_templates as _templates_pkg
from transforms.methodology import MethodologyConfig, MethodologyConfigError
from transforms.policy import PolicyConfig, PolicyConfigError

CONFIG_DIR = Path(_config_pkg.__file__).resolve().parent
TEMPLATE_DIR = Path(_templates_pkg.__file__).resolve().parent
PROJECT_ROOT = CONFIG_DIR.parent
DEFAULT_POLICY = CONFIG_DIR / "policy.toml"
DEFAULT_METHODOLOGY = CONFIG_DIR / "methodology.toml"
DEFAULT_REGION = CONFIG_DIR / "region.toml"
DEMO_DATA_DIR = PROJECT_ROOT / "data" / "demo"


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


def load_region(path: Path | None = None) -> tuple[str, list[str]]:
    """(region name, host cities) from config/region.toml, or the file in ETDZ_REGION."""
    path = path or Path(os.environ.get("ETDZ_REGION", DEFAULT_REGION))
    data = _read_toml(path, ValueError, "地区配置")
    cities = data.get("cities")
    if not isinstance(cities, list) or not all(isinstance(c, str) and c for c in cities):
        raise ValueError(f"{path.name}：cities 应为设区市名称列表")
    return str(data.get("name", "")), cities


def configure_region(path: Path | None = None) -> None:
    """Make the contract accept the configured region's host cities."""
    from transforms.contract import use_region

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
