"""The cross-dataset checks: one verdict per row, pure Polars.

Great Expectations checks one frame at a time; rules that need another dataset (is the zone
registered, does the city total cover its zones, is the USCC's check character right) are
computed here as boolean columns, and expectations/ asserts them. True: the row passes; False:
it fails; null: the rule does not apply to the row. CROSS_CHECKS, at the end, maps each kind of
cross rule to its function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from transforms.contract import DATASETS, Column, Kind, normalise_header
from transforms.industry import industry_division

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(body17: str) -> str:
    """GB 32100-2015: the 18th character for the first 17, from a 31-letter alphabet (no I O S
    V Z): 31 - (weighted sum mod 31), with 31 written as 0."""
    if len(body17) != 17:
        raise ValueError(f"USCC body must be 17 characters, got {body17!r}")
    total = 0
    for ch, weight in zip(body17, USCC_WEIGHTS, strict=True):
        idx = USCC_ALPHABET.find(ch)
        if idx < 0:
            raise ValueError(f"invalid USCC character {ch!r} in {body17!r}")
        total += idx * weight
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_is_valid(code: str) -> bool:
    """True for an 18-character unified social credit code whose check character is right."""
    if len(code) != 18 or any(ch not in USCC_ALPHABET for ch in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def zone_registered(frames: dict[str, pl.DataFrame], dataset: str) -> pl.Series | None:
    """True where zone_id is in the registry; null where it is empty or is a registered zone's
    name (zone_id_not_a_name reports that one, naming the code)."""
    if "zones" not in frames or "zone_id" not in frames[dataset].columns:
        return None
    registered = set(frames["zones"]["zone_id"].drop_nulls().to_list())
    verdict = pl.Series(
        [None if z is None else z in registered for z in frames[dataset]["zone_id"]],
        dtype=pl.Boolean,
    )
    named = zone_code_for_name(frames, dataset)
    if named is None:
        return verdict
    return pl.DataFrame({"v": verdict, "n": named}).select(
        pl.when(pl.col("n").is_null()).then(pl.col("v")).otherwise(None).alias("ok"))["ok"]


def zone_code_for_name(frames: dict[str, pl.DataFrame], dataset: str) -> pl.Series | None:
    """For each row whose zone_id is not a registered code but is a registered zone's name: the
    code the registry has for that name; null elsewhere. Names compare as headers do (full-width
    forms folded, spaces dropped, case ignored). A name registered twice (the registry's own
    finding) gives its first code."""
    if "zones" not in frames or "zone_id" not in frames[dataset].columns:
        return None
    registry = frames["zones"].select("zone_id", "zone_name").drop_nulls()
    codes = set(registry["zone_id"].to_list())
    by_name: dict[str, str] = {}
    for code, name in registry.iter_rows():
        by_name.setdefault(normalise_header(name), code)
    ids = frames[dataset]["zone_id"].cast(pl.String)
    # Only the few values that are not codes are looked up: a million project rows name a few
    # thousand zones at most.
    unknown = ids.filter(ids.is_not_null() & ~ids.is_in(list(codes))).unique().to_list()
    found = {v: by_name[normalise_header(v)] for v in unknown if normalise_header(v) in by_name}
    return ids.replace_strict(found, default=None, return_dtype=pl.String)


def unique_ignoring_case(frame: pl.DataFrame, column: str) -> pl.Series | None:
    """False where another row's value differs from this one only by case (NN-01, nn-01);
    identical values are the key rule's to report, empty ones the required rule's."""
    if column not in frame.columns:
        return None
    value = pl.col(column)
    spellings = value.n_unique().over(value.str.to_lowercase())
    return frame.select(
        pl.when(value.is_null()).then(None).otherwise(spellings == 1).alias("ok"))["ok"]


def ranked_total_consistent(rankings: pl.DataFrame) -> pl.Series:
    """A row is consistent when its ranked_total is the single most common one of its year;
    with no single most common value, every row of that year is flagged."""
    counts = (
        rankings.drop_nulls(["year", "ranked_total"]).group_by(["year", "ranked_total"]).len("n")
    )
    verdict = counts.join(
        counts.group_by("year").agg(
            pl.col("n").max().alias("top"), (pl.col("n") == pl.col("n").max()).sum().alias("tops")
        ),
        on="year",
    ).select(
        "year", "ranked_total", ((pl.col("n") == pl.col("top")) & (pl.col("tops") == 1)).alias("ok")
    )
    return (
        rankings.select("year", "ranked_total")
        .with_row_index("_i")
        .join(verdict, on=["year", "ranked_total"], how="left")
        .sort("_i")["ok"]
    )


def uscc_valid(frame: pl.DataFrame, column: str) -> pl.Series | None:
    """uscc_is_valid for a whole column, as Polars expressions (a million codes in ~1 s).

    Each of the 17 characters maps to its alphabet index (unknown -> null), the weighted sum
    gives the check character; any null (a bad character, a short code) makes the code invalid.
    """
    if column not in frame.columns:
        return None
    index = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
    code = pl.col(column)
    weighted = [
        code.str.slice(i, 1).replace_strict(index, default=None, return_dtype=pl.Int64) * w
        for i, w in enumerate(USCC_WEIGHTS)
    ]
    total = pl.sum_horizontal(weighted, ignore_nulls=False)
    expected = ((31 - total % 31) % 31).replace_strict(
        dict(enumerate(USCC_ALPHABET)), default=None, return_dtype=pl.String)
    valid = (code.str.len_chars() == 18) & (code.str.slice(17, 1) == expected)
    return frame.select(
        pl.when(code.is_null()).then(None).otherwise(valid.fill_null(False)).alias("ok")
    )["ok"]


def exchange_rate_available(frames: dict[str, pl.DataFrame]) -> pl.Series | None:
    if "exchange_rates" not in frames:
        return None
    rates = frames["exchange_rates"].filter(pl.col("usd_cny").is_not_null())
    years = rates["year"].drop_nulls().unique()
    year = pl.col("year")
    return frames["fdi_projects"].select(
        pl.when(year.is_null()).then(None).otherwise(year.is_in(years.implode())).alias("ok")
    )["ok"]


def values_differ(frame: pl.DataFrame, column: str, other: str) -> pl.Series | None:
    """column != other on each row; null (not applicable) where either is empty."""
    if column not in frame.columns or other not in frame.columns:
        return None
    a, b = pl.col(column), pl.col(other)
    return frame.select(
        pl.when(a.is_null() | b.is_null()).then(None).otherwise(a != b).alias("ok")
    )["ok"]


def base_year_present(frames: dict[str, pl.DataFrame], base_year: int) -> pl.Series | None:
    if "zone_stats" not in frames:
        return None
    zones = frames["zones"]
    if "approved_date" not in zones.columns:
        return None
    with_base = set(
        frames["zone_stats"].filter(pl.col("year") == base_year)["zone_id"].drop_nulls()
    )
    cutoff = date(base_year, 1, 1)
    verdicts: list[bool | None] = []
    for zone_id, level, approved in zones.select("zone_id", "level", "approved_date").iter_rows():
        applies = level == "national" and approved is not None and approved < cutoff
        verdicts.append(zone_id in with_base if applies and zone_id is not None else None)
    return pl.Series(verdicts, dtype=pl.Boolean)


def city_zone_sums(frames: dict[str, pl.DataFrame], column: str) -> pl.DataFrame | None:
    """Each city_stats row beside the sum of its zones' values (by zones.city) that year.

    Columns: the city's value, zones_sum, zones_n (how many zone rows were summed), zones_max
    (the largest of them), in city_stats row order.
    """
    if "zones" not in frames or "zone_stats" not in frames:
        return None
    zone_city = (
        frames["zones"].select("zone_id", "city").drop_nulls().unique("zone_id", keep="first")
    )
    sums = (
        frames["zone_stats"]
        .join(zone_city, on="zone_id")
        .group_by("city", "year")
        .agg(pl.col(column).sum().alias("zones_sum"), pl.col(column).count().alias("zones_n"),
             pl.col(column).max().alias("zones_max"))
    )
    return (
        frames["city_stats"]
        .select("city", "year", column)
        .with_row_index("_i")
        .join(sums, on=["city", "year"], how="left")
        .sort("_i")
        .select(column, "zones_sum", "zones_n", "zones_max")
    )


# ---------------------------------------------------------------------------------------------
# Plausibility (config/validation.toml): what a value can be (a range per field), what a single
# case's amount plausibly is (a band that a figure typed in a unit 10^4 off falls out of), how a
# zone's figure relates to its GDP or its city's figure, and a value against the same zone's (or
# city's) previous year.


@dataclass(frozen=True)
class YoyBand:
    """Allowed year-on-year change as fractions: -0.5 .. 2.0 means -50% .. +200%."""

    min_change: Decimal
    max_change: Decimal


@dataclass(frozen=True)
class Bounds:
    """An allowed interval, both ends included, in the column's base unit (yuan, US dollars,
    counts); None leaves that end open. `unit_factor` converts the header unit the bounds were
    written in to the base unit, so messages can show them as staff type them."""

    low: Decimal | None
    high: Decimal | None
    unit_factor: Decimal = Decimal(1)


@dataclass(frozen=True)
class RatioBand:
    """The allowed ratio of a column to its reference, both ends included (None: open): the
    reference is another column of the same row or, with `city`, that figure of the zone's
    city in the same year (city_stats)."""

    reference: str
    city: bool
    low: Decimal | None
    high: Decimal | None


@dataclass(frozen=True)
class Plausibility:
    """config/validation.toml as checked values."""

    version: str
    unit_jump_min_ratio: Decimal
    unit_jump_max_ratio: Decimal
    unit_jump_datasets: tuple[str, ...]
    yoy_bands: dict[tuple[str, str], YoyBand] = field(default_factory=dict)
    # 主导产业 name -> GB/T 4754 divisions (two digits) it covers: what an FDI project flagged
    # as one of its zone's leading industries is checked against.
    leading_industry_divisions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: dict[tuple[str, str], Bounds] = field(default_factory=dict)
    case_bands: dict[tuple[str, str], Bounds] = field(default_factory=dict)
    ratio_bands: dict[tuple[str, str], RatioBand] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Plausibility:
        """Every problem is collected and raised together, in Chinese, like the policy config."""
        problems: list[str] = []

        def number(value: Any, where: str) -> Decimal:
            try:
                return Decimal(str(value))
            except InvalidOperation:
                problems.append(f"{where}：“{value}”不是数字")
                return Decimal(0)

        jump = data.get("unit_jump", {})
        low = number(jump.get("min_ratio", "3000"), "unit_jump.min_ratio")
        high = number(jump.get("max_ratio", "30000"), "unit_jump.max_ratio")
        if not Decimal(1) < low < high:
            problems.append("unit_jump：应满足 1 < min_ratio < max_ratio")
        datasets = tuple(jump.get("datasets", ("zone_stats", "city_stats")))
        for name in datasets:
            if name not in PLAUSIBILITY_KEYS:
                problems.append(f"unit_jump.datasets：不支持数据集“{name}”")
        bands: dict[tuple[str, str], YoyBand] = {}
        for name, columns in data.get("yoy_band", {}).items():
            if name not in PLAUSIBILITY_KEYS:
                problems.append(f"yoy_band.{name}：不支持该数据集")
                continue
            known = {c.name for c in DATASETS[name].columns if c.kind in _NUMERIC_KINDS}
            for column, band in columns.items():
                where = f"yoy_band.{name}.{column}"
                if column not in known:
                    problems.append(f"{where}：不是该数据集的数值字段")
                    continue
                lo, hi = number(band.get("min"), where + ".min"), number(band.get("max"), where)
                if not Decimal(-1) <= lo < hi:
                    problems.append(f"{where}：应满足 -1 <= min < max")
                bands[(name, column)] = YoyBand(lo, hi)
        leading: dict[str, tuple[str, ...]] = {}
        for name, codes in data.get("leading_industries", {}).items():
            if not (isinstance(codes, list) and codes and all(
                    isinstance(c, str) and len(c) == 2 and c.isdigit() for c in codes)):
                problems.append(f"leading_industries.{name}：应为两位数字的行业大类代码列表")
                continue
            leading[name] = tuple(codes)
        ranges = _read_bounds(data, "range", number, problems)
        case_bands = _read_bounds(data, "case_band", number, problems)
        ratio_bands = _read_ratio_bands(data, number, problems)
        if problems:
            raise ValueError("validation.toml 有误：\n" + "\n".join(problems))
        return cls(str(data.get("version", "")), low, high, datasets, bands,
                   leading_industry_divisions=leading, ranges=ranges, case_bands=case_bands,
                   ratio_bands=ratio_bands)


def _numeric_columns(dataset: str) -> dict[str, Column]:
    return {c.name: c for c in DATASETS[dataset].columns
            if c.kind in _NUMERIC_KINDS and c.name != "year"}


def _read_bounds(data: dict[str, Any], section: str, number: Callable[[Any, str], Decimal],
                 problems: list[str]) -> dict[tuple[str, str], Bounds]:
    """[<section>.<dataset>] column = { min = "..", max = ".." }, written in the unit of the
    column's contract header (亿元, 万元, 万美元, 元, 户 ...), kept in its base unit."""
    found: dict[tuple[str, str], Bounds] = {}
    for name, columns in data.get(section, {}).items():
        if name not in DATASETS:
            problems.append(f"{section}.{name}：没有这个数据集")
            continue
        known = _numeric_columns(name)
        for column, spec in columns.items():
            where = f"{section}.{name}.{column}"
            if column not in known or not isinstance(spec, dict):
                problems.append(f"{where}：不是该数据集的数值字段")
                continue
            lo = number(spec["min"], where + ".min") if "min" in spec else None
            hi = number(spec["max"], where + ".max") if "max" in spec else None
            if (lo is None and hi is None) or (lo is not None and hi is not None and lo >= hi) \
                    or (lo is not None and lo < 0):
                problems.append(f"{where}：应给出 min 或 max，且 0 <= min < max")
            factor = known[column].unit_factor
            found[(name, column)] = Bounds(None if lo is None else lo * factor,
                                           None if hi is None else hi * factor, factor)
    return found


