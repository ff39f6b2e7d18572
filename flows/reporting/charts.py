"""Report charts as SVG: trend against the target path, national rank history.

Charts are drawn from a *spec*, a plain dict of numbers and fixed Chinese labels built by
flows/report_context.py, and turned into SVG inside the render worker (flows/render.py serves
it to WeasyPrint as an image). Two chart kinds with a fixed look need no plotting library:
this module writes the SVG itself, in pure Python. matplotlib did it before, at about 60 ms a
chart plus a second of import in every render process, and its SVG (a clip path, a ``rotate``
transform and a group per label) took WeasyPrint longer to draw than this one. So:

- the SVG holds no text from the data: zone and enterprise names stay in the HTML around the
  figure, where Jinja escapes them; the SVG carries only numbers, years and our own labels
  (escaped all the same);
- text stays text in the bundled face's CSS family, so WeasyPrint draws it with the fonts the
  report embeds anyway, and it is selectable and searchable;
- output is deterministic: no ids, no dates, numbers written with fixed precision;
- labels centred under a tick or right-aligned against the axis are placed from the bundled
  font's advance widths (``_ADVANCE``) instead of ``text-anchor``, which WeasyPrint implements
  with one PDF form object per label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from html import escape
from typing import Any

# The @font-face family of report_templates/style.css.
FONT_FAMILY = "Report Sans SC"

# Greys plus one accent; the target path is dashed and labelled, so colour is never the only cue.
ACTUAL_COLOUR = "#1f4e79"
TARGET_COLOUR = "#7f7f7f"
GRID_COLOUR = "#d9d9d9"
AXIS_COLOUR = "#000000"
NOTE_COLOUR = "#404040"

# Two charts side by side across the A4 text width: 3.35 x 2.05 in, in points (the SVG user
# unit), with the plot area where the figures always had it.
WIDTH, HEIGHT = 241.2, 147.6
LEFT, RIGHT = 0.16 * WIDTH, 0.96 * WIDTH
TOP, BOTTOM = 0.13 * HEIGHT, 0.83 * HEIGHT

TICK_FONT, TITLE_FONT, LEGEND_FONT, NOTE_FONT = 7.0, 7.5, 6.5, 6.0
TICK_LENGTH, TICK_PAD = 3.5, 3.5
ACTUAL_WIDTH, TARGET_WIDTH, RANK_TARGET_WIDTH = 1.4, 1.1, 1.0
MARKER_RADIUS = 1.9  # a 2.8 pt dot with its 1 pt outline, as the figures had it
DASH = (4, 2)  # times the line width

# Advance widths (per 1000 em) in NotoSansSC-Regular.ttf of the characters that appear in
# centred or right-aligned labels (tests/test_render_charts.py checks them against the font).
# WeasyPrint lays SVG text out letter by letter, without kerning, so these sums are exact.
_ADVANCE = {**dict.fromkeys("0123456789+", 555), ",": 278, ".": 278, "-": 347, " ": 224}
_WIDE = 1000  # CJK ideographs and full-width punctuation
_OTHER = 600  # any other character: only used to place a legend, never to centre text


def text_width(text: str, font_size: float) -> float:
    """Width of ``text`` in the report font at ``font_size`` (points)."""
    return sum(_ADVANCE.get(ch, _WIDE if ord(ch) > 0x2E7F else _OTHER)
               for ch in text) * font_size / 1000


def _num(value: float) -> str:
    """A coordinate with two decimals at most: short, and identical on every run."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def tick_label(value: float, decimals: int = 0) -> str:
    """1,500 / 2.5 / 0: thousands separators, and no trailing zeros after the point."""
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _decimals(step: float) -> int:
    """Decimals that tell ticks ``step`` apart (0.25 -> 2, 500 -> 0)."""
    exponent = Decimal(repr(step)).normalize().as_tuple().exponent
    return max(0, -int(exponent))


