"""The policy config model: every number a rule applies, validated when loaded.

Pure: it takes the parsed TOML mapping (flows/settings.py reads the file) and either returns a
`PolicyConfig` or raises `PolicyConfigError` listing every problem in Chinese, so a department
editing config/policy.toml learns all its mistakes at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

TARGET_KINDS = ("cagr", "city_share", "growth_since_base", "rank_gain")
CUMULATIVE_KINDS = ("growth_since_base", "rank_gain")
# Which zone_stats column each target may read; "rank" is the national ranking.
TARGET_INDICATORS = ("gdp", "fdi_usd", "trade", "enterprises", "large_mfg_enterprises", "rank")
CITY_INDICATORS = ("gdp", "fdi_usd", "trade")


class ConfigError(ValueError):
    """A config file with problems: all of them, listed in Chinese under the file's title."""

    title = "配置文件有误"

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{self.title}：\n" + "\n".join(f"  - {p}" for p in problems))


class PolicyConfigError(ConfigError):
    title = "政策参数文件有误"


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


# How the province target is judged in a year before the target year (二、主要目标 "到2025年,
# 评估认定自治区级经开区15家以上" sets a stock to reach by then, not a yearly quota):
#   progress   no verdict: the year's count and the distance to the threshold are shown (default)
#   pro_rata   against threshold x (Y - base) / (target - base)
#   full       against the full threshold every year
PROVINCE_PROGRESS_MODES = ("progress", "pro_rata", "full")


@dataclass(frozen=True)
class ProvinceTarget:
    id: str
    label: str
    threshold: Decimal
    cumulative: bool  # pro-rated before the target year (before_target_year == "pro_rata")
    clause: str
    before_target_year: str = "progress"


@dataclass(frozen=True)
class SupplierRule:
    clause: str
    min_investment: Decimal  # yuan, >= (以上)
    rate: Decimal
    cap: Decimal
    region_share: Decimal
    excluded_industry_classes: tuple[str, ...]


@dataclass(frozen=True)
class FdiRule:
    clause: str
    rate: Decimal
    cap: Decimal  # yuan, per project and year
    region_share: Decimal
    excluded_industry_divisions: tuple[str, ...]
    min_fdi_usd: dict[str, Decimal]  # project_type -> dollars, strictly greater (超过)


@dataclass(frozen=True)
class RankingRules:
    clause: str
    region_share: Decimal
    new_national_zone: Decimal
    first_top50: Decimal
    first_top50_rank: int
    first_top100: Decimal
    first_top100_rank: int
    rank_improvement: Decimal
    rank_improvement_places: int
    stack_first_entry_tiers: bool


@dataclass(frozen=True)
class AmbassadorRule:
    clause: str
    city_rates: dict[str, Decimal]


@dataclass(frozen=True)
class ResearcherRule:
    clause: str
    taxable_share: Decimal
    institution_types: tuple[str, ...]


@dataclass(frozen=True)
class SupervisionRules:
    clause_ranking: str
    clause_investment: str
    national_bottom_places: int
    exit_after_years_last: int
    # 预警: last this many years running, one year short of exit (0 turns it off).
    early_warning_after_years_last: int = 0
    clause_early_warning: str = ""


# The reward sections of [rewards]; each may set its own effective_year.
REWARD_SECTIONS = ("supplier_introduction", "fdi_project", "ranking", "investment_ambassador",
                   "researcher_cash_reward")
# Which reward stands when one enterprise is claimed under (二) and (十二) in the same year
# (同类奖励政策不叠加享受): the higher one (ties: clause 二), or always the one named.
NO_STACKING_CHOICES = ("higher", "supplier_introduction", "fdi_project")


@dataclass(frozen=True)
class Rewards:
    effective_year: int  # the default for sections that set none
    supplier_introduction: SupplierRule
    fdi_project: FdiRule
    ranking: RankingRules
    investment_ambassador: AmbassadorRule
    researcher_cash_reward: ResearcherRule
    # section -> the first assessment year it pays for; earlier cases are listed, unpaid.
    effective_years: dict[str, int] = field(default_factory=dict)
    no_stacking_keep: str = "higher"

    def effective_year_of(self, section: str) -> int:
        return self.effective_years.get(section, self.effective_year)


