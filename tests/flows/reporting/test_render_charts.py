"""The report charts' SVG writer (charts.py): what it draws, read back from the markup.

No PDF is rendered here (test_reports.py checks the charts inside real reports): these
parse the SVG and check the geometry and labels a reader relies on.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from flows.reporting import charts
from flows.reporting.charts import chart_svg, nice_ticks, text_width, year_ticks
from flows.reporting.render import TEMPLATES_DIR
from tests.helpers import GDP_CHART, sample_zone_context

SVG = "{http://www.w3.org/2000/svg}"
RANK_CHART = sample_zone_context()["rank_chart"]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML, or this raises


def texts(root: ET.Element) -> list[tuple[float, float, str]]:
    return [(float(t.get("x")), float(t.get("y")), t.text or "") for t in root.iter(f"{SVG}text")]


def paths(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG}path"))


def test_advance_widths_are_the_bundled_fonts() -> None:
    # Centred and right-aligned labels are placed with these widths (WeasyPrint lays SVG text
    # out letter by letter, without kerning), so they must be the font's own.
    from fontTools.ttLib import TTFont

    font = TTFont(TEMPLATES_DIR / "fonts" / "NotoSansSC-Regular.ttf", lazy=True)
    cmap, hmtx = font.getBestCmap(), font["hmtx"]
    assert font["head"].unitsPerEm == 1000
    for char, width in charts._ADVANCE.items():
        assert hmtx[cmap[ord(char)]][0] == width, char
    for char in "名第年（）：":
        assert hmtx[cmap[ord(char)]][0] == charts._WIDE, char
    assert text_width("2,025", 10) == pytest.approx((4 * 555 + 278) / 100)


def test_trend_chart_is_deterministic_text_and_vector_without_ids() -> None:
    svg = chart_svg(GDP_CHART)
    assert svg == chart_svg(dict(GDP_CHART))
    root = parse(svg)
    assert root.get("font-family") == "Report Sans SC"  # every label in the embedded face
    assert root.get("viewBox") == "0 0 241.2 147.6"
    assert " id=" not in svg and "<image" not in svg and "<style" not in svg
    labels = [t for _, _, t in texts(root)]
    assert "地区生产总值（亿元）" in labels  # the title
    assert {"2019", "2020", "2021"} <= set(labels)  # every year, as an integer
    assert {"0", "50", "100", "150"} <= set(labels)  # y ticks from 0
    assert labels[-2:] == ["实际值", "目标路径（年均增长 20%）"]  # the legend


def test_trend_chart_lines_follow_the_values() -> None:
    root = parse(chart_svg(GDP_CHART))
    lines = {p.get("stroke"): p for p in paths(root) if p.get("stroke-width") in ("1.4", "1.1")
             and "h" not in p.get("d")}  # the data lines, not the legend's handles
    actual, target = lines[charts.ACTUAL_COLOUR], lines[charts.TARGET_COLOUR]
    assert target.get("stroke-dasharray") == "4.4 2.2"  # dashed: not told by colour alone

    def ys(path: ET.Element) -> list[float]:
        return [float(y) for y in re.findall(r"[ML][\d.]+ ([\d.]+)", path.get("d"))]

    # 100, 120, 150 against 100, 120, 144: same start, the actual ends higher (smaller y).
    a, t = ys(actual), ys(target)
    assert len(a) == len(t) == 3 and a[0] == t[0] and a[1] == t[1] and a[2] < t[2]
    assert a[0] > a[1] > a[2]
    assert len(list(root.iter(f"{SVG}circle"))) == 3 + 1  # a dot per value, one in the legend


def test_missing_years_break_the_line_and_large_values_get_separators() -> None:
    spec = {**GDP_CHART, "years": [2019, 2020, 2021, 2022], "actual": [1500.0, None, 2600.5, 2700.0],
            "target": None}
    root = parse(chart_svg(spec))
    actual = next(p for p in paths(root) if p.get("stroke") == charts.ACTUAL_COLOUR)
    assert actual.get("d").count("M") == 2  # 2019 alone, then 2021-2022
    labels = [t for _, _, t in texts(root)]
    assert "2,500" in labels and "实际值" not in labels  # one line: no legend
    assert len(list(root.iter(f"{SVG}circle"))) == 3


def test_rank_chart_puts_the_better_rank_higher() -> None:
    root = parse(chart_svg(RANK_CHART))  # ranks 120 then 95, target 90
    labels = {t: (x, y) for x, y, t in texts(root)}
    assert labels["120"][1] > labels["95"][1]  # rank 95 drawn above rank 120
    assert "2025 年目标：第 90 名" in labels and "国家级考核排名（名，越靠上越好）" in labels
    target = [p for p in paths(root) if p.get("stroke") == charts.TARGET_COLOUR]
    assert len(target) == 1 and target[0].get("stroke-dasharray")
    ticks = [t for t in labels if t.isdigit() and int(t) % 10 == 0]
    assert "0" in ticks  # the axis starts at rank 0 at the top


def test_labels_are_centred_and_right_aligned_from_the_widths() -> None:
    root = parse(chart_svg(GDP_CHART))
    placed = texts(root)
    year = next((x, t) for x, _, t in placed if t == "2020")
    middle_of_plot = (charts.LEFT + charts.RIGHT) / 2  # 2020 is the middle year of three
    assert year[0] + text_width("2020", charts.TICK_FONT) / 2 == pytest.approx(middle_of_plot,
                                                                             abs=0.01)
    right_edges = {round(x + text_width(t, charts.TICK_FONT), 1)
                   for x, _, t in placed if t in ("0", "50", "100", "150")}
    assert len(right_edges) == 1  # the y labels end at the same x


def test_chart_text_is_escaped() -> None:
    svg = chart_svg({**GDP_CHART, "title": "<b>&", "target_legend": "</text><image/>"})
    assert "<b>" not in svg and "<image" not in svg
    assert "&lt;b&gt;&amp;" in svg
    parse(svg)


@pytest.mark.parametrize(("low", "high", "most", "integer", "expected"), [
    (0, 1960, 7, False, [0, 500, 1000, 1500]),
    (0, 157.5, 7, False, [0, 25, 50, 75, 100, 125, 150]),
    (0, 0.945, 7, False, [0, 0.2, 0.4, 0.6, 0.8]),
    (0, 136.4, 5, True, [0, 50, 100]),
    (0, 3.12, 5, True, [0, 1, 2, 3]),
])
def test_nice_ticks(low: float, high: float, most: int, integer: bool,
                    expected: list[float]) -> None:
    assert nice_ticks(low, high, most, integer=integer) == expected


def test_rank_ticks_use_the_finer_steps() -> None:
    assert nice_ticks(0, 136.4, 5, integer=True, steps=charts.FINE_STEPS) == [0, 30, 60, 90, 120]


def test_year_ticks_thin_out_long_series() -> None:
    assert year_ticks(2016, 2025) == list(range(2016, 2026))
    assert year_ticks(2001, 2025) == [2005, 2010, 2015, 2020, 2025]
    assert year_ticks(2025, 2025) == [2025]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="未知的图表类型"):
        chart_svg({"kind": "pie"})
