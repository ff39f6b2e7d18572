"""The Great Expectations suites, as data: one per input dataset plus one cross-dataset suite.

Each suite is a plain dict in GE's own suite JSON shape, so `gx.ExpectationSuite(**suite)` builds
it and `suite.to_json_dict()` gives it back; this module never imports great_expectations (it is
slow to import). Every expectation carries its `severity` and, in `meta`: a stable `rule_id`, the
dataset and canonical `column` it is about, that column's Chinese label, and the Chinese
`message` and `hint` (texts from expectations/messages_zh.py).

Rules follow ../shared/data-contract.md: the contract's own (required, key, year) for every
dataset, then DATASET_RULES, one row a rule. Cross-dataset rules need joins, which a GE suite
cannot express: transforms/quality.py computes one boolean column per rule
(`check_column(rule_id)`, null where the rule does not apply) on a derived frame that stacks the
rows of all datasets, and the cross suite expects each of those columns to be True (PASSES).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from expectations.messages_zh import (
    ADVICE_JOINER,
    BOUNDS_BOTH,
    BOUNDS_HIGH,
    BOUNDS_LOW,
    CITY_REFERENCE,
    KEY_JOINER,
    RATIO_UNIT,
    TEXTS,
    UNIT_ADVICE_LARGER,
    UNIT_ADVICE_SMALLER,
)
from transforms.contract import DATASETS, Column, Kind
from transforms.formatting import grouped, signed_percent
from transforms.industry import CODE_PATTERN
from transforms.quality import CITY_FIGURES, Plausibility, check_inputs
from transforms.units import DISPLAY_UNITS, SMALLER_UNIT

CRITICAL = "critical"
WARNING = "warning"

CROSS_SUITE = "cross_dataset"

# zones.zone_id: letters, digits, - and _; 2 to 32 characters (contract).
# A letter or digit first: an id starting with "-" would be neutralised in every results CSV
# ('-A1, flows/files.py), no longer the id a spreadsheet matches on.
ZONE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$"
# Names Windows reserves for devices, whatever the case and extension: a report file named
# CON.pdf or nul.pdf cannot be opened or copied there (reports/zones/<zone_id>.pdf).
WINDOWS_RESERVED_PATTERN = r"(?i)^(?:CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(?:\..*)?$"
YEAR_MIN, YEAR_MAX = 2000, 2100
# Growth indicators run from the 2019 base year, so a national zone approved before it must
# have a 2019 row; a warning because the run can still score the current year.
BASE_YEAR = 2019
# Exchange rate in yuan per dollar; outside this band it was typed per 100 dollars or inverted.
USD_CNY_MIN, USD_CNY_MAX = 1, 20

# Datasets whose zone_id must be registered in zones.
ZONE_REFERENCING = (
    "zone_stats",
    "national_rankings",
    "supplier_introductions",
    "fdi_projects",
    "ambassador_referrals",
    "researcher_rewards",
)
# USCC columns checked against GB 32100-2015.
USCC_COLUMNS = (
    ("supplier_introductions", "introducer_uscc"),
    ("supplier_introductions", "introduced_uscc"),
    ("fdi_projects", "enterprise_uscc"),
)
# A city's totals cover its zones: every money figure the city file carries that zones report
# too, in the same base units in both datasets (gdp, fdi_usd, trade).
CITY_TOTAL_COLUMNS = CITY_FIGURES
# The unit 10^4 larger than a header's: what a figure was probably typed in when it is about
# 1/10^4 of what it should be.
LARGER_UNIT = {smaller: larger for larger, smaller in SMALLER_UNIT.items()}
# The registry-history rules (transforms/quality.py zone_history_consistent): the column a
# finding points at and its severity. Contradictory dates move a zone into or out of a year's
# ranking, so they stop the run; an exited zone without its exit date only loses its earlier
# years (it is left out of all of them), which the report can say.
ZONE_HISTORY_CHECKS = (
    ("national_after_regional", "national_date", CRITICAL),
    ("national_level", "national_date", CRITICAL),
    ("exit_status", "exit_date", CRITICAL),
    ("exit_dated", "status", WARNING),
    ("exit_after_start", "exit_date", CRITICAL),
    ("approved_matches", "approved_date", CRITICAL),
    ("upgrade_dated", "national_date", CRITICAL),
)


def _column_label(dataset: str, column: str) -> str:
    ds = DATASETS[dataset]
    return KEY_JOINER.join(ds.column(c).label for c in column.split(KEY_JOINER))


def _meta(
    rule_id: str,
    dataset: str,
    column: str,
    kind: str,
    other: str | None = None,
    extra: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    ds = DATASETS[dataset]
    first = ds.column(column.split(KEY_JOINER)[0])
    unit = first.submitted_unit or first.base_unit
    fmt = {
        "label": first.short_label,
        "header": first.label,
        "unit": unit,
        "smaller_unit": SMALLER_UNIT.get(unit, ""),
        "larger_unit": LARGER_UNIT.get(unit, ""),
        "dataset": ds.label,
        "keys": KEY_JOINER.join(ds.column(c).short_label for c in ds.key),
        "other": ds.column(other).short_label if other else "",
        **dict(extra),
    }
    message, hint = TEXTS[kind]
    meta: dict[str, Any] = {
        "rule_id": rule_id,
        "dataset": dataset,
        "column": column,
        "column_label": _column_label(dataset, column),
        "message": message.format(**fmt),
        "hint": hint.format(**fmt),
    }
    if other:
        meta["other_column"] = other
    return meta


def _expectation(
    type_: str, kwargs: dict[str, Any], severity: str, meta: dict[str, Any]
) -> dict[str, Any]:
    return {"type": type_, "kwargs": kwargs, "meta": meta, "severity": severity}


@dataclass(frozen=True)
class DatasetRule:
    """One expectation on one dataset's own rows: GE's expectation type and arguments, the
    column a failing row's finding points at, and the kind of its Chinese texts (TEXTS)."""

    dataset: str
    check: str  # the rule id is <dataset>.<check>
    expectation: str
    column: str  # the finding's column; columns joined by KEY_JOINER for a compound key
    kwargs: dict[str, Any]
    text: str
    severity: str = CRITICAL
    # the column shown beside the value in the finding ("12（企业数：10）")
    other: str | None = None