AUTO_STEPS = (1, 2, 2.5, 5, 10)
FINE_STEPS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


def nice_ticks(low: float, high: float, max_intervals: int, integer: bool = False,
               steps: Sequence[float] = AUTO_STEPS) -> list[float]:
    """Round tick values covering [low, high]: ``steps`` times a power of ten, at most
    ``max_intervals`` of them (as a plotting library's "max n" locator would)."""
    span = high - low
    if span <= 0:
        return [low]
    raw = span / max_intervals
    scale = 10 ** math.floor(math.log10(raw))
    step = 10 * scale
    for multiple in steps:
        candidate = multiple * scale
        if integer and candidate != int(candidate):
            continue
        if candidate >= raw * (1 - 1e-9):
            step = candidate
            break
    if integer:
        step = max(1, round(step))
    digits = _decimals(step) + 1
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(k * step, digits) for k in range(first, last + 1)]


def year_ticks(first: int, last: int, max_ticks: int = 10) -> list[int]:
    """Every year if they fit, else every 2nd, 5th, 10th ... year."""
    for step in (1, 2, 5, 10, 20, 50):
        if (last - first) // step + 1 <= max_ticks:
            break
    start = first + (-first) % step  # on a multiple of the step (2005, 2010 ...), as one reads
    return list(range(start, last + 1, step))


