"""The reports across the years: the year's registry changes, the province target's progress,
the early warning, the cities' section (条款（十七）) and what a draft run says when figures or a
national ranking are missing (数据缺失, 无法判定). Computed from the demo data (without Prefect),
a few PDFs rendered and read back."""

from __future__ import annotations

import io
from functools import cache

import polars as pl
import pytest
from pypdf import PdfReader

from flows.ingest.folder import ingest_folder
from flows.reporting.province_report import province_context
from flows.reporting.render import render_pdf_bytes
from flows.reporting.run_info import RunInfo
from flows.reporting.zone_report import zone_context
from flows.settings import DEMO_DATA_DIR, Configs
from transforms.completeness import completeness_findings
from transforms.compute import compute_year
from transforms.findings import Finding
from transforms.results import Results

WEAKEST = "GX-LZ-02"  # last in 2023, 2024 and 2025
UPGRADED = "GX-FCG-01"  # regional until 2024, national from June 2025
GAP_ZONE = "GX-LZ-01"  # the fixture below drops its 2025 figures


@cache
def configs() -> Configs:
    return Configs.load(None, None)


@cache
def frames() -> dict[str, pl.DataFrame]:
    return ingest_folder(DEMO_DATA_DIR).frames


@cache
def demo(year: int) -> Results:
    return compute_year(frames(), configs().policy, configs().methodology, year)


def gap_frames() -> dict[str, pl.DataFrame]:
    """The demo without GX-LZ-01's 2025 figures and without the 2025 national ranking."""
    data = dict(frames())
    data["zone_stats"] = data["zone_stats"].filter(
        ~((pl.col("zone_id") == GAP_ZONE) & (pl.col("year") == 2025)))
    data["national_rankings"] = data["national_rankings"].filter(pl.col("year") != 2025)
    return data


@cache
def with_gaps() -> tuple[Results, tuple[Finding, ...]]:
    policy, methodology = configs().policy, configs().methodology
    findings = completeness_findings(gap_frames(), policy, methodology, 2025, official=False)
    return compute_year(gap_frames(), policy, methodology, 2025), tuple(findings)


def run(warnings: int = 0) -> RunInfo:
    return RunInfo(run_id="0123456789abcdef", code_version="0.1.0+test",
                   policy_version=configs().policy.version,
                   methodology_version=configs().methodology.version,
                   report_date="2026-01-15", official=False, warnings=warnings,
                   inputs=[{"file": "zone_stats.csv", "sha256": "0" * 64}])


def zone_of(results: Results, zone_id: str) -> dict:
    return results.assessed.filter(pl.col("zone_id") == zone_id).row(0, named=True)


def text(pdf: bytes) -> str:
    return "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


@cache
def rendered(which: str) -> str:
    policy = configs().policy
    if which == "province-2025":
        ctx = province_context(demo(2025), policy, run(), [])
        return text(render_pdf_bytes("province.html", ctx))
    if which == "province-gaps":
        results, findings = with_gaps()
        ctx = province_context(results, policy, run(len(findings)), list(findings))
        return text(render_pdf_bytes("province.html", ctx))
    if which == "zone-gap":
        results, findings = with_gaps()
        ctx = zone_context(zone_of(results, GAP_ZONE), results, policy, run(len(findings)),
                           [f for f in findings if f.zone_id == GAP_ZONE])
        return text(render_pdf_bytes("zone.html", ctx))
    results = demo(2024)
    ctx = zone_context(zone_of(results, WEAKEST), results, policy, run(), [])
    return text(render_pdf_bytes("zone.html", ctx))


