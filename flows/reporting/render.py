"""Render report contexts to PDF with Jinja2 + WeasyPrint.

Every display value arrives pre-formatted (strings) from the caller; this module only turns a
template and a context into deterministic PDF bytes:

- autoescaping is on for every template, so zone and enterprise names are always text;
- the stylesheet is given to WeasyPrint as a file (``stylesheets=``), never inlined, because
  autoescaping inside ``<style>`` silently drops the ``@font-face`` rules;
- the URL fetcher serves only files inside ``report_templates/`` (fonts, CSS, images):
  no network at run time, and no ``file:///etc/passwd`` smuggled in through a data value;
- no wall-clock time reaches the PDF: dates come from ``doc.report_date``, so the same context
  gives the same bytes (attachments included: their dates are the report date too);
- charts arrive as specs (numbers) and become SVG here, in the render worker
  (charts.py, a fraction of a millisecond a chart). The template asks
  ``chart_url(spec)`` for an image URL, and this document's fetcher serves the SVG from
  memory: no markup is marked safe, no data: URLs are opened, and WeasyPrint draws the SVG as
  an image (inline SVG would also run its attributes through the HTML CSS parser).
- ``render_job`` is what render worker processes run: importing this module costs a worker
  WeasyPrint and Jinja2 only, not the Prefect flow.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
import pydyf
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

import report_templates
from flows.reporting.charts import chart_svg

TEMPLATES_DIR = Path(report_templates.__file__).resolve().parent
STYLESHEET = TEMPLATES_DIR / "style.css"
PDF_AUTHOR = "广西壮族自治区商务厅"

# PDF/A-3b: the archival profile the department files reports under. Left off (None) when it
# cannot be produced deterministically; see tests/test_render.py::test_render_is_deterministic.
PDF_VARIANT: str | None = "pdf/a-3b"
# Tagged structure (headings, tables, figures' alt text) for screen readers; WeasyPrint writes
# it alongside PDF/A-3b (tests/test_reports.py reads the /StructTreeRoot back).
PDF_TAGS = True


@contextmanager
def _fixed_font_timestamp(report_date: str | None) -> Iterator[None]:
    """Pin fontTools' clock to the report date while a PDF is written.

    Without the HarfBuzz-Subset library WeasyPrint subsets embedded fonts with fontTools, which
    stamps head.modified with the current time, so every PDF differed. fontTools honours
    SOURCE_DATE_EPOCH (reproducible-builds.org). Set only for the call, so the rest of the
    process (the cover date default, for one) never sees a value nobody chose.
    """
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    if previous is None:
        try:
            day = dt.date.fromisoformat(report_date or "")
        except ValueError:
            day = dt.date(2019, 1, 1)  # the policy's base year: any fixed value will do
        epoch = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)


def _cache_page_references() -> None:
    """Make tagging linear in the page count: cache pydyf's list of page references.

    ``pydyf.PDF.page_references`` (pydyf 0.13) builds a tuple with every page's reference each
    time it is read, and WeasyPrint's tagging (pdf/tags.py) reads it once per tagged box to
    pick one page. So tagging cost pages x boxes: 18 s of CPU (234 s -> 217 s) in a 645-page
    province report at national scale, nothing to speak of in an 8-page zone report. The cached
    tuple is the one pydyf would build (pages are only ever appended, so their count is the
    cache key): the PDF bytes do not change. Skipped if pydyf no longer has the property.
    """
    built = getattr(pydyf.PDF, "page_references", None)
    if not isinstance(built, property) or getattr(built.fget, "cached", False):
        return
    build = built.fget

    def page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
        count = len(pdf.pages["Kids"])
        cached = pdf.__dict__.get("_page_references_cache")
        if cached is None or cached[0] != count:
            cached = pdf.__dict__["_page_references_cache"] = (count, build(pdf))
        return cached[1]

    page_references.cached = True  # type: ignore[attr-defined]
    pydyf.PDF.page_references = property(page_references)  # type: ignore[method-assign]


_cache_page_references()


class DisallowedURLError(ValueError):
    """A template or a data value asked for a resource outside report_templates/."""


CHART_SCHEME = "etdz-chart"


class TemplatesOnlyURLFetcher(URLFetcher):
    """Serve ``file://`` URLs inside report_templates/ and this document's charts; refuse
    everything else.

    WeasyPrint catches the error, logs a warning and renders without the resource, so a zone
    name that somehow became markup cannot make the renderer fetch anything.
    """

    def __init__(self, root: Path = TEMPLATES_DIR) -> None:
        super().__init__()
        self.root = root.resolve()
        self.requested: list[str] = []  # every URL asked for, allowed or not (for tests, logs)
        self.charts: dict[str, bytes] = {}  # etdz-chart:N.svg -> SVG drawn for this document

    def add_chart(self, spec: dict[str, Any]) -> str:
        """Draw a chart spec as SVG and return the URL this fetcher serves it under."""
        url = f"{CHART_SCHEME}:{len(self.charts)}.svg"
        self.charts[url] = chart_svg(spec).encode("utf-8")
        return url

    def resolve(self, url: str) -> Path:
        """The file a URL points to, or DisallowedURLError."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise DisallowedURLError(f"报告模板只能引用模板目录内的文件，已拒绝：{url}")
        path = Path(unquote(parts.path)).resolve()  # resolve() also defeats ../ and symlinks
        if not path.is_relative_to(self.root) or not path.is_file():
            raise DisallowedURLError(f"报告模板只能引用模板目录内的文件，已拒绝：{url}")
        return path

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        self.requested.append(url)
        if url in self.charts:
            return URLFetcherResponse(url, body=self.charts[url],
                                      headers={"Content-Type": "image/svg+xml"})
        path = self.resolve(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["pdf_author"] = PDF_AUTHOR
    environment.filters["numbered"] = numbered_sections
    return environment


CHINESE_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
                    "十三", "十四", "十五")