def _read_ratio_bands(data: dict[str, Any], number: Callable[[Any, str], Decimal],
                      problems: list[str]) -> dict[tuple[str, str], RatioBand]:
    """[ratio_band.zone_stats] column = { of = "gdp" or "city.gdp", min = "..", max = ".." }."""
    found: dict[tuple[str, str], RatioBand] = {}
    for name, columns in data.get("ratio_band", {}).items():
        if name not in RATIO_DATASETS:
            problems.append(f"ratio_band.{name}：不支持该数据集")
            continue
        known = _numeric_columns(name)
        for column, spec in columns.items():
            where = f"ratio_band.{name}.{column}"
            if column not in known or not isinstance(spec, dict):
                problems.append(f"{where}：不是该数据集的数值字段")
                continue
            of = str(spec.get("of", ""))
            city = of.startswith("city.")
            reference = of.removeprefix("city.")
            if reference not in (_numeric_columns("city_stats") if city else known) \
                    or reference == column and not city:
                problems.append(f"{where}.of：“{of}”应为本表另一数值字段，或 city.<设区市年度统计的字段>")
                continue
            lo = number(spec["min"], where + ".min") if "min" in spec else None
            hi = number(spec["max"], where + ".max") if "max" in spec else None
            if (lo is None and hi is None) or (lo is not None and hi is not None and lo >= hi) \
                    or (lo is not None and lo <= 0):
                problems.append(f"{where}：应给出 min 或 max，且 0 < min < max")
            found[(name, column)] = RatioBand(reference, city, lo, hi)
    # A column is judged against references judged first: a chain may not loop.
    for (name, column) in found:
        seen, current = {column}, found[(name, column)]
        while not current.city and (name, current.reference) in found:
            if current.reference in seen:
                problems.append(f"ratio_band.{name}.{column}：参照字段循环引用")
                break
            seen.add(current.reference)
            current = found[(name, current.reference)]
    return found


