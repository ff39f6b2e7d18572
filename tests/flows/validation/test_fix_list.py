"""The fix list's three forms (CSV, HTML, Excel), Data Docs, and the pass-to-pass comparison."""

from __future__ import annotations

import csv
import io
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from flows.ingest.folder import ingest_folder
from flows.settings import DEMO_DATA_DIR
from flows.validation.comparison import STATUS_NEW, STATUS_OPEN, compare, finding_key, grouped
from flows.validation.console import describe
from flows.validation.fix_list import read_csv, render_html, write_all, write_xlsx
from flows.validation.outputs import write_validation
from flows.validation.validate import validate_step
from tests.helpers import BAD_INPUTS, chromium
from transforms.findings import Finding, Severity

C, W = Severity.CRITICAL, Severity.WARNING


def finding(severity: Severity, file: str, row: int | None, column: str, rule_id: str,
            value: str = "", zone_id: str = "", sheet: str = "") -> Finding:
    return Finding(severity, file.split(".")[0], file, sheet, row, column, f"{column}（标签）",
                   value, rule_id, "问题说明。", "修改建议。", zone_id)


FINDINGS = [
    finding(W, "zone_stats.csv", 5, "gdp", "zone_stats.gdp_yoy_band", "300", "GX-NN-01"),
    finding(C, "city_stats.csv", 3, "gdp", "city_stats.gdp_covers_zones", "50"),
    finding(C, "zone_stats.csv", 9, "trade", "ingest.not_a_number", "<b>abc</b>&", "GX-NN-01"),
    finding(C, "zones.xlsx", 4, "city", "ingest.not_in_vocabulary", "北京市", "GX-BJ-01",
            sheet="名录"),
    finding(W, "zone_stats.csv", 7, "enterprises", "ingest.number_tidied", "=1+2", "GX-BJ-01"),
    finding(C, "exchange_rates.csv", None, "", "ingest.encoding"),
]


def test_grouped_by_zone_then_file_what_blocks_first() -> None:
    # every group here holds a critical finding: the no-zone group leads, then zones in order;
    # within a zone the file with a critical finding first; within a file critical first
    assert [(f.zone_id, f.file, f.row) for f in grouped(FINDINGS)] == [
        ("", "city_stats.csv", 3),
        ("", "exchange_rates.csv", None),
        ("GX-BJ-01", "zones.xlsx", 4),
        ("GX-BJ-01", "zone_stats.csv", 7),
        ("GX-NN-01", "zone_stats.csv", 9),
        ("GX-NN-01", "zone_stats.csv", 5),
    ]


WARNINGS_ONLY = [
    finding(W, "zone_stats.csv", 5, "gdp", "zone_stats.gdp_yoy_band", "300", "GX-NN-01"),
    finding(W, "city_stats.csv", 3, "gdp", "city_stats.gdp_yoy_band", "50"),
    finding(W, "zone_stats.csv", 7, "gdp", "zone_stats.gdp_yoy_band", "9", "GX-BJ-01"),
    finding(C, "zone_stats.csv", 9, "trade", "ingest.not_a_number", "abc", "GX-YL-01"),
]


def test_blocking_zones_lead_and_warning_only_groups_keep_zone_order() -> None:
    assert [(f.zone_id, f.row) for f in grouped(WARNINGS_ONLY)] == [
        ("GX-YL-01", 9),  # the only zone with a critical finding, though last by code
        ("GX-BJ-01", 7),
        ("GX-NN-01", 5),
        ("", 3),  # no critical finding: the no-zone group stays last
    ]


