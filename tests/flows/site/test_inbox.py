"""The inbox assembled from the submissions: exact values, each city's latest clean rows, where
each row came from, and the submissions named in the reports' provenance."""

from __future__ import annotations

import json

import polars as pl

from flows.ingest.folder import ingest_folder
from flows.ingest.submissions import read_inbox_submissions, read_row_sources
from flows.reporting.render import render_html
from flows.settings import DEMO_DATA_DIR
from flows.site.app import Site, SiteConfig
from flows.site.inbox import inbox_dir
from flows.site.server import DEMO_USER
from tests.helpers import (
    SITE_YEAR,
    csv_bytes,
    demo_zone_stats_rows,
    run_info,
    sample_zone_context,
    set_cell,
)
from transforms.contract import DATASETS, SOURCE_COLUMNS


def values(frame: pl.DataFrame, dataset: str) -> pl.DataFrame:
    """The typed values in key order (the inbox lists rows city by city)."""
    return frame.drop(SOURCE_COLUMNS).sort(list(DATASETS[dataset].key))


def zone_stats_row(frame: pl.DataFrame, row: int) -> list[dict]:
    return frame.filter(pl.col("_source_row") == row).to_dicts()


def test_the_inbox_holds_exactly_the_submitted_values(seeded_site_root):
    inbox = ingest_folder(inbox_dir(seeded_site_root, SITE_YEAR))
    demo = ingest_folder(DEMO_DATA_DIR)
    assert inbox.findings == [] and sorted(inbox.frames) == sorted(demo.frames)
    for name, frame in demo.frames.items():
        # money was written in yuan from 亿元 / 万元 and read back: not a fen lost
        assert values(inbox.frames[name], name).equals(values(frame, name)), name
    sources = read_row_sources(inbox_dir(seeded_site_root, SITE_YEAR))
    # every inbox row names the demo file's row it came from, each exactly once
    assert {sid for sid, _ in sources["zone_stats.csv"]} == {"S000002"}
    assert sorted(row for _, row in sources["zone_stats.csv"]) == list(range(2, 132))
    first = inbox.frames["zone_stats"].row(0, named=True)
    [in_demo] = zone_stats_row(demo.frames["zone_stats"], sources["zone_stats.csv"][0][1])
    assert (first["zone_id"], first["year"]) == (in_demo["zone_id"], in_demo["year"])


def test_each_city_keeps_its_latest_clean_rows(site_root):
    site = Site(SiteConfig(root=site_root, year=SITE_YEAR, warm_up=False))
    header, rows = demo_zone_stats_rows("GX-NN-")
    nanning = DEMO_USER.__class__("nn", "nn", "city", "南宁市", "")
    fixed = [set_cell(rows[0], 2, "421.0000")]  # GX-NN-01 2019 GDP 420 -> 421 亿元
    good = site.submit(nanning, "南宁市", "zone_stats", "南宁.csv",
                       csv_bytes(header, fixed + rows[1:]))
    bad = site.submit(nanning, "南宁市", "zone_stats", "南宁.csv",
                      csv_bytes(header, [set_cell(rows[0], 2, "abc")] + rows[1:]))
    assert (good.status, bad.status) == ("clean", "critical")
    folder = inbox_dir(site_root, SITE_YEAR)
    stats = ingest_folder(folder).frames["zone_stats"]
    gdp = stats.filter(pl.col("zone_id") == "GX-NN-01", pl.col("year") == 2019)["gdp"]
    assert str(gdp.item()) == "42100000000.00"  # the clean correction, not the later bad file
    sources = read_row_sources(folder)["zone_stats.csv"]
    assert {sid for sid, _ in sources} == {"S000002", good.submission_id}
    assert len(sources) == stats.height == 130  # the demo's 130 rows, Nanning's replaced
    named = {s["submission_id"]: s for s in read_inbox_submissions(folder)}
    assert named[good.submission_id] == {
        "submission_id": good.submission_id, "city": "南宁市", "dataset": "zone_stats",
        "file": "南宁.csv", "sha256": good.sha256, "submitted_by": "nn",
        "submitted_at": good.when, "dataset_label": "园区年度统计"}
    assert bad.submission_id not in named
    # nothing is overwritten: both files are kept under their hashes
    assert (site_root / good.stored_as).is_file() and (site_root / bad.stored_as).is_file()


def test_reports_name_the_submissions_of_their_city(tmp_path):
    submissions = [
        {"submission_id": "S000002", "city": "", "dataset": "zone_stats", "file": "全区.csv",
         "sha256": "a" * 64, "submitted_by": "demo", "submitted_at": "2025-12-01 09:00:00",
         "dataset_label": "园区年度统计"},
        {"submission_id": "S000010", "city": "南宁市", "dataset": "zone_stats",
         "file": "南宁.csv", "sha256": "b" * 64, "submitted_by": "nn",
         "submitted_at": "2025-12-02 10:00:00", "dataset_label": "园区年度统计"},
        {"submission_id": "S000011", "city": "柳州市", "dataset": "zone_stats",
         "file": "柳州.csv", "sha256": "c" * 64, "submitted_by": "lz",
         "submitted_at": "2025-12-02 11:00:00", "dataset_label": "园区年度统计"}]
    run = run_info().__class__(**{**run_info().__dict__, "submissions": submissions})
    assert [s["submission_id"] for s in run.provenance(city="南宁市")["submissions"]] == [
        "S000002", "S000010"]
    assert len(run.provenance()["submissions"]) == 3
    # a folder put together by hand names none, and its reports' contexts stay as they were
    assert "submissions" not in run_info().provenance()
    context = sample_zone_context()
    context["provenance"] = run.provenance(city="南宁市")
    html = render_html("zone.html", context)
    assert "S000010" in html and "南宁.csv" in html and "b" * 64 in html
    assert "S000011" not in html
    (tmp_path / "submissions.json").write_text("{not json", encoding="utf-8")
    assert read_inbox_submissions(tmp_path)[0]["submission_id"].startswith(
        "（submissions.json 无法读取")
    (tmp_path / "submissions.json").write_text(json.dumps({"submissions": []}), "utf-8")
    assert read_inbox_submissions(tmp_path) == []