def _between(dataset: str, column: str, check: str, text: str, **bounds: Any) -> DatasetRule:
    return DatasetRule(dataset, f"{column}_{check}", "expect_column_values_to_be_between",
                       column, {"column": column, **bounds}, text)


def _not_above(dataset: str, check: str, column: str, above: str, text: str) -> DatasetRule:
    """column <= above on every row where both are filled."""
    return DatasetRule(
        dataset, check, "expect_column_pair_values_a_to_be_greater_than_b", column,
        {"column_A": above, "column_B": column, "or_equal": True,
         "ignore_row_if": "either_value_is_missing"},
        text, other=above)


# Figures bounded below by a stricter rule of the table than "not negative": amounts that must
# be positive, ranks from 1, the exchange rate's band.
BOUNDED_BELOW_ELSEWHERE = {
    ("national_rankings", "rank"), ("national_rankings", "ranked_total"),
    ("supplier_introductions", "actual_investment"), ("ambassador_referrals", "actual_investment"),
    ("fdi_projects", "fdi_received_usd"), ("exchange_rates", "usd_cny"),
}
NUMERIC_KINDS = (Kind.MONEY, Kind.INT, Kind.DECIMAL, Kind.FLOAT)


def _cannot_be_negative(dataset: str, col: Column) -> bool:
    """Every amount, count and measure of the contract (rewards, investments, counts, areas,
    energy use ...) except the year, which has its range."""
    return (col.kind in NUMERIC_KINDS and col.name != "year"
            and (dataset, col.name) not in BOUNDED_BELOW_ELSEWHERE)