# Datasets with one row per entity and year, and the column naming the entity.
PLAUSIBILITY_KEYS = {"zone_stats": "zone_id", "city_stats": "city"}
# Datasets whose figures are compared with another figure of the zone (ratio_band).
RATIO_DATASETS = ("zone_stats",)
_NUMERIC_KINDS = (Kind.MONEY, Kind.INT, Kind.DECIMAL, Kind.FLOAT)


def previous_year_values(frame: pl.DataFrame, entity: str, column: str) -> pl.DataFrame:
    """For each row (in frame order): the same entity's nearest earlier year with a value in
    `column`, as `previous` (Float64) and `previous_year`. A duplicated key is the key rule's
    finding; here its rows simply see the other as a same-year neighbour and are skipped."""
    ordered = (
        frame.select(
            entity,
            "year",
            pl.col(column).cast(pl.Float64).alias("value"),
            pl.col(column).alias("previous_exact"),
        )
        .with_row_index("_i")
        .filter(pl.col(entity).is_not_null() & pl.col("year").is_not_null())
    )
    known = ordered.filter(pl.col("value").is_not_null()).sort(entity, "year")
    known = known.with_columns(
        pl.col("value").shift(1).over(entity).alias("previous"),
        # the previous value in its own type (Decimal money), to show it to staff exactly
        pl.col("previous_exact").shift(1).over(entity),
        pl.col("year").shift(1).over(entity).alias("previous_year"),
    ).filter(pl.col("previous_year") < pl.col("year"))
    columns = ["_i", "year", "value", "previous", "previous_exact", "previous_year"]
    return (
        frame.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_i"))
        .join(known.select(columns), on="_i", how="left")
        .sort("_i")
        .drop("_i")
    )