@dataclass(frozen=True)
class PolicyConfig:
    version: str
    title: str
    base_year: int
    target_year: int
    zone_targets: tuple[ZoneTarget, ...]
    province_target: ProvinceTarget
    rewards: Rewards
    supervision: SupervisionRules

    def progress(self, year: int) -> Fraction:
        """Share of the target period elapsed by `year`, clamped to [0, 1]; exact."""
        span = self.target_year - self.base_year
        return min(Fraction(1), max(Fraction(0), Fraction(year - self.base_year, span)))

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> PolicyConfig:
        problems: list[str] = []
        reader = ConfigReader(problems)
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
        p_mode = _province_mode(prov, problems)
        province = ProvinceTarget(
            reader.text(prov, "targets.province.id") or "",
            reader.text(prov, "targets.province.label") or "",
            p_threshold if p_threshold is not None else Decimal(0),
            p_mode == "pro_rata",
            reader.text(prov, "targets.province.clause") or "",
            p_mode,
        )
        rewards = _read_rewards(reader, reader.table(data, "rewards"))
        supervision = _read_supervision(reader, reader.table(data, "supervision"))
        if problems:
            raise PolicyConfigError(problems)
        return cls(version, title, base_year, target_year, tuple(zone_targets), province,
                   rewards, supervision)


def _province_mode(prov: dict[str, Any], problems: list[str]) -> str:
    """targets.province.before_target_year; a file from before it existed says `cumulative`
    (true: pro-rated, false: the full threshold every year) and still means that."""
    if "before_target_year" in prov:
        mode = prov["before_target_year"]
        if mode not in PROVINCE_PROGRESS_MODES:
            problems.append(f"targets.province.before_target_year “{mode}”无效，应为 "
                            f"{', '.join(PROVINCE_PROGRESS_MODES)} 之一")
            return "progress"
        return mode
    cumulative = prov.get("cumulative", False)
    if not isinstance(cumulative, bool):
        problems.append("targets.province.cumulative 应为 true 或 false")
    return "pro_rata" if cumulative is True else "full"


INDUSTRY_CLASSES = ("encouraged", "permitted", "restricted", "prohibited")
PROJECT_TYPES = ("new", "capital_increase", "headquarters")
INSTITUTION_TYPES = ("research_institute", "university", "other")


def _read_rewards(r: ConfigReader, data: dict[str, Any]) -> Rewards:
    effective_year = r.integer(data, "rewards.effective_year") or 0

    s = r.table(data, "supplier_introduction", "rewards.supplier_introduction")
    w = "rewards.supplier_introduction"
    supplier = SupplierRule(
        r.text(s, f"{w}.clause") or "",
        r.amount(s, f"{w}.min_investment"),
        r.share(s, f"{w}.rate"),
        r.amount(s, f"{w}.cap"),
        r.share(s, f"{w}.region_share"),
        r.choices(s, f"{w}.excluded_industry_classes", INDUSTRY_CLASSES),
    )

    f = r.table(data, "fdi_project", "rewards.fdi_project")
    w = "rewards.fdi_project"
    thresholds = r.table(f, "min_fdi_usd", f"{w}.min_fdi_usd")
    for missing in sorted(set(PROJECT_TYPES) - set(thresholds)):
        r.problems.append(f"{w}.min_fdi_usd 缺少项目类型 {missing}")
    for extra in sorted(set(thresholds) - set(PROJECT_TYPES)):
        r.problems.append(f"{w}.min_fdi_usd 的项目类型 {extra} 无效")
    divisions = r.text_list(f, f"{w}.excluded_industry_divisions")
    for d in divisions:
        if not (len(d) == 2 and d.isdigit()):
            r.problems.append(f"{w}.excluded_industry_divisions 中“{d}”应为两位数字的行业大类代码")
    fdi = FdiRule(
        r.text(f, f"{w}.clause") or "",
        r.share(f, f"{w}.rate"),
        r.amount(f, f"{w}.cap"),
        r.share(f, f"{w}.region_share"),
        tuple(divisions),
        {k: r.amount(thresholds, f"{w}.min_fdi_usd.{k}") for k in PROJECT_TYPES if k in thresholds},
    )

    k = r.table(data, "ranking", "rewards.ranking")
    w = "rewards.ranking"
    stack = k.get("stack_first_entry_tiers")
    if not isinstance(stack, bool):
        r.problems.append(f"{w}.stack_first_entry_tiers 应为 true 或 false")
    ranking = RankingRules(
        r.text(k, f"{w}.clause") or "",
        r.share(k, f"{w}.region_share"),
        r.amount(k, f"{w}.new_national_zone"),
        r.amount(k, f"{w}.first_top50"),
        r.positive_int(k, f"{w}.first_top50_rank"),
        r.amount(k, f"{w}.first_top100"),
        r.positive_int(k, f"{w}.first_top100_rank"),
        r.amount(k, f"{w}.rank_improvement"),
        r.positive_int(k, f"{w}.rank_improvement_places"),
        bool(stack),
    )

    a = r.table(data, "investment_ambassador", "rewards.investment_ambassador")
    w = "rewards.investment_ambassador"
    rates = a.get("city_rates", {})
    if not isinstance(rates, dict):
        r.problems.append(f"{w}.city_rates 应为“城市 = 比例”的表")
        rates = {}
    ambassador = AmbassadorRule(
        r.text(a, f"{w}.clause") or "",
        {city: r.share(rates, f"{w}.city_rates.{city}") for city in rates},
    )

    c = r.table(data, "researcher_cash_reward", "rewards.researcher_cash_reward")
    w = "rewards.researcher_cash_reward"
    researcher = ResearcherRule(
        r.text(c, f"{w}.clause") or "",
        r.share(c, f"{w}.taxable_share"),
        r.choices(c, f"{w}.institution_types", INSTITUTION_TYPES),
    )
    effective_years: dict[str, int] = {}
    for section in REWARD_SECTIONS:
        table = data.get(section)
        if isinstance(table, dict) and "effective_year" in table:
            year = r.integer(table, f"rewards.{section}.effective_year")
            if year is not None:
                effective_years[section] = year
        else:
            effective_years[section] = effective_year
    keep = data.get("no_stacking_keep", "higher")
    if keep not in NO_STACKING_CHOICES:
        r.problems.append(f"rewards.no_stacking_keep “{keep}”无效，应为 "
                          f"{', '.join(NO_STACKING_CHOICES)} 之一")
    return Rewards(effective_year, supplier, fdi, ranking, ambassador, researcher,
                   effective_years, keep if keep in NO_STACKING_CHOICES else "higher")