class _Canvas:
    """Collects SVG elements in drawing order (later ones on top)."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def path(self, d: str, stroke: str, width: float, dash: tuple[float, float] | None = None,
             cap: str = "butt") -> None:
        extra = ""
        if dash:
            extra = f' stroke-dasharray="{_num(dash[0] * width)} {_num(dash[1] * width)}"'
        self.parts.append(f'<path d="{d}" fill="none" stroke="{stroke}" '
                          f'stroke-width="{_num(width)}" stroke-linecap="{cap}" '
                          f'stroke-linejoin="round"{extra}/>')

    def dots(self, points: Sequence[tuple[float, float]], colour: str) -> None:
        if points:
            circles = "".join(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(MARKER_RADIUS)}"/>'
                              for x, y in points)
            self.parts.append(f'<g fill="{colour}">{circles}</g>')

    def text(self, x: float, y: float, text: str, size: float, anchor: str = "start",
             colour: str | None = None) -> None:
        if anchor == "middle":
            x -= text_width(text, size) / 2
        elif anchor == "end":
            x -= text_width(text, size)
        fill = f' fill="{colour}"' if colour else ""
        self.parts.append(f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}"{fill}>'
                          f"{escape(text)}</text>")

    def svg(self) -> str:
        # font-family on the root is inherited by every <text>; fill defaults to black.
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(WIDTH)}pt" '
                f'height="{_num(HEIGHT)}pt" viewBox="0 0 {_num(WIDTH)} {_num(HEIGHT)}" '
                f'font-family="{FONT_FAMILY}">' + "".join(self.parts) + "</svg>")


def _polyline_d(points: Sequence[tuple[float, float] | None]) -> str:
    """A path through the points; a None (a year without data) breaks the line there."""
    commands, pen_down = [], False
    for point in points:
        if point is None:
            pen_down = False
            continue
        commands.append(f"{'L' if pen_down else 'M'}{_num(point[0])} {_num(point[1])}")
        pen_down = True
    return "".join(commands)


class _Axes:
    """Maps data to the plot area and draws the frame: grid, left and bottom spines, ticks."""

    def __init__(self, years: Sequence[int], y_low: float, y_high: float,
                 inverted: bool = False) -> None:
        first, last = min(years), max(years)
        margin = (last - first) * 0.05 if last > first else 0.5
        self.x_low, self.x_high = first - margin, last + margin
        self.y_low, self.y_high = y_low, y_high
        self.inverted = inverted
        self.years = (first, last)

    def x(self, year: float) -> float:
        return LEFT + (year - self.x_low) / (self.x_high - self.x_low) * (RIGHT - LEFT)

    def y(self, value: float) -> float:
        share = (value - self.y_low) / (self.y_high - self.y_low)
        return TOP + share * (BOTTOM - TOP) if self.inverted else BOTTOM - share * (BOTTOM - TOP)

    def draw_frame(self, canvas: _Canvas, y_ticks: Sequence[float], y_labels: Sequence[str],
                   title: str) -> None:
        grid = "".join(f"M{_num(LEFT)} {_num(self.y(v))}H{_num(RIGHT)}" for v in y_ticks)
        if grid:
            canvas.path(grid, GRID_COLOUR, 0.4)
        canvas.path(f"M{_num(LEFT)} {_num(TOP)}V{_num(BOTTOM)}H{_num(RIGHT)}", AXIS_COLOUR, 0.6,
                    cap="square")
        x_ticks = year_ticks(*self.years)
        marks = [f"M{_num(self.x(year))} {_num(BOTTOM)}v{_num(TICK_LENGTH)}" for year in x_ticks]
        marks += [f"M{_num(LEFT)} {_num(self.y(v))}h{_num(-TICK_LENGTH)}" for v in y_ticks]
        canvas.path("".join(marks), AXIS_COLOUR, 0.5)
        label_y = BOTTOM + TICK_LENGTH + TICK_PAD + 0.88 * TICK_FONT
        for year in x_ticks:
            canvas.text(self.x(year), label_y, str(year), TICK_FONT, "middle")
        for value, label in zip(y_ticks, y_labels, strict=True):
            canvas.text(LEFT - TICK_LENGTH - TICK_PAD, self.y(value) + 0.44 * TICK_FONT, label,
                        TICK_FONT, "end")
        canvas.text(LEFT, TOP - 6, title, TITLE_FONT)


def _legend(canvas: _Canvas, entries: list[tuple[str, bool]],
            lines: list[list[tuple[float, float] | None]]) -> None:
    """A frameless legend in the plot corner that covers the fewest plotted points.

    Each entry is (label, dashed). Candidates are tried in a fixed order and ties keep the
    earlier one, so the same numbers always put it in the same place.
    """
    size = LEGEND_FONT
    handle, gap, pad, row = 2.0 * size, 0.8 * size, 0.5 * size + 0.4 * size, 1.5 * size
    width = handle + gap + max(text_width(label, size) for label, _ in entries)
    height = row * len(entries)
    samples = []
    for line in lines:  # the lines sampled along each drawn segment, not just at the dots
        for a, b in zip(line, line[1:], strict=False):
            if a is not None and b is not None:
                samples += [(a[0] + (b[0] - a[0]) * t / 8, a[1] + (b[1] - a[1]) * t / 8)
                            for t in range(9)]
        samples += [p for p in line if p is not None]
    corners = [  # upper right, upper left, lower left, lower right
        (RIGHT - pad - width, TOP + pad), (LEFT + pad, TOP + pad),
        (LEFT + pad, BOTTOM - pad - height), (RIGHT - pad - width, BOTTOM - pad - height)]

    def covered(corner: tuple[float, float]) -> int:
        x0, y0 = corner
        return sum(1 for x, y in samples
                   if x0 - 2 <= x <= x0 + width + 2 and y0 - 2 <= y <= y0 + height + 2)

    x0, y0 = min(corners, key=covered)  # min() keeps the first of equals
    for i, (label, dashed) in enumerate(entries):
        mid = y0 + row * i + row / 2
        if dashed:
            canvas.path(f"M{_num(x0)} {_num(mid)}h{_num(handle)}", TARGET_COLOUR, TARGET_WIDTH,
                        DASH)
        else:
            canvas.path(f"M{_num(x0)} {_num(mid)}h{_num(handle)}", ACTUAL_COLOUR, ACTUAL_WIDTH)
            canvas.dots([(x0 + handle / 2, mid)], ACTUAL_COLOUR)
        canvas.text(x0 + handle + gap, mid + 0.35 * size, label, size)


def trend_svg(spec: dict[str, Any]) -> str:
    """The actual values by year; for national zones also the target path to the target year."""
    years = list(spec["years"])
    actual = list(spec["actual"])
    target = list(spec["target"]) if spec.get("target") else None
    values = [v for v in [*actual, *(target or [])] if v is not None]
    low, high = min([0.0, *values]), max([0.0, *values])
    if high == low:
        high = low + 1
    # 5% headroom above the highest point; the axis starts at 0 (or below, for a negative value)
    high += (high - low) * 0.05
    low -= (high - low) * 0.05 if low < 0 else 0
    ticks = nice_ticks(low, high, 7)
    decimals = max(0, *(_decimals(t) for t in ticks)) if ticks else 0
    axes = _Axes(years, low, high)
    canvas = _Canvas()
    axes.draw_frame(canvas, ticks, [tick_label(t, decimals) for t in ticks],
                    f"{spec['title']}（{spec['unit']}）")
    points = [None if v is None else (axes.x(y), axes.y(v))
              for y, v in zip(years, actual, strict=True)]
    canvas.path(_polyline_d(points), ACTUAL_COLOUR, ACTUAL_WIDTH, cap="round")
    canvas.dots([p for p in points if p is not None], ACTUAL_COLOUR)
    lines = [points]
    if target:  # drawn over the actual line: a zone exactly on its path shows both
        points = [None if v is None else (axes.x(y), axes.y(v))
                  for y, v in zip(years, target, strict=True)]
        canvas.path(_polyline_d(points), TARGET_COLOUR, TARGET_WIDTH, DASH)
        lines.append(points)
    if target:  # one line needs no legend: the title names it
        _legend(canvas, [("实际值", False), (spec["target_legend"], True)], lines)
    return canvas.svg()


def rank_svg(spec: dict[str, Any]) -> str:
    """National rank by year, rank 1 at the top; the target rank, if any, as a dashed line."""
    years, ranks = list(spec["years"]), list(spec["ranks"])
    target_rank = spec.get("target_rank")
    worst = max([*ranks, target_rank or 0])
    axes = _Axes(years, 0, worst * 1.12 + 2, inverted=True)  # a better (smaller) rank is higher
    ticks = nice_ticks(0, axes.y_high, 5, integer=True, steps=FINE_STEPS)
    canvas = _Canvas()
    axes.draw_frame(canvas, ticks, [tick_label(t) for t in ticks], "国家级考核排名（名，越靠上越好）")
    if target_rank:
        # Labelled on the line itself: ranks can sit in any corner, so a legend box would
        # cover them; the caption under the chart says the same in words.
        y = axes.y(target_rank)
        canvas.path(f"M{_num(LEFT)} {_num(y)}H{_num(RIGHT)}", TARGET_COLOUR, RANK_TARGET_WIDTH,
                    DASH)
        canvas.text(axes.x(years[0]), y - 3, spec["target_legend"], NOTE_FONT, colour=NOTE_COLOUR)
    points = [(axes.x(year), axes.y(rank)) for year, rank in zip(years, ranks, strict=True)]
    canvas.path(_polyline_d(points), ACTUAL_COLOUR, ACTUAL_WIDTH, cap="round")
    canvas.dots(points, ACTUAL_COLOUR)
    for (x, y), rank in zip(points, ranks, strict=True):
        canvas.text(x, y - 4, str(rank), NOTE_FONT, "middle")
    return canvas.svg()


def chart_svg(spec: dict[str, Any]) -> str:
    """SVG markup for a chart spec built by flows/report_context.py."""
    kind = spec["kind"]
    if kind == "trend":
        return trend_svg(spec)
    if kind == "rank":
        return rank_svg(spec)
    raise ValueError(f"未知的图表类型：{kind}")