def test_province_report_lists_the_years_changes_and_the_cities() -> None:
    ctx = province_context(demo(2025), configs().policy, run(), [])
    assert [(c["change"], c["zone_name"], c["date"]) for c in ctx["registry_changes"]] == [
        ("新认定为自治区级经开区", "广西北流经济技术开发区", "2025-03-20"),
        ("由自治区级升格为国家级经开区", "防城港经济技术开发区", "2025-06-18"),
    ]
    cities = {c["city"]: c for c in ctx["cities"]}
    assert list(cities) == ["南宁市", "防城港市", "钦州市"]
    assert (cities["南宁市"]["count"], cities["南宁市"]["bottom_ten"]) == (2, 1)
    assert [(z["zone_name"], z["rank"], z["change"], z["bottom_ten"])
            for z in cities["南宁市"]["zones"]] == [
        ("南宁经济技术开发区", "99 / 230", "↑ 提升 11 位", "否"),
        ("广西-东盟经济技术开发区", "223 / 230", "↓ 下降 4 位", "是")]
    assert cities["防城港市"]["zones"][0]["note"] == "无 2024 年名次，无法计算变化"
    text = rendered("province-2025")
    for words in ("二、本年度经开区变化", "由自治区级升格为国家级经开区防城港经济技术开发区",
                  "各设区市国家级经开区考核情况", "南宁市：国家级经开区2家，位于后10位1家",
                  "本年度考核所需的园区年度统计和国家级考核排名齐全，所有规则均已判定。"):
        assert words in text, words
    # 2025 is the target year: 13 regional zones are judged against 15.
    assert ctx["province_targets"][0] == {
        "label": "评估认定的自治区级经开区数量", "value": "13 家", "threshold": "≥ 15 家",
        "progress": "距目标还差 2 家", "status": "not_met", "status_label": "未达标"}


def test_before_the_target_year_the_province_target_is_progress() -> None:
    ctx = province_context(demo(2024), configs().policy, run(), [])
    assert ctx["province_targets"] == [{
        "label": "评估认定的自治区级经开区数量", "value": "13 家", "threshold": "2025 年 ≥ 15 家",
        "progress": "距目标还差 2 家", "status": "in_progress", "status_label": "进行中"}]


def test_the_early_warning_in_the_zones_own_report() -> None:
    ctx = zone_context(zone_of(demo(2024), WEAKEST), demo(2024), configs().policy, run(), [])
    warning = "予以预警：2023、2024 年连续 2 年位于自治区级考核末位；再有 1 年位于末位，将因连续 3 年末位实行退出机制（七、（十六））。"
    assert warning in ctx["conclusions"]
    assert [s["action_label"] for s in ctx["supervision"]][:2] == ["约谈", "预警"]
    assert "予以预警" in rendered("zone-2024") and "预警" in rendered("zone-2024")
    province = province_context(demo(2024), configs().policy, run(), [])
    assert {"label": "连续末位预警", "value": "1 家"} in province["summary"]


def test_an_upgraded_zone_reports_its_history() -> None:
    ctx = zone_context(zone_of(demo(2025), UPGRADED), demo(2025), configs().policy, run(), [])
    assert ctx["zone"]["history"] == "2020-09-28 认定为自治区级经开区；2025-06-18 升格为国家级经开区"
    assert ctx["zone"]["level_label"] == "国家级"
    earlier = zone_context(zone_of(demo(2024), UPGRADED), demo(2024), configs().policy, run(), [])
    assert earlier["zone"]["level_label"] == "自治区级" and earlier["targets"] == []


def test_a_draft_without_a_zones_figures_says_数据缺失_everywhere() -> None:
    results, findings = with_gaps()
    assert results.unscored == {GAP_ZONE}
    ctx = zone_context(zone_of(results, GAP_ZONE), results, configs().policy,
                       run(len(findings)), [f for f in findings if f.zone_id == GAP_ZONE])
    assert ctx["conclusions"][0] == (
        "数据缺失：缺少 2025 年园区年度统计，本报告不计算本园区 2025 年综合得分、不参加排名，"
        "也不据此作约谈、退出等判定；补报后重新运行。")
    assert ctx["score"] is None and ctx["data_missing"] is True
    assert {r["value"] for r in ctx["indicators"]} == {"数据缺失"}
    assert ctx["supervision"] == []  # not interviewed for its investment target, nor ranked
    assert [r["missing_year"] for r in ctx["data_gaps"]] == [2025]
    assert len(ctx["data_quality"]) == 1  # the completeness warning, at its zone
    text = rendered("zone-gap")
    assert "数据缺失：本园区2025年园区年度统计未报送" in text
    province = province_context(results, configs().policy, run(len(findings)), list(findings))
    row = next(z for z in province["zones"] if z["zone_id"] == GAP_ZONE)
    assert (row["gdp"], row["fdi"], row["trade"]) == ("数据缺失",) * 3
    unranked = [r for r in province["ranking"] if r["score"] == "数据缺失"]
    assert [r["robust_label"] for r in unranked] == ["数据缺失，未参加排名"]
    assert {"label": "数据缺失园区", "value": "1 家"} in province["summary"]