def _read_supervision(r: ConfigReader, data: dict[str, Any]) -> SupervisionRules:
    exit_years = r.positive_int(data, "supervision.exit_after_years_last")
    warning_years = 0
    clause_warning = ""
    if "early_warning_after_years_last" in data:
        warning_years = r.integer(data, "supervision.early_warning_after_years_last") or 0
        # the warning says "one more year means exit" (regional_last_two_years): it is given
        # the year before the exit would be, or not at all
        if warning_years not in (0, exit_years - 1):
            r.problems.append("supervision.early_warning_after_years_last 应为 0（不预警）或 "
                              f"exit_after_years_last − 1（{exit_years - 1}）")
        clause_warning = r.text(data, "supervision.clause_early_warning") or ""
    return SupervisionRules(
        r.text(data, "supervision.clause_ranking") or "",
        r.text(data, "supervision.clause_investment") or "",
        r.positive_int(data, "supervision.national_bottom_places"),
        exit_years,
        warning_years,
        clause_warning,
    )


class ConfigReader:
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

    def amount(self, data: dict[str, Any], where: str) -> Decimal:
        """A non-negative money amount (yuan or dollars); Decimal(0) after a reported problem."""
        value = self.decimal(data, where)
        if value is not None and value < 0:
            self.problems.append(f"{where} 不能为负数")
        return value if value is not None else Decimal(0)

    def share(self, data: dict[str, Any], where: str) -> Decimal:
        """A rate or share between 0 and 1 inclusive."""
        value = self.decimal(data, where)
        if value is not None and not (0 <= value <= 1):
            self.problems.append(f"{where} 应在 0 到 1 之间，现为 {value}")
        return value if value is not None else Decimal(0)

    def positive_int(self, data: dict[str, Any], where: str) -> int:
        value = self.integer(data, where)
        if value is not None and value <= 0:
            self.problems.append(f"{where} 应为正整数")
        return value or 0

    def text_list(self, data: dict[str, Any], where: str) -> list[str]:
        value = self._get(data, where)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.append(f"{where} 应为文本列表")
            return []
        return value

    def choices(self, data: dict[str, Any], where: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        values = self.text_list(data, where)
        for v in values:
            if v not in allowed:
                self.problems.append(f"{where} 中“{v}”无效，可选：{', '.join(allowed)}")
        return tuple(values)

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
