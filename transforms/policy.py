"""The policy config model: every number a rule applies, validated when loaded.

Pure: it takes the parsed TOML mapping (flows/settings.py reads the file) and either returns a
`PolicyConfig` or raises `PolicyConfigError` listing every problem in Chinese, so a department
editing config/policy.toml learns all its mistakes at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

TARGET_KINDS = ("cagr", "city_share", "growth_since_base", "rank_gain")
CUMULATIVE_KINDS = ("growth_since_base", "rank_gain")
# Which zone_stats column each target may read; "rank" is the national ranking.
TARGET_INDICATORS = ("gdp", "fdi_usd", "trade", "enterprises", "large_mfg_enterprises", "rank")
CITY_INDICATORS = ("gdp", "fdi_usd", "trade")


class PolicyConfigError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("政策参数文件有误：\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class ZoneTarget:
    id: str
    label: str
    kind: str
    indicator: str
    threshold: Decimal
    clause: str

    @property
    def cumulative(self) -> bool:
        return self.kind in CUMULATIVE_KINDS


@dataclass(frozen=True)
class ProvinceTarget:
    id: str
    label: str
    threshold: Decimal
    cumulative: bool
    clause: str


@dataclass(frozen=True)
class PolicyConfig:
    version: str
    title: str
    base_year: int
    target_year: int
    zone_targets: tuple[ZoneTarget, ...]
    province_target: ProvinceTarget

    def progress(self, year: int) -> Fraction:
        """Share of the target period elapsed by `year`, clamped to [0, 1]; exact."""
        span = self.target_year - self.base_year
        return min(Fraction(1), max(Fraction(0), Fraction(year - self.base_year, span)))

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> PolicyConfig:
        problems: list[str] = []
        reader = _Reader(problems)
        meta = reader.table(data, "meta")
        targets = reader.table(data, "targets")
        version = reader.text(meta, "meta.version")
        title = reader.text(meta, "meta.title")
        base_year = reader.integer(targets, "targets.base_year")
        target_year = reader.integer(targets, "targets.target_year")
        if base_year is not None and target_year is not None and target_year <= base_year:
            problems.append(f"targets.target_year（{target_year}）必须晚于 base_year（{base_year}）")

        zone_targets: list[ZoneTarget] = []
        seen: set[str] = set()
        entries = targets.get("zone", [])
        if not isinstance(entries, list) or not entries:
            problems.append("缺少 [[targets.zone]] 目标条目")
            entries = []
        for i, entry in enumerate(entries, start=1):
            where = f"targets.zone 第 {i} 条"
            tid = reader.text(entry, f"{where}.id")
            kind = reader.text(entry, f"{where}.kind")
            indicator = reader.text(entry, f"{where}.indicator")
            threshold = reader.decimal(entry, f"{where}.threshold")
            label = reader.text(entry, f"{where}.label")
            clause = reader.text(entry, f"{where}.clause")
            if tid in seen:
                problems.append(f"{where}：目标 id “{tid}”重复")
            seen.add(tid or "")
            if kind is not None and kind not in TARGET_KINDS:
                problems.append(f"{where}：kind “{kind}”无效，应为 {', '.join(TARGET_KINDS)} 之一")
            if indicator is not None and indicator not in TARGET_INDICATORS:
                problems.append(f"{where}：indicator “{indicator}”不是可用指标")
            if kind == "city_share" and indicator not in CITY_INDICATORS:
                problems.append(f"{where}：设区市比重只适用于 {', '.join(CITY_INDICATORS)}")
            if (kind == "rank_gain") != (indicator == "rank"):
                problems.append(f"{where}：rank_gain 目标必须且只能使用 indicator = \"rank\"")
            if threshold is not None and threshold < 0:
                problems.append(f"{where}：threshold 不能为负数")
            if None not in (tid, kind, indicator, threshold, label, clause):
                zone_targets.append(ZoneTarget(tid, label, kind, indicator, threshold, clause))

        prov = reader.table(targets, "province", "targets.province")
        p_threshold = reader.decimal(prov, "targets.province.threshold")
        p_cumulative = prov.get("cumulative", False)
        if not isinstance(p_cumulative, bool):
            problems.append("targets.province.cumulative 应为 true 或 false")
        province = ProvinceTarget(
            reader.text(prov, "targets.province.id") or "",
            reader.text(prov, "targets.province.label") or "",
            p_threshold if p_threshold is not None else Decimal(0),
            bool(p_cumulative),
            reader.text(prov, "targets.province.clause") or "",
        )
        if problems:
            raise PolicyConfigError(problems)
        return cls(version, title, base_year, target_year, tuple(zone_targets), province)


class _Reader:
    """Collects problems instead of stopping at the first one."""

    def __init__(self, problems: list[str]):
        self.problems = problems

    def table(self, data: Any, key: str, where: str | None = None) -> dict[str, Any]:
        value = data.get(key) if isinstance(data, dict) else None
        if not isinstance(value, dict):
            self.problems.append(f"缺少 [{where or key}] 部分")
            return {}
        return value

    def _get(self, data: dict[str, Any], where: str) -> Any:
        key = where.rsplit(".", 1)[-1]
        if key not in data:
            self.problems.append(f"缺少 {where}")
            return None
        return data[key]

    def text(self, data: dict[str, Any], where: str) -> str | None:
        value = self._get(data, where)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f"{where} 应为非空文本")
            return None
        return value

    def integer(self, data: dict[str, Any], where: str) -> int | None:
        value = self._get(data, where)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.problems.append(f"{where} 应为整数，现为 {value!r}")
            return None
        return value

    def decimal(self, data: dict[str, Any], where: str) -> Decimal | None:
        value = self._get(data, where)
        if value is None:
            return None
        if isinstance(value, float):
            # TOML floats are binary: 0.1 is not 0.1. Thresholds must be exact.
            self.problems.append(f"{where} 请写成带引号的小数（如 \"{value}\"），以保证精确比较")
            return None
        if isinstance(value, bool):
            self.problems.append(f"{where} 应为数字")
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            self.problems.append(f"{where} 不是数字：{value!r}")
            return None