def test_a_missing_ranking_year_is_reported_as_undecided_rules() -> None:
    results, findings = with_gaps()
    assert [f.value for f in findings if f.rule_id == "completeness.ranking_year_missing"] == [
        "2025"]
    province = province_context(results, configs().policy, run(len(findings)), list(findings))
    assert [g["missing_year"] for g in province["gaps"]["rankings"]] == [2025]
    # The per-zone lines of a year missing from the rankings are that one line, not 19 more.
    assert all("缺少 2025 年国家级考核排名" != u["reason"] for u in province["gaps"]["undecided"])
    # The exit of the zone last in 2023-2025 stands on a 2025 ranking that left a zone out.
    assert [(u["rule"], u["zone_name"]) for u in province["gaps"]["undecided"]] == [
        ("连续3年自治区级考核排名末位", "柳州南部经济技术开发区（示例）")]
    national = zone_context(zone_of(results, "GX-NN-02"), results, configs().policy,
                            run(len(findings)), [])
    undecided = [s for s in national["conclusions"] if s.startswith("无法判定：")]
    assert undecided == ["无法判定：首次进入国家级考核前100名奖励、首次进入国家级考核前50名奖励、"
                         "国家级考核排名后10位、国家级考核排名提升奖励（缺少 2025 年国家级考核排名）。"]
    text = rendered("province-gaps")
    assert "缺少的国家级考核排名" in text and "无法判定的事项" in text


@pytest.mark.parametrize("zone_id", [WEAKEST, "GX-NN-02"])
def test_no_zone_is_sanctioned_on_a_ranking_it_lacks(zone_id: str) -> None:
    results, _ = with_gaps()
    exits = results.supervision.filter(pl.col("action") == "exit")
    assert exits.is_empty()  # 2025 is incomplete: the exit is undecided, not ordered
    bottom = results.supervision.filter(pl.col("reason") == "national_bottom_ten")
    assert bottom.is_empty()  # no 2025 ranking: nobody is in its bottom ten
    assert results.undecided.filter(pl.col("zone_id") == zone_id).height >= 1


def test_a_zone_missing_only_the_year_before_shows_its_figures_in_the_province_table() -> None:
    """GX-LZ-01 without its 2024 figures: its growth rates cannot be scored, so it is left out
    of the 2025 ranking, but the 2025 figures it submitted print in the province table as in
    its own report; only what is absent reads 数据缺失."""
    data = dict(frames())
    data["zone_stats"] = data["zone_stats"].filter(
        ~((pl.col("zone_id") == GAP_ZONE) & (pl.col("year") == 2024)))
    results = compute_year(data, configs().policy, configs().methodology, 2025)
    assert results.unscored == {GAP_ZONE}
    province = province_context(results, configs().policy, run(), [])
    row = next(z for z in province["zones"] if z["zone_id"] == GAP_ZONE)
    own = {r["indicator"]: r["value"] for r in zone_context(
        zone_of(results, GAP_ZONE), results, configs().policy, run(), [])["indicators"]}
    assert (row["gdp"], row["fdi"], row["trade"]) == (own["gdp"], own["fdi_usd"], own["trade"])
    assert "数据缺失" not in (row["gdp"], row["fdi"], row["trade"])
