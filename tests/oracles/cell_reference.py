"""The per-cell conversion ingest used before it went column at a time: the test oracle.

flows/ingest/convert.py converts whole columns with Polars; this is the straightforward
one-cell reading of the same rules, kept only so tests/flows/ingest/test_convert.py can check that both agree on a
corpus of awkward cells. Production code never imports it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flows.ingest.convert import PLACEHOLDERS
from transforms.contract import BOOL_FALSE, BOOL_TRUE, MONEY_SCALE, Column, Kind, normalise_header
from transforms.findings import Severity
from transforms.units import UNIT_FACTORS

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
_STRAY_UNIT = re.compile(r"(亿美元|万美元|美元|亿元|万元|元|户|家|个|平方公里|%)$")


def clean_text(value: str | None, fold: bool = True) -> str | None:
    """Strip, read placeholders (—, /, 空) as missing, and fold full-width characters.

    Folding (NFKC: ５００ -> 500, ＧＸ -> GX) is for numbers, codes and vocabularies only; a name
    such as 贵港经济技术开发区（示例） is kept exactly as written (fold=False).
    """
    if value is None:
        return None
    text = str(value).strip()
    folded = unicodedata.normalize("NFKC", text).strip()
    if folded.lower() in PLACEHOLDERS:
        return None
    return folded if fold else text


def is_placeholder(value: str | None) -> bool:
    """A non-empty cell that stands for “no value” (—, /, 空, 无, N/A ...)."""
    if value is None or str(value).strip() == "":
        return False
    return unicodedata.normalize("NFKC", str(value)).strip().lower() in PLACEHOLDERS


def _parse_decimal(text: str) -> tuple[Decimal | None, str | None]:
    """Returns (value, stray unit). Thousands separators and a trailing unit are tidied away."""
    tidy = text.replace(",", "").replace(" ", "")
    unit = None
    m = _STRAY_UNIT.search(tidy)
    if m:
        unit = m.group(1)
        tidy = tidy[: m.start()]
    if not _NUMBER.match(tidy):
        return None, None
    try:
        return Decimal(tidy), unit
    except InvalidOperation:
        return None, None


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S")


def _parse_date(text: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _enum_lookup(col: Column) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for canonical, spellings in col.choices.items():
        for s in (canonical, *spellings):
            lookup[normalise_header(s)] = canonical
    return lookup


class _CellError(Exception):
    def __init__(self, rule_id: str, message: str, hint: str, severity: Severity = Severity.CRITICAL):
        self.rule_id, self.message, self.hint, self.severity = rule_id, message, hint, severity


def convert_cell(
    col: Column, text: str, factor: Decimal, raw: str | None = None
) -> tuple[object, _CellError | None]:
    """One cell's text -> its typed value. A tidied value is kept with a warning beside it.

    `raw` is the cell as submitted, before full-width folding, so that folding is reported too.
    """
    kind = col.kind
    raw = text if raw is None else str(raw).strip()
    if kind in (Kind.TEXT,):
        return text, None
    if kind is Kind.ID:
        value = text.upper() if col.name.endswith("_uscc") else text
        return value, None
    if kind in (Kind.MONEY, Kind.DECIMAL, Kind.INT, Kind.FLOAT):
        number, unit = _parse_decimal(text)
        if number is None:
            return None, _CellError(
                "ingest.not_a_number",
                f"“{text}”不是数字",
                f"填写数字，单位按表头“{col.label}”，不要夹带文字或单位",
            )
        if unit is not None and unit in UNIT_FACTORS and col.kind is Kind.MONEY:
            currency, unit_factor = UNIT_FACTORS[unit]
            if currency != col.base_unit or unit_factor != factor:
                # 12万元 typed into a 亿元 column: reading it as 12亿元 would be a 10^4 error.
                return None, _CellError(
                    "ingest.unit_mismatch",
                    f"“{raw}”的单位“{unit}”与表头单位“{col.submitted_unit}”不一致，未读取",
                    f"按表头单位“{col.submitted_unit}”换算后只填数字",
                )
        warning = None
        if str(number) != raw and _NUMBER.match(raw) is None:
            warning = _CellError(
                "ingest.number_tidied",
                f"数值“{raw}”含千分位逗号、全角字符或单位，已按 {number} 读取",
                "请只填纯数字，单位以表头为准",
                Severity.WARNING,
            )
        if kind is Kind.INT:
            if number != number.to_integral_value():
                return None, _CellError(
                    "ingest.not_an_integer", f"“{text}”不是整数", f"“{col.short_label}”应填整数"
                )
            return int(number), warning
        if kind is Kind.FLOAT:
            return float(number), warning
        if kind is Kind.DECIMAL:
            return number, warning
        converted = number * factor
        rounded = converted.quantize(Decimal(1).scaleb(-MONEY_SCALE), rounding=ROUND_HALF_UP)
        if rounded != converted and warning is None:
            warning = _CellError(
                "ingest.sub_cent",
                f"数值“{text}”换算为 {converted} 后小于 0.01 的部分已四舍五入",
                f"“{col.short_label}”换算后精确到分即可，请检查小数位数是否多填",
                Severity.WARNING,
            )
        return rounded, warning
    if kind is Kind.DATE:
        parsed = _parse_date(text)
        if parsed is None:
            return None, _CellError(
                "ingest.bad_date",
                f"“{text}”不是有效日期",
                "日期写作 2025-03-31 的形式，并确认该日期真实存在（如 2 月没有 30 日）",
            )
        return parsed, None
    if kind is Kind.BOOL:
        low = text.lower()
        if low in BOOL_TRUE:
            return True, None
        if low in BOOL_FALSE:
            return False, None
        return None, _CellError(
            "ingest.not_a_boolean", f"“{text}”不是“是/否”", "只填“是”或“否”（也可写 true/false、1/0、Y/N）"
        )
    if kind is Kind.ENUM:
        lookup = _enum_lookup(col)
        key = normalise_header(text)
        value = lookup.get(key) or lookup.get(key + "市")  # 南宁 -> 南宁市
        if value is None:
            allowed = "、".join(
                (spellings[0] if spellings else canonical)
                for canonical, spellings in col.choices.items()
            )
            return None, _CellError(
                "ingest.not_in_vocabulary",
                f"“{text}”不是“{col.short_label}”允许的取值",
                f"从以下取值中选择一个：{allowed}",
            )
        return value, None
    raise AssertionError(kind)
