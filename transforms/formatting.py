"""Numbers as text: one family for explanations, reports, the workbook and the fix list.

Every figure a person reads goes through here, so a value is written the same way wherever it
appears: thousands separators, rounding half up, 亿元 / 万元 / 万美元 as the tables show them,
and a dash for a missing value. Explanations (rewards, supervision) use the exact forms (`plain`,
`grouped` without places, `wan_yuan`) so a leader can redo every sum by hand; tables use the
fixed-decimal forms (`fmt_*`). These run once or more per result row (100k rows at national
scale), hence the care for speed.
"""

from __future__ import annotations

import functools
import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from transforms.contract import Column, Kind
from transforms.units import DISPLAY_UNITS, FEN, SCORE_UNITS, WAN, YI

DASH = "—"
BOOL_TEXT = {True: "是", False: "否"}


# --- exact forms, for explanations ------------------------------------------------------------


def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 7777.7777, 5000, 0.5 (never "-0")."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


@functools.cache
def _fixed(places: int) -> tuple[Decimal, str]:
    """The quantum and the format spec for `places` decimals."""
    return Decimal(1).scaleb(-places), f",.{places}f"


def grouped(value: Decimal, places: int | None = None) -> str:
    """Thousands separators; `places` fixes the decimals, None keeps the significant ones."""
    if places is not None:
        quantum, spec = _fixed(places)
        return format(value.quantize(quantum, rounding=ROUND_HALF_UP), spec)
    # "f" without a precision shows exactly the digits of the (normalised) coefficient: the
    # decimals of a negative exponent, none for a positive one.
    return format(value.normalize(), ",f")


def yuan(amount: Decimal) -> str:
    """777777.77 -> '777,777.77 元' (grouped(amount, 2), inlined: it runs for most result rows)."""
    return format(amount.quantize(FEN, rounding=ROUND_HALF_UP), ",.2f") + " 元"


def wan_yuan(amount_yuan: Decimal) -> str:
    """An amount in yuan shown in 万元 with every significant digit: 77777777 -> '7,777.7777 万元'."""
    return f"{grouped(amount_yuan / WAN)} 万元"


def wan_usd(amount_usd: Decimal) -> str:
    return f"{grouped(amount_usd / WAN)} 万美元"


def yi_yuan(amount_yuan: Any) -> str:
    """An amount in yuan shown in 亿元, two places: 9999000000 -> '99.99 亿元'."""
    return f"{grouped(amount_yuan / YI, 2)} 亿元"


def percent(rate: Decimal) -> str:
    """0.01 -> '1%', 0.0015 -> '0.15%'."""
    return f"{plain(rate * 100)}%"


def signed_percent(fraction: object) -> str:
    """0.5 -> "+50%", -0.5 -> "-50%": how bands are written for staff."""
    value = (Decimal(str(fraction)) * 100).normalize()
    return ("+" if value > 0 else "") + format(value, "f") + "%"


# --- a figure beside its threshold, for every verdict ----------------------------------------

Exact = Decimal | Fraction | int


def _half_up(value: Fraction, places: int) -> Decimal:
    """`value` rounded half up (away from zero on a tie) to `places` decimals, exactly."""
    magnitude = math.floor(abs(value) * 10**places + Fraction(1, 2))
    return Decimal(magnitude if value >= 0 else -magnitude).scaleb(-places)


