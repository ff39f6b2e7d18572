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
_STRAY_UNIT = re.compile(r"^(.*?)\s*(亿美元|万美元|美元|亿元|万元|元|户|家|个|平方公里|%)$")
# Separators every three digits, commas or spaces (not both).
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$|^[+-]?\d{1,3}( \d{3})+(\.\d*)?$", re.ASCII)
_YEAR_SUFFIX = re.compile(r"^(\d{4})\s*年度?$", re.ASCII)
# Integer digits a value may have in its base unit: counts fit Int64; money and rates stay where
# exact arithmetic downstream cannot overflow.
_MAX_DIGITS = {Kind.MONEY: 20, Kind.DECIMAL: 12, Kind.INT: 18, Kind.FLOAT: 300}


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


def _parse_decimal(text: str, year_column: bool = False
                   ) -> tuple[Decimal | None, str | None, str | None]:
    """Returns (value, stray unit, problem rule). Separators every three digits and a
    trailing unit are tidied away; separators anywhere else make the number unknowable."""
    if year_column and _YEAR_SUFFIX.match(text):
        return Decimal(_YEAR_SUFFIX.match(text).group(1)), None, None  # type: ignore[union-attr]
    unit = None
    m = _STRAY_UNIT.match(text)
    number = text
    if m:
        number, unit = m.group(1).strip(), m.group(2)
    tidy = number.replace(",", "").replace(" ", "")
    if not _NUMBER.match(tidy):
        return None, None, "ingest.not_a_number"
    if ("," in number or " " in number) and not _GROUPED.match(number):
        return None, None, "ingest.bad_grouping"
    try:
        return Decimal(tidy), unit, None
    except InvalidOperation:
        return None, None, "ingest.not_a_number"


def _allowed_units(col: Column, factor: Decimal) -> set[str]:
    if col.kind is Kind.MONEY:
        return {u for u, (cur, f) in UNIT_FACTORS.items() if cur == col.base_unit and f == factor}
    if col.kind is Kind.INT and col.base_unit == "户":
        return {"户", "家", "个"}
    if col.base_unit == "km2":
        return {"平方公里"}
    return set()


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
        number, unit, rule = _parse_decimal(text, col.name == "year")
        if number is None:
            message = (f"“{text}”不是数字" if rule == "ingest.not_a_number"
                       else f"“{raw}”的千分位分隔位置不对")
            return None, _CellError(rule or "ingest.not_a_number", message,
                                    f"填写数字，单位按表头“{col.label}”，不要夹带文字或单位")
        if unit is not None and unit not in _allowed_units(col, factor):
            # 12万元 typed into a 亿元 column, 12% into a count: reading it would be wrong.
            return None, _CellError(
                "ingest.unit_mismatch",
                f"“{raw}”的单位“{unit}”与表头单位“{col.submitted_unit}”不一致，未读取",
                f"按表头单位“{col.submitted_unit}”换算后只填数字",
            )
        max_digits = _MAX_DIGITS[kind] - (factor.adjusted() if kind is Kind.MONEY else 0)
        if number and number.adjusted() >= max_digits:
            return None, _CellError("ingest.number_too_large", f"“{raw}”超出范围", "")
        warning = None
        if col.name == "year" and _YEAR_SUFFIX.match(text):
            warning = _CellError("ingest.year_suffix", f"年份“{raw}”带有“年”字",
                                 "年份只填四位数字", Severity.WARNING)
        elif str(number) != raw and _NUMBER.match(raw) is None:
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
