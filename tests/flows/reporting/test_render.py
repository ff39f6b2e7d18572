"""PDF rendering: Chinese text really embedded, bundled fonts only, deterministic, no fetching.

WeasyPrint draws Chinese as empty boxes with exit code 0 when no CJK font is found, so these
tests read the PDF back (text and embedded fonts) instead of trusting a successful render.
Each render costs about a second or two: the module renders each document once and shares it.
"""

from __future__ import annotations

import copy
import io
from functools import cache

import pytest
from pypdf import PdfReader

from flows.reporting.render import (
    PDF_VARIANT,
    TEMPLATES_DIR,
    DisallowedURLError,
    TemplatesOnlyURLFetcher,
    render_pdf,
    render_pdf_bytes,
)
from tests.helpers import (
    HOSTILE_NAME,
    embedded_fonts,
    pdf_text,
    sample_province_context,
    sample_zone_context,
)


@cache
def rendered(name: str) -> bytes:
    contexts = {
        "zone": ("zone.html", sample_zone_context()),
        "province": ("province.html", sample_province_context()),
        "hostile": ("zone.html", sample_zone_context(zone_name=HOSTILE_NAME)),
    }
    template, context = contexts[name]
    return render_pdf_bytes(template, context)


@pytest.mark.parametrize("name", ["zone", "province"])
def test_chinese_text_is_extractable(name: str) -> None:
    text = pdf_text(rendered(name))
    assert "第 1 页" in text and "共" in text
    if name == "zone":
        assert "南宁经济技术开发区" in text
        assert "地区生产总值年均增长" in text
        assert "达标" in text and "未达标" in text and "无数据" in text
    else:
        assert "广西经开区" in text
        assert "自治区级经开区数量" in text
        assert "GDP年均增长" in text


@pytest.mark.parametrize("name", ["zone", "province"])
def test_only_bundled_truetype_fonts_are_embedded(name: str) -> None:
    fonts = embedded_fonts(rendered(name))
    # WeasyPrint names the PDF font after the CSS family ("ABCDEF+Report-Sans-SC-Bold");
    # any other family (a system Noto CJK, DejaVu) means a glyph fell back outside the
    # bundle. The font program itself must be our TrueType subset (/FontFile2; the system
    # Noto CJK is CFF, /FontFile3) carrying the PostScript name build_fonts.py gives it.
    assert {base.split("+")[-1] for base in fonts} == {"Report-Sans-SC", "Report-Sans-SC-Bold"}
    for kinds, ps_name in fonts.values():
        assert kinds == {"/FontFile2"}, fonts
        assert ps_name in {"NotoSansSC-Regular", "NotoSansSC-Bold"}, fonts


def test_status_symbols_are_in_the_bundled_font() -> None:
    from fontTools.ttLib import TTFont

    for weight in ("Regular", "Bold"):
        cmap = TTFont(TEMPLATES_DIR / "fonts" / f"NotoSansSC-{weight}.ttf").getBestCmap()
        missing = [ch for ch in "√×—→≥≤±％（）、，。：；“”‘’《》…·○●△▲～" if ord(ch) not in cmap]
        assert not missing, (weight, missing)


def test_render_is_deterministic() -> None:
    again = render_pdf_bytes("zone.html", sample_zone_context())
    assert again == rendered("zone")


def test_pdf_metadata() -> None:
    reader = PdfReader(io.BytesIO(rendered("zone")))
    info = reader.metadata
    assert info.title == "南宁经济技术开发区 2025 年度考核评价报告"
    assert info.author == "广西壮族自治区商务厅"
    assert str(reader.trailer["/Root"].get("/Lang")) == "zh-CN"
    # Dates come from doc.report_date, not the clock.
    assert str(info.get("/CreationDate", "")).startswith("D:20260115")
    if PDF_VARIANT == "pdf/a-3b":
        xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
        assert b"pdfaid:part" in xmp and b"2026-01-15" in xmp


def test_draft_watermark_only_on_drafts() -> None:
    draft_pages = PdfReader(io.BytesIO(rendered("zone"))).pages
    assert len(draft_pages) >= 2  # so "every page" means something
    assert all("草稿" in page.extract_text() for page in draft_pages)
    final = sample_zone_context(draft=False)
    final["notes"] = []
    final["data_quality"] = []  # an official run with warnings is a draft (RunInfo.draft)
    assert "草稿" not in pdf_text(render_pdf_bytes("zone.html", final))


def test_markup_in_a_zone_name_is_text_and_fetches_nothing() -> None:
    fetcher = TemplatesOnlyURLFetcher()
    pdf = render_pdf_bytes("zone.html", sample_zone_context(zone_name=HOSTILE_NAME), url_fetcher=fetcher)
    text = pdf_text(pdf).replace("\n", "")
    assert '<img src="http://127.0.0.1:9/x.png">' in text
    assert "<b>粗</b>" in text
    assert "file:///etc/passwd" in text
    # Nothing outside report_templates/ was even asked for, apart from this document's own
    # charts, served from memory. (The fonts are fetched once per process, so they may not
    # be in the list; the stylesheet is read by file name.)
    assert fetcher.charts and set(fetcher.charts) <= set(fetcher.requested)
    for url in fetcher.requested:
        if url not in fetcher.charts:
            fetcher.resolve(url)  # raises for anything outside report_templates/
    # The hostile name also reached the conclusions and the data-quality appendix as text.
    assert text.count("<b>粗</b>") >= 3


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "https://example.com/font.ttf",
        "file:///etc/passwd",
        (TEMPLATES_DIR / "fonts" / ".." / ".." / "pyproject.toml").as_uri(),
        "file://remotehost/share/x.css",
        "data:text/css,body{color:red}",
        "ftp://example.com/x",
    ],
)
def test_fetcher_refuses_anything_outside_the_templates(url: str) -> None:
    with pytest.raises(DisallowedURLError):
        TemplatesOnlyURLFetcher().fetch(url)


def test_fetcher_serves_bundled_files() -> None:
    response = TemplatesOnlyURLFetcher().fetch((TEMPLATES_DIR / "style.css").as_uri())
    assert b"@font-face" in response.read()


def test_refused_resources_do_not_stop_rendering() -> None:
    # Defence in depth: even markup that does reach WeasyPrint gets nothing from outside.
    import weasyprint

    fetcher = TemplatesOnlyURLFetcher()
    html = weasyprint.HTML(
        string='<p>x</p><img src="http://127.0.0.1:9/x.png">'
        '<link rel=stylesheet href="file:///etc/passwd">',
        base_url=TEMPLATES_DIR.as_uri() + "/",
        url_fetcher=fetcher,
    )
    assert html.write_pdf().startswith(b"%PDF")
    assert "http://127.0.0.1:9/x.png" in fetcher.requested
    assert "file:///etc/passwd" in fetcher.requested


def test_national_targets_not_applicable() -> None:
    context = sample_zone_context()
    context = copy.deepcopy(context)
    context["targets"] = []
    context["zone"]["level_label"] = "自治区级"
    text = pdf_text(render_pdf_bytes("zone.html", context))
    assert "不适用国家级经开区发展目标" in text.replace("\n", "")


def test_render_pdf_writes_file(tmp_path) -> None:
    out = tmp_path / "sub" / "province.pdf"
    render_pdf("province.html", sample_province_context(), out)
    assert out.read_bytes() == rendered("province")