def beside(value: Exact | float, threshold: Exact | float, places: int | None, *,
           trim_threshold: bool = False) -> tuple[str, str]:
    """A figure and the threshold it is judged against, as text with thousands separators and
    the same decimals: `places`, or as many more as it takes for the printed figure to lie on
    the same side of the printed threshold as the exact figure does (a completion rate of
    99.995% against 100% is "99.995" and "100.000", never "100.00" beside 未完成; 20.004%
    against 20% is "20.004", not a figure rounded onto the boundary). A figure exactly on the
    threshold prints equal to it. `places=None` prints both exactly (every significant digit),
    as explanations a reader redoes with a calculator do. `trim_threshold` drops the
    threshold's trailing zeros ("20" rather than "20.00"), as policy thresholds are written.

    Values are exact (Decimal, Fraction, int); a float is read as its shortest text. Every
    place that prints a figure beside a verdict or a threshold goes through here, so a rounded
    figure can never contradict its verdict.
    """
    if places is None:
        value_text, threshold_text = grouped(Decimal(value)), grouped(Decimal(threshold))
    else:
        exact_value, exact_threshold = _fraction(value), _fraction(threshold)
        side = (exact_value > exact_threshold) - (exact_value < exact_threshold)
        # Terminates: two different numbers round apart once 10^-places is below their gap.
        while True:
            shown_value = _half_up(exact_value, places)
            shown_threshold = _half_up(exact_threshold, places)
            if (shown_value > shown_threshold) - (shown_value < shown_threshold) == side:
                break
            places += 1
        spec = f",.{places}f"
        value_text, threshold_text = format(shown_value, spec), format(shown_threshold, spec)
    if trim_threshold and "." in threshold_text:
        threshold_text = threshold_text.rstrip("0").rstrip(".")
    return value_text, threshold_text


def ranked_places(scores: list[Exact], places: int) -> int:
    """The decimals a ranked column of scores (best first) needs so that each printed score
    lies on the same side of the next one as the exact score does: two zones a rank apart
    never print the same score (85.234 and 85.231 as 85.23 and 85.23, the lower one summoned
    as last), and equal scores print equal. At least `places`; one count for the whole column,
    so that its decimals line up."""
    needed = places
    for higher, lower in zip(scores, scores[1:], strict=False):
        text, _ = beside(higher, lower, places)
        needed = max(needed, len(text.rsplit(".", 1)[1]) if "." in text else 0)
    return needed


def _fraction(value: Exact | float) -> Fraction:
    return Fraction(Decimal(str(value))) if isinstance(value, float) else Fraction(value)


# --- fixed decimals, for tables ---------------------------------------------------------------


def fmt_number(value: Decimal | int | float | None, places: int) -> str:
    if value is None:
        return DASH
    return grouped(Decimal(str(value)), places)


def fmt_pct(value: float | Decimal | None, places: int = 1) -> str:
    if value is None:
        return DASH
    return fmt_number(Decimal(str(value)) * 100, places) + "%"


def fmt_indicator(value: str | Decimal | None, unit: str) -> str:
    """An indicator in its display unit: yuan -> 亿元 with two places, counts as integers."""
    if value is None:
        return DASH
    divisor, _, places = DISPLAY_UNITS[unit]
    return fmt_number(Decimal(value) / divisor, places)


def display_unit(unit: str) -> str:
    return DISPLAY_UNITS[unit][1]


def fmt_yuan(value: Decimal | None) -> str:
    return DASH if value is None else fmt_number(value, 2)


def fmt_wan(value: Decimal | None) -> str:
    """Yuan -> 万元, two places, rounded half up (the yuan figure beside it is authoritative)."""
    return DASH if value is None else fmt_number(Decimal(value) / WAN, 2)


def fmt_money_both(value: Decimal) -> str:
    return f"{fmt_wan(value)} 万元（{fmt_yuan(value)} 元）"


def fmt_score_value(value: Decimal | None, unit: str) -> tuple[str, str]:
    """(display value, display unit) for an indicator value of the scoring tables."""
    divisor, label, places = SCORE_UNITS.get(unit, (Decimal(1), unit, 4))
    if value is None:
        return DASH, label
    if divisor is None:
        return fmt_number(Decimal(value) * 100, places), label
    return fmt_number(Decimal(value) / divisor, places), label


# --- values as staff typed them, for the fix list ---------------------------------------------


def value_text(col: Column, value: Any) -> str:
    """The value as data staff typed it: money back in the unit of their header (亿元, 万美元)."""
    if value is None:
        return ""
    if col.kind is Kind.MONEY:
        return plain(Decimal(value) / col.unit_factor)
    if isinstance(value, bool):
        return BOOL_TEXT[value]
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
