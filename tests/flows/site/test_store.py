"""Submissions kept with their findings (flows/site/store.py): every field of a finding comes
back as it was recorded, also from a site folder made before some were kept."""

from __future__ import annotations

import dataclasses
import datetime as dt

from flows.publication.warehouse import connect
from flows.site.store import SubmissionStore
from transforms.findings import Finding, Severity

GROUPED = Finding(Severity.CRITICAL, "zone_stats", "南宁.csv", "", 2, "trade", "进出口总额（亿元）",
                  "—", "ingest.placeholder", "“—”是占位符", "请填写实际数值", zone_id="GX-NN-01",
                  caused_by="", rows="2-5;9", count=5)
CAUSED = Finding(Severity.WARNING, "zone_stats", "南宁.csv", "", None, "", "", "",
                 "zones.base_year_stats_present", "缺少2019年数据", "补报",
                 caused_by="列“年份”无法读取")


def record(store: SubmissionStore, findings: list[Finding]) -> str:
    path = store.root / "x.csv"
    path.write_bytes(b"a\n")
    sub = store.record(year=2025, city="南宁市", dataset="zone_stats", file="南宁.csv",
                       sha256="0" * 64, stored=path, submitted_by="nn",
                       submitted_at=dt.datetime(2025, 3, 1, 9), rows=8, findings=findings)
    return sub.submission_id


def test_a_grouped_and_a_follow_on_finding_come_back_whole(tmp_path) -> None:
    store = SubmissionStore(tmp_path)
    sid = record(store, [GROUPED, CAUSED])
    assert store.findings(sid) == [GROUPED, CAUSED]


def test_a_site_from_before_keeps_its_findings_readable(tmp_path) -> None:
    with connect(tmp_path / "warehouse.duckdb") as con:  # the table as first made
        con.execute("""CREATE TABLE site_findings (
            submission_id VARCHAR, severity VARCHAR, dataset VARCHAR, file VARCHAR,
            sheet VARCHAR, "row" BIGINT, "column" VARCHAR, column_label VARCHAR, value VARCHAR,
            rule_id VARCHAR, message VARCHAR, hint VARCHAR, zone_id VARCHAR)""")
        con.execute("INSERT INTO site_findings VALUES ('S000099', 'warning', 'zone_stats', "
                    "'南宁.csv', '', 3, 'gdp', '地区生产总值（亿元）', '9', 'r', 'm', 'h', 'GX-NN-01')")
    store = SubmissionStore(tmp_path)
    [old] = store.findings("S000099")
    assert (old.row, old.caused_by, old.rows, old.count) == (3, "", "", 1)
    sid = record(store, [GROUPED])
    assert store.findings(sid) == [GROUPED]
    assert dataclasses.asdict(store.findings(sid)[0])["count"] == 5