# The rules of each dataset beyond those every dataset gets from the contract (required columns,
# a unique key, a plausible year: see contract_rules). A new per-dataset rule is a row here.
DATASET_RULES: tuple[DatasetRule, ...] = (
    DatasetRule("zones", "zone_name_unique", "expect_column_values_to_be_unique", "zone_name",
                {"column": "zone_name"}, "unique"),
    DatasetRule("zones", "zone_id_format", "expect_column_values_to_match_regex", "zone_id",
                {"column": "zone_id", "regex": ZONE_ID_PATTERN}, "zone_id_format"),
    DatasetRule("zones", "zone_id_not_reserved", "expect_column_values_to_not_match_regex",
                "zone_id", {"column": "zone_id", "regex": WINDOWS_RESERVED_PATTERN},
                "zone_id_reserved_name"),
    *(_between(name, col.name, "non_negative", "non_negative", min_value=0)
      for name, ds in DATASETS.items() for col in ds.columns if _cannot_be_negative(name, col)),
    _not_above("zone_stats", "large_mfg_enterprises_within_enterprises",
               "large_mfg_enterprises", "enterprises", "not_above_other"),
    _between("national_rankings", "rank", "at_least_one", "at_least_one", min_value=1),
    _between("national_rankings", "ranked_total", "at_least_one", "at_least_one", min_value=1),
    _not_above("national_rankings", "rank_within_total", "rank", "ranked_total",
               "rank_within_total"),
    _between("supplier_introductions", "actual_investment", "positive", "positive",
             min_value=0, strict_min=True),
    _between("ambassador_referrals", "actual_investment", "positive", "positive",
             min_value=0, strict_min=True),
    _between("fdi_projects", "fdi_received_usd", "positive", "positive",
             min_value=0, strict_min=True),
    _between("exchange_rates", "usd_cny", "range", "usd_cny_range", min_value=USD_CNY_MIN,
             max_value=USD_CNY_MAX, strict_min=True, strict_max=True),
    # The finance and real-estate exclusion of clause (十二) is decided on the code's division:
    # a code that names none stops the run. A supplier case's code decides nothing: a warning.
    DatasetRule("fdi_projects", "industry_code_division", "expect_column_values_to_match_regex",
                "industry_code", {"column": "industry_code", "regex": CODE_PATTERN},
                "industry_division"),
    DatasetRule("supplier_introductions", "industry_code_division",
                "expect_column_values_to_match_regex", "industry_code",
                {"column": "industry_code", "regex": CODE_PATTERN}, "industry_division", WARNING),
)


def contract_rules(name: str) -> list[DatasetRule]:
    """What the contract says of every dataset: each required column filled, the key unique
    (a row with part of its key empty is reported as "required" already), a plausible year."""
    ds = DATASETS[name]
    rules = [DatasetRule(name, f"{col.name}_required", "expect_column_values_to_not_be_null",
                         col.name, {"column": col.name}, "required")
             for col in ds.columns if col.required]
    key = KEY_JOINER.join(ds.key)
    if len(ds.key) == 1:
        rules.append(DatasetRule(name, "key_unique", "expect_column_values_to_be_unique", key,
                                 {"column": ds.key[0]}, "key_unique"))
    else:
        rules.append(DatasetRule(name, "key_unique", "expect_compound_columns_to_be_unique", key,
                                 {"column_list": list(ds.key),
                                  "ignore_row_if": "any_value_is_missing"}, "key_unique"))
    if "year" in ds.column_names:
        rules.append(_between(name, "year", "range", "year_range", min_value=YEAR_MIN,
                              max_value=YEAR_MAX))
    return rules


def dataset_suite(name: str) -> dict[str, Any]:
    """The single-dataset rules of one contract dataset, as a GE suite."""
    rules = contract_rules(name) + [r for r in DATASET_RULES if r.dataset == name]
    exps = [_expectation(r.expectation, r.kwargs, r.severity,
                         _meta(f"{name}.{r.check}", name, r.column, r.text, other=r.other))
            for r in rules]
    return {"name": name, "expectations": exps, "meta": {"dataset_label": DATASETS[name].label}}


@dataclass(frozen=True)
class CrossRule:
    """A rule computed on joined frames: the failing row is in `dataset`, at `column`."""

    rule_id: str
    dataset: str
    column: str
    kind: str
    severity: str = CRITICAL
    # extra placeholders for the rule's texts, e.g. the configured band
    extra: tuple[tuple[str, str], ...] = ()
    # the column shown beside the value in the finding ("12345（原有企业代码：12345）")
    other: str | None = None