def unit_jump_free(
    neighbours: pl.DataFrame, min_ratio: Decimal, max_ratio: Decimal
) -> pl.Series:
    """False where value / previous is within [min_ratio, max_ratio] or its inverse: the 10^4
    of 万 (万元 typed as 元, 亿元 as 万元). Floats are fine here: a ratio is judged, no money
    is computed. Null where there is no earlier year or either value is 0."""
    lo, hi = float(min_ratio), float(max_ratio)
    usable = (pl.col("previous") > 0) & (pl.col("value") > 0)
    ratio = pl.col("value") / pl.col("previous")
    jump = ratio.is_between(lo, hi) | ratio.is_between(1 / hi, 1 / lo)
    return neighbours.select(
        pl.when(usable).then(~jump).otherwise(None).alias("ok")
    )["ok"]


def yoy_within_band(
    neighbours: pl.DataFrame, band: YoyBand, jump_free: pl.Series | None = None
) -> pl.Series:
    """False where the change against the year just before is outside the band; null when the
    previous year is not the year before, the previous value is 0, or a unit jump explains it
    (that finding is the more precise one, and one cell gets one finding)."""
    value, previous = pl.col("value"), pl.col("previous")
    change = value / previous - 1
    consecutive = pl.col("previous_year") == pl.col("year") - 1
    explained = pl.col("_jump_free").fill_null(True).not_()
    if jump_free is None:
        jump_free = pl.Series([None] * neighbours.height, dtype=pl.Boolean)
    return neighbours.with_columns(jump_free.alias("_jump_free")).select(
        pl.when(consecutive & (previous > 0) & value.is_not_null() & ~explained)
        .then(change.is_between(float(band.min_change), float(band.max_change)))
        .otherwise(None)
        .alias("ok")
    )["ok"]


# ---------------------------------------------------------------------------------------------
# The cross-dataset checks, by kind: expectations/suites.py names a kind per rule, the validation
# stage runs the function this table gives for it.


@dataclass(frozen=True)
class CheckInputs:
    """What the cross-dataset checks read: the submitted frames and the configured bands."""

    frames: dict[str, pl.DataFrame]
    plausibility: Plausibility | None = None
    base_year: int | None = None


@dataclass(frozen=True)
class CheckOutcome:
    """One rule's verdict per row of its dataset (True passes, False fails, null: does not
    apply) and, for a rule that compares a value with another, what it was compared with."""

    verdict: pl.Series
    compared: pl.Series | None = None  # exact, in the base unit of the compared column
    compared_year: pl.Series | None = None  # the year of `compared` (year-on-year rules)
    compared_label: pl.Series | None = None  # what `compared` is, per row (a city, a figure)
    # the (dataset, column) `compared` comes from, when not the checked column itself
    compared_column: tuple[str, str] | None = None


def city_covers_zones(frames: dict[str, pl.DataFrame], column: str) -> CheckOutcome | None:
    """city_stats.<column> >= the sum over the zones of that city (by zones.city) and year;
    null where the city has no value or no zone row was summed, and where one zone alone is
    above the city: that zone's row is reported (zone_within_city), where the mistake usually is."""
    joined = city_zone_sums(frames, column)
    if joined is None:
        return None
    one_zone_above = (pl.col(column) >= 0) & (pl.col("zones_max") > pl.col(column))
    applies = (pl.col(column).is_not_null() & (pl.col("zones_n").fill_null(0) > 0)
               & ~one_zone_above.fill_null(False))
    verdict = joined.select(
        pl.when(applies).then(pl.col(column) >= pl.col("zones_sum")).otherwise(None).alias("ok")
    )["ok"]
    compared = joined.select(pl.when(applies).then(pl.col("zones_sum")).alias("c"))["c"]
    return CheckOutcome(verdict, compared)


