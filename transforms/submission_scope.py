"""Whose rows a submission holds: each row's city, and the rows a city's account may not submit.

On the submission site city staff submit their own city's rows only. A row's city is the one it
names (zones.city, city_stats.city) or, for a zone's rows, the city of that zone in the registry;
a zones row for a zone the registry places in another city is another city's row too (a city
must not re-register a neighbour's zone as its own). Rows of a zone the registry does not know
yet are left to the registry rule of the cross-dataset checks, which names them precisely.
Pure: frames and a zone -> city map in, findings out.
"""

from __future__ import annotations

import polars as pl

from transforms.contract import DATASETS, SOURCE_FILE, SOURCE_ROW, SOURCE_SHEET
from transforms.findings import Finding, Severity

OTHER_CITY_RULE = "site.other_city_row"

# How a dataset's rows are owned: by the city a row names, by the zone a row names, or by the
# province (exchange rates: the department submits them).
SCOPE_CITY, SCOPE_ZONE, SCOPE_PROVINCE = "city", "zone", "province"


def dataset_scope(dataset: str) -> str:
    names = DATASETS[dataset].column_names
    if "city" in names:
        return SCOPE_CITY
    if "zone_id" in names:
        return SCOPE_ZONE
    return SCOPE_PROVINCE


def zone_cities(zones: pl.DataFrame | None) -> dict[str, str]:
    """zone_id -> city from a zones frame (ingest shape); rows without either are skipped."""
    if zones is None or "zone_id" not in zones.columns or "city" not in zones.columns:
        return {}
    rows = zones.select("zone_id", "city").drop_nulls().iter_rows()
    return {zone_id: city for zone_id, city in rows}


def row_cities(frame: pl.DataFrame, dataset: str, registry: dict[str, str]) -> pl.Series:
    """Each row's city ("" when it cannot be told: no city column and an unknown zone)."""
    scope = dataset_scope(dataset)
    if scope == SCOPE_CITY and "city" in frame.columns:
        return frame["city"].fill_null("").alias("city")
    if scope == SCOPE_ZONE and "zone_id" in frame.columns:
        return frame["zone_id"].replace_strict(registry, default="", return_dtype=pl.String
                                               ).fill_null("").alias("city")
    return pl.Series("city", [""] * frame.height, dtype=pl.String)


def rows_of_city(frame: pl.DataFrame, dataset: str, registry: dict[str, str],
                 city: str) -> pl.DataFrame:
    """The rows of `frame` that belong to `city`."""
    return frame.filter(row_cities(frame, dataset, registry) == city)


def rows_outside_city(frame: pl.DataFrame, dataset: str, city: str,
                      registry: dict[str, str]) -> list[Finding]:
    """A critical finding for every row of `frame` that belongs to another city than `city`.

    Province-wide datasets have no owner city: a city's account may not submit them at all,
    which the site refuses before reading the file, so nothing is found here."""
    scope = dataset_scope(dataset)
    if scope == SCOPE_PROVINCE or frame.height == 0:
        return []
    label = DATASETS[dataset].label
    named = row_cities(frame, dataset, registry)
    registered = (frame["zone_id"].replace_strict(registry, default="", return_dtype=pl.String
                                                  ).fill_null("")
                  if dataset == "zones" else pl.Series([""] * frame.height, dtype=pl.String))
    zone_ids = (frame["zone_id"] if "zone_id" in frame.columns
                else pl.Series([None] * frame.height, dtype=pl.String))
    column = DATASETS[dataset].column("city" if scope == SCOPE_CITY else "zone_id")
    findings = []
    for row_city, registry_city, zone_id, file, sheet, row in zip(
            named, registered, zone_ids, frame[SOURCE_FILE], frame[SOURCE_SHEET],
            frame[SOURCE_ROW], strict=True):
        owner = registry_city if registry_city and registry_city != city else row_city
        if not owner or owner == city:
            continue
        whose = f"园区 {zone_id}（{owner}）" if zone_id else owner
        # a zone registered to another city is pointed at by its code, not the city typed
        at = (DATASETS[dataset].column("zone_id") if registry_city and registry_city != city
              else column)
        value = zone_id if at.name == "zone_id" else row_city
        findings.append(Finding(
            Severity.CRITICAL, dataset, file, sheet or "", row, at.name, at.label,
            value or "", OTHER_CITY_RULE,
            f"该行是{whose}的“{label}”数据，{city}的账号只能提交本市园区的数据",
            f"删除该行后重新提交；{owner}的数据由{owner}的填报人员提交，或由自治区商务厅统一提交",
            zone_id=zone_id or ""))
    return findings
