"""The bundled demo data: reproducible to the byte, in the contract's formats, and still
exercising the cases catalogued in data/demo/README.md."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from flows.demo.data import (
    ALT_LAST,
    EXPECTED_REGIONAL_LAST,
    WEAKEST,
    build_tables,
    make_uscc,
    regional_indicator_table,
    write_demo_data,
)
from flows.ingest.folder import ingest_folder
from flows.settings import DEMO_DATA_DIR, Configs
from transforms.compute import compute_year
from transforms.contract import DATASETS, GUANGXI_CITIES
from transforms.quality import uscc_check_char, uscc_is_valid
from transforms.results import Results

DEMO = DEMO_DATA_DIR

ENCODINGS = {
    "zone_stats.csv": "gbk",
    "city_stats.csv": "utf-8-sig",
    "national_rankings.csv": "utf-8",
    "fdi_projects.csv": "utf-8",
    "exchange_rates.csv": "utf-8",
    "ambassador_referrals.csv": "utf-8",
    "researcher_rewards.csv": "utf-8",
}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_demo_data(tmp_path_factory.mktemp("demo"))


def _csv(name: str) -> list[dict[str, str]]:
    text = (DEMO / name).read_bytes().decode(ENCODINGS[name])
    return list(csv.DictReader(io.StringIO(text)))


def _labels(dataset: str) -> dict[str, str]:
    return {c.name: c.label for c in DATASETS[dataset].columns}


def test_files_match_committed_demo_byte_for_byte(written: list[Path]) -> None:
    names = sorted(p.name for p in written)
    assert names == sorted(
        f"{d}.{'xlsx' if d in ('zones', 'supplier_introductions') else 'csv'}" for d in DATASETS
    )
    committed = sorted(p.name for p in DEMO.iterdir() if p.name != "README.md")
    assert committed == names
    for path in written:
        assert path.read_bytes() == (DEMO / path.name).read_bytes(), path.name


def test_two_runs_identical(tmp_path: Path, written: list[Path]) -> None:
    again = write_demo_data(tmp_path)
    for a, b in zip(written, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_encodings() -> None:
    raw = (DEMO / "zone_stats.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    header = raw.decode("gbk").splitlines()[0].split(",")
    assert header == [c.label for c in DATASETS["zone_stats"].columns]
    assert (DEMO / "city_stats.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not (DEMO / "fdi_projects.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert _csv("national_rankings.csv")[0].keys() == {"zone_id", "year", "rank", "ranked_total"}
    assert list(_csv("exchange_rates.csv")[0]) == ["year", "usd_cny"]
    for name, ds in (
        ("city_stats.csv", "city_stats"),
        ("fdi_projects.csv", "fdi_projects"),
        ("ambassador_referrals.csv", "ambassador_referrals"),
        ("researcher_rewards.csv", "researcher_rewards"),
    ):
        assert list(_csv(name)[0]) == [c.label for c in DATASETS[ds].columns]


def test_xlsx_open_with_chinese_headers() -> None:
    for name, ds, sheet in (
        ("zones.xlsx", "zones", "园区名录"),
        ("supplier_introductions.xlsx", "supplier_introductions", "引进案例"),
    ):
        wb = openpyxl.load_workbook(DEMO / name, read_only=True)
        assert wb.sheetnames == [sheet]
        header = next(wb[sheet].iter_rows(min_row=1, max_row=1, values_only=True))
        assert list(header) == [c.label for c in DATASETS[ds].columns]
        wb.close()
    zones = pl.read_excel(DEMO / "zones.xlsx", sheet_name="园区名录")
    assert zones.schema["批准（认定）日期"] == pl.Date
    assert set(zones["级别"]) == {"国家级", "自治区级"}
    assert set(zones["状态"]) == {"正常", "已退出"}


def test_counts() -> None:
    lab = _labels("zones")
    zones = pl.read_excel(DEMO / "zones.xlsx", sheet_name="园区名录")
    national = zones.filter(pl.col(lab["level"]) == "国家级")
    before_2025 = national.filter(pl.col(lab["approved_date"]).dt.year() < 2025)
    assert before_2025.height == 4
    assert national.filter(pl.col(lab["approved_date"]).dt.year() == 2025).height == 1
    regional = zones.filter(pl.col(lab["level"]) == "自治区级")
    assert regional.height >= 12
    assert regional.filter(pl.col(lab["status"]) == "正常").height >= 12
    invented = zones.filter(pl.col(lab["zone_name"]).str.contains("（示例）"))
    assert invented.height >= 10
    assert zones[lab["zone_id"]].str.contains(r"^[A-Za-z0-9_-]{2,32}$").all()

    cities = _csv("city_stats.csv")
    cl = _labels("city_stats")
    assert {r[cl["city"]] for r in cities} == set(GUANGXI_CITIES)
    assert {int(r[cl["year"]]) for r in cities} == set(range(2019, 2026))
    assert len(cities) == 14 * 7

    stats = _csv("zone_stats.csv")
    sl = _labels("zone_stats")
    assert {int(r[sl["year"]]) for r in stats} == set(range(2019, 2026))
    assert {r[sl["zone_id"]] for r in stats} == set(zones[lab["zone_id"]])
    for r in stats:  # every optional column filled
        assert all(v != "" for v in r.values())

    ranks = _csv("national_rankings.csv")
    assert {int(r["year"]) for r in ranks} == set(range(2016, 2026))
    for r in ranks:
        assert 1 <= int(r["rank"]) <= int(r["ranked_total"])


def test_uscc_check_digits() -> None:
    assert uscc_is_valid("914403001922038216")  # a published code
    assert not uscc_is_valid("914403001922038217")
    assert uscc_check_char("91450100MA0001018") == "C"
    assert uscc_is_valid(make_uscc("450100", 1))
    wb = openpyxl.load_workbook(DEMO / "supplier_introductions.xlsx", read_only=True)
    rows = list(wb["引进案例"].iter_rows(values_only=True))
    wb.close()
    header, body = list(rows[0]), rows[1:]
    lab = _labels("supplier_introductions")
    i_er, i_ed = header.index(lab["introducer_uscc"]), header.index(lab["introduced_uscc"])
    assert body
    for row in body:
        assert uscc_is_valid(row[i_er]) and uscc_is_valid(row[i_ed])
        assert row[i_er] != row[i_ed]
    fl = _labels("fdi_projects")
    for r in _csv("fdi_projects.csv"):
        assert uscc_is_valid(r[fl["enterprise_uscc"]])


def test_city_values_cover_their_zones() -> None:
    zl, sl, cl = _labels("zones"), _labels("zone_stats"), _labels("city_stats")
    zones = pl.read_excel(DEMO / "zones.xlsx", sheet_name="园区名录")
    city_of = dict(zip(zones[zl["zone_id"]], zones[zl["city"]], strict=True))
    sums: dict[tuple[str, int, str], Decimal] = {}
    for r in _csv("zone_stats.csv"):
        for col in ("gdp", "fdi_usd", "trade"):
            key = (city_of[r[sl["zone_id"]]], int(r[sl["year"]]), col)
            sums[key] = sums.get(key, Decimal(0)) + Decimal(r[sl[col]])
    cities = {(r[cl["city"]], int(r[cl["year"]])): r for r in _csv("city_stats.csv")}
    for (city, year, col), total in sums.items():
        assert Decimal(cities[(city, year)][cl[col]]) >= total, (city, year, col)


def test_qinzhou_port_gdp_boundary_is_exact() -> None:
    sl = _labels("zone_stats")
    gdp = {
        int(r[sl["year"]]): Decimal(r[sl["gdp"]])
        for r in _csv("zone_stats.csv")
        if r[sl["zone_id"]] == "GX-QZ-01"
    }
    assert gdp[2019] == Decimal("250.0000")
    assert gdp[2025] == Decimal("746.4960")
    assert gdp[2025] / gdp[2019] == Decimal("1.2") ** 6


def test_ranking_cases() -> None:
    ranks = {
        (r["zone_id"], int(r["year"])): (int(r["rank"]), int(r["ranked_total"]))
        for r in _csv("national_rankings.csv")
    }
    assert ranks[("GX-QZ-01", 2020)][0] == 188 and ranks[("GX-QZ-01", 2021)][0] == 94
    assert ranks[("GX-NN-02", 2020)][0] == 210 and ranks[("GX-NN-02", 2021)][0] == 152
    # first_top50 and first_top100 in the same year
    earlier = [ranks[("GX-QZ-02", y)][0] for y in range(2016, 2025)]
    assert ranks[("GX-QZ-02", 2025)][0] == 50 and min(earlier) > 100
    # exactly 20 places gained
    assert ranks[("GX-QZ-01", 2024)][0] - ranks[("GX-QZ-01", 2025)][0] == 20
    # bottom ten in 2025, and in 2024 the boundary just outside it
    rank, total = ranks[("GX-NN-02", 2025)]
    assert rank > total - 10
    rank, total = ranks[("GX-NN-02", 2024)]
    assert rank == total - 10
    # a first entry into the top 100 without the top 50, in the upgraded zone's first year
    assert ranks[("GX-FCG-01", 2025)][0] == 97
    assert [k for k in ranks if k[0] == "GX-FCG-01"] == [("GX-FCG-01", 2025)]


def test_regional_last_is_worst_on_every_indicator() -> None:
    tables = build_tables()
    assert EXPECTED_REGIONAL_LAST[2025] == WEAKEST and EXPECTED_REGIONAL_LAST[2022] == ALT_LAST
    for year, last in EXPECTED_REGIONAL_LAST.items():
        table = regional_indicator_table(tables["zone_stats"], tables["city_stats"], year)
        for ind, value in table[last].items():
            assert value < min(t[ind] for z, t in table.items() if z != last and ind in t)


def test_registry_history_columns() -> None:
    zones = pl.read_excel(DEMO / "zones.xlsx", sheet_name="园区名录")
    lab = _labels("zones")
    dated = zones.filter(pl.col(lab["regional_date"]).is_not_null()
                         | pl.col(lab["national_date"]).is_not_null()
                         | pl.col(lab["exit_date"]).is_not_null())
    # Only the upgraded and the exited zone carry dates; every other row is "at its current
    # level since approved_date", as a registry without the columns reads.
    assert dated.select(lab["zone_id"], lab["regional_date"], lab["national_date"],
                        lab["exit_date"]).rows() == [
        ("GX-FCG-01", dt.date(2020, 9, 28), dt.date(2025, 6, 18), None),
        ("GX-GG-02", None, None, dt.date(2023, 3, 31)),
    ]


@pytest.fixture(scope="module")
def years() -> dict[int, Results]:
    configs = Configs.load(None, None)
    frames = ingest_folder(DEMO).frames
    return {y: compute_year(frames, configs.policy, configs.methodology, y)
            for y in range(2019, 2026)}


def test_the_demo_exercises_every_rule_over_2023_to_2025(years) -> None:
    paid: set[str] = set()
    actions: set[tuple[str, str]] = set()
    for y in (2023, 2024, 2025):
        paid |= set(years[y].rewards.filter(pl.col("reward_cny") > 0)["rule"].to_list())
        actions |= set(years[y].supervision.select("action", "reason").iter_rows())
    assert paid == {"supplier_introduction", "fdi_project", "new_national_zone", "first_top50",
                    "first_top100", "rank_improvement", "investment_ambassador"}
    assert actions == {
        ("interview", "national_bottom_ten"), ("interview", "regional_last"),
        ("exit", "regional_last_three_years"), ("early_warning", "regional_last_two_years"),
        ("interview", "investment_target_missed"), ("commendation", "investment_target_met")}
    changes = {y: years[y].registry_changes.select("zone_id", "change").rows()
               for y in (2023, 2024, 2025)}
    assert ("GX-GG-02", "exited") in changes[2023]
    assert ("GX-FCG-01", "upgraded") in changes[2025]
    for y in (2023, 2024, 2025):  # nothing missing in the demo: those cases are fixtures
        assert years[y].data_gaps.is_empty() and years[y].undecided.is_empty()


def test_each_years_population_last_place_and_sanctions(years) -> None:
    def last(y: int) -> list[str]:
        return years[y].scores.filter(pl.col("regional_last"))["zone_id"].to_list()

    def acted(y: int, action: str) -> list[str]:
        return years[y].supervision.filter(pl.col("action") == action)["zone_id"].to_list()

    # GX-FCG-01 is ranked among the regional zones 2020-2024, national from 2025; GX-GG-02 is
    # regional 2019-2022 and gone from 2023.
    for y in range(2020, 2025):
        assert years[y].scores.filter(pl.col("zone_id") == "GX-FCG-01")["level"][0] == "regional"
    assert years[2025].scores.filter(pl.col("zone_id") == "GX-FCG-01")["level"][0] == "national"
    assert "GX-GG-02" in years[2022].assessed["zone_id"]
    assert "GX-GG-02" not in years[2023].assessed["zone_id"]
    assert {y: last(y) for y in years} == {
        2019: ["GX-GG-02"], 2020: [WEAKEST], 2021: [WEAKEST], 2022: [ALT_LAST],
        2023: [WEAKEST], 2024: [WEAKEST], 2025: [WEAKEST]}
    assert {y: acted(y, "early_warning") for y in years} == {
        2019: [], 2020: [], 2021: [WEAKEST], 2022: [], 2023: [], 2024: [WEAKEST], 2025: []}
    assert {y: acted(y, "exit") for y in years} == {y: [WEAKEST] if y == 2025 else []
                                                     for y in years}
    counts = {y: years[y].province_targets.row(0, named=True) for y in years}
    assert {y: (c["value"], c["status"]) for y, c in counts.items()} == {
        2019: (1, "in_progress"), 2020: (4, "in_progress"), 2021: (8, "in_progress"),
        2022: (11, "in_progress"), 2023: (12, "in_progress"), 2024: (13, "in_progress"),
        2025: (13, "not_met")}