def year_on_year(inputs: CheckInputs, dataset: str, column: str, kind: str
                 ) -> CheckOutcome | None:
    """The plausibility rules: a jump of about 10^4 against the previous year (`unit_jump`), or
    a change outside the configured band (`yoy_band`) that no unit jump explains. Null on a
    cell that a critical value check already reports: one cell, one finding, the stopping one."""
    config = inputs.plausibility
    frame = inputs.frames[dataset]
    if config is None or column not in frame.columns:
        return None
    neighbours = previous_year_values(frame, PLAUSIBILITY_KEYS[dataset], column)
    jump_free: pl.Series | None = unit_jump_free(
        neighbours, config.unit_jump_min_ratio, config.unit_jump_max_ratio)
    if kind == "unit_jump":
        verdict = jump_free
    else:
        # a column with no unit-jump rule configured gets no "explained" exemption
        if dataset not in config.unit_jump_datasets:
            jump_free = None
        verdict = yoy_within_band(neighbours, config.yoy_bands[(dataset, column)], jump_free)
    verdict = _unless(verdict, failing_value_checks(inputs, dataset, column))
    return CheckOutcome(verdict, neighbours["previous_exact"], neighbours["previous_year"])


# ---------------------------------------------------------------------------------------------
# The registry's history (transforms/registry.py): dates that contradict each other or the
# current level and status would move a zone into or out of a year's ranking.


def _dates(zones: pl.DataFrame) -> dict[str, pl.Expr]:
    def col(name: str, dtype: pl.DataType) -> pl.Expr:
        return pl.col(name) if name in zones.columns else pl.lit(None, dtype)

    return {"level": col("level", pl.String()),
            "status": col("status", pl.String()).fill_null("active"),
            "approved": col("approved_date", pl.Date()),
            "regional": col("regional_date", pl.Date()),
            "national": col("national_date", pl.Date()),
            "exit": col("exit_date", pl.Date())}


def zone_history_consistent(zones: pl.DataFrame, rule: str) -> pl.Series:
    """One registry-history rule's verdict per zones row (null: it does not apply).

    national_after_regional  an upgrade (national_date, or approved_date of a national zone)
                             comes after the regional recognition
    national_level           a national_date only on a zone whose level is national
    exit_status              an exit_date only on a zone whose status is exited
    exit_dated               an exited zone has its exit_date (else every year loses it)
    exit_after_start         the exit comes after the zone's first recognition
    approved_matches         approved_date, when given beside the dated column of the current
                             level, is that date
    upgrade_dated            a national zone with a regional past says when it was upgraded
    """
    d = _dates(zones)
    national = d["level"] == "national"
    upgraded_on = pl.when(national).then(pl.coalesce(d["national"], d["approved"]))
    start = pl.min_horizontal(d["regional"], d["national"], d["approved"])
    level_date = pl.when(national).then(d["national"]).otherwise(d["regional"])
    verdicts = {
        "national_after_regional": (d["regional"].is_not_null() & upgraded_on.is_not_null(),
                                    upgraded_on > d["regional"]),
        "national_level": (d["national"].is_not_null(), national),
        "exit_status": (d["exit"].is_not_null(), d["status"] == "exited"),
        "exit_dated": (d["status"] == "exited", d["exit"].is_not_null()),
        "exit_after_start": (d["exit"].is_not_null() & start.is_not_null(), d["exit"] > start),
        "approved_matches": (d["approved"].is_not_null() & level_date.is_not_null(),
                             d["approved"] == level_date),
        "upgrade_dated": (national & d["regional"].is_not_null(), upgraded_on.is_not_null()),
    }
    applies, ok = verdicts[rule]
    return zones.select(pl.when(applies.fill_null(False)).then(ok).alias("ok"))["ok"]


def _names(text: str | None) -> list[str]:
    """主导产业 as registered: separated by ; or ；, blanks dropped."""
    return [n.strip() for n in (text or "").replace("；", ";").split(";") if n.strip()]


def leading_industry_matches(frames: dict[str, pl.DataFrame],
                             divisions: dict[str, tuple[str, ...]]) -> pl.Series | None:
    """An FDI project flagged as one of its zone's leading industries (是否属于园区主导产业 = 是)
    whose industry division is not among the divisions of the zone's registered 主导产业
    contradicts the registry: False. True when it is among them; null when the flag is not
    set, the zone or the code is unknown, or a registered name has no division mapping
    (config/validation.toml [leading_industries]) and the division is not found in the others.
    A zone with no 主导产业 registered cannot have a project in one: False."""
    projects = frames["fdi_projects"]
    if "zones" not in frames or not divisions or "leading_industry" not in projects.columns:
        return None
    registered = {z: _names(t) for z, t in frames["zones"].select(
        "zone_id", pl.col("leading_industries") if "leading_industries" in frames["zones"].columns
        else pl.lit(None, pl.String)).iter_rows()}
    verdicts: list[bool | None] = []
    for zone_id, flag, code in projects.select(
            "zone_id", "leading_industry", "industry_code").iter_rows():
        division = industry_division(code)
        if flag is not True or zone_id not in registered or division is None:
            verdicts.append(None)
            continue
        names = registered[zone_id]
        covered = {d for n in names for d in divisions.get(n, ())}
        if division in covered:
            verdicts.append(True)
        elif all(n in divisions for n in names):
            verdicts.append(False)
        else:
            verdicts.append(None)
    return pl.Series(verdicts, dtype=pl.Boolean)


