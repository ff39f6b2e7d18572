"""Which city a submitted row belongs to, and the rows a city's account may not submit."""

from __future__ import annotations

import polars as pl
import pytest

from tests.helpers import frame
from transforms.contract import SOURCE_FILE, SOURCE_ROW, SOURCE_SHEET
from transforms.findings import Severity
from transforms.submission_scope import (
    OTHER_CITY_RULE,
    SCOPE_CITY,
    SCOPE_PROVINCE,
    SCOPE_ZONE,
    dataset_scope,
    row_cities,
    rows_outside_city,
    zone_cities,
)

REGISTRY = {"GX-NN-01": "南宁市", "GX-LZ-01": "柳州市"}


def tagged(dataset: str, rows: list[dict]) -> pl.DataFrame:
    """Rows as ingest leaves them: with their file, sheet and the row a person sees (2, 3 ...)."""
    return frame(dataset, rows).with_columns(
        pl.lit("提交.xlsx").alias(SOURCE_FILE), pl.lit("Sheet1").alias(SOURCE_SHEET),
        pl.Series(SOURCE_ROW, range(2, len(rows) + 2)))


@pytest.mark.parametrize("dataset, scope", [
    ("zones", SCOPE_CITY), ("city_stats", SCOPE_CITY),  # the row names its city
    ("zone_stats", SCOPE_ZONE), ("fdi_projects", SCOPE_ZONE),  # through the registry
    ("exchange_rates", SCOPE_PROVINCE),  # no owner city: the department's
])
def test_scope_of_each_dataset(dataset, scope):
    assert dataset_scope(dataset) == scope


def test_zone_rows_belong_to_the_registry_city_and_unknown_zones_to_none():
    stats = tagged("zone_stats", [{"zone_id": z, "year": 2025}
                                  for z in ("GX-NN-01", "GX-LZ-01", "GX-XX-99")])
    assert row_cities(stats, "zone_stats", REGISTRY).to_list() == ["南宁市", "柳州市", ""]


def test_a_row_of_another_city_is_critical_at_its_zone_cell():
    stats = tagged("zone_stats", [{"zone_id": "GX-NN-01", "year": 2025},
                                  {"zone_id": "GX-LZ-01", "year": 2025},
                                  {"zone_id": "GX-XX-99", "year": 2025}])
    [finding] = rows_outside_city(stats, "zone_stats", "南宁市", REGISTRY)
    # row 3 (the second data row), the zone code cell; the unknown zone is left to the
    # registry rule of the cross-dataset checks
    assert (finding.severity, finding.rule_id, finding.file, finding.sheet, finding.row,
            finding.column, finding.value, finding.zone_id) == (
        Severity.CRITICAL, OTHER_CITY_RULE, "提交.xlsx", "Sheet1", 3, "zone_id", "GX-LZ-01",
        "GX-LZ-01")
    assert finding.message == "该行是园区 GX-LZ-01（柳州市）的“园区年度统计”数据，南宁市的账号只能提交本市园区的数据"
    assert finding.hint == "删除该行后重新提交；柳州市的数据由柳州市的填报人员提交，或由自治区商务厅统一提交"


def test_a_zone_registered_to_another_city_cannot_be_re_registered():
    zones = tagged("zones", [
        {"zone_id": "GX-LZ-01", "zone_name": "柳州", "level": "regional", "city": "南宁市"},
        {"zone_id": "GX-NN-09", "zone_name": "新园区", "level": "regional", "city": "南宁市"},
        {"zone_id": "GX-NN-08", "zone_name": "邻市", "level": "regional", "city": "柳州市"}])
    found = rows_outside_city(zones, "zones", "南宁市", REGISTRY)
    # row 2 claims Liuzhou's zone (pointed at by its code); row 4 names another city (its
    # city cell); a new zone of Nanning's own (row 3) is fine
    assert [(f.row, f.column, f.value) for f in found] == [
        (2, "zone_id", "GX-LZ-01"), (4, "city", "柳州市")]


def test_city_rows_and_province_datasets():
    cities = tagged("city_stats", [{"city": "南宁市", "year": 2025},
                                   {"city": "钦州市", "year": 2025}])
    assert [(f.row, f.value) for f in rows_outside_city(cities, "city_stats", "南宁市", {})] \
        == [(3, "钦州市")]
    rates = tagged("exchange_rates", [{"year": 2025}])
    assert rows_outside_city(rates, "exchange_rates", "南宁市", {}) == []


def test_zone_cities_from_a_registry_frame():
    zones = frame("zones", [{"zone_id": "A", "city": "南宁市"}, {"zone_id": None, "city": "X"}])
    assert zone_cities(zones) == {"A": "南宁市"}
    assert zone_cities(None) == {}