def numbered_sections(items: list[tuple[str, str]], appendix: bool = False
                      ) -> list[tuple[str, str, str]]:
    """(id, title) -> (id, "三、" or "附录二 ", title): headings and the TOC number alike, and a
    section that does not apply to a zone leaves no gap in the numbering."""
    return [(id_, f"附录{CHINESE_NUMERALS[i]}　" if appendix else f"{CHINESE_NUMERALS[i]}、", title)
            for i, (id_, title) in enumerate(items)]



@cache
def _font_config() -> FontConfiguration:
    # One per process: WeasyPrint copies each @font-face file into its temp folder once and
    # skips it on later documents (keyed on the rule's descriptors).
    return FontConfiguration()


def render_html(template_name: str, context: dict[str, Any],
                url_fetcher: TemplatesOnlyURLFetcher | None = None) -> str:
    """The report's HTML; chart images are drawn into ``url_fetcher``, which must then serve
    the document (a throwaway one when only the HTML is wanted)."""
    fetcher = url_fetcher or TemplatesOnlyURLFetcher()
    return _environment().get_template(template_name).render(**context,
                                                             chart_url=fetcher.add_chart)


def render_pdf_bytes(
    template_name: str,
    context: dict[str, Any],
    url_fetcher: TemplatesOnlyURLFetcher | None = None,
) -> bytes:
    """PDF bytes for one report; identical context gives identical bytes."""
    fetcher = url_fetcher or TemplatesOnlyURLFetcher()
    font_config = _font_config()
    html = weasyprint.HTML(
        string=render_html(template_name, context, fetcher),
        base_url=TEMPLATES_DIR.as_uri() + "/",
        url_fetcher=fetcher,
    )
    stylesheet = weasyprint.CSS(
        filename=str(STYLESHEET), url_fetcher=fetcher, font_config=font_config
    )
    with _fixed_font_timestamp(context.get("doc", {}).get("report_date")):
        pdf = html.write_pdf(
            stylesheets=[stylesheet],
            font_config=font_config,
            pdf_variant=PDF_VARIANT,
            # A fixed identifier instead of one derived from run-time state; the document
            # title and date make it specific enough for viewers that cache by /ID.
            pdf_identifier=_pdf_identifier(context),
            uncompressed_pdf=False,
            attachments=_attachments(context),
            pdf_tags=PDF_TAGS,
        )
    assert pdf is not None
    return pdf


def _report_datetime(context: dict[str, Any]) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(context.get("doc", {}).get("report_date") or "")
    except ValueError:
        day = dt.date(2019, 1, 1)  # as _fixed_font_timestamp: any fixed value will do
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)  # written with a "Z"


def _attachments(context: dict[str, Any]) -> list[weasyprint.Attachment]:
    """The report's result rows as embedded CSV files (PDF/A-3 allows attachments).

    Created and modified are the report date: WeasyPrint would stamp the current time.
    """
    when = _report_datetime(context)
    return [
        weasyprint.Attachment(
            string=item["content"], name=item["name"], description=item["description"],
            created=when, modified=when, relationship="Data",
        )
        for item in context.get("attachments", [])
    ]


def render_pdf(template_name: str, context: dict[str, Any], out_path: Path) -> None:
    """Write one report to ``out_path`` (parent folders are created)."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(render_pdf_bytes(template_name, context))


def render_job(job: tuple[str, dict[str, Any], str]) -> str:
    """Render one (template, context, output path) job; returns the path.

    The function render worker processes run (parallel.py). It lives here so that a spawned
    worker unpickling it imports the renderer only: importing the flow would load Prefect too,
    about 3 s of CPU in every worker.
    """
    template, context, out_path = job
    render_pdf(template, context, Path(out_path))
    return out_path


def _pdf_identifier(context: dict[str, Any]) -> bytes:
    doc = context.get("doc", {})
    key = "|".join(str(doc.get(k, "")) for k in ("title", "report_date", "version", "run_id"))
    return hashlib.md5(key.encode("utf-8"), usedforsecurity=False).hexdigest().encode()
