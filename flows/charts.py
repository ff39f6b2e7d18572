"""Report charts as inline SVG: trend against the target path, national rank history.

Charts are drawn from a *spec*, a plain dict of numbers and fixed Chinese labels built by
flows/report_context.py, and turned into SVG inside the render worker (flows/render.py calls
`chart_svg` from the template). So:

- matplotlib is imported lazily, once per render process, and only when a report has a chart
  (the import costs about a second);
- the SVG holds no text from the data: zone and enterprise names stay in the HTML around the
  figure, where Jinja escapes them; the SVG carries only numbers, years and our own labels,
  which is why the template may mark it safe;
- text stays text (``svg.fonttype = "none"``) in the bundled face's CSS family, so WeasyPrint
  draws it with the fonts the report embeds anyway, and it is selectable and searchable;
- output is deterministic: fixed ids (``svg.hashsalt``) and no date in the metadata.
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
from functools import cache
from pathlib import Path
from typing import Any

import report_templates

# The @font-face family of report_templates/style.css and the files it points at.
FONT_FAMILY = "Report Sans SC"
FONT_FILES = tuple(Path(report_templates.__file__).resolve().parent / "fonts" / name
                   for name in ("NotoSansSC-Regular.ttf", "NotoSansSC-Bold.ttf"))

# Greys plus one accent; the target path is dashed and labelled, so colour is never the only cue.
ACTUAL_COLOUR = "#1f4e79"
TARGET_COLOUR = "#7f7f7f"
FIG_SIZE = (3.35, 2.05)  # inches: two charts side by side across the A4 text width


@cache
def _matplotlib() -> Any:
    """Import matplotlib and set it up for report charts (once per process)."""
    import matplotlib

    matplotlib.use("svg")  # no GUI toolkit probing in render workers
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    # Register the bundled faces under the CSS family name, so the SVG text asks WeasyPrint for
    # exactly the @font-face the stylesheet declares (the files' own name is "Noto Sans SC").
    for path in FONT_FILES:
        entry = font_manager.ttfFontProperty(FT2Font(str(path)))
        font_manager.fontManager.ttflist.insert(0, dataclasses.replace(entry, name=FONT_FAMILY))
    font_manager.fontManager._findfont_cached.cache_clear()  # forget lookups made before
    matplotlib.rcParams.update({
        "font.family": [FONT_FAMILY],
        "font.size": 7,
        "axes.unicode_minus": False,  # U+2212 would do, but ASCII '-' reads the same in PDFs
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.linewidth": 0.6,
        "axes.titlesize": 7.5,
        "xtick.major.width": 0.5,
        "ytick.major.width": 0.5,
        "legend.frameon": False,
        "legend.fontsize": 6.5,
        "svg.fonttype": "none",
        "svg.hashsalt": "etdz-report",  # stable clip-path ids: same numbers, same bytes
        "lines.linewidth": 1.4,
    })
    return matplotlib


def _figure() -> tuple[Any, Any]:
    _matplotlib()
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIG_SIZE, dpi=72)
    ax = fig.add_axes((0.16, 0.17, 0.80, 0.70))
    ax.grid(axis="y", linewidth=0.4, color="#d9d9d9")
    ax.set_axisbelow(True)
    return fig, ax


_ID = re.compile(r'\sid="([^"]+)"')
_REF = re.compile(r'(href="#|url\(#)([^")]+)')


def _to_svg(fig: Any, prefix: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    # Inline in HTML: drop the XML declaration and DOCTYPE, keep the <svg> element.
    svg = svg[svg.index("<svg"):]
    # Several charts share one HTML document, and matplotlib numbers its ids per figure
    # (axes_1, line2d_1 ...): WeasyPrint would see duplicate anchors and might resolve a
    # marker reference into another chart. Keep only the ids something refers to, prefixed.
    referenced = {m.group(2) for m in _REF.finditer(svg)}
    svg = _ID.sub(lambda m: f' id="{prefix}-{m.group(1)}"' if m.group(1) in referenced else "",
                  svg)
    return _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)


def _thousands(value: float, _pos: int | None = None) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}".removesuffix(".0")


def trend_svg(spec: dict[str, Any]) -> str:
    """The actual values by year; for national zones also the target path to the target year."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    fig, ax = _figure()
    years = spec["years"]
    actual = [math.nan if v is None else v for v in spec["actual"]]
    ax.plot(years, actual, color=ACTUAL_COLOUR, marker="o", markersize=2.8, label="实际值")
    if spec.get("target"):
        target = [math.nan if v is None else v for v in spec["target"]]
        ax.plot(years, target, color=TARGET_COLOUR, linestyle=(0, (4, 2)), linewidth=1.1,
                label=spec["target_legend"])
    ax.set_title(f"{spec['title']}（{spec['unit']}）", loc="left")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.set_ylim(bottom=0)
    if spec.get("target"):  # one line needs no legend: the title names it
        ax.legend(loc="best")  # computed from the data, so still deterministic
    return _to_svg(fig, f"chart-{spec['indicator']}")


def rank_svg(spec: dict[str, Any]) -> str:
    """National rank by year, rank 1 at the top; the target rank, if any, as a dashed line."""
    from matplotlib.ticker import MaxNLocator

    fig, ax = _figure()
    years, ranks = spec["years"], spec["ranks"]
    ax.plot(years, ranks, color=ACTUAL_COLOUR, marker="o", markersize=2.8)
    for year, rank in zip(years, ranks, strict=True):
        ax.annotate(str(rank), (year, rank), textcoords="offset points", xytext=(0, 4),
                    ha="center", fontsize=6)
    worst = max([*ranks, spec.get("target_rank") or 0])
    if spec.get("target_rank"):
        # Labelled on the line itself: ranks can sit in any corner, so a legend box would
        # cover them; the caption under the chart says the same in words.
        ax.axhline(spec["target_rank"], color=TARGET_COLOUR, linestyle=(0, (4, 2)),
                   linewidth=1.0)
        ax.annotate(spec["target_legend"], (years[0], spec["target_rank"]),
                    textcoords="offset points", xytext=(0, 3), ha="left", fontsize=6,
                    color="#404040")
    ax.set_ylim(worst * 1.12 + 2, 0)  # inverted: a better (smaller) rank is higher up
    ax.set_title("国家级考核排名（名，越靠上越好）", loc="left")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    return _to_svg(fig, "chart-rank")


def chart_svg(spec: dict[str, Any]) -> str:
    """SVG markup for a chart spec built by flows/report_context.py."""
    kind = spec["kind"]
    if kind == "trend":
        return trend_svg(spec)
    if kind == "rank":
        return rank_svg(spec)
    raise ValueError(f"未知的图表类型：{kind}")