CROSS_RULES: tuple[CrossRule, ...] = (
    *(
        CrossRule(f"{d}.zone_id_registered", d, "zone_id", "zone_registered")
        for d in ZONE_REFERENCING
    ),
    CrossRule(
        "national_rankings.ranked_total_consistent",
        "national_rankings",
        "ranked_total",
        "ranked_total_consistent",
    ),
    *(CrossRule(f"{d}.{c}_check_digit", d, c, "uscc_check_digit") for d, c in USCC_COLUMNS),
    # Within one row, but a cross rule all the same: GE's
    # expect_select_column_values_to_be_unique_within_record runs a pandas row-wise apply,
    # 49 s on 500k rows; the Polars comparison takes milliseconds and reads the same.
    CrossRule(
        "supplier_introductions.introduced_differs_from_introducer",
        "supplier_introductions",
        "introduced_uscc",
        "differs_from_other",
        other="introducer_uscc",
    ),
    CrossRule(
        "fdi_projects.exchange_rate_available", "fdi_projects", "year", "exchange_rate_available"
    ),
    *(
        CrossRule(f"city_stats.{c}_covers_zones", "city_stats", c, "city_covers_zones")
        for c in CITY_TOTAL_COLUMNS
    ),
    *(
        CrossRule(f"zone_stats.{c}_within_city", "zone_stats", c, "zone_within_city")
        for c in CITY_TOTAL_COLUMNS
    ),
    # A zone's name typed where its code belongs: the finding names the code.
    *(
        CrossRule(f"{d}.zone_id_not_a_name", d, "zone_id", "zone_id_not_a_name")
        for d in ZONE_REFERENCING
    ),
    CrossRule("zones.base_year_stats_present", "zones", "zone_id", "base_year_present", WARNING),
    # The registry's history (transforms/registry.py): each year's populations stand on it.
    *(CrossRule(f"zones.{rule}", "zones", column, f"zone_history.{rule}", severity)
      for rule, column, severity in ZONE_HISTORY_CHECKS),
    CrossRule("fdi_projects.leading_industry_matches_zone", "fdi_projects", "leading_industry",
              "leading_industry_matches", WARNING),
    CrossRule("fdi_projects.not_claimed_under_both", "fdi_projects", "enterprise_uscc",
              "not_claimed_under_both", WARNING),
    # Two ids equal but for case name the same report file on Windows and most shares.
    CrossRule("zones.zone_id_case_unique", "zones", "zone_id", "zone_id_case_unique"),
)


# A check__ column holds True where its row passes, False where it fails, null where the rule
# does not apply; Great Expectations sees it as 1 / 0 / NaN (flows/validation/ge_runner.ge_frame:
# numbers are vectorised, nullable booleans are Python objects), so the suite expects 1.
PASSES = 1


def check_column(rule_id: str) -> str:
    """The boolean column of the cross-dataset frame that holds one rule's verdict per row."""
    return "check__" + rule_id.replace(".", "__")


def _unit_words(col: Column) -> str:
    """The unit a bound is written in for staff: the header's (亿元, 万元, 户, 平方公里)."""
    unit = col.submitted_unit or col.base_unit
    return DISPLAY_UNITS[unit][1] if unit in DISPLAY_UNITS and not col.submitted_unit else unit


def _bounds_text(low: Decimal | None, high: Decimal | None, unit: str) -> str:
    """"20～10,000,000 万元", "不大于 20,000 亿元", "不小于 0.00002 倍"."""
    unit = f" {unit}" if unit and not unit.startswith(" ") else unit
    words = {"low": None if low is None else grouped(low),
             "high": None if high is None else grouped(high), "unit": unit}
    if low is not None and high is not None:
        return BOUNDS_BOTH.format(**words)
    return (BOUNDS_LOW if high is None else BOUNDS_HIGH).format(**words)


def _unit_advice(unit: str) -> str:
    """What a figure 10^4 off was typed in, for the hint: the smaller unit, the larger, both
    or, for a count, nothing."""
    advice = []
    if unit in SMALLER_UNIT:
        advice.append(UNIT_ADVICE_SMALLER.format(smaller_unit=SMALLER_UNIT[unit]))
    if unit in LARGER_UNIT:
        advice.append(UNIT_ADVICE_LARGER.format(larger_unit=LARGER_UNIT[unit]))
    return ADVICE_JOINER.join(advice)


