"""The data contract (../shared/data-contract.md) as code.

One `Dataset` per input file, one `Column` per field: canonical English name, the Chinese label
data staff see in their spreadsheets, the kind of value, the unit factor that converts the
submitted unit to the base unit (yuan, US dollars, counts) and whether the column is required.
Ingest, validation, the demo-data writer and the reports all read this table, so a header or a
unit is defined exactly once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

import polars as pl

from transforms.units import WAN, YI


class Kind(StrEnum):
    TEXT = "text"
    ID = "id"  # zone_id, case_id ...: text, stripped, case kept
    INT = "int"  # counts and years
    MONEY = "money"  # exact: Decimal, in the base unit after conversion
    DECIMAL = "decimal"  # exact non-money figure (exchange rate)
    FLOAT = "float"  # physical ratios (energy per GDP, area): not money, float is fine
    DATE = "date"
    BOOL = "bool"
    ENUM = "enum"


# Scale of money columns after conversion: yuan or dollars with two decimals (分 / cents).
MONEY_SCALE = 2
MONEY_DTYPE = pl.Decimal(38, MONEY_SCALE)
RATE_DTYPE = pl.Decimal(38, 6)

# Row-tagging columns added by ingest; every accepted row carries them to the fix list.
SOURCE_FILE = "_source_file"
SOURCE_SHEET = "_source_sheet"
SOURCE_ROW = "_source_row"
SOURCE_COLUMNS = (SOURCE_FILE, SOURCE_SHEET, SOURCE_ROW)


GUANGXI_CITIES = (
    "南宁市",
    "柳州市",
    "桂林市",
    "梧州市",
    "北海市",
    "防城港市",
    "钦州市",
    "贵港市",
    "玉林市",
    "百色市",
    "贺州市",
    "河池市",
    "来宾市",
    "崇左市",
)

BOOL_TRUE = ("true", "1", "是", "y", "yes", "t")
BOOL_FALSE = ("false", "0", "否", "n", "no", "f")


@dataclass(frozen=True)
class Column:
    name: str
    label: str  # the Chinese header, unit included, exactly as the contract writes it
    kind: Kind
    required: bool = True
    unit_factor: Decimal = Decimal(1)  # submitted unit -> base unit
    base_unit: str = ""  # unit after conversion, written to results
    submitted_unit: str = ""  # unit data staff type, for messages
    # ENUM: canonical value -> accepted Chinese spellings
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    default: str | None = None  # used when the optional column is absent or the cell empty
    aliases: tuple[str, ...] = ()  # other headers seen in the wild
    # a code of digits whose leading zeros are part of it (GB/T 4754: 0690 is coal mining, 690
    # would be finance): a cell Excel stored as a short number has lost them (ingest says so)
    digit_code: bool = False

    @property
    def short_label(self) -> str:
        """The label without its unit, for sentences: 地区生产总值（亿元） -> 地区生产总值."""
        return self.label.split("（")[0]


@dataclass(frozen=True)
class Dataset:
    name: str
    label: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name}")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _yi(name: str, label: str, required: bool = True) -> Column:
    return Column(name, label, Kind.MONEY, required, YI, "CNY", "亿元")


LEVELS = {"national": ("国家级",), "regional": ("自治区级", "省级")}
ZONE_STATUS = {"active": ("正常", "有效"), "exited": ("已退出", "退出")}
INDUSTRY_CLASS = {
    "encouraged": ("鼓励类",),
    "permitted": ("允许类",),
    "restricted": ("限制类",),
    "prohibited": ("禁止类", "淘汰类"),
}
PROJECT_TYPES = {
    "new": ("新设", "新项目", "新设项目"),
    "capital_increase": ("增资", "增资项目"),
    "headquarters": ("跨国公司总部或地区总部", "总部", "地区总部", "跨国公司总部"),
}
INSTITUTION_TYPES = {
    "research_institute": ("科研院所", "研究开发机构"),
    "university": ("高等院校", "高校"),
    "other": ("其他",),
}

ZONE_ID = Column("zone_id", "园区代码", Kind.ID)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "zones",
            "园区名录",
            (
                ZONE_ID,
                Column("zone_name", "园区名称", Kind.TEXT),
                Column("level", "级别", Kind.ENUM, choices=LEVELS),
                Column("city", "所在设区市", Kind.ENUM, choices={c: () for c in GUANGXI_CITIES}),
                Column("approved_date", "批准（认定）日期", Kind.DATE, required=False),
                Column("leading_industries", "主导产业", Kind.TEXT, required=False),
                Column("status", "状态", Kind.ENUM, False, choices=ZONE_STATUS, default="active"),
                # The registry's history (transforms/registry.py). Absent or empty, a zone has
                # been at its current level since approved_date and, if exited, out of every year.
                Column("regional_date", "认定为自治区级经开区日期", Kind.DATE, required=False),
                Column("national_date", "批准（升格）为国家级经开区日期", Kind.DATE,
                       required=False),
                Column("exit_date", "退出日期", Kind.DATE, required=False),
            ),
            key=("zone_id",),
        ),
        Dataset(
            "zone_stats",
            "园区年度统计",
            (
                ZONE_ID,
                Column("year", "年份", Kind.INT),
                _yi("gdp", "地区生产总值（亿元）"),
                Column("fdi_usd", "实际利用外资（万美元）", Kind.MONEY, True, WAN, "USD", "万美元"),
                _yi("trade", "进出口总额（亿元）"),
                Column("enterprises", "企业数量（户）", Kind.INT, base_unit="户"),
                Column(
                    "large_mfg_enterprises",
                    "主营业务收入15亿元及以上制造业企业数（户）",
                    Kind.INT,
                    base_unit="户",
                ),
                _yi("tax_revenue", "税收收入（亿元）", False),
                _yi("fixed_asset_investment", "固定资产投资（亿元）", False),
                _yi("industrial_output", "规模以上工业总产值（亿元）", False),
                _yi("rd_expenditure", "R&D经费支出（亿元）", False),
                Column(
                    "high_tech_enterprises", "高新技术企业数（户）", Kind.INT, False, base_unit="户"
                ),
                Column(
                    "energy_per_gdp",
                    "单位地区生产总值能耗（吨标准煤/万元）",
                    Kind.FLOAT,
                    False,
                    base_unit="吨标准煤/万元",
                ),
                Column(
                    "developed_area", "已开发面积（平方公里）", Kind.FLOAT, False, base_unit="km2"
                ),
                _yi("investment_target", "招商引资目标任务（亿元）", False),
                _yi("investment_actual", "招商引资实际到位资金（亿元）", False),
            ),
            key=("zone_id", "year"),
        ),
        Dataset(
            "city_stats",
            "设区市年度统计",
            (
                Column(
                    "city", "设区市", Kind.ENUM, choices={c: () for c in GUANGXI_CITIES}
                ),
                Column("year", "年份", Kind.INT),
                _yi("gdp", "地区生产总值（亿元）"),
                Column("fdi_usd", "实际利用外资（万美元）", Kind.MONEY, True, WAN, "USD", "万美元"),
                _yi("trade", "进出口总额（亿元）"),
            ),
            key=("city", "year"),
        ),
        Dataset(
            "national_rankings",
            "国家级经开区考核排名",
            (
                ZONE_ID,
                Column("year", "年份", Kind.INT),
                Column("rank", "综合排名", Kind.INT),
                Column("ranked_total", "参评园区总数", Kind.INT),
            ),
            key=("zone_id", "year"),
        ),
        Dataset(
            "supplier_introductions",
            "引进供应商（合作伙伴）案例",
            (
                Column("case_id", "案例编号", Kind.ID),
                ZONE_ID,
                Column("year", "申报年度", Kind.INT),
                Column("introducer_name", "原有企业名称", Kind.TEXT),
                Column("introducer_uscc", "原有企业统一社会信用代码", Kind.ID),
                Column("introduced_name", "被引进企业名称", Kind.TEXT),
                Column("introduced_uscc", "被引进企业统一社会信用代码", Kind.ID),
                Column("registered_date", "被引进企业注册日期", Kind.DATE, required=False),
                Column(
                    "actual_investment", "实际投资额（万元）", Kind.MONEY, True, WAN, "CNY", "万元"
                ),
                Column("industry_code", "国民经济行业代码", Kind.ID, required=False,
                       digit_code=True),
                Column("industry_class", "产业类别", Kind.ENUM, choices=INDUSTRY_CLASS),
            ),
            key=("case_id",),
        ),
        Dataset(
            "fdi_projects",
            "外资项目",
            (
                Column("project_id", "项目编号", Kind.ID),
                Column("year", "年度", Kind.INT),
                ZONE_ID,
                Column("enterprise_name", "企业名称", Kind.TEXT),
                Column("enterprise_uscc", "统一社会信用代码", Kind.ID, required=False),
                Column("project_type", "项目类型", Kind.ENUM, choices=PROJECT_TYPES),
                Column("industry_code", "国民经济行业代码", Kind.ID, digit_code=True),
                Column("encouraged", "是否外资鼓励类", Kind.BOOL),
                Column("leading_industry", "是否属于园区主导产业", Kind.BOOL, False, default="false"),
                Column("quasi_finance", "是否类金融", Kind.BOOL, False, default="false"),
                Column(
                    "fdi_received_usd",
                    "当年实际到位外资（万美元）",
                    Kind.MONEY,
                    True,
                    WAN,
                    "USD",
                    "万美元",
                ),
                Column(
                    "similar_reward_claimed", "是否已享受同类奖励", Kind.BOOL, False, default="false"
                ),
            ),
            key=("project_id", "year"),
        ),
        Dataset(
            "exchange_rates",
            "汇率",
            (
                Column("year", "年份", Kind.INT),
                Column("usd_cny", "美元兑人民币年平均汇率", Kind.DECIMAL),
            ),
            key=("year",),
        ),
        Dataset(
            "ambassador_referrals",
            "招商大使引进项目",
            (
                Column("referral_id", "推荐编号", Kind.ID),
                ZONE_ID,
                Column("year", "年度", Kind.INT),
                Column("ambassador_name", "招商大使姓名", Kind.TEXT),
                Column("project_name", "项目名称", Kind.TEXT),
                Column(
                    "actual_investment", "实际投资额（万元）", Kind.MONEY, True, WAN, "CNY", "万元"
                ),
            ),
            key=("referral_id",),
            required=False,
        ),
        Dataset(
            "researcher_rewards",
            "科研人员职务发明成果转化现金奖励",
            (
                Column("record_id", "记录编号", Kind.ID),
                ZONE_ID,
                Column("year", "年度", Kind.INT),
                Column("institution_name", "单位名称", Kind.TEXT),
                Column("institution_type", "单位类型", Kind.ENUM, choices=INSTITUTION_TYPES),
                Column("nonprofit", "是否非营利性", Kind.BOOL),
                Column("tax_rules_met", "是否符合税收政策规定", Kind.BOOL),
                Column("amount", "现金奖励金额（元）", Kind.MONEY, True, Decimal(1), "CNY", "元"),
            ),
            key=("record_id",),
            required=False,
        ),
    )
}


CITY_COLUMNS = (("zones", "city"), ("city_stats", "city"))


def region_cities() -> tuple[str, ...]:
    """The host cities the contract accepts now (config/region.toml, applied by settings)."""
    return tuple(DATASETS["zones"].column("city").choices)


def use_region(cities: tuple[str, ...] | list[str]) -> None:
    """Accept another region's host cities in zones.city and city_stats.city.

    The contract is module-level data read everywhere; swapping the two columns in place keeps
    every reader consistent. Called once at start-up by the entry points (flows.settings.configure_region).
    """
    if not cities or len(set(cities)) != len(cities):
        raise ValueError("地区设区市列表不能为空且不能重复")
    for dataset_name, column_name in CITY_COLUMNS:
        dataset = DATASETS[dataset_name]
        columns = tuple(
            replace(c, choices={city: () for city in cities}) if c.name == column_name else c
            for c in dataset.columns
        )
        DATASETS[dataset_name] = replace(dataset, columns=columns)


def normalise_header(text: str) -> str:
    """NFKC folds full-width brackets and letters; spaces and case never carry meaning."""
    folded = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\s+", "", folded).lower()


def polars_dtype(col: Column) -> pl.DataType:
    """The dtype a column has after ingest."""
    return {
        Kind.TEXT: pl.String(),
        Kind.ID: pl.String(),
        Kind.ENUM: pl.String(),
        Kind.INT: pl.Int64(),
        Kind.MONEY: MONEY_DTYPE,
        Kind.DECIMAL: RATE_DTYPE,
        Kind.FLOAT: pl.Float64(),
        Kind.DATE: pl.Date(),
        Kind.BOOL: pl.Boolean(),
    }[col.kind]


def empty_frame(dataset: str) -> pl.DataFrame:
    """A typed frame with no rows: what an absent optional dataset reads as."""
    ds = DATASETS[dataset]
    schema: dict[str, pl.DataType] = {c.name: polars_dtype(c) for c in ds.columns}
    schema.update({SOURCE_FILE: pl.String(), SOURCE_SHEET: pl.String(), SOURCE_ROW: pl.Int64()})
    return pl.DataFrame(schema=schema)
