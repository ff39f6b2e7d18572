"""Numbers as text (transforms/formatting.py): one family for explanations, reports and the fix
list. Each row says why its text is right."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from transforms.contract import DATASETS
from transforms.formatting import (
    DASH,
    beside,
    fmt_indicator,
    fmt_money_both,
    fmt_number,
    fmt_pct,
    fmt_score_value,
    grouped,
    percent,
    plain,
    ranked_places,
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


# (figure, threshold, places, trim_threshold, printed figure, printed threshold, why). Percent
# figures are passed in percent, amounts in their display unit: the helper only rounds.
BESIDE_CASES = [
    # completion rate against 100%, one place
    (D("99.99"), 100, 1, False, "99.99", "100.00", "100.0 would read as met"),
    (D("99.95"), 100, 1, False, "99.95", "100.00", "half up gives 100.0: one more place"),
    (D("99.94"), 100, 1, False, "99.9", "100.0", "one place already shows the shortfall"),
    (D("100"), 100, 1, False, "100.0", "100.0", "exactly on the target: equal"),
    (D("100.0001"), 100, 1, False, "100.0001", "100.0000", "above, never rounded onto it"),
    # growth (CAGR) against 20%, two places
    (D("19.996"), 20, 2, True, "19.996", "20", "the issue's CAGR: not 20.00"),
    (D("19.994"), 20, 2, True, "19.99", "20", "two places suffice"),
    (D("20.004"), 20, 2, True, "20.004", "20", "met, and shown above the threshold"),
    (D("20"), 20, 2, True, "20.00", "20", "on the boundary (以上 counts it)"),
    (D("-0.004"), 0, 2, False, "-0.004", "0.000", "a fall is not printed as -0.00"),
    # share against a pro-rata threshold that does not terminate: 50% x 1/6 = 8.333...%
    (D("8.325"), Fraction(25, 3), 2, True, "8.325", "8.333", "8.33 each at two places"),
    (Fraction(25, 3), Fraction(25, 3), 2, True, "8.33", "8.33", "exactly 1/12: equal"),
    (D("8.3334"), Fraction(25, 3), 2, True, "8.3334", "8.3333", "just above 1/12"),
    # amounts against a threshold, in 亿元 with two places
    (D("99.995"), D("100.004"), 2, False, "99.995", "100.004", "both rounded to 100.00"),
    (D("1234.5678"), D("1000"), 2, False, "1,234.57", "1,000.00", "far apart: as tables do"),
    # a whole-number figure against a fractional threshold (ranks gained): the threshold's
    # decimals are what show the side
    (6, Fraction(20, 3), 1, True, "6.0", "6.7", "6 places short of 6 2/3"),
    (7, Fraction(70, 10), 1, True, "7.0", "7", "exactly 7"),
    (7, D("7.04"), 1, True, "7.00", "7.04", "7 < 7.04: 7.0 against 7.0 would read as met"),
    # exact, for explanations redone with a calculator
    (D("4999.9999"), D("5000"), None, False, "4,999.9999", "5,000", "every digit"),
    (D("7777.77765"), D("5000"), None, False, "7,777.77765", "5,000", "every digit"),
    # a float is read as its shortest text, as fmt_number does
    (19.996, 20.0, 2, True, "19.996", "20", "float figure"),
]


@pytest.mark.parametrize(("figure", "threshold", "places", "trim", "text", "threshold_text",
                          "why"), BESIDE_CASES)
def test_figure_beside_its_threshold(figure, threshold, places, trim, text, threshold_text,
                                     why) -> None:
    assert beside(figure, threshold, places, trim_threshold=trim) == (text, threshold_text), why


@pytest.mark.parametrize("places", [0, 1, 2, 3])
def test_beside_never_prints_a_figure_on_the_wrong_side(places: int) -> None:
    # Every figure within ±0.01 of 20 in steps of 0.0001: the printed figure compares with the
    # printed threshold exactly as the figure compares with the threshold.
    for step in range(-100, 101):
        figure = D(20) + D(step) / 10000
        text, limit = beside(figure, 20, places)
        printed, printed_limit = D(text.replace(",", "")), D(limit)
        assert (printed > printed_limit) - (printed < printed_limit) == (figure > 20) - (
            figure < 20), (figure, text, limit)
        assert len(text.partition(".")[2]) >= places


@pytest.mark.parametrize("scores, places, needed, why", [
    ([D("85.234"), D("85.231"), D("80")], 2, 3, "85.23 twice would hide a rank"),
    ([D("90"), D("85.23"), D("85.23"), D("80")], 2, 2, "a tie prints equal at two decimals"),
    ([D("85.2349"), D("85.2341")], 2, 3, "85.235 and 85.234 at three"),
    ([D("70.0000001"), D("70")], 2, 7, "as many as it takes"),
    ([D("70")], 2, 2, "one zone: nothing to tell apart"),
])
def test_ranked_places(scores, places, needed, why) -> None:
    assert ranked_places(scores, places) == needed, why
