"""Numbers as text (transforms/formatting.py): one family for explanations, reports and the fix
list. Each row says why its text is right."""

from __future__ import annotations

from decimal import Decimal

import pytest

from transforms.contract import DATASETS
from transforms.formatting import (
    DASH,
    fmt_indicator,
    fmt_money_both,
    fmt_number,
    fmt_pct,
    fmt_score_value,
    grouped,
    percent,
    plain,
    signed_percent,
    value_text,
    wan_usd,
    wan_yuan,
    yi_yuan,
    yuan,
)

D = Decimal


@pytest.mark.parametrize(
    ("fraction", "text"), [("-0.5", "-50%"), ("2.0", "+200%"), ("0", "0%"), ("0.125", "+12.5%")]
)
def test_band_text(fraction: str, text: str) -> None:
    assert signed_percent(Decimal(fraction)) == text


@pytest.mark.parametrize(("function", "value", "text"), [
    (plain, D("7777.77770"), "7777.7777"),  # trailing zeros dropped, no exponent
    (plain, D("5E+3"), "5000"),  # a normalised 5000 is spelt out
    (plain, D("-0.00"), "0"),  # never "-0"
    (grouped, D("1234567.891"), "1,234,567.891"),  # every significant digit kept
    (yuan, D("777777.765"), "777,777.77 元"),  # half up to the fen: .765 -> .77
    (yuan, D("0.005"), "0.01 元"),
    (wan_yuan, D("77777777"), "7,777.7777 万元"),  # exact, for explanations
    (wan_usd, D("12345"), "1.2345 万美元"),
    (yi_yuan, D("9999000000"), "99.99 亿元"),
    (percent, D("0.0015"), "0.15%"),
])
def test_exact_forms(function, value, text) -> None:
    assert function(value) == text


@pytest.mark.parametrize(("value", "places", "text"), [
    (D("1234.565"), 2, "1,234.57"),  # half up, not half even
    (D("1234.575"), 2, "1,234.58"),
    (0.125, 2, "0.13"),  # a float goes through its shortest text, then half up
    (None, 2, DASH),
])
def test_fixed_decimals(value, places, text) -> None:
    assert fmt_number(value, places) == text


def test_table_forms_in_display_units() -> None:
    assert fmt_pct(0.12345) == "12.3%"
    assert fmt_pct(None) == DASH
    assert fmt_indicator("74649600000", "CNY") == "746.50"  # yuan shown in 亿元
    assert fmt_indicator("12345678", "USD") == "1,234.57"  # dollars shown in 万美元
    assert fmt_money_both(D("1234567.8")) == "123.46 万元（1,234,567.80 元）"
    assert fmt_score_value(D("0.2"), "增长率") == ("20.00", "%")
    assert fmt_score_value(None, "元") == (DASH, "亿元")


def test_values_are_shown_as_staff_typed_them() -> None:
    stats = DATASETS["zone_stats"]
    assert value_text(stats.column("gdp"), D("10050000000")) == "100.5"  # back to 亿元
    assert value_text(stats.column("year"), 2024) == "2024"
    assert value_text(stats.column("gdp"), None) == ""
