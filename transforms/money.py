"""Exact money: one rounding to the fen (0.01 yuan), half up, and funding splits that add up.

policy-rules.md section 2: a reward is rounded once, to 0.01 yuan, half up; its region share is
round(reward x share, 2) and the city's share is the remainder, so the two always add up.
Also the number formats the explanations use, so a leader can redo every sum by hand.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
WAN = Decimal(10) ** 4
YI = Decimal(10) ** 8


def round_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def split_funding(reward: Decimal, region_share: Decimal) -> tuple[Decimal, Decimal]:
    """(region, city): the region's part rounded half up, the city's the exact remainder."""
    region = round_fen(reward * region_share)
    return region, reward - region


def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 7777.7777, 5000, 0.5."""
    text = format(value.normalize(), "f")
    return text


def grouped(value: Decimal, places: int | None = None) -> str:
    """Thousands separators; `places` fixes the decimals, None keeps the significant ones."""
    if places is not None:
        return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,.{places}f}"
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return f"{normal:,.{decimals}f}"


def yuan(amount: Decimal) -> str:
    """777777.77 -> '777,777.77 元'."""
    return f"{grouped(amount, 2)} 元"


def wan_yuan(amount_yuan: Decimal) -> str:
    """An amount in yuan shown in 万元 with every significant digit: 77777777 -> '7,777.7777 万元'."""
    return f"{grouped(amount_yuan / WAN)} 万元"


def wan_usd(amount_usd: Decimal) -> str:
    return f"{grouped(amount_usd / WAN)} 万美元"


def percent(rate: Decimal) -> str:
    """0.01 -> '1%', 0.0015 -> '0.15%'."""
    return f"{plain(rate * 100)}%"