def not_claimed_under_both(frames: dict[str, pl.DataFrame]) -> pl.Series | None:
    """False for an FDI project whose enterprise (统一社会信用代码) is also the enterprise
    introduced in a supplier-introduction case of the same year: 同类奖励政策不叠加享受, the
    reward is paid once (transforms.rewards.no_stacking_across_rules). Null without a code."""
    if "supplier_introductions" not in frames:
        return None
    cases = frames["supplier_introductions"]
    introduced = set(cases.select("introduced_uscc", "year").drop_nulls().iter_rows())
    projects = frames["fdi_projects"]
    if "enterprise_uscc" not in projects.columns:
        return None
    return pl.Series([None if uscc is None or year is None else (uscc, year) not in introduced
                      for uscc, year in projects.select("enterprise_uscc", "year").iter_rows()],
                     dtype=pl.Boolean)


# Values that cannot be right (critical): beyond the field's range, a case amount out of its
# band, a zone above its city, a figure out of line with the zone's GDP or its city. Each applies
# only where the checks before it pass, so a cell gets the one finding that explains it best:
# negative (the non-negative rules) < range < case band / within city < ratio band.


def _unless(verdict: pl.Series, reported: pl.Series | None) -> pl.Series:
    """verdict, null where `reported` (a stronger finding on the same cell) is True."""
    if reported is None:
        return verdict
    return pl.DataFrame({"v": verdict, "r": reported.fill_null(False)}).select(
        pl.when(pl.col("r")).then(None).otherwise(pl.col("v")).alias("ok"))["ok"]


def _inside(value: pl.Expr, low: Decimal | None, high: Decimal | None) -> pl.Expr:
    """low <= value <= high, exactly (Decimal literals compare exactly with every numeric dtype)."""
    inside = pl.lit(True)
    if low is not None:
        inside = inside & (value >= pl.lit(low))
    if high is not None:
        inside = inside & (value <= pl.lit(high))
    return inside


def _failed(outcome: CheckOutcome | None) -> pl.Series | None:
    return None if outcome is None else (outcome.verdict == False).fill_null(False)  # noqa: E712


def _any(*flags: pl.Series | None) -> pl.Series | None:
    present = [f for f in flags if f is not None]
    if not present:
        return None
    result = present[0]
    for flag in present[1:]:
        result = result | flag
    return result


def within_range(inputs: CheckInputs, dataset: str, column: str) -> CheckOutcome | None:
    """The configured range of the field ([range] in validation.toml): a value outside cannot
    be real (1e20 万元, a 40-digit count). Negative values are the non-negative rules' finding."""
    config = inputs.plausibility
    frame = inputs.frames[dataset]
    bounds = config.ranges.get((dataset, column)) if config else None
    if bounds is None or column not in frame.columns:
        return None
    value = pl.col(column)
    return CheckOutcome(frame.select(
        pl.when(value.is_not_null() & (value >= 0)).then(_inside(value, bounds.low, bounds.high))
        .otherwise(None).alias("ok"))["ok"])


def case_in_band(inputs: CheckInputs, dataset: str, column: str) -> CheckOutcome | None:
    """A case's amount within the configured band ([case_band]): outside it, the figure was
    almost surely typed in a unit 10^4 off (元 into a 万元 cell, 亿元 figures into 万元). Applies
    to positive amounts within the field's range."""
    config = inputs.plausibility
    frame = inputs.frames[dataset]
    band = config.case_bands.get((dataset, column)) if config else None
    if band is None or column not in frame.columns:
        return None
    value = pl.col(column)
    verdict = frame.select(
        pl.when(value > 0).then(_inside(value, band.low, band.high)).otherwise(None).alias("ok")
    )["ok"]
    return CheckOutcome(_unless(verdict, _failed(within_range(inputs, dataset, column))))


def zone_city_values(frames: dict[str, pl.DataFrame], dataset: str, column: str
                     ) -> pl.DataFrame | None:
    """For each row of `dataset` (in order): its zone's city (zones.city) and that city's value
    of `column` the same year (city_stats), as `_city` and `_city_value`. A duplicated city key
    is the key rule's finding; its first row is used."""
    needed = ("zones", "city_stats", dataset)
    if any(n not in frames for n in needed) or column not in frames["city_stats"].columns:
        return None
    zone_city = (frames["zones"].select("zone_id", pl.col("city").alias("_city"))
                 .drop_nulls().unique("zone_id", keep="first", maintain_order=True))
    city = (frames["city_stats"].select(pl.col("city").alias("_city"), "year",
                                        pl.col(column).alias("_city_value"))
            .drop_nulls(["_city", "year"]).unique(["_city", "year"], keep="first",
                                                   maintain_order=True))
    return (frames[dataset].select("zone_id", "year")
            .join(zone_city, on="zone_id", how="left", maintain_order="left")
            .join(city, on=["_city", "year"], how="left", maintain_order="left")
            .select("_city", "_city_value"))


