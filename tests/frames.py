"""Tiny typed frames in the shape ingest produces, for unit tests of the transforms."""

from __future__ import annotations

import datetime as dt

import polars as pl

from transforms.contract import DATASETS, polars_dtype

CITY = "南宁市"


def frame(dataset: str, rows: list[dict]) -> pl.DataFrame:
    schema = {c.name: polars_dtype(c) for c in DATASETS[dataset].columns}
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def zones(*specs: tuple[str, str]) -> pl.DataFrame:
    return frame("zones", [
        {"zone_id": z, "zone_name": z, "level": level, "city": CITY,
         "approved_date": dt.date(2001, 1, 1), "status": "active"}
        for z, level in specs
    ])


def stats(rows: list[tuple[str, int, dict]]) -> pl.DataFrame:
    return frame("zone_stats", [{"zone_id": z, "year": y, **values} for z, y, values in rows])


def city(year: int, **values) -> pl.DataFrame:
    return frame("city_stats", [{"city": CITY, "year": year, **values}])


def ranks(rows: list[tuple[str, int, int]]) -> pl.DataFrame:
    return frame("national_rankings",
                 [{"zone_id": z, "year": y, "rank": r, "ranked_total": 230} for z, y, r in rows])
