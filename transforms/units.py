"""Every unit the pipeline knows, in one table: what staff may type, what it converts to, and how
reports show it. Ingest converts once, with UNIT_FACTORS; everything after works in base units
(yuan, US dollars, counts) and divides only to display.
"""

from __future__ import annotations

from decimal import Decimal

WAN = Decimal(10) ** 4  # 万
YI = Decimal(10) ** 8  # 亿
FEN = Decimal("0.01")  # 分: money is exact to the fen

# Money units a header or a cell may carry: currency (the base unit) and the factor to it.
UNIT_FACTORS: dict[str, tuple[str, Decimal]] = {
    "元": ("CNY", Decimal(1)),
    "万元": ("CNY", WAN),
    "亿元": ("CNY", YI),
    "美元": ("USD", Decimal(1)),
    "万美元": ("USD", WAN),
    "亿美元": ("USD", YI),
}
# Unit words a cell may end with: the money units, longest first so that 万美元 is not read as
# 元 after 万美, then counts, areas and percentages.
CELL_UNIT_WORDS = (*sorted(UNIT_FACTORS, key=len, reverse=True), "户", "家", "个", "平方公里", "%")

# The unit 10^4 smaller than a header's: what a figure was probably typed in when it is about
# 10^4 times the previous year's (万元 typed as 元, 亿元 as 万元).
SMALLER_UNIT = {"亿元": "万元", "万元": "元", "亿美元": "万美元", "万美元": "美元"}

# How an indicator (result base unit) is shown: divisor, display unit, decimals.
DISPLAY_UNITS: dict[str, tuple[Decimal, str, int]] = {
    "CNY": (YI, "亿元", 2),
    "USD": (WAN, "万美元", 2),
    "户": (Decimal(1), "户", 0),
    "吨标准煤/万元": (Decimal(1), "吨标准煤/万元", 3),
    "km2": (Decimal(1), "平方公里", 2),
}

# How a scoring value (the methodology's unit words) is shown; None: a fraction shown as %.
SCORE_UNITS: dict[str, tuple[Decimal | None, str, int]] = {
    "元": (YI, "亿元", 2),
    "元/平方公里": (YI, "亿元/平方公里", 2),
    "美元": (WAN, "万美元", 2),
    "户": (Decimal(1), "户", 0),
    "吨标准煤/万元": (Decimal(1), "吨标准煤/万元", 4),
    "增长率": (None, "%", 2),
    "比重": (None, "%", 2),
    "完成率": (None, "%", 2),
}