def zone_within_city(inputs: CheckInputs, dataset: str, column: str) -> CheckOutcome | None:
    """A zone's figure is at most its city's same-year figure: a zone is part of its city. Null
    where either is missing, the city's is negative (its own finding) or the zone's is out of
    its range (that finding first)."""
    frame = inputs.frames[dataset]
    if column not in frame.columns:
        return None
    city = zone_city_values(inputs.frames, dataset, column)
    if city is None:
        return None
    joined = pl.concat([frame.select(column), city], how="horizontal")
    value, city_value = pl.col(column), pl.col("_city_value")
    verdict = joined.select(
        pl.when(value.is_not_null() & (city_value >= 0)).then(value <= city_value)
        .otherwise(None).alias("ok"))["ok"]
    verdict = _unless(verdict, _failed(within_range(inputs, dataset, column)))
    return CheckOutcome(verdict, city["_city_value"], compared_label=city["_city"],
                        compared_column=("city_stats", column))


def in_ratio_band(inputs: CheckInputs, dataset: str, column: str) -> CheckOutcome | None:
    """The figure against its reference ([ratio_band]: the zone's GDP, or its city's figure):
    a ratio outside the band is a unit typed 10^4 off, and because it is judged on every row it
    catches a whole column in the wrong unit, which no year-on-year jump shows. Applies to
    positive values and references whose own checks pass (a reference found wrong would put
    the blame on this figure)."""
    config = inputs.plausibility
    frame = inputs.frames[dataset]
    band = config.ratio_bands.get((dataset, column)) if config else None
    if band is None or column not in frame.columns:
        return None
    if band.city:
        city = zone_city_values(inputs.frames, dataset, band.reference)
        if city is None:
            return None
        reference, labels = city["_city_value"], city["_city"] + DATASETS["city_stats"].column(
            band.reference).short_label
        reference_failed = _failed(within_range(inputs, "city_stats", band.reference))
        # the city's own range verdict is per city row: carried over to the zone rows below
        if reference_failed is not None:
            reference_failed = _city_row_flags(inputs.frames, dataset, band.reference,
                                               reference_failed)
        compared_column = ("city_stats", band.reference)
    else:
        if band.reference not in frame.columns:
            return None
        reference = frame[band.reference]
        labels = pl.Series([DATASETS[dataset].column(band.reference).short_label] * frame.height,
                           dtype=pl.String)
        reference_failed = failing_value_checks(inputs, dataset, band.reference)
        compared_column = (dataset, band.reference)
    ratio = pl.col("v").cast(pl.Float64) / pl.col("r").cast(pl.Float64)
    lo = None if band.low is None else float(band.low)
    hi = None if band.high is None else float(band.high)
    inside = pl.lit(True)
    if lo is not None:
        inside = inside & (ratio >= lo)
    if hi is not None:
        inside = inside & (ratio <= hi)
    verdict = pl.DataFrame({"v": frame[column], "r": reference}).select(
        pl.when((pl.col("v") > 0) & (pl.col("r") > 0)).then(inside).otherwise(None).alias("ok")
    )["ok"]
    own = _any(_failed(within_range(inputs, dataset, column)),
               _failed(zone_within_city(inputs, dataset, column)))
    verdict = _unless(_unless(verdict, own), reference_failed)
    return CheckOutcome(verdict, reference, compared_label=labels,
                        compared_column=compared_column)


def _city_row_flags(frames: dict[str, pl.DataFrame], dataset: str, column: str,
                    city_flags: pl.Series) -> pl.Series:
    """A per-city_stats-row flag carried to each row of `dataset` through its zone's city."""
    flagged = (frames["city_stats"].select(pl.col("city").alias("_city"), "year")
               .with_columns(city_flags.alias("_flag")).drop_nulls(["_city", "year"])
               .unique(["_city", "year"], keep="first", maintain_order=True))
    zone_city = (frames["zones"].select("zone_id", pl.col("city").alias("_city"))
                 .drop_nulls().unique("zone_id", keep="first", maintain_order=True))
    return (frames[dataset].select("zone_id", "year")
            .join(zone_city, on="zone_id", how="left", maintain_order="left")
            .join(flagged, on=["_city", "year"], how="left", maintain_order="left")
            ["_flag"].fill_null(False))


def failing_value_checks(inputs: CheckInputs, dataset: str, column: str) -> pl.Series | None:
    """True on each row where one of the critical value checks fails on this column."""
    if dataset not in inputs.frames or column not in inputs.frames[dataset].columns:
        return None
    checks = [within_range(inputs, dataset, column), case_in_band(inputs, dataset, column),
              in_ratio_band(inputs, dataset, column)]
    if dataset == "zone_stats" and column in CITY_FIGURES:
        checks.append(zone_within_city(inputs, dataset, column))
    return _any(*map(_failed, checks))


def zone_id_not_a_name(frames: dict[str, pl.DataFrame], dataset: str) -> CheckOutcome | None:
    """False where the zone_id cell holds a registered zone's name; `compared` is its code."""
    codes = zone_code_for_name(frames, dataset)
    if codes is None:
        return None
    verdict = pl.DataFrame({"c": codes}).select(
        pl.when(pl.col("c").is_not_null()).then(False).otherwise(None).alias("ok"))["ok"]
    return CheckOutcome(verdict, codes, compared_column=("zones", "zone_id"))


