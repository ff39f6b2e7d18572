"""Exact money: one rounding to the fen (0.01 yuan), half up, and funding splits that add up.

policy-rules.md section 2: a reward is rounded once, to 0.01 yuan, half up; its region share is
round(reward x share, 2) and the city's share is the remainder, so the two always add up.
Also the conversion of Decimal lists to Polars columns, which runs for every result row (100k
rows at national scale), hence the care for speed. Amounts as text: transforms/formatting.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl

from transforms.units import FEN


def round_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def split_funding(reward: Decimal, region_share: Decimal) -> tuple[Decimal, Decimal]:
    """(region, city): the region's part rounded half up, the city's the exact remainder."""
    region = round_fen(reward * region_share)
    return region, reward - region


def decimal_series(name: str, values: Sequence[Decimal | None], dtype: pl.Decimal) -> pl.Series:
    """A Polars Decimal column from Python Decimals, exactly as pl.Series(name, values, dtype).

    Polars converts decimal text many times faster than Decimal objects. The text route is
    taken only when every value has no more decimals than the column's scale, so that no
    rounding happens either way, and only if Polars accepts every text (it is stricter about
    precision, and refuses NaN and Infinity); otherwise the values go to Polars as they are.
    """
    texts = pl.Series(name, [None if v is None else str(v) for v in values], dtype=pl.String)
    if texts.str.contains("E", literal=True).any():
        # str() chose scientific notation for some value: spell every value out instead.
        texts = pl.Series(name, [None if v is None else format(v, "f") for v in values],
                          dtype=pl.String)
    decimals = texts.str.len_bytes().cast(pl.Int64) - texts.str.find(".", literal=True) - 1
    if not (decimals > dtype.scale).any():
        try:
            return texts.cast(dtype)
        except pl.exceptions.InvalidOperationError:
            pass
    return pl.Series(name, values, dtype=dtype)


def frame_from_columns(columns: dict[str, Sequence[Any]],
                       schema: dict[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    """A frame from one list per column, in the schema's order and types; Decimal columns go
    through decimal_series. Same frame as pl.DataFrame(rows, schema=schema, orient="row")."""
    return pl.DataFrame(
        [decimal_series(name, columns[name], dtype) if isinstance(dtype, pl.Decimal)
         else pl.Series(name, columns[name], dtype=dtype)
         for name, dtype in schema.items()],
        schema=schema,
    )