def value_rules(config: Plausibility) -> tuple[CrossRule, ...]:
    """The critical value checks of config/validation.toml: each field's range, each case
    amount's band and each zone figure's ratio to its reference."""
    rules: list[CrossRule] = []
    for (name, column), bounds in sorted(config.ranges.items()):
        col = DATASETS[name].column(column)
        factor = bounds.unit_factor
        text = _bounds_text(None if bounds.low is None else bounds.low / factor,
                            None if bounds.high is None else bounds.high / factor,
                            _unit_words(col))
        advice = _unit_advice(_unit_words(col))
        rules.append(CrossRule(f"{name}.{column}_within_range", name, column, "within_range",
                               extra=(("range", text),
                                      ("advice", ADVICE_JOINER + advice if advice else ""))))
    for (name, column), bounds in sorted(config.case_bands.items()):
        col = DATASETS[name].column(column)
        factor = bounds.unit_factor
        text = _bounds_text(None if bounds.low is None else bounds.low / factor,
                            None if bounds.high is None else bounds.high / factor,
                            _unit_words(col))
        rules.append(CrossRule(f"{name}.{column}_case_band", name, column, "case_band",
                               extra=(("band", text), ("advice", _unit_advice(_unit_words(col))))))
    for (name, column), band in sorted(config.ratio_bands.items()):
        col = DATASETS[name].column(column)
        source = "city_stats" if band.city else name
        label = DATASETS[source].column(band.reference).short_label
        reference = CITY_REFERENCE.format(label=label) if band.city else label
        suffix = ("city_" if band.city else "") + band.reference
        rules.append(CrossRule(
            f"{name}.{column}_ratio_to_{suffix}", name, column, "ratio_band",
            extra=(("band", _bounds_text(band.low, band.high, RATIO_UNIT.strip())),
                   ("reference", reference), ("advice", _unit_advice(_unit_words(col))))))
    return tuple(rules)


def plausibility_rules(config: Plausibility) -> tuple[CrossRule, ...]:
    """From config/validation.toml: the critical value checks (value_rules), then warnings
    against the previous year: a jump of about 10^4 on every money column of the configured
    datasets (a unit typed wrong), and a year-on-year band per configured column."""
    rules: list[CrossRule] = list(value_rules(config))
    for name in config.unit_jump_datasets:
        for col in DATASETS[name].columns:
            if col.kind is Kind.MONEY:
                rules.append(
                    CrossRule(f"{name}.{col.name}_unit_jump", name, col.name, "unit_jump", WARNING)
                )
    for (name, column), band in sorted(config.yoy_bands.items()):
        text = f"{signed_percent(band.min_change)}～{signed_percent(band.max_change)}"
        rules.append(
            CrossRule(
                f"{name}.{column}_yoy_band", name, column, "yoy_band", WARNING, (("band", text),)
            )
        )
    return tuple(rules)


def cross_rules(config: Plausibility | None = None) -> tuple[CrossRule, ...]:
    """The fixed cross rules, plus the configured value checks and warnings when a config is
    given."""
    return CROSS_RULES + (plausibility_rules(config) if config is not None else ())


def cross_suite(config: Plausibility | None = None) -> dict[str, Any]:
    exps = [
        _expectation(
            "expect_column_values_to_be_in_set",
            {"column": check_column(r.rule_id), "value_set": [PASSES]},
            r.severity,
            _meta(r.rule_id, r.dataset, r.column, r.kind, other=r.other, extra=r.extra),
        )
        for r in cross_rules(config)
    ]
    return {"name": CROSS_SUITE, "expectations": exps, "meta": {"dataset_label": "跨数据集"}}


def all_suites(config: Plausibility | None = None) -> dict[str, dict[str, Any]]:
    suites = {name: dataset_suite(name) for name in DATASETS}
    suites[CROSS_SUITE] = cross_suite(config)
    return suites


def rule_inputs(config: Plausibility | None = None) -> dict[str, frozenset[tuple[str, str]]]:
    """Rule id -> the (dataset, column)s the rule reads: a dataset rule its expectation's
    columns, a cross rule what its check reads (transforms.quality.check_inputs). A finding of a
    rule reading a column that could not be read says so (transforms.findings.link_causes)."""
    inputs: dict[str, frozenset[tuple[str, str]]] = {}
    for name in DATASETS:
        for rule in contract_rules(name) + [r for r in DATASET_RULES if r.dataset == name]:
            columns = [rule.kwargs[k] for k in ("column", "column_A", "column_B")
                       if k in rule.kwargs] + list(rule.kwargs.get("column_list", []))
            inputs[f"{name}.{rule.check}"] = frozenset((name, c) for c in columns)
    for cross in cross_rules(config):
        inputs[cross.rule_id] = frozenset(
            check_inputs(cross.kind, cross.dataset, cross.column, cross.other))
    return inputs


def dataset_missing_texts(name: str) -> tuple[str, str]:
    """(message, hint) for a required dataset that was not submitted."""
    ds = DATASETS[name]
    fmt = {"dataset": ds.label, "file": f"{name}.csv / {name}.xlsx"}
    message, hint = TEXTS["dataset_missing"]
    return message.format(**fmt), hint.format(**fmt)


def check_error_texts() -> tuple[str, str]:
    return TEXTS["check_error"]
