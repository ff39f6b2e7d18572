"""The registry's history: which zones are assessed in a year, at which level, and what changed.

Each year has its own populations (policy-rules.md: 末位 is among "regional zones assessed that
year"; the exit rule looks back three years; the province counts the year's regional zones), so
the level a zone held in year Y comes from its dated history, not from today's registry row:

| column (zones)  | meaning                                                              |
|-----------------|----------------------------------------------------------------------|
| level           | the level today                                                      |
| approved_date   | the date it was approved at today's level                            |
| regional_date   | the date it was recognised as a regional (自治区级) zone              |
| national_date   | the date it was approved as, or upgraded to, a national zone         |
| status          | active / exited today                                                |
| exit_date       | the date it exited                                                   |

A year's population is taken at its last day, as the province target's `as_of` is: a zone
approved, upgraded or exited at any time in Y counts at its new standing for Y. Today's files,
without the dated columns, mean "always at the current level": a national zone was national
from approved_date (or always, without one), a regional zone regional, and an exited zone with
no exit date is out of every year (validation warns that its earlier years are lost).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

REGISTRY_CHANGE_LABELS = {
    "recognised": "新认定为自治区级经开区",
    "upgraded": "由自治区级升格为国家级经开区",
    "approved_national": "新获批国家级经开区",
    "exited": "退出",
}

CHANGE_SCHEMA = {"zone_id": pl.String, "zone_name": pl.String, "city": pl.String,
                 "change": pl.String, "date": pl.Date, "level_before": pl.String,
                 "level_after": pl.String}


def _column(zones: pl.DataFrame, name: str, dtype: pl.DataType) -> pl.Expr:
    """A registry column, or nulls for a registry submitted without it."""
    return pl.col(name) if name in zones.columns else pl.lit(None, dtype)


def zone_timeline(zones: pl.DataFrame) -> pl.DataFrame:
    """Per zone: when it was regional and national, and whether and when it exited.

    national_from / regional_from null with national_ever / regional_ever true means "since
    before any year assessed". The current level is the authority on whether a zone is national
    at all: a national_date on a regional zone is a validation finding, not an upgrade.
    """
    level = pl.col("level")
    approved = _column(zones, "approved_date", pl.Date())
    regional_date = _column(zones, "regional_date", pl.Date())
    national_date = _column(zones, "national_date", pl.Date())
    exit_date = _column(zones, "exit_date", pl.Date())
    status = _column(zones, "status", pl.String()).fill_null("active")
    national = level == "national"
    exited = status == "exited"
    return zones.select(
        "zone_id", "zone_name", "level", "city",
        national.alias("national_ever"),
        pl.when(national).then(pl.coalesce(national_date, approved)).alias("national_from"),
        ((level == "regional") | (national & regional_date.is_not_null())).alias("regional_ever"),
        pl.when(level == "regional").then(pl.coalesce(regional_date, approved))
        .otherwise(regional_date).alias("regional_from"),
        exited.alias("exited"),
        pl.when(exited).then(exit_date).alias("exited_on"),
    )


def _standing(year: int) -> list[pl.Expr]:
    """is_national, is_regional and gone at the end of `year`, on a zone_timeline frame."""
    year_end = dt.date(year, 12, 31)
    is_national = pl.col("national_ever") & (
        pl.col("national_from").is_null() | (pl.col("national_from") <= year_end))
    is_regional = ~is_national & pl.col("regional_ever") & (
        pl.col("regional_from").is_null() | (pl.col("regional_from") <= year_end))
    gone = pl.col("exited") & (pl.col("exited_on").is_null() | (pl.col("exited_on") <= year_end))
    return [is_national.alias("_national"), is_regional.alias("_regional"), gone.alias("_gone")]


def zones_in_year(zones: pl.DataFrame, year: int) -> pl.DataFrame:
    """Zones assessed for `year`, each at the level it held at the end of that year.

    Columns zone_id, zone_name, level (that year's), city, approved_date (the date it was
    approved at that level; null when it predates the registry's history), sorted by zone_id.
    """
    return (
        zone_timeline(zones)
        .with_columns(_standing(year))
        .filter((pl.col("_national") | pl.col("_regional")) & ~pl.col("_gone"))
        .select(
            "zone_id", "zone_name",
            pl.when(pl.col("_national")).then(pl.lit("national")).otherwise(pl.lit("regional"))
            .alias("level"),
            "city",
            pl.when(pl.col("_national")).then(pl.col("national_from"))
            .otherwise(pl.col("regional_from")).alias("approved_date"),
        )
        .sort("zone_id")
    )


def registry_changes(zones: pl.DataFrame, year: int) -> pl.DataFrame:
    """The year's changes to the registry, for the province report: zones newly recognised as
    regional, upgraded from regional to national, newly approved as national, and exited."""
    # An exited zone without its exit date is out of every year (validation warns): none of
    # its dates is a change of any year's population either.
    timeline = zone_timeline(zones).filter(
        ~(pl.col("exited") & pl.col("exited_on").is_null()))
    in_year = pl.col("date").dt.year() == year
    was_regional_before = pl.col("regional_ever") & (
        pl.col("regional_from").is_null() | (pl.col("regional_from") < pl.col("national_from")))
    parts = [
        timeline.filter(pl.col("regional_from").dt.year() == year).select(
            "zone_id", "zone_name", "city", pl.lit("recognised").alias("change"),
            pl.col("regional_from").alias("date"), pl.lit(None, pl.String).alias("level_before"),
            pl.lit("regional").alias("level_after")),
        timeline.filter(pl.col("national_ever")).select(
            "zone_id", "zone_name", "city",
            pl.when(was_regional_before).then(pl.lit("upgraded"))
            .otherwise(pl.lit("approved_national")).alias("change"),
            pl.col("national_from").alias("date"),
            pl.when(was_regional_before).then(pl.lit("regional")).alias("level_before"),
            pl.lit("national").alias("level_after")).filter(in_year),
        timeline.filter(pl.col("exited")).select(
            "zone_id", "zone_name", "city", pl.lit("exited").alias("change"),
            pl.col("exited_on").alias("date"), pl.col("level").alias("level_before"),
            pl.lit(None, pl.String).alias("level_after")).filter(in_year),
    ]
    order = {change: i for i, change in enumerate(REGISTRY_CHANGE_LABELS)}
    return (
        pl.concat([p.cast(CHANGE_SCHEMA) for p in parts])
        .with_columns(pl.col("change").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
        .sort("_o", "date", "zone_id")
        .drop("_o")
    )
