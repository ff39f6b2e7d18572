"""The scoring methodology model: categories, weights, indicators and the normaliser.

The policy orders a regional ranking (十一, 十六: 末位约谈, 连续3年末位退出) but gives no method, so
the method lives in config/methodology.toml, modelled on the national 2021 method
(shared/domain-research.md): five categories with fixed weights, indicators equal-weighted inside
their category. Pure: it takes the parsed TOML mapping (flows/settings.py reads the file) and
either returns a `MethodologyConfig` or raises `MethodologyConfigError` listing every problem in
Chinese, so the department editing the file learns all its mistakes at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from transforms.contract import DATASETS, Kind
from transforms.policy import CITY_INDICATORS, ConfigError, ConfigReader

# How an indicator's raw value is derived from the inputs of year Y:
#   column      a zone_stats column, v_Y
#   yoy         year-on-year growth of a column, v_Y / v_{Y-1} - 1
#   city_share  zone value / host-city value (city_stats, via zones.city), v_zone / v_city
#   ratio       one zone_stats column over another, numerator_Y / denominator_Y
DERIVATIONS = ("column", "yoy", "city_share", "ratio")
DIRECTIONS = ("higher", "lower")
# efficacy: 功效系数法, 60 + 40 x position in the group; minmax: 0-100.
NORMALISERS = ("efficacy", "minmax")
DEFAULT_NORMALISER = "efficacy"

# Numeric zone_stats columns: the only inputs an indicator may read.
SCORABLE_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in DATASETS["zone_stats"].columns if c.kind in (Kind.MONEY, Kind.INT, Kind.FLOAT)
)
DIRECTION_LABELS = {"higher": "越大越好", "lower": "越小越好"}
NORMALISER_LABELS = {"efficacy": "功效系数法（60-100分）", "minmax": "极差标准化法（0-100分）"}


class MethodologyConfigError(ConfigError):
    title = "评分方法文件有误"


@dataclass(frozen=True)
class ScoringIndicator:
    id: str
    label: str
    category: str
    derivation: str
    column: str | None  # column, yoy, city_share
    numerator: str | None  # ratio
    denominator: str | None  # ratio
    direction: str
    unit: str

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher"


@dataclass(frozen=True)
class ScoringCategory:
    id: str
    label: str
    weight: Decimal
    indicators: tuple[ScoringIndicator, ...]


@dataclass(frozen=True)
class MethodologyConfig:
    version: str
    title: str
    normaliser: str
    categories: tuple[ScoringCategory, ...]

    @property
    def indicators(self) -> tuple[ScoringIndicator, ...]:
        return tuple(i for c in self.categories for i in c.indicators)

    def category(self, category_id: str) -> ScoringCategory:
        for c in self.categories:
            if c.id == category_id:
                return c
        raise KeyError(category_id)

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> MethodologyConfig:
        problems: list[str] = []
        reader = ConfigReader(problems)
        meta = reader.table(data, "meta")
        version = reader.text(meta, "meta.version")
        title = reader.text(meta, "meta.title")

        scoring = data.get("scoring", {})
        if not isinstance(scoring, dict):
            problems.append("[scoring] 应为一个表")
            scoring = {}
        normaliser = scoring.get("normaliser", DEFAULT_NORMALISER)
        if normaliser not in NORMALISERS:
            problems.append(
                f"scoring.normaliser “{normaliser}”无效，应为 {', '.join(NORMALISERS)} 之一"
                "（efficacy = 功效系数法，minmax = 极差标准化法）")

        categories: list[ScoringCategory] = []
        weights: list[Decimal] = []
        category_ids: set[str] = set()
        indicator_ids: set[str] = set()
        entries = data.get("categories", [])
        if not isinstance(entries, list) or not entries:
            problems.append("缺少 [[categories]] 指标类别条目")
            entries = []
        for ci, entry in enumerate(entries, start=1):
            where = f"categories 第 {ci} 条"
            if not isinstance(entry, dict):
                problems.append(f"{where} 应为一个表")
                continue
            cid = reader.text(entry, f"{where}.id")
            label = reader.text(entry, f"{where}.label")
            weight = reader.decimal(entry, f"{where}.weight")
            if cid is not None:
                where = f"类别“{cid}”"
                if cid in category_ids:
                    problems.append(f"{where}：类别 id 重复")
                category_ids.add(cid)
            if weight is not None:
                if weight < 0:
                    problems.append(f"{where}：weight 不能为负数")
                weights.append(weight)
            indicators = _read_indicators(entry, cid, where, reader, indicator_ids)
            if None not in (cid, label, weight) and indicators:
                categories.append(ScoringCategory(cid, label, weight, indicators))

        total = sum(weights, Decimal(0))
        if weights and total != 1:
            listed = " + ".join(str(w) for w in weights)
            problems.append(f"各类别权重之和应恰好为 1，现为 {listed} = {total}")
        if problems:
            raise MethodologyConfigError(problems)
        return cls(version, title, normaliser, tuple(categories))


def _read_indicators(entry: dict[str, Any], category_id: str | None, where: str,
                     reader: ConfigReader, seen: set[str]) -> tuple[ScoringIndicator, ...]:
    problems = reader.problems
    items = entry.get("indicators", [])
    if not isinstance(items, list) or not items:
        problems.append(f"{where}：缺少 [[categories.indicators]] 指标条目")
        return ()
    result: list[ScoringIndicator] = []
    for ii, item in enumerate(items, start=1):
        at = f"{where} 第 {ii} 个指标"
        if not isinstance(item, dict):
            problems.append(f"{at} 应为一个表")
            continue
        iid = reader.text(item, f"{at}.id")
        if iid is not None:
            at = f"{where} 指标“{iid}”"
            if iid in seen:
                problems.append(f"{at}：指标 id 重复")
            seen.add(iid)
        label = reader.text(item, f"{at}.label")
        unit = reader.text(item, f"{at}.unit")
        derivation = reader.text(item, f"{at}.derivation")
        direction = reader.text(item, f"{at}.direction")
        ok = None not in (iid, label, unit, derivation, direction, category_id)
        if direction is not None and direction not in DIRECTIONS:
            problems.append(f"{at}：direction “{direction}”无效，应为 higher（越大越好）或 lower（越小越好）")
            ok = False
        column = numerator = denominator = None
        if derivation is not None and derivation not in DERIVATIONS:
            problems.append(f"{at}：derivation “{derivation}”无效，应为 {', '.join(DERIVATIONS)} 之一")
            ok = False
        elif derivation == "ratio":
            numerator = _column(item, f"{at}.numerator", reader)
            denominator = _column(item, f"{at}.denominator", reader)
            ok = ok and numerator is not None and denominator is not None
        elif derivation is not None:
            column = _column(item, f"{at}.column", reader)
            if derivation == "city_share" and column is not None and column not in CITY_INDICATORS:
                problems.append(f"{at}：占设区市比重只适用于 {', '.join(CITY_INDICATORS)}，"
                                f"不适用于“{column}”")
                column = None
            ok = ok and column is not None
        if ok:
            result.append(ScoringIndicator(iid, label, category_id, derivation, column, numerator,
                                           denominator, direction, unit))
    return tuple(result)


def _column(item: dict[str, Any], where: str, reader: ConfigReader) -> str | None:
    name = reader.text(item, where)
    if name is not None and name not in SCORABLE_COLUMNS:
        reader.problems.append(
            f"{where}：“{name}”不是园区年度统计中的数值列（可用：{', '.join(SCORABLE_COLUMNS)}）")
        return None
    return name
