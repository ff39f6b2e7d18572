"""The reports and the workbook built from real results (the demo data), read back.

The demo data is ingested and computed once without Prefect; one national zone's report and the
province report are rendered once per module (a few seconds each) and every check below reads
those PDFs or the results CSVs written from the same Results. Numbers are compared with the
CSVs, not just looked for. Hostile names are planted in the results: the exiting zone's name
(printed in the province report) and an enterprise of the national zone (its rewards table).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from decimal import Decimal
from functools import cache
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader

from flows.reporting.charts import chart_svg
from flows.reporting.province_report import province_context
from flows.reporting.render import TemplatesOnlyURLFetcher, render_pdf_bytes
from flows.reporting.results_files import write_results
from flows.reporting.workbook import write_assessment_workbook
from flows.reporting.zone_report import zone_context
from flows.settings import DEMO_DATA_DIR
from tests.helpers import DEMO_YEAR as YEAR
from tests.helpers import (
    EXITING,
    FINDINGS,
    FORMULA_ZONE,
    HOSTILE_ENTERPRISE,
    HOSTILE_ZONE,
    NATIONAL,
    city,
    configs,
    demo_results,
    embedded_fonts,
    ranks,
    run_info,
    stats,
    zones,
)
from transforms.targets import zone_targets


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("results")
    write_results(demo_results(), out, run_info(), configs().policy)
    return out / "results"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def zone_row(zone_id: str) -> dict:
    return demo_results().assessed.filter(pl.col("zone_id") == zone_id).row(0, named=True)


@cache
def zone_ctx(zone_id: str) -> dict:
    return zone_context(zone_row(zone_id), demo_results(), configs().policy, run_info(), FINDINGS)


@cache
def rendered(name: str) -> tuple[bytes, tuple[str, ...]]:
    """PDF bytes and every URL the renderer asked for."""
    fetcher = TemplatesOnlyURLFetcher()
    if name == "province":
        ctx = province_context(demo_results(), configs().policy, run_info(), FINDINGS)
        pdf = render_pdf_bytes("province.html", ctx, url_fetcher=fetcher)
    else:
        pdf = render_pdf_bytes("zone.html", zone_ctx(name), url_fetcher=fetcher)
    return pdf, tuple(fetcher.requested)


@cache
def text_of(name: str) -> str:
    """All page text with whitespace removed: line breaks fall anywhere in a wrapped sentence."""
    reader = PdfReader(io.BytesIO(rendered(name)[0]))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def squash(value: str) -> str:
    return "".join(value.split())


def money(value: str | Decimal) -> str:
    return f"{Decimal(value):,.2f}"


def wan(value: Decimal) -> str:
    return f"{(value / 10000).quantize(Decimal('0.01')):,.2f}"


# --- 主要结论 ------------------------------------------------------------------------------


def test_conclusions_rank_exit_first_and_stay_within_six() -> None:
    sentences = zone_ctx(EXITING)["conclusions"]
    assert 1 <= len(sentences) <= 6
    # Exit outranks interviews, which outrank everything else.
    assert sentences[0].startswith("实行退出机制：2023、2024、2025 年连续 3 年")
    assert [s.startswith("予以约谈") for s in sentences[1:3]] == [True, True]
    # Names never enter a sentence: the hostile zone name stays out of the conclusions.
    assert not any("<b>" in s for s in sentences)


def test_conclusion_figures_equal_the_csvs(results_dir: Path) -> None:
    rewards = [r for r in read_csv(results_dir / "rewards.csv")
               if r["zone_id"] == NATIONAL and r["reward_cny"] and Decimal(r["reward_cny"]) > 0]
    total = sum(Decimal(r["reward_cny"]) for r in rewards)
    region = sum(Decimal(r["region_share_cny"]) for r in rewards)
    targets = [t for t in read_csv(results_dir / "targets.csv") if t["zone_id"] == NATIONAL]
    met = sum(t["status"] == "met" for t in targets)
    gdp = next(i for i in read_csv(results_dir / "indicators.csv")
               if i["zone_id"] == NATIONAL and i["indicator"] == "gdp")
    sentences = zone_ctx(NATIONAL)["conclusions"]
    assert len(sentences) <= 6
    money_sentence = next(s for s in sentences if s.startswith("本年度可获奖励资金"))
    assert f"{len(rewards)} 项" in money_sentence
    assert f"{wan(total)} 万元（{money(total)} 元）" in money_sentence
    assert f"自治区财政承担 {wan(region)} 万元" in money_sentence
    target_sentence = next(s for s in sentences if "项国家级经开区发展目标" in s)
    assert target_sentence.startswith(f"{len(targets)} 项国家级经开区发展目标中达标 {met} 项")
    gdp_sentence = next(s for s in sentences if s.startswith("地区生产总值"))
    assert f"{Decimal(gdp['value']) / 10**8:,.2f} 亿元" in gdp_sentence
    assert f"同比增长 {Decimal(gdp['yoy_growth']) * 100:.1f}%" in gdp_sentence
    text = text_of(NATIONAL)
    for sentence in sentences:
        assert squash(sentence) in text


# --- zone report contents --------------------------------------------------------------------


def test_zone_report_indicators_and_rewards_equal_the_csvs(results_dir: Path) -> None:
    text = text_of(NATIONAL)
    for row in read_csv(results_dir / "indicators.csv"):
        if row["zone_id"] == NATIONAL and row["unit"] == "CNY":
            assert f"{Decimal(row['value']) / 10**8:,.2f}" in text, row["indicator"]
    for row in read_csv(results_dir / "rewards.csv"):
        if row["zone_id"] == NATIONAL and row["reward_cny"]:
            # Exact yuan in the entitlement detail, checkable to the fen.
            assert money(row["reward_cny"]) in text, row["subject_id"]


def test_trend_charts_plot_the_inputs_and_the_target_path() -> None:
    charts = {c["indicator"]: c for c in zone_ctx(NATIONAL)["charts"]}
    assert list(charts) == ["gdp", "fdi_usd", "trade", "enterprises"]
    stats = pl.read_csv(DEMO_DATA_DIR / "zone_stats.csv", infer_schema=False)
    stats = stats.filter(pl.col(stats.columns[0]) == NATIONAL)
    gdp_2019 = Decimal(stats.filter(pl.col(stats.columns[1]) == "2019")[0, 2])  # 亿元
    gdp = charts["gdp"]
    assert gdp["rows"][0] == {"year": 2019, "actual": f"{gdp_2019:,.2f}",
                              "target": f"{gdp_2019:,.2f}"}
    # Target path v_2019 x 1.2^6 in 2025: 钦州港 sits exactly on it (the boundary case).
    assert gdp["rows"][-1]["target"] == f"{gdp_2019 * Decimal('1.2') ** 6:,.2f}"
    assert gdp["rows"][-1]["actual"] == gdp["rows"][-1]["target"]
    text = text_of(NATIONAL)
    assert squash(gdp["caption"]) in text
    # The text alternative (values under each chart) is in the PDF text.
    assert "".join(str(r["year"]) for r in gdp["rows"]) in text
    assert "".join(r["actual"] for r in gdp["rows"]) in text
    # Regional zones: the trend without a target path.
    assert all(c["target"] is None for c in zone_ctx(EXITING)["charts"])


def test_rank_chart_follows_the_national_rankings() -> None:
    ranks = pl.read_csv(DEMO_DATA_DIR / "national_rankings.csv", infer_schema=False)
    ranks = ranks.filter(pl.col(ranks.columns[0]) == NATIONAL).sort(ranks.columns[1])
    chart = zone_ctx(NATIONAL)["rank_chart"]
    assert chart["years"] == [int(y) for y in ranks[ranks.columns[1]]]
    assert chart["ranks"] == [int(r) for r in ranks[ranks.columns[2]]]
    assert chart["years"][0] == 2016 and chart["years"][-1] == YEAR
    rank_2019 = chart["ranks"][chart["years"].index(2019)]
    assert chart["target_rank"] == rank_2019 - 30
    assert zone_ctx(EXITING)["rank_chart"] is None  # regional zones have no national rank


def test_chart_svg_is_deterministic_vector_text_without_data_names() -> None:
    spec = zone_ctx(NATIONAL)["charts"][0]
    svg = chart_svg(spec)
    assert svg == chart_svg(spec)
    assert svg.startswith("<svg") and "<path" in svg and "<text" in svg  # vector, text as text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in svg and 'font-family="Report Sans SC"' in svg
    assert "<image" not in svg and "date" not in svg.lower()
    # No ids at all: several charts share one document, so any id could clash or be mixed up.
    assert " id=" not in svg


def test_data_quality_appendix_lists_the_zones_warnings() -> None:
    ctx = zone_ctx(NATIONAL)
    assert len(ctx["data_quality"]) == 2  # the two warnings on its rows, not the other zone's
    text = text_of(NATIONAL)
    assert text.count("数值含千位分隔符") == 2 and "去掉千位分隔符后重新提交" in text
    # Severity, file, row, column, value: the cell data staff must look at.
    assert "警告zone_stats.csv7地区生产总值（亿元）1,234.5数值含千位分隔符" in text
    assert zone_ctx(EXITING)["data_quality"] == []


def test_methodology_comes_from_the_configs() -> None:
    text = text_of(NATIONAL)
    policy, methodology = configs().policy, configs().methodology
    assert "附录二考核评价方法" in text
    for target in policy.zone_targets:
        assert squash(target.label) in text
    for category in methodology.categories:
        assert f"{category.label}{Decimal(category.weight) * 100:.0f}%" in text
    assert squash(policy.rewards.fdi_project.clause) in text


def test_cover_shows_status_date_version_and_run() -> None:
    first = squash(PdfReader(io.BytesIO(rendered(NATIONAL)[0])).pages[0].extract_text())
    assert "钦州港经济技术开发区" in first and "2025年度考核评价报告" in first
    assert "草稿" in first  # official run, but with warnings: a draft
    assert "2026-01-15" in first and "0.1.0+test" in first and "0123456789abcdef" in first


# --- navigation, attachments, archival structure --------------------------------------------


def outline(pdf: bytes) -> dict[str, int]:
    reader = PdfReader(io.BytesIO(pdf))
    entries: dict[str, int] = {}

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                entries[squash(item.title)] = reader.get_destination_page_number(item) + 1
    walk(reader.outline)
    return entries


@pytest.mark.parametrize("name", [NATIONAL, "province"])
def test_toc_page_numbers_match_the_pdf_bookmarks(name: str) -> None:
    pdf = rendered(name)[0]
    marks = outline(pdf)
    sections = [t for t in marks if re.match(r"^(附录)?[一二三四五六七八九十]+", t)]
    assert len(sections) >= 10, marks
    cover = squash(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    for title in sections:
        match = re.search(re.escape(title) + r"\.+(\d+)", cover)
        assert match, title
        assert int(match.group(1)) == marks[title], title


def attachments(pdf: bytes) -> dict[str, bytes]:
    return {name: data[0] for name, data in PdfReader(io.BytesIO(pdf)).attachments.items()}


def test_zone_attachments_are_its_rows_of_the_result_csvs(results_dir: Path) -> None:
    files = attachments(rendered(NATIONAL)[0])
    names = ("indicators", "targets", "scores", "rewards", "supervision")
    assert set(files) == {f"{NATIONAL}-{n}.csv" for n in names}
    for n in names:
        lines = (results_dir / f"{n}.csv").read_bytes().splitlines(keepends=True)
        mine = [line for line in lines[1:] if line.startswith(f"{NATIONAL},".encode())]
        assert mine, n
        assert files[f"{NATIONAL}-{n}.csv"] == b"".join([lines[0], *mine]), n


def test_province_attachments_are_the_result_csvs(results_dir: Path) -> None:
    files = attachments(rendered("province")[0])
    on_disk = {p.name: p.read_bytes() for p in results_dir.glob("*.csv")}
    assert files == on_disk


@pytest.mark.parametrize("name", [NATIONAL, "province"])
def test_pdfa_tagged_metadata_and_bundled_fonts(name: str) -> None:
    pdf = rendered(name)[0]
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="B"' in xmp
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]  # tagged
    assert str(root["/Lang"]) == "zh-CN"
    assert reader.metadata.author == "广西壮族自治区商务厅"
    assert {base.split("+")[-1] for base in embedded_fonts(pdf)} == {
        "Report-Sans-SC", "Report-Sans-SC-Bold"}  # chart text too: no fallback font


# --- injection ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [NATIONAL, "province"])
def test_hostile_names_print_as_text_and_fetch_nothing(name: str) -> None:
    pdf, requested = rendered(name)
    text = text_of(name)
    if name == "province":
        assert text.count(squash(HOSTILE_ZONE)) >= 3  # zones table, ranking, supervision
    if name == NATIONAL:
        assert squash(HOSTILE_ENTERPRISE) in text
    fetcher = TemplatesOnlyURLFetcher()
    for url in requested:
        if not url.startswith("etdz-chart:"):
            fetcher.resolve(url)  # raises for anything outside report_templates/
    assert not any("127.0.0.1" in url or "passwd" in url for url in requested)


# --- province report -------------------------------------------------------------------------


def test_province_national_ranks_and_money_equal_the_inputs(results_dir: Path) -> None:
    text = text_of("province")
    ranks = {(r[0], int(r[1])): (int(r[2]), int(r[3])) for r in pl.read_csv(
        DEMO_DATA_DIR / "national_rankings.csv", infer_schema=False).rows()}
    national = demo_results().assessed.filter(pl.col("level") == "national")["zone_id"]
    for zone_id in national:
        for year in (YEAR - 1, YEAR):
            if (zone_id, year) in ranks:
                rank, total = ranks[(zone_id, year)]
                assert f"{rank}/{total}" in text, (zone_id, year)
    rewards = read_csv(results_dir / "rewards.csv")
    total = sum(Decimal(r["reward_cny"]) for r in rewards if r["reward_cny"])
    # Leaders read 万元; the exact yuan sits beside it.
    assert f"{wan(total)}万元（{money(total)}元）" in text
    assert "认定自治区级经开区" in text and "13家" in text and "未达标" in text


def test_province_data_quality_summary_counts_by_dataset() -> None:
    ctx = province_context(demo_results(), configs().policy, run_info(), FINDINGS)
    assert ctx["data_quality_summary"] == [
        {"dataset": "zone_stats", "label": ctx["data_quality_summary"][0]["label"],
         "critical": 0, "warning": 3, "total": 3}]
    assert "数据质量汇总" in text_of("province")
    assert len(ctx["data_quality"]) == 3


# --- Excel workbook --------------------------------------------------------------------------


def test_workbook_sheets_numbers_and_formula_injection(results_dir: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(results_dir / "assessment.xlsx")
    assert book.sheetnames == ["封面", "说明", "主要指标", "发展目标", "综合评分", "奖励资金",
                               "督促措施", "设区市考评"]
    cities = list(book["设区市考评"].iter_rows(values_only=True))
    csv_cities = read_csv(results_dir / "city_performance.csv")
    assert cities[0][:5] == ("所在设区市", "年度", "园区代码", "园区名称", "国家级考核名次")
    assert [(r[0], r[2], r[4]) for r in cities[1:]] == [
        (c["city"], c["zone_id"], int(c["rank"])) for c in csv_cities]
    cover = {r[0]: r[1] for r in book["封面"].iter_rows(min_row=3, values_only=True)}
    assert cover["运行编号"] == "0123456789abcdef" and cover["状态"] == "草稿"
    sheet = book["奖励资金"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["园区代码", "园区名称", "年度", "奖励项目"]
    col = header.index("最高可获（元）")
    csv_rows = read_csv(results_dir / "rewards.csv")
    for row, source in zip(sheet.iter_rows(min_row=2), csv_rows, strict=True):
        cell = row[col]
        if source["reward_cny"]:
            assert cell.data_type == "n" and cell.number_format == "#,##0.00"
            assert Decimal(str(cell.value)).quantize(Decimal("0.01")) == Decimal(
                source["reward_cny"])
    # A name starting with "=" is text, never a formula.
    names = book["综合评分"]
    cells = [row[1] for row in names.iter_rows(min_row=2) if row[0].value == "GX-BH-01"]
    assert cells[0].value == FORMULA_ZONE and cells[0].data_type == "s"
    enterprise = [c for row in sheet.iter_rows(min_row=2) for c in row
                  if c.value == HOSTILE_ENTERPRISE]
    assert enterprise and all(c.data_type == "s" for c in enterprise)
    assert not any(c.data_type == "f" for ws in book for row in ws.iter_rows() for c in row)


def test_workbook_is_deterministic(results_dir: Path, tmp_path: Path) -> None:
    write_results(demo_results(), tmp_path, run_info(), configs().policy)
    again = (tmp_path / "results" / "assessment.xlsx").read_bytes()
    assert again == (results_dir / "assessment.xlsx").read_bytes()


def test_workbook_targets_show_which_side_of_the_threshold(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    # 250 亿元 x 1.1999996^6: a CAGR of 19.99996%, 0.200000 at targets.csv's six decimals
    targets = zone_targets(zones(("A", "national")),
                           stats([("A", 2019, {"gdp": Decimal("25000000000")}),
                                  ("A", 2025, {"gdp": Decimal("74649450700.92")})]),
                           city(2025, gdp=Decimal("100000000000")), ranks([]), configs().policy,
                           2025)
    results = dataclasses.replace(demo_results(), targets=targets)
    path = write_assessment_workbook(results, tmp_path / "a.xlsx", run_info(), configs().policy)
    sheet = load_workbook(path)["发展目标"]
    header = [c.value for c in sheet[1]]
    rows = {r[header.index("目标代码")].value: r for r in sheet.iter_rows(min_row=2)}
    cagr = rows["gdp_cagr"]
    value, threshold = cagr[header.index("数值")], cagr[header.index("本年度要求")]
    assert cagr[header.index("完成情况")].value == "未达标"
    # seven decimals show 0.2000000 against 0.1999996: the value is under the threshold
    assert value.number_format == threshold.number_format == "#,##0.0000000"
    assert f"{value.value:.7f}" == "0.1999996" and threshold.value == 0.2
    # far from the threshold (74.65% against 10%) the cells are the CSV's numbers, six decimals
    share = rows["gdp_city_share"]
    value, threshold = share[header.index("数值")], share[header.index("本年度要求")]
    assert value.number_format == threshold.number_format == "#,##0.000000"
    assert (value.value, threshold.value) == (0.746495, 0.1)
