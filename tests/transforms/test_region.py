"""The host-city vocabulary comes from config/region.toml, so another region needs no code."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.ingest.folder import ingest_folder
from flows.settings import configure_region, load_region
from transforms.contract import DATASETS, region_cities, use_region


@pytest.fixture
def restore_region():
    yield
    configure_region()  # back to config/region.toml for the other tests


def test_bundled_region_is_guangxi_with_14_cities() -> None:
    name, cities = load_region()
    assert name == "广西壮族自治区" and len(cities) == 14 and cities[0] == "南宁市"
    assert region_cities() == tuple(cities)


def test_another_region_is_accepted_and_guangxi_cities_are_not(tmp_path: Path,
                                                               restore_region) -> None:
    region = tmp_path / "region.toml"
    region.write_text('name = "示例省"\ncities = ["示例市001", "示例市002"]\n', encoding="utf-8")
    configure_region(region)
    assert DATASETS["city_stats"].column("city").choices.keys() == {"示例市001", "示例市002"}
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "city_stats.csv").write_text(
        "city,year,gdp,fdi_usd,trade\n示例市001,2025,1,1,1\n南宁市,2025,1,1,1\n", encoding="utf-8")
    result = ingest_folder(tmp_path / "data")
    assert result.frames["city_stats"]["city"].to_list() == ["示例市001", None]
    assert [(f.row, f.rule_id) for f in result.findings] == [(3, "ingest.not_in_vocabulary")]


def test_empty_or_duplicated_city_lists_are_refused(restore_region) -> None:
    with pytest.raises(ValueError, match="不能为空且不能重复"):
        use_region([])
    with pytest.raises(ValueError, match="不能为空且不能重复"):
        use_region(["甲市", "甲市"])