def test_csv_round_trips_in_group_order(tmp_path: Path) -> None:
    paths = write_all(FINDINGS, tmp_path)
    assert [p.name for p in paths] == ["fix_list.csv", "fix_list.html", "fix_list.xlsx"]
    assert (tmp_path / "fix_list.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel
    assert read_csv(tmp_path / "fix_list.csv") == grouped(FINDINGS)


def test_html_is_chinese_self_contained_and_escaped() -> None:
    page = render_html(FINDINGS, zone_names={"GX-NN-01": "南宁经开区"})
    assert page.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in page
    # no script, no external style sheet, font or image: opens offline on any office PC
    for banned in ("<script", "<link", "http://", "https://", "src="):
        assert banned not in page
    # a submitted value is text, never markup
    assert "&lt;b&gt;abc&lt;/b&gt;&amp;" in page and "<b>abc</b>" not in page
    # summary counts at the top; severity shown by icon and word
    assert "⛔ 严重<b>4</b>" in page and "⚠ 警告<b>2</b>" in page and "合计<b>6</b>" in page
    assert page.count("⛔ 严重") == 1 + 1 + 4  # summary box, dataset table header, rows
    assert "园区 GX-NN-01 南宁经开区" in page and "园区 GX-BJ-01" in page
    assert "zones.xlsx（工作表：名录）" in page
    assert "整个文件" in page  # the encoding finding has no row
    # what blocks first: the no-zone group holds critical findings, so it leads the zones
    assert page.index("不属于单个园区") < page.index("园区 GX-BJ-01") < page.index("园区 GX-NN-01")
    assert "data_docs/index.html" in page  # says where the technical report is, and why not it


def test_html_with_no_findings() -> None:
    assert "未发现数据问题" in render_html([])


def test_xlsx_headers_filter_freeze_and_no_formulas(tmp_path: Path) -> None:
    path = write_xlsx(FINDINGS, tmp_path / "fix_list.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["修改清单"]
    header = [c.value for c in ws[1]]
    assert header == ["严重程度", "园区代码", "数据集", "文件", "工作表", "行号", "列", "填写的值",
                      "问题说明", "修改建议", "规则编号", "起因", "涉及行号", "处数"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:N7"
    values = {ws.cell(r, 8).value: ws.cell(r, 8).data_type for r in range(2, ws.max_row + 1)}
    assert values["=1+2"] == "s"  # text, not a formula
    assert values["<b>abc</b>&"] == "s"
    assert ws.cell(2, 1).value == "⛔ 严重" and ws.cell(2, 6).value == 3
    assert ws.cell(3, 6).value == "整个文件"


def test_xlsx_is_reproducible(tmp_path: Path) -> None:
    a = write_xlsx(FINDINGS, tmp_path / "a.xlsx").read_bytes()
    b = write_xlsx(FINDINGS, tmp_path / "b.xlsx").read_bytes()
    assert a == b


@pytest.mark.parametrize(
    ("before", "after", "statuses", "resolved"),
    [
        # nothing before: everything is new
        (None, FINDINGS[:2], [STATUS_NEW, STATUS_NEW], []),
        # row 5 fixed, row 3 of city_stats still open, row 9 new
        (FINDINGS[:2], FINDINGS[1:3], [STATUS_OPEN, STATUS_NEW], [FINDINGS[0]]),
        # same cell, same rule, another wrong value: still open, not fixed-and-new
        ([FINDINGS[2]], [finding(C, "zone_stats.csv", 9, "trade", "ingest.not_a_number", "x",
                                 "GX-NN-01")], [STATUS_OPEN], []),
        # same cell, another rule: the old problem is fixed, a new one appeared
        ([FINDINGS[2]], [finding(C, "zone_stats.csv", 9, "trade", "zone_stats.trade_required")],
         [STATUS_NEW], [FINDINGS[2]]),
    ],
)
def test_compare(before, after, statuses, resolved) -> None:
    result = compare(before, after)
    assert [result.statuses[finding_key(f)] for f in after] == statuses
    assert result.resolved == resolved
    assert result.new == statuses.count(STATUS_NEW)


def test_status_column_and_resolved_section(tmp_path: Path) -> None:
    result = compare(FINDINGS[:2], FINDINGS[1:3])
    write_all(FINDINGS[1:3], tmp_path, statuses=result.statuses, resolved=result.resolved)
    with (tmp_path / "fix_list.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["status"], r["file"], r["row"]) for r in rows] == [
        (STATUS_OPEN, "city_stats.csv", "3"), (STATUS_NEW, "zone_stats.csv", "9")]
    page = (tmp_path / "fix_list.html").read_text(encoding="utf-8")
    assert "✔ 已解决<b>1</b>" in page and "已解决（上次有、本次已没有的问题）" in page
    wb = openpyxl.load_workbook(tmp_path / "fix_list.xlsx")
    assert wb.sheetnames == ["修改清单", "已解决"]
    assert wb["已解决"].cell(2, 1).value == "已解决"
    assert wb["修改清单"].cell(1, 1).value == "状态"


def test_write_validation_builds_data_docs_offline(tmp_path: Path) -> None:
    corpus = BAD_INPUTS / "unit_jump"
    findings = validate_step(ingest_folder(corpus))
    paths = write_validation(findings, tmp_path / "a")
    names = sorted(p.relative_to(tmp_path / "a").as_posix() for p in paths)
    assert names == ["data_docs/index.html", "fix_list.csv", "fix_list.html", "fix_list.xlsx",
                     "summary.json"]
    report = (tmp_path / "a" / "data_docs" / "index.html").read_text(encoding="utf-8")
    assert "数据校验技术报告" in report and "zone_stats.gdp_unit_jump" in report
    # the same findings give the same bytes (the annual manifest hashes every output)
    write_validation(validate_step(ingest_folder(corpus)), tmp_path / "b")
    for page in sorted((tmp_path / "a").rglob("*.html")):
        other = tmp_path / "b" / page.relative_to(tmp_path / "a")
        assert other.read_bytes() == page.read_bytes(), page


# ---------------------------------------------------------------------------------------------
# Safe to open: formulas, markup, no network, the font inside

# What a spreadsheet would evaluate, as staff might type it (or an attacker plant it).
FORMULAS = ['=HYPERLINK("http://example.invalid","点我")', "+cmd|' /C calc'!A0", "-2+3",
            "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "'=1+1"]


def test_fix_list_csv_neutralises_formulas_and_reads_back_exactly(tmp_path: Path) -> None:
    findings = [finding(W, "zone_stats.csv", i + 2, "gdp", "zone_stats.gdp_yoy_band", value)
                for i, value in enumerate([*FORMULAS, "-5", "+3.2", "1e5"])]
    path = write_all(findings, tmp_path)[0]
    with path.open(encoding="utf-8-sig", newline="") as fh:
        values = [row["value"] for row in csv.DictReader(fh)]
    assert values == ["'" + v for v in FORMULAS] + ["-5", "+3.2", "1e5"]  # numbers stay numbers
    assert read_csv(path) == grouped(findings)  # last night's list compares exactly


def test_fix_list_page_carries_its_font_and_forbids_the_network() -> None:
    page = render_html(FINDINGS)
    assert '@font-face { font-family: "ETDZ Noto Sans SC"' in page
    assert "src: url(data:font/woff2;base64," in page
    assert "default-src 'none'" in page  # no script, no request, whatever a value holds
    size = len(page.encode())
    assert 20_000 < size < 400_000, size  # a subset, not the 6.9 MB font


def pdf_fonts(pdf: Path) -> set[str]:
    """The fonts a PDF draws its text with."""
    return {str(font.get_object().get("/BaseFont"))
            for page in PdfReader(pdf).pages
            for font in ((page.get("/Resources") or {}).get("/Font") or {}).values()}


def page_elements(page: str) -> tuple[set[str], list[str]]:
    """The tags of a page and every src/href it holds, as a browser's parser sees them."""
    tags: set[str] = set()
    references: list[str] = []

    class Reader(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.add(tag)
            references.extend(v or "" for k, v in attrs if k in ("src", "href"))

    Reader().feed(page)
    return tags, references


HOSTILE = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>"


@pytest.fixture(scope="module")
def hostile_validation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real validation pass over a zone list whose cells hold markup and formulas."""
    data = tmp_path_factory.mktemp("hostile-data")
    (data / "zones.csv").write_text(
        "zone_id,zone_name,level,city,approved_date,status\n"
        f'"{HOSTILE.replace(chr(34), chr(34) * 2)}",南宁经开区,national,南宁市,2001-05-01,active\n'
        '"=HYPERLINK(""http://example.invalid"")",柳州经开区,national,柳州市,2001-05-01,active\n',
        encoding="utf-8")
    out = tmp_path_factory.mktemp("hostile-out")
    write_validation(validate_step(ingest_folder(data)), out)
    return out


def test_technical_report_escapes_values_and_needs_no_network(hostile_validation: Path) -> None:
    report = (hostile_validation / "data_docs" / "index.html").read_text(encoding="utf-8")
    assert "zones.zone_id_format" in report and "未通过" in report
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in report
    tags, references = page_elements(report)
    assert tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "div",
                    "b", "nav", "a", "table", "tr", "th", "td", "br"}, tags
    assert all(ref.startswith("#") for ref in references), references  # only its own anchors
    assert re.findall(r"url\((?!data:)", report) == []  # nothing to fetch
    assert "default-src 'none'" in report and "data:font/woff2" in report
    rows = list(csv.DictReader((hostile_validation / "fix_list.csv").open(encoding="utf-8-sig")))
    assert "'=HYPERLINK(\"http://example.invalid\")" in [r["value"] for r in rows]


def test_pages_open_offline_in_a_real_browser_without_chinese_fonts(
        hostile_validation: Path, tmp_path: Path) -> None:
    """Chromium with the network off and no font on the machine: nothing submitted runs, and
    the pages draw their Chinese with the font they carry (without it, Chromium here prints
    no text at all)."""
    for page in (hostile_validation / "fix_list.html",
                 hostile_validation / "data_docs" / "index.html"):
        dom = chromium(page, tmp_path / "dom", "--dump-dom")
        assert "pwned" not in dom.split("</title>")[0]  # no script ran, no handler fired
        tags, _ = page_elements(dom)
        assert not tags & {"script", "img", "iframe", "object", "link"}, tags
        assert "&lt;script&gt;" in dom  # the value is shown, as text
        # Printed with no font on the machine, the PDF can only hold the font the page carries.
        # (Chromium decodes a data: font off the main thread and may print before it is
        # ready, more so on a loaded machine: it is given virtual time to settle and three
        # tries; a page that never draws with the font fails.)
        for attempt in range(3):
            printed = tmp_path / f"{page.stem}-{attempt}.pdf"
            chromium(page, tmp_path / "print", "--virtual-time-budget=10000",
                     f"--print-to-pdf={printed}", "--no-pdf-header-footer")
            if "NotoSansSC" in " ".join(pdf_fonts(printed)):
                break
        assert "NotoSansSC" in " ".join(pdf_fonts(printed)), (page, pdf_fonts(printed))
        text = PdfReader(printed).pages[0].extract_text()
        assert ("数据修改清单" if page.name == "fix_list.html" else "数据校验技术报告") in text
def test_a_missing_column_leads_and_its_follow_ons_point_at_it(tmp_path: Path) -> None:
    # The demo data with 年份 taken out of zone_stats.csv: the base-year rule then finds no 2019
    # row for any national zone. The missing column blocks and comes first; the four warnings it
    # causes follow, each naming it, in the fix list's every form and on the terminal.
    data = tmp_path / "data"
    shutil.copytree(DEMO_DATA_DIR, data)
    stats_file = data / "zone_stats.csv"
    rows = list(csv.reader(io.StringIO(stats_file.read_bytes().decode("gb18030"))))
    year = rows[0].index("年份")
    kept = io.StringIO()
    csv.writer(kept, lineterminator="\n").writerows([r[:year] + r[year + 1:] for r in rows])
    stats_file.write_bytes(kept.getvalue().encode("gb18030"))

    findings = validate_step(ingest_folder(data))
    cause = "zone_stats.csv 第 1 行“年份”：缺少必填字段“年份”（year）"
    ordered = grouped(findings)
    assert [(f.severity, f.zone_id, f.rule_id, f.caused_by) for f in ordered] == [
        (C, "", "ingest.missing_column", ""),
        *[(W, zone, "zones.base_year_stats_present", cause)
          for zone in ("GX-NN-01", "GX-NN-02", "GX-QZ-01", "GX-QZ-02")],
    ]
    assert findings[0].rule_id == "ingest.missing_column"  # the flat order too: critical first

    write_all(findings, tmp_path / "out")
    page = (tmp_path / "out" / "fix_list.html").read_text(encoding="utf-8")
    assert page.index("缺少必填字段“年份”") < page.index("园区 GX-NN-01")
    assert page.count(f"⤷ 起因：{cause}。请先修改该处，本条通常随之消失。") == 4
    with (tmp_path / "out" / "fix_list.csv").open(encoding="utf-8-sig", newline="") as fh:
        csv_rows = list(csv.DictReader(fh))
    # appended after the columns before it (the grouped findings' rows and count follow it)
    assert list(csv_rows[0])[-3:] == ["caused_by", "rows", "count"]
    assert [r["caused_by"] for r in csv_rows] == ["", cause, cause, cause, cause]
    assert read_csv(tmp_path / "out" / "fix_list.csv") == ordered
    sheet = openpyxl.load_workbook(tmp_path / "out" / "fix_list.xlsx")["修改清单"]
    assert [(r[0].value, r[-3].value) for r in sheet.iter_rows(min_row=2)] == [
        ("⛔ 严重", ""), *[("⚠ 警告", cause)] * 4]
    assert describe(ordered[1]).endswith(f"（起因：{cause}，请先修改该处）")