def _city_figures() -> tuple[str, ...]:
    """The money figures the city file carries that zones report too: a zone is part of its
    city, so each is checked both ways (city_covers_zones, zone_within_city)."""
    zone_columns = {c.name for c in DATASETS["zone_stats"].columns if c.kind is Kind.MONEY}
    return tuple(c.name for c in DATASETS["city_stats"].columns
                 if c.kind is Kind.MONEY and c.name in zone_columns)


CITY_FIGURES = _city_figures()


def _outcome(verdict: pl.Series | None) -> CheckOutcome | None:
    return None if verdict is None else CheckOutcome(verdict)


CheckFunction = Callable[[CheckInputs, str, str, "str | None"], "CheckOutcome | None"]

ZONE_HISTORY_RULES = ("national_after_regional", "national_level", "exit_status", "exit_dated",
                      "exit_after_start", "approved_matches", "upgrade_dated")


def _history_check(rule: str) -> CheckFunction:
    return lambda i, d, c, o: _outcome(zone_history_consistent(i.frames[d], rule))

# kind -> check(inputs, dataset, column, other column). Adding a kind of cross rule means a pure
# function above, a row here and the rule's row in expectations/suites.py.
CROSS_CHECKS: dict[str, CheckFunction] = {
    "zone_registered": lambda i, d, c, o: _outcome(zone_registered(i.frames, d)),
    "ranked_total_consistent": lambda i, d, c, o: _outcome(ranked_total_consistent(i.frames[d])),
    "uscc_check_digit": lambda i, d, c, o: _outcome(uscc_valid(i.frames[d], c)),
    "differs_from_other": lambda i, d, c, o: _outcome(
        values_differ(i.frames[d], c, o) if o else None),
    "exchange_rate_available": lambda i, d, c, o: _outcome(exchange_rate_available(i.frames)),
    "city_covers_zones": lambda i, d, c, o: city_covers_zones(i.frames, c),
    "zone_id_case_unique": lambda i, d, c, o: _outcome(unique_ignoring_case(i.frames[d], c)),
    "base_year_present": lambda i, d, c, o: _outcome(
        base_year_present(i.frames, i.base_year) if i.base_year is not None else None),
    "unit_jump": lambda i, d, c, o: year_on_year(i, d, c, "unit_jump"),
    "yoy_band": lambda i, d, c, o: year_on_year(i, d, c, "yoy_band"),
    **{f"zone_history.{rule}": _history_check(rule) for rule in ZONE_HISTORY_RULES},
    "leading_industry_matches": lambda i, d, c, o: _outcome(leading_industry_matches(
        i.frames, i.plausibility.leading_industry_divisions if i.plausibility else {})),
    "not_claimed_under_both": lambda i, d, c, o: _outcome(not_claimed_under_both(i.frames)),


    "zone_id_not_a_name": lambda i, d, c, o: zone_id_not_a_name(i.frames, d),
    "within_range": lambda i, d, c, o: within_range(i, d, c),
    "case_band": lambda i, d, c, o: case_in_band(i, d, c),
    "zone_within_city": lambda i, d, c, o: zone_within_city(i, d, c),
    "ratio_band": lambda i, d, c, o: in_ratio_band(i, d, c),
}


# kind -> the (dataset, column)s its check reads, given the rule's dataset, column and other
# column. A rule reading a column that could not be read fails because of that, and its findings
# point at that problem (transforms.findings.link_causes). A kind missing here reads its own
# column and other column (check_inputs).
CheckReads = Callable[[str, str, "str | None"], tuple[tuple[str, str], ...]]
CHECK_INPUTS: dict[str, CheckReads] = {
    "zone_registered": lambda d, c, o: ((d, "zone_id"), ("zones", "zone_id")),
    "ranked_total_consistent": lambda d, c, o: ((d, "year"), (d, "ranked_total")),
    "exchange_rate_available": lambda d, c, o: (
        (d, "year"), ("exchange_rates", "year"), ("exchange_rates", "usd_cny")),
    "city_covers_zones": lambda d, c, o: (
        ("city_stats", "city"), ("city_stats", "year"), ("city_stats", c),
        ("zone_stats", "zone_id"), ("zone_stats", "year"), ("zone_stats", c),
        ("zones", "zone_id"), ("zones", "city")),
    "base_year_present": lambda d, c, o: (
        ("zone_stats", "zone_id"), ("zone_stats", "year"), ("zones", "zone_id"),
        ("zones", "level"), ("zones", "approved_date")),
    "unit_jump": lambda d, c, o: ((d, PLAUSIBILITY_KEYS[d]), (d, "year"), (d, c)),
    "yoy_band": lambda d, c, o: ((d, PLAUSIBILITY_KEYS[d]), (d, "year"), (d, c)),
}


def check_inputs(kind: str, dataset: str, column: str, other: str | None = None
                 ) -> tuple[tuple[str, str], ...]:
    """What one cross rule reads (CHECK_INPUTS, or its own column and other column)."""
    reads = CHECK_INPUTS.get(kind)
    if reads is not None:
        return reads(dataset, column, other)
    return ((dataset, column),) + (((dataset, other),) if other else ())


def run_check(kind: str, inputs: CheckInputs, dataset: str, column: str,
              other: str | None = None) -> CheckOutcome | None:
    """One cross rule's outcome, or None when the datasets it reads were not submitted."""
    if dataset not in inputs.frames:
        return None
    try:
        check = CROSS_CHECKS[kind]
    except KeyError:
        raise ValueError(f"no check for the cross-rule kind {kind!r}") from None
    return check(inputs, dataset, column, other)
