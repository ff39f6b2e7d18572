"""The bundled demo data set: every input dataset of the contract, deterministic to the byte.

`write_demo_data(out_dir)` writes the nine input files the pipeline reads, in the formats data
staff actually submit (Chinese headers, GBK and BOM-prefixed CSV, Excel workbooks). The content
is designed so that every policy rule has a case on each side of its boundary; the case catalogue
is in data/demo/README.md. Figures for the national zones and the real region-level zones
(桂林, 防城港, 北流) are illustrative values near public figures, not official statistics;
zones whose names contain "（示例）" are invented.

Determinism: no wall clock, random numbers only from `random.Random(SEED)`, money as
`decimal.Decimal`, xlsx written by xlsxwriter with a fixed creation date, CSV with "\\n" line ends.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import xlsxwriter

from transforms.contract import (
    BOOL_FALSE,
    BOOL_TRUE,
    DATASETS,
    GUANGXI_CITIES,
    INDUSTRY_CLASS,
    INSTITUTION_TYPES,
    LEVELS,
    PROJECT_TYPES,
    ZONE_STATUS,
)
from transforms.quality import uscc_check_char, uscc_is_valid

SEED = 20251231
YEARS = tuple(range(2019, 2026))
BASE_YEAR = 2019
TARGET_YEAR = 2025
RANKING_YEARS = tuple(range(2016, 2026))
XLSX_CREATED = dt.datetime(2025, 12, 31, 0, 0, 0)

YES = "是"
NO = "否"
assert YES in BOOL_TRUE and NO in BOOL_FALSE

D = Decimal
Q4 = D("0.0001")
Q2 = D("0.01")

# --------------------------------------------------------------------------------------------
# USCC (统一社会信用代码, GB 32100-2015) and the organisation code inside it (GB 11714-1997)

ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code(body8: str) -> str:
    """A 9-character organisation code: 8 characters and the GB 11714 check character."""
    total = sum(ORG_ALPHABET.index(ch) * w for ch, w in zip(body8, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body8 + ("X" if check == 10 else "0" if check == 11 else str(check))


def make_uscc(division: str, serial: int) -> str:
    """A valid enterprise USCC: 9 (工商) 1 (企业), the 6-digit division code, org code, check."""
    body8 = f"MA{serial:06d}"  # "MA" prefix: codes issued after the 2015 reform
    body17 = "91" + division + _org_code(body8)
    return body17 + uscc_check_char(body17)


# --------------------------------------------------------------------------------------------
# Zones

NATIONAL = "national"
REGIONAL = "regional"
ACTIVE = "active"
EXITED = "exited"


@dataclass(frozen=True)
class Zone:
    zone_id: str
    name: str
    level: str
    city: str
    approved: dt.date
    industries: tuple[str, ...]
    status: str = ACTIVE
    # The registry's history (transforms/registry.py); empty: at the current level throughout.
    regional_date: dt.date | None = None
    national_date: dt.date | None = None
    exit_date: dt.date | None = None


ZONES: tuple[Zone, ...] = (
    # national zones named in the policy (dates: year as published, day illustrative)
    Zone(
        "GX-NN-01",
        "南宁经济技术开发区",
        NATIONAL,
        "南宁市",
        dt.date(2001, 5, 16),
        ("生物医药", "先进装备制造", "食品加工"),
    ),
    Zone(
        "GX-NN-02",
        "广西-东盟经济技术开发区",
        NATIONAL,
        "南宁市",
        dt.date(2013, 3, 5),
        ("食品加工", "生物医药", "电子信息"),
    ),
    Zone(
        "GX-QZ-01",
        "钦州港经济技术开发区",
        NATIONAL,
        "钦州市",
        dt.date(2010, 11, 30),
        ("绿色化工", "新能源材料", "港口物流"),
    ),
    Zone(
        "GX-QZ-02",
        "中国-马来西亚钦州产业园区",
        NATIONAL,
        "钦州市",
        dt.date(2012, 3, 26),
        ("新能源材料", "电子信息", "生物医药"),
    ),
    # 防城港经开区: recognised as region-level in 2020, upgraded to national in 2025 (both
    # dates assumed): regional in the 2020-2024 rankings, national from 2025
    Zone(
        "GX-FCG-01",
        "防城港经济技术开发区",
        NATIONAL,
        "防城港市",
        dt.date(2025, 6, 18),
        ("钢铁", "有色金属", "粮油加工"),
        regional_date=dt.date(2020, 9, 28),
        national_date=dt.date(2025, 6, 18),
    ),
    # real region-level zones named in the research
    Zone(
        "GX-GL-01",
        "桂林经济技术开发区",
        REGIONAL,
        "桂林市",
        dt.date(2020, 4, 10),
        ("电子信息", "先进装备制造", "生物医药"),
    ),
    Zone(
        "GX-YL-01",
        "广西北流经济技术开发区",
        REGIONAL,
        "玉林市",
        dt.date(2025, 3, 20),
        ("日用陶瓷", "新材料", "健康食品"),
    ),
    # invented region-level zones
    Zone(
        "GX-NN-03",
        "南宁临空经济技术开发区（示例）",
        REGIONAL,
        "南宁市",
        dt.date(2021, 9, 1),
        ("航空物流", "电子信息"),
    ),
    Zone(
        "GX-LZ-01",
        "柳州北部经济技术开发区（示例）",
        REGIONAL,
        "柳州市",
        dt.date(2021, 6, 30),
        ("汽车零部件", "机械制造"),
    ),
    Zone(
        "GX-LZ-02",
        "柳州南部经济技术开发区（示例）",
        REGIONAL,
        "柳州市",
        dt.date(2020, 12, 15),
        ("建材", "轻工"),
    ),
    Zone(
        "GX-WZ-01",
        "梧州经济技术开发区（示例）",
        REGIONAL,
        "梧州市",
        dt.date(2021, 3, 18),
        ("再生资源", "林产化工"),
    ),
    Zone(
        "GX-BH-01",
        "北海经济技术开发区（示例）",
        REGIONAL,
        "北海市",
        dt.date(2022, 5, 9),
        ("电子信息", "石油化工", "海洋产业"),
    ),
    Zone(
        "GX-GG-01",
        "贵港经济技术开发区（示例）",
        REGIONAL,
        "贵港市",
        dt.date(2022, 8, 26),
        ("新能源汽车", "电子信息"),
    ),
    Zone(
        "GX-BS-01",
        "百色经济技术开发区（示例）",
        REGIONAL,
        "百色市",
        dt.date(2021, 11, 12),
        ("铝产业", "新材料"),
    ),
    Zone(
        "GX-HZ-01",
        "贺州经济技术开发区（示例）",
        REGIONAL,
        "贺州市",
        dt.date(2023, 4, 7),
        ("碳酸钙", "新型建材"),
    ),
    Zone(
        "GX-HC-01",
        "河池经济技术开发区（示例）",
        REGIONAL,
        "河池市",
        dt.date(2023, 7, 21),
        ("有色金属", "茧丝绸"),
    ),
    Zone(
        "GX-LB-01",
        "来宾经济技术开发区（示例）",
        REGIONAL,
        "来宾市",
        dt.date(2024, 2, 28),
        ("糖业", "电力"),
    ),
    Zone(
        "GX-CZ-01",
        "崇左经济技术开发区（示例）",
        REGIONAL,
        "崇左市",
        dt.date(2022, 10, 14),
        ("边境加工贸易", "糖业", "锰产业"),
    ),
    # exited in 2023 (merged into another park); statistics 2019-2022 only; assessed in
    # 2019-2022, the years before its exit
    Zone(
        "GX-GG-02",
        "贵港东部经济技术开发区（示例）",
        REGIONAL,
        "贵港市",
        dt.date(2019, 8, 2),
        ("纺织服装", "木材加工"),
        status=EXITED,
        exit_date=dt.date(2023, 3, 31),
    ),
)

ZONE_BY_ID = {z.zone_id: z for z in ZONES}
# Regional last place alternates until 2022, so "last three years running" first holds in 2025
WEAKEST = "GX-LZ-02"  # regional last in 2019, 2021, 2023, 2024, 2025: exit in 2025 only
ALT_LAST = "GX-LZ-01"  # regional last in 2020 and 2022 (breaks WEAKEST's runs)
EXITED_ZONE = "GX-GG-02"
EXITED_LAST_YEAR = 2022
BOUNDARY_ZONE = "GX-QZ-01"  # 2025 GDP = 2019 GDP x 1.2^6 exactly

# --------------------------------------------------------------------------------------------
# City statistics (亿元, 万美元). 南宁 and 钦州 2023 GDP and 南宁 2023 trade are the published
# figures; the rest are illustrative values near public figures; 2024-2025 are assumptions.

CITY_EXPLICIT: dict[str, dict[str, tuple[str, ...]]] = {
    "南宁市": {
        "gdp": ("4506.56", "4726.34", "5120.94", "5218.34", "5469.06", "5720.00", "6020.00"),
        "fdi_usd": (
            "45000.00",
            "50000.00",
            "56000.00",
            "60000.00",
            "65000.00",
            "72000.00",
            "80000.00",
        ),
        "trade": ("950.30", "1010.50", "1200.80", "1215.40", "1259.06", "1320.50", "1400.00"),
    },
    "钦州市": {
        "gdp": ("1356.27", "1387.96", "1646.87", "1917.88", "1961.29", "2050.00", "2150.00"),
        "fdi_usd": (
            "26000.00",
            "29000.00",
            "34000.00",
            "38000.00",
            "42000.00",
            "47000.00",
            "130000.00",
        ),
        "trade": ("760.00", "820.00", "960.00", "1050.00", "1010.00", "1080.00", "1150.00"),
    },
}
# 2019 values (GDP 亿元, FDI 万美元, trade 亿元) for the other cities, grown by CITY_GROWTH
CITY_BASE: dict[str, tuple[str, str, str]] = {
    "柳州市": ("3128.35", "15000.00", "300.00"),
    "桂林市": ("2105.56", "9000.00", "120.00"),
    "梧州市": ("1081.34", "4000.00", "150.00"),
    "北海市": ("1300.80", "8000.00", "300.00"),
    "防城港市": ("701.23", "5000.00", "800.00"),
    "贵港市": ("1257.68", "3500.00", "80.00"),
    "玉林市": ("1680.99", "5000.00", "120.00"),
    "百色市": ("1257.20", "3000.00", "250.00"),
    "贺州市": ("753.95", "2000.00", "80.00"),
    "河池市": ("873.10", "1500.00", "90.00"),
    "来宾市": ("720.20", "1800.00", "85.00"),
    "崇左市": ("800.50", "4500.00", "1500.00"),
}
CITY_GROWTH = {  # year -> (gdp, fdi, trade) factor over the previous year
    2020: ("1.030", "0.950", "1.020"),
    2021: ("1.090", "1.100", "1.150"),
    2022: ("1.040", "1.050", "1.060"),
    2023: ("1.040", "1.030", "1.020"),
    2024: ("1.045", "1.040", "1.050"),
    2025: ("1.050", "1.060", "1.060"),
}

# --------------------------------------------------------------------------------------------
# National zones: 2019 and 2025 values fix the 2025 target outcomes (see README)


@dataclass
class NationalPlan:
    gdp: tuple[str, str]
    fdi: tuple[str, ...]  # (2019, 2025) or all seven years
    trade: tuple[str, str]
    enterprises: tuple[int, int]
    large_mfg: tuple[int, int]
    tax_ratio: str
    fai_ratio: str
    io_ratio: str
    rd_ratio: str
    hightech_share: str
    energy: tuple[str, str]
    area: tuple[str, str]
    invest_ratio: dict[int, str] = field(default_factory=dict)  # actual / target by year


NATIONAL_PLANS: dict[str, NationalPlan] = {
    "GX-NN-01": NationalPlan(
        gdp=("420.0000", "800.0000"),
        fdi=("12000.00", "36000.00"),
        trade=("150.0000", "240.0000"),
        enterprises=(1800, 9500),
        large_mfg=(20, 28),
        tax_ratio="0.1200",
        fai_ratio="0.5000",
        io_ratio="2.2000",
        rd_ratio="0.0250",
        hightech_share="0.0300",
        energy=("0.4500", "0.3800"),
        area=("40.00", "60.00"),
        invest_ratio={2023: "1.0800", 2024: "1.0300", 2025: "1.0000"},
    ),
    "GX-NN-02": NationalPlan(
        gdp=("80.0000", "260.0000"),
        fdi=("3000.00", "6000.00"),
        trade=("30.0000", "90.0000"),
        enterprises=(600, 2400),
        large_mfg=(4, 7),
        tax_ratio="0.0900",
        fai_ratio="0.7000",
        io_ratio="1.8000",
        rd_ratio="0.0150",
        hightech_share="0.0400",
        energy=("0.6200", "0.5500"),
        area=("25.00", "42.00"),
        invest_ratio={2023: "0.9500", 2024: "1.0200", 2025: "0.9000"},
    ),
    "GX-QZ-01": NationalPlan(
        gdp=("250.0000", "746.4960"),
        fdi=("9000.00", "11000.00", "14500.00", "16800.00", "19500.00", "23000.00", "98000.00"),
        trade=("300.0000", "520.0000"),
        enterprises=(900, 3600),
        large_mfg=(12, 20),
        tax_ratio="0.1000",
        fai_ratio="0.6000",
        io_ratio="3.0000",
        rd_ratio="0.0120",
        hightech_share="0.0350",
        energy=("1.0500", "0.9000"),
        area=("60.00", "95.00"),
        invest_ratio={2023: "1.1000", 2024: "1.2000", 2025: "1.1500"},
    ),
    "GX-QZ-02": NationalPlan(
        gdp=("60.0000", "150.0000"),
        fdi=("2500.00", "9000.00"),
        trade=("20.0000", "60.0000"),
        enterprises=(200, 1200),
        large_mfg=(2, 5),
        tax_ratio="0.0800",
        fai_ratio="0.9000",
        io_ratio="2.0000",
        rd_ratio="0.0180",
        hightech_share="0.0500",
        energy=("0.5800", "0.4800"),
        area=("15.00", "30.00"),
        invest_ratio={2023: "1.0400", 2024: "0.9600", 2025: "1.0500"},
    ),
    "GX-FCG-01": NationalPlan(
        gdp=("90.0000", "210.0000"),
        fdi=("1500.00", "4200.00"),
        trade=("120.0000", "200.0000"),
        enterprises=(300, 1000),
        large_mfg=(6, 10),
        tax_ratio="0.0700",
        fai_ratio="0.8000",
        io_ratio="3.2000",
        rd_ratio="0.0080",
        hightech_share="0.0300",
        energy=("1.1000", "0.9500"),
        area=("30.00", "48.00"),
        invest_ratio={2023: "1.0600", 2024: "1.1000", 2025: "1.2000"},
    ),
}

# Regional zones following a scripted path instead of random growth: level factor vs 2019
SCRIPTED_PATHS: dict[str, dict[str, object]] = {
    WEAKEST: {
        "base": {"gdp": "40", "fdi_usd": "300", "trade": "4.5", "enterprises": "200"},
        "factor": ("1", "0.95", "0.90", "0.855", "0.7524", "0.662112", "0.58265856"),
        "ratios": {  # year -> (tax, fai, io, rd, hightech share, energy, invest ratio)
            y: ("0.0300", "0.2000", "1.0000", "0.0030", "0.0200", "1.1800", "0.6000") for y in YEARS
        },
        "large_mfg": (1, 1, 1, 1, 0, 0, 0),
        "area": "20.00",
    },
    ALT_LAST: {
        "base": {"gdp": "50", "fdi_usd": "400", "trade": "7", "enterprises": "260"},
        "factor": ("1", "0.55", "1.04", "0.52", "0.832", "0.9152", "1.00672"),
        "ratios": {
            y: (
                ("0.0250", "0.1500", "0.8000", "0.0020", "0.0150", "1.2500", "0.4500")
                if y in (2020, 2022)
                else ("0.0650", "0.4000", "1.7000", "0.0090", "0.0450", "1.0000", "0.9000")
            )
            for y in YEARS
        },
        "large_mfg": (2, 0, 2, 0, 1, 1, 1),
        "area": "18.00",
    },
}

# Regional zones with hand-set 2019 GDP (亿元); the others draw theirs
REGIONAL_GDP_2019 = {"GX-GL-01": "140", "GX-YL-01": "75", "GX-NN-03": "95"}
# shares of the city's 2019 FDI and trade; others draw 0.10-0.35
REGIONAL_FDI_SHARE = {"GX-NN-03": "0.045"}
REGIONAL_TRADE_SHARE = {"GX-NN-03": "0.030"}

STAT_COLUMNS = [c.name for c in DATASETS["zone_stats"].columns]


def _q(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def _int(value: Decimal) -> int:
    return int(value.quantize(D(1), rounding=ROUND_HALF_UP))


def _fmt(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _interp(start: Decimal, end: Decimal, k: int, n: int = 6) -> Decimal:
    """Geometric interpolation: start x (end/start)^(k/n)."""
    if k == 0:
        return start
    if k == n:
        return end
    return start * (end / start) ** (D(k) / D(n))


def _not_one(ratio: Decimal) -> Decimal:
    """Keep drawn actual/target ratios off 1: the only exact tie is the catalogued one."""
    return D("1.0100") if ratio == 1 else ratio


def _rand(rng: random.Random, lo: str, hi: str, places: int = 4) -> Decimal:
    """A Decimal drawn uniformly on a grid of 10^-places between lo and hi."""
    scale = 10**places
    a = int(D(lo) * scale)
    b = int(D(hi) * scale)
    return D(rng.randint(a, b)) / D(scale)


# --------------------------------------------------------------------------------------------
# Building the tables (rows of canonical column name -> Python value)


def city_stats_rows() -> list[dict[str, object]]:
    rows = []
    for city in GUANGXI_CITIES:
        if city in CITY_EXPLICIT:
            series = {k: [D(v) for v in vals] for k, vals in CITY_EXPLICIT[city].items()}
        else:
            gdp, fdi, trade = (D(v) for v in CITY_BASE[city])
            series = {"gdp": [gdp], "fdi_usd": [fdi], "trade": [trade]}
            for year in YEARS[1:]:
                fg, ff, ft = (D(v) for v in CITY_GROWTH[year])
                series["gdp"].append(_q(series["gdp"][-1] * fg, Q2))
                series["fdi_usd"].append(_q(series["fdi_usd"][-1] * ff, Q2))
                series["trade"].append(_q(series["trade"][-1] * ft, Q2))
        for i, year in enumerate(YEARS):
            rows.append(
                {
                    "city": city,
                    "year": year,
                    "gdp": _q(series["gdp"][i], Q2),
                    "fdi_usd": _q(series["fdi_usd"][i], Q2),
                    "trade": _q(series["trade"][i], Q2),
                }
            )
    return rows


def _stat_row(zone_id: str, year: int, **values: object) -> dict[str, object]:
    row: dict[str, object] = {"zone_id": zone_id, "year": year}
    row.update(values)
    return {c: row[c] for c in STAT_COLUMNS}


def _national_rows(zone_id: str, plan: NationalPlan, rng: random.Random) -> list[dict]:
    rows = []
    for k, year in enumerate(YEARS):
        noise = D(1) if k in (0, 6) else D(1) + D(rng.randint(-20, 20)) / D(1000)
        gdp = _q(_interp(D(plan.gdp[0]), D(plan.gdp[1]), k) * noise, Q4)
        if len(plan.fdi) == 7:
            fdi = D(plan.fdi[k])
        else:
            fdi = _q(_interp(D(plan.fdi[0]), D(plan.fdi[1]), k) * noise, Q2)
        trade = _q(_interp(D(plan.trade[0]), D(plan.trade[1]), k) * noise, Q4)
        ent = _int(_interp(D(plan.enterprises[0]), D(plan.enterprises[1]), k))
        large = _int(D(plan.large_mfg[0]) + D(plan.large_mfg[1] - plan.large_mfg[0]) * D(k) / D(6))
        target = _q(gdp * D("0.65"), Q4)
        ratio = _not_one(D(plan.invest_ratio.get(year, str(_rand(rng, "0.9", "1.2")))))
        if year == TARGET_YEAR:  # the catalogued 2025 cases are set exactly
            ratio = D(plan.invest_ratio[year])
        rows.append(
            _stat_row(
                zone_id,
                year,
                gdp=gdp,
                fdi_usd=fdi,
                trade=trade,
                enterprises=ent,
                large_mfg_enterprises=large,
                tax_revenue=_q(gdp * D(plan.tax_ratio), Q4),
                fixed_asset_investment=_q(gdp * D(plan.fai_ratio), Q4),
                industrial_output=_q(gdp * D(plan.io_ratio), Q4),
                rd_expenditure=_q(gdp * D(plan.rd_ratio), Q4),
                high_tech_enterprises=max(1, _int(ent * D(plan.hightech_share))),
                energy_per_gdp=_q(_interp(D(plan.energy[0]), D(plan.energy[1]), k), Q4),
                developed_area=_q(_interp(D(plan.area[0]), D(plan.area[1]), k), Q2),
                investment_target=target,
                investment_actual=_q(target * ratio, Q4),
            )
        )
    return rows


def _scripted_rows(zone_id: str, path: dict) -> list[dict]:
    rows = []
    base = {k: D(v) for k, v in path["base"].items()}
    for k, year in enumerate(YEARS):
        f = D(path["factor"][k])
        tax, fai, io_, rd, ht, energy, inv = (D(v) for v in path["ratios"][year])
        gdp = _q(base["gdp"] * f, Q4)
        ent = _int(base["enterprises"] * f)
        target = _q(gdp * D("0.8"), Q4)
        rows.append(
            _stat_row(
                zone_id,
                year,
                gdp=gdp,
                fdi_usd=_q(base["fdi_usd"] * f, Q2),
                trade=_q(base["trade"] * f, Q4),
                enterprises=ent,
                large_mfg_enterprises=path["large_mfg"][k],
                tax_revenue=_q(gdp * tax, Q4),
                fixed_asset_investment=_q(gdp * fai, Q4),
                industrial_output=_q(gdp * io_, Q4),
                rd_expenditure=_q(gdp * rd, Q4),
                high_tech_enterprises=_int(ent * ht),
                energy_per_gdp=energy,
                developed_area=D(path["area"]),
                investment_target=target,
                investment_actual=_q(target * inv, Q4),
            )
        )
    return rows


def _regional_rows(zone: Zone, rng: random.Random, city_2019: dict[str, Decimal]) -> list[dict]:
    years = [y for y in YEARS if zone.status == ACTIVE or y <= EXITED_LAST_YEAR]
    gdp = (
        D(REGIONAL_GDP_2019[zone.zone_id])
        if zone.zone_id in REGIONAL_GDP_2019
        else _rand(rng, "48", "160", 2)
    )
    fdi_share = D(REGIONAL_FDI_SHARE.get(zone.zone_id, str(_rand(rng, "0.10", "0.35", 3))))
    fdi = max(_q(city_2019["fdi_usd"] * fdi_share, Q2), D("450.00"))
    trade_share = D(REGIONAL_TRADE_SHARE.get(zone.zone_id, str(_rand(rng, "0.10", "0.35", 3))))
    trade = _q(city_2019["trade"] * trade_share, Q4)
    ent = D(rng.randint(260, 1200))
    tax_r = _rand(rng, "0.0600", "0.1000")
    fai_r = _rand(rng, "0.4500", "0.7000")
    io_r = _rand(rng, "1.8000", "3.0000")
    rd_r = _rand(rng, "0.0100", "0.0250")
    ht_r = _rand(rng, "0.0500", "0.1200")
    energy = _rand(rng, "0.4000", "0.9000")
    density = _rand(rng, "3.0", "7.0", 2)  # 亿元 GDP per km²
    area = _q(gdp / density, Q2)
    inv_base = _rand(rng, "0.50", "0.90", 2)
    rows = []
    for k, year in enumerate(years):
        if k > 0:
            lo = "0.0000" if year == 2020 else "0.0300"
            gdp = gdp * (D(1) + _rand(rng, lo, "0.1400"))
            fdi = fdi * (D(1) + _rand(rng, "-0.0300", "0.1500"))
            trade = trade * (D(1) + _rand(rng, "-0.0200", "0.1800"))
            ent = ent * (D(1) + _rand(rng, "0.0400", "0.1400"))
            energy = energy * (D(1) - _rand(rng, "0.0000", "0.0400"))
            area = area * (D(1) + _rand(rng, "0.0100", "0.0500"))

        def jit(r: Decimal) -> Decimal:
            return r * (D(1) + _rand(rng, "-0.0200", "0.0200"))

        g = _q(gdp, Q4)
        ent_i = _int(ent)
        io_v = _q(g * jit(io_r), Q4)
        target = _q(g * inv_base, Q4)
        rows.append(
            _stat_row(
                zone.zone_id,
                year,
                gdp=g,
                fdi_usd=_q(fdi, Q2),
                trade=_q(trade, Q4),
                enterprises=ent_i,
                large_mfg_enterprises=max(2, int(io_v / D(50))),
                tax_revenue=_q(g * jit(tax_r), Q4),
                fixed_asset_investment=_q(g * jit(fai_r), Q4),
                industrial_output=io_v,
                rd_expenditure=_q(g * jit(rd_r), Q4),
                high_tech_enterprises=_int(ent_i * jit(ht_r)),
                energy_per_gdp=_q(energy, Q4),
                developed_area=_q(area, Q2),
                investment_target=target,
                investment_actual=_q(target * _not_one(_rand(rng, "0.8200", "1.3000")), Q4),
            )
        )
    return rows


def zone_stats_rows() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    city_2019 = {r["city"]: r for r in city_stats_rows() if r["year"] == BASE_YEAR}
    rows: list[dict[str, object]] = []
    for zone in ZONES:
        if zone.zone_id in NATIONAL_PLANS:
            rows += _national_rows(zone.zone_id, NATIONAL_PLANS[zone.zone_id], rng)
        elif zone.zone_id in SCRIPTED_PATHS:
            rows += _scripted_rows(zone.zone_id, SCRIPTED_PATHS[zone.zone_id])
        else:
            rows += _regional_rows(zone, rng, city_2019[zone.city])
    return rows


# --------------------------------------------------------------------------------------------
# National rankings: year = data year assessed

RANKED_TOTAL = {
    2016: 219,
    2017: 219,
    2018: 219,
    2019: 218,
    2020: 217,
    2021: 217,
    2022: 230,
    2023: 229,
    2024: 229,
    2025: 230,
}
RANKS: dict[str, dict[int, int]] = {
    # re-enters the top 100 in 2025 but was there in 2016-2018: no first_top100
    "GX-NN-01": dict(
        zip(RANKING_YEARS, (88, 92, 97, 101, 105, 109, 112, 108, 110, 99), strict=True)
    ),
    # bottom ten in 2025 (223 > 230 - 10); 2024: 219 = 229 - 10, just outside it
    "GX-NN-02": dict(
        zip(RANKING_YEARS, (214, 212, 213, 211, 210, 152, 170, 190, 219, 223), strict=True)
    ),
    # 188 (2020) and 94 (2021) are published; 2024 -> 2025 gains exactly 20 places
    "GX-QZ-01": dict(
        zip(RANKING_YEARS, (205, 200, 196, 192, 188, 94, 90, 88, 85, 65), strict=True)
    ),
    # up 3 places in 2021 (published); first top 50 and first top 100 in 2025, rank 50 exactly
    "GX-QZ-02": dict(
        zip(RANKING_YEARS, (160, 165, 170, 172, 175, 172, 160, 140, 118, 50), strict=True)
    ),
    # national from 2025: first ranked 2025, at 97: a first entry into the top 100 without the
    # top 50 (and no rank_improvement: it was not national, nor ranked, in 2024)
    "GX-FCG-01": {2025: 97},
}


def national_rankings_rows() -> list[dict[str, object]]:
    rows = []
    for zone_id, ranks in RANKS.items():
        for year, rank in sorted(ranks.items()):
            rows.append(
                {"zone_id": zone_id, "year": year, "rank": rank, "ranked_total": RANKED_TOTAL[year]}
            )
    return rows


# --------------------------------------------------------------------------------------------
# Exchange rates: 2019-2024 research values, 2025 assumed

EXCHANGE_RATES = {
    2019: "6.8985",
    2020: "6.8976",
    2021: "6.4515",
    2022: "6.7261",
    2023: "7.0467",
    2024: "7.1217",
    2025: "7.1800",
}


def exchange_rate_rows() -> list[dict[str, object]]:
    return [{"year": y, "usd_cny": D(v)} for y, v in EXCHANGE_RATES.items()]


# --------------------------------------------------------------------------------------------
# Supplier introductions (clause 二)

CITY_DIVISION = {
    "南宁市": "450100",
    "柳州市": "450200",
    "桂林市": "450300",
    "梧州市": "450400",
    "北海市": "450500",
    "防城港市": "450600",
    "钦州市": "450700",
    "贵港市": "450800",
    "玉林市": "450900",
    "百色市": "451000",
    "贺州市": "451100",
    "河池市": "451200",
    "来宾市": "451300",
    "崇左市": "451400",
}


def _uscc_for(zone_id: str, serial: int) -> str:
    return make_uscc(CITY_DIVISION[ZONE_BY_ID[zone_id].city], serial)


# (case_id, zone, year, introducer, introducer serial, introduced, introduced serial,
#  registered, investment 万元, industry code, class)
SUPPLIER_CASES = (
    (
        "GY-2023-001",
        "GX-NN-01",
        2023,
        "广西示例生物制药有限公司",
        101,
        "南宁示例药用包装材料有限公司",
        201,
        dt.date(2022, 9, 15),
        "12000.0000",
        "2929",
        "encouraged",
    ),
    (
        "GY-2023-002",
        "GX-WZ-01",
        2023,
        "梧州示例再生金属有限公司",
        102,
        "梧州示例环保装备有限公司",
        202,
        dt.date(2023, 1, 10),
        "5200.0000",
        "3591",
        "permitted",
    ),
    (
        "GY-2024-001",
        "GX-QZ-01",
        2024,
        "钦州示例石化有限公司",
        103,
        "钦州示例化工新材料有限公司",
        203,
        dt.date(2023, 11, 2),
        "6500.0000",
        "2651",
        "encouraged",
    ),
    (
        "GY-2024-002",
        "GX-GL-01",
        2024,
        "桂林示例电子科技有限公司",
        104,
        "桂林示例精密结构件有限公司",
        204,
        dt.date(2024, 2, 20),
        "8800.5000",
        "3982",
        "encouraged",
    ),
    # same introduced enterprise as GY-2024-001, claimed again by another introducer
    (
        "GY-2025-001",
        "GX-QZ-01",
        2025,
        "钦州示例港口物流有限公司",
        105,
        "钦州示例化工新材料有限公司",
        203,
        dt.date(2023, 11, 2),
        "8000.0000",
        "2651",
        "encouraged",
    ),
    (
        "GY-2025-002",
        "GX-NN-01",
        2025,
        "南宁示例装备制造有限公司",
        106,
        "南宁示例液压件有限公司",
        206,
        dt.date(2024, 12, 5),
        "5000.0000",
        "3444",
        "encouraged",
    ),
    (
        "GY-2025-003",
        "GX-NN-02",
        2025,
        "广西示例食品有限公司",
        107,
        "南宁示例食品包装有限公司",
        207,
        dt.date(2025, 1, 8),
        "4999.9900",
        "2231",
        "permitted",
    ),
    (
        "GY-2025-004",
        "GX-QZ-02",
        2025,
        "中马示例新能源材料有限公司",
        108,
        "钦州示例锂电池材料有限公司",
        208,
        dt.date(2024, 6, 30),
        "400000.0000",
        "3985",
        "encouraged",
    ),
    (
        "GY-2025-005",
        "GX-GL-01",
        2025,
        "桂林示例电子科技有限公司",
        104,
        "桂林示例铅酸电池有限公司",
        209,
        dt.date(2025, 3, 3),
        "9000.0000",
        "3843",
        "restricted",
    ),
    (
        "GY-2025-006",
        "GX-FCG-01",
        2025,
        "防城港示例钢铁有限公司",
        109,
        "防城港示例焦化有限公司",
        210,
        dt.date(2025, 4, 16),
        "15000.0000",
        "2520",
        "prohibited",
    ),
    (
        "GY-2025-007",
        "GX-NN-03",
        2025,
        "南宁示例航空物流有限公司",
        110,
        "南宁示例航空零部件有限公司",
        211,
        dt.date(2025, 2, 14),
        "7777.77765",
        "3744",
        "encouraged",
    ),
)


def supplier_rows() -> list[dict[str, object]]:
    rows = []
    for (
        case_id,
        zone_id,
        year,
        er_name,
        er_serial,
        ed_name,
        ed_serial,
        reg,
        inv,
        code,
        cls,
    ) in SUPPLIER_CASES:
        rows.append(
            {
                "case_id": case_id,
                "zone_id": zone_id,
                "year": year,
                "introducer_name": er_name,
                "introducer_uscc": _uscc_for(zone_id, er_serial),
                "introduced_name": ed_name,
                # the introduced enterprise's code depends only on its serial, so a re-claim
                # carries the same code
                "introduced_uscc": make_uscc(CITY_DIVISION[ZONE_BY_ID[zone_id].city], ed_serial),
                "registered_date": reg,
                "actual_investment": D(inv),
                "industry_code": code,
                "industry_class": cls,
            }
        )
    return rows


# --------------------------------------------------------------------------------------------
# FDI projects (clause 十二)

# (project_id, year, zone, enterprise, serial, type, industry, encouraged, leading, quasi,
#  fdi 万美元, similar claimed)
FDI_PROJECTS = (
    (
        "WZ-2023-001",
        2023,
        "GX-NN-01",
        "南宁示例汽车零部件有限公司",
        301,
        "new",
        "3670",
        True,
        True,
        False,
        "6200.00",
        False,
    ),
    (
        "WZ-2024-001",
        2024,
        "GX-QZ-02",
        "中马示例电子材料有限公司",
        302,
        "capital_increase",
        "3985",
        True,
        True,
        False,
        "3500.00",
        False,
    ),
    (
        "WZ-2024-002",
        2024,
        "GX-GL-01",
        "桂林示例跨国企业（中国）地区总部有限公司",
        303,
        "headquarters",
        "7211",
        True,
        False,
        False,
        "1500.00",
        False,
    ),
    (
        "WZ-2024-002",
        2025,
        "GX-GL-01",
        "桂林示例跨国企业（中国）地区总部有限公司",
        303,
        "headquarters",
        "7211",
        True,
        False,
        False,
        "1200.00",
        False,
    ),
    (
        "WZ-2025-001",
        2025,
        "GX-QZ-01",
        "钦州示例精细化工有限公司",
        304,
        "new",
        "2614",
        True,
        True,
        False,
        "5000.00",
        False,
    ),
    (
        "WZ-2025-002",
        2025,
        "GX-QZ-01",
        "钦州示例新材料有限公司",
        305,
        "new",
        "2651",
        True,
        True,
        False,
        "5000.01",
        False,
    ),
    (
        "WZ-2025-003",
        2025,
        "GX-NN-01",
        "南宁示例机电有限公司",
        306,
        "capital_increase",
        "3311",
        True,
        True,
        False,
        "3000.00",
        False,
    ),
    (
        "WZ-2025-004",
        2025,
        "GX-NN-01",
        "南宁示例医疗器械有限公司",
        307,
        "capital_increase",
        "3581",
        True,
        True,
        False,
        "3000.01",
        False,
    ),
    (
        "WZ-2025-005",
        2025,
        "GX-NN-02",
        "广西示例跨国食品（中国）地区总部有限公司",
        308,
        "headquarters",
        "7211",
        True,
        False,
        False,
        "1000.00",
        False,
    ),
    (
        "WZ-2025-006",
        2025,
        "GX-NN-02",
        "广西示例跨国电子（中国）地区总部有限公司",
        309,
        "headquarters",
        "7211",
        True,
        False,
        False,
        "1000.01",
        False,
    ),
    (
        "WZ-2025-007",
        2025,
        "GX-NN-01",
        "南宁示例外资银行有限公司",
        310,
        "new",
        "6621",
        True,
        False,
        False,
        "8000.00",
        False,
    ),
    (
        "WZ-2025-008",
        2025,
        "GX-NN-01",
        "南宁示例置业有限公司",
        311,
        "new",
        "7010",
        True,
        False,
        False,
        "6000.00",
        False,
    ),
    (
        "WZ-2025-009",
        2025,
        "GX-QZ-01",
        "钦州示例投资管理有限公司",
        312,
        "new",
        "7212",
        True,
        False,
        True,
        "6000.00",
        False,
    ),
    (
        "WZ-2025-010",
        2025,
        "GX-NN-01",
        "南宁示例智能装备有限公司",
        313,
        "new",
        "3491",
        True,
        True,
        False,
        "7000.00",
        True,
    ),
    (
        "WZ-2025-011",
        2025,
        "GX-QZ-02",
        "中马示例光伏材料有限公司",
        314,
        "new",
        "3825",
        False,
        True,
        False,
        "5500.00",
        False,
    ),
    (
        "WZ-2025-012",
        2025,
        "GX-NN-01",
        "南宁示例纸制品有限公司",
        315,
        "new",
        "2221",
        False,
        False,
        False,
        "5200.00",
        False,
    ),
    (
        "WZ-2025-013",
        2025,
        "GX-QZ-01",
        "钦州示例石化一体化有限公司",
        316,
        "new",
        "2614",
        True,
        True,
        False,
        "80000.00",
        False,
    ),
)


def fdi_rows() -> list[dict[str, object]]:
    rows = []
    for (
        pid,
        year,
        zone_id,
        name,
        serial,
        ptype,
        code,
        enc,
        lead,
        quasi,
        usd,
        claimed,
    ) in FDI_PROJECTS:
        rows.append(
            {
                "project_id": pid,
                "year": year,
                "zone_id": zone_id,
                "enterprise_name": name,
                "enterprise_uscc": _uscc_for(zone_id, serial),
                "project_type": ptype,
                "industry_code": code,
                "encouraged": enc,
                "leading_industry": lead,
                "quasi_finance": quasi,
                "fdi_received_usd": D(usd),
                "similar_reward_claimed": claimed,
            }
        )
    return rows


# --------------------------------------------------------------------------------------------
# Clause 十一 and 四

AMBASSADOR_REFERRALS = (
    ("DS-2025-001", "GX-NN-01", 2025, "黄志远（示例）", "南宁示例新能源电池项目", "12000.0000"),
    ("DS-2025-002", "GX-NN-02", 2025, "林晓梅（示例）", "广西示例冷链食品项目", "3000.0000"),
    ("DS-2025-003", "GX-QZ-01", 2025, "陈海生（示例）", "钦州示例港航物流项目", "8500.5000"),
    ("DS-2025-004", "GX-GL-01", 2025, "周文博（示例）", "桂林示例光电项目", "6000.0000"),
)


def ambassador_rows() -> list[dict[str, object]]:
    keys = [c.name for c in DATASETS["ambassador_referrals"].columns]
    return [
        dict(zip(keys, (rid, z, y, n, p, D(inv)), strict=True))
        for rid, z, y, n, p, inv in AMBASSADOR_REFERRALS
    ]


RESEARCHER_REWARDS = (
    (
        "KY-2025-001",
        "GX-NN-01",
        2025,
        "广西示例生物医药研究院",
        "research_institute",
        True,
        True,
        "200000.00",
    ),
    ("KY-2025-002", "GX-GL-01", 2025, "桂林示例电子科技大学", "university", True, True, "33333.33"),
    (
        "KY-2025-003",
        "GX-QZ-01",
        2025,
        "钦州示例海洋化工研究所",
        "research_institute",
        True,
        False,
        "80000.00",
    ),
    ("KY-2025-004", "GX-NN-02", 2025, "南宁示例科技有限公司", "other", False, True, "50000.00"),
)


def researcher_rows() -> list[dict[str, object]]:
    keys = [c.name for c in DATASETS["researcher_rewards"].columns]
    return [dict(zip(keys, (*r[:-1], D(r[-1])), strict=True)) for r in RESEARCHER_REWARDS]


def zone_rows() -> list[dict[str, object]]:
    return [
        {
            "zone_id": z.zone_id,
            "zone_name": z.name,
            "level": z.level,
            "city": z.city,
            "approved_date": z.approved,
            "leading_industries": ";".join(z.industries),
            "status": z.status,
            "regional_date": z.regional_date,
            "national_date": z.national_date,
            "exit_date": z.exit_date,
        }
        for z in ZONES
    ]


# --------------------------------------------------------------------------------------------
# Self-checks the design relies on (run on every write; also used by the tests)


def regional_indicator_table(
    stats: list[dict], cities: list[dict], year: int
) -> dict[str, dict[str, Decimal]]:
    """Per zone with data in `year` that is, or has been, regional by then (an upgraded zone
    is compared in its regional years and its upgrade year too): indicator -> value oriented
    so higher is better."""
    by_key = {(r["zone_id"], r["year"]): r for r in stats}
    city = {(r["city"], r["year"]): r for r in cities}
    out: dict[str, dict[str, Decimal]] = {}
    for zone in ZONES:
        was_regional = zone.level == REGIONAL or (
            zone.regional_date is not None and zone.regional_date.year <= year)
        if not was_regional or (zone.zone_id, year) not in by_key:
            continue
        r = by_key[(zone.zone_id, year)]
        prev = by_key.get((zone.zone_id, year - 1))
        base = by_key.get((zone.zone_id, BASE_YEAR))
        c = city[(zone.city, year)]
        ind: dict[str, Decimal] = {}
        for col in (
            "gdp",
            "fdi_usd",
            "trade",
            "enterprises",
            "large_mfg_enterprises",
            "tax_revenue",
            "fixed_asset_investment",
            "industrial_output",
            "rd_expenditure",
            "high_tech_enterprises",
            "investment_actual",
        ):
            ind[col] = D(r[col])
        for col in (
            "gdp",
            "fdi_usd",
            "trade",
            "enterprises",
            "tax_revenue",
            "fixed_asset_investment",
            "industrial_output",
            "rd_expenditure",
        ):
            if prev is not None:
                ind[f"{col}_yoy"] = D(r[col]) / D(prev[col])
            if base is not None and year > BASE_YEAR:
                ind[f"{col}_since_base"] = D(r[col]) / D(base[col])
        for col in ("gdp", "fdi_usd", "trade"):
            ind[f"{col}_city_share"] = D(r[col]) / D(c[col])
        ind["rd_intensity"] = D(r["rd_expenditure"]) / D(r["gdp"])
        ind["tax_per_gdp"] = D(r["tax_revenue"]) / D(r["gdp"])
        ind["hightech_share"] = D(r["high_tech_enterprises"]) / D(r["enterprises"])
        ind["gdp_per_km2"] = D(r["gdp"]) / D(str(r["developed_area"]))
        ind["investment_rate"] = D(r["investment_actual"]) / D(r["investment_target"])
        ind["neg_energy"] = -D(str(r["energy_per_gdp"]))
        out[zone.zone_id] = ind
    return out


EXPECTED_REGIONAL_LAST = {
    2019: WEAKEST,
    2020: ALT_LAST,
    2021: WEAKEST,
    2022: ALT_LAST,
    2023: WEAKEST,
    2024: WEAKEST,
    2025: WEAKEST,
}


def check_design(tables: dict[str, list[dict]]) -> None:
    """Raise AssertionError when the data no longer exercises the catalogued cases."""
    stats, cities = tables["zone_stats"], tables["city_stats"]
    # city >= sum of its zones
    sums: dict[tuple[str, int], dict[str, Decimal]] = {}
    for r in stats:
        key = (ZONE_BY_ID[r["zone_id"]].city, r["year"])
        acc = sums.setdefault(key, {"gdp": D(0), "fdi_usd": D(0), "trade": D(0)})
        for col in acc:
            acc[col] += D(r[col])
    for c in cities:
        for col, total in sums.get((c["city"], c["year"]), {}).items():
            assert c[col] >= total, (c["city"], c["year"], col, c[col], total)
    # large_mfg <= enterprises, positive values
    for r in stats:
        assert 0 <= r["large_mfg_enterprises"] <= r["enterprises"], r
        assert r["gdp"] > 0 and r["fdi_usd"] > 0 and r["trade"] > 0, r
    # the exact boundary
    by_key = {(r["zone_id"], r["year"]): r for r in stats}
    g19 = by_key[(BOUNDARY_ZONE, BASE_YEAR)]["gdp"]
    g25 = by_key[(BOUNDARY_ZONE, TARGET_YEAR)]["gdp"]
    assert g25 == g19 * D("1.2") ** 6, (g19, g25)
    # scripted regional last places: strictly worst on every indicator
    for year, last in EXPECTED_REGIONAL_LAST.items():
        table = regional_indicator_table(stats, cities, year)
        for ind, value in table[last].items():
            others = [t[ind] for z, t in table.items() if z != last and ind in t]
            assert others and value < min(others), (year, last, ind, value, min(others))
    # fdi projects fit inside their zone's FDI
    proj: dict[tuple[str, int], Decimal] = {}
    for p in tables["fdi_projects"]:
        key = (p["zone_id"], p["year"])
        proj[key] = proj.get(key, D(0)) + p["fdi_received_usd"]
    for key, total in proj.items():
        assert by_key[key]["fdi_usd"] >= total, (key, total)
    # investment cases in 2025
    inv25 = {
        z: (r["investment_actual"], r["investment_target"])
        for (z, y), r in by_key.items()
        if y == TARGET_YEAR
    }
    assert inv25["GX-NN-01"][0] == inv25["GX-NN-01"][1]
    assert inv25["GX-NN-02"][0] < inv25["GX-NN-02"][1]
    assert inv25[WEAKEST][0] < inv25[WEAKEST][1]
    assert inv25["GX-QZ-01"][0] > inv25["GX-QZ-01"][1]
    ties = {k for k, r in by_key.items() if r["investment_actual"] == r["investment_target"]}
    assert ties == {("GX-NN-01", TARGET_YEAR)}, ties
    # USCCs
    for r in tables["supplier_introductions"]:
        assert uscc_is_valid(r["introducer_uscc"]) and uscc_is_valid(r["introduced_uscc"])
        assert r["introducer_uscc"] != r["introduced_uscc"]
    for r in tables["fdi_projects"]:
        assert uscc_is_valid(r["enterprise_uscc"])


def build_tables() -> dict[str, list[dict[str, object]]]:
    tables = {
        "zones": zone_rows(),
        "zone_stats": zone_stats_rows(),
        "city_stats": city_stats_rows(),
        "national_rankings": national_rankings_rows(),
        "supplier_introductions": supplier_rows(),
        "fdi_projects": fdi_rows(),
        "exchange_rates": exchange_rate_rows(),
        "ambassador_referrals": ambassador_rows(),
        "researcher_rewards": researcher_rows(),
    }
    check_design(tables)
    return tables


# --------------------------------------------------------------------------------------------
# Writers


def _zh(choices: dict[str, tuple[str, ...]], value: str) -> str:
    return choices[value][0]


def _cell_text(dataset: str, name: str, value: object) -> str:
    """A value as it appears in a CSV cell of the demo files (Chinese enums, 是/否)."""
    if isinstance(value, bool):
        return YES if value else NO
    if dataset == "fdi_projects" and name == "project_type":
        return _zh(PROJECT_TYPES, value)
    if dataset == "researcher_rewards" and name == "institution_type":
        return _zh(INSTITUTION_TYPES, value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return _fmt(value)


def _write_csv(path: Path, dataset: str, rows: list[dict], encoding: str, chinese: bool) -> Path:
    cols = DATASETS[dataset].columns
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c.label if chinese else c.name for c in cols])
    for row in rows:
        writer.writerow([_cell_text(dataset, c.name, row[c.name]) for c in cols])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _write_xlsx(path: Path, dataset: str, sheet: str, rows: list[dict]) -> Path:
    cols = DATASETS[dataset].columns
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties(
        {
            "title": DATASETS[dataset].label,
            "author": "etdz-assessment demo data",
            "created": XLSX_CREATED,
        }
    )
    head = wb.add_format({"bold": True})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet(sheet)
    for j, col in enumerate(cols):
        ws.write_string(0, j, col.label, head)
        ws.set_column(j, j, max(12, 2 * len(col.label) + 2))
    for i, row in enumerate(rows, start=1):
        for j, col in enumerate(cols):
            value = row[col.name]
            if value is None:
                continue  # an empty cell: the optional column says nothing for this row
            if isinstance(value, dt.date):
                ws.write_datetime(i, j, dt.datetime(value.year, value.month, value.day), date_fmt)
            elif isinstance(value, Decimal):
                ws.write_number(i, j, float(value))
            elif isinstance(value, int) and not isinstance(value, bool):
                ws.write_number(i, j, value)
            elif col.name == "level":
                ws.write_string(i, j, _zh(LEVELS, value))
            elif col.name == "status":
                ws.write_string(i, j, _zh(ZONE_STATUS, value))
            elif col.name == "industry_class":
                ws.write_string(i, j, _zh(INDUSTRY_CLASS, value))
            else:
                ws.write_string(i, j, str(value))
    ws.freeze_panes(1, 0)
    wb.close()
    return path


def write_demo_data(out_dir: Path) -> list[Path]:
    """Write the demo input files into out_dir (created if needed); return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t = build_tables()
    return [
        _write_xlsx(out_dir / "zones.xlsx", "zones", "园区名录", t["zones"]),
        _write_csv(out_dir / "zone_stats.csv", "zone_stats", t["zone_stats"], "gbk", True),
        _write_csv(out_dir / "city_stats.csv", "city_stats", t["city_stats"], "utf-8-sig", True),
        _write_csv(
            out_dir / "national_rankings.csv",
            "national_rankings",
            t["national_rankings"],
            "utf-8",
            False,
        ),
        _write_xlsx(
            out_dir / "supplier_introductions.xlsx",
            "supplier_introductions",
            "引进案例",
            t["supplier_introductions"],
        ),
        _write_csv(out_dir / "fdi_projects.csv", "fdi_projects", t["fdi_projects"], "utf-8", True),
        _write_csv(
            out_dir / "exchange_rates.csv", "exchange_rates", t["exchange_rates"], "utf-8", False
        ),
        _write_csv(
            out_dir / "ambassador_referrals.csv",
            "ambassador_referrals",
            t["ambassador_referrals"],
            "utf-8",
            True,
        ),
        _write_csv(
            out_dir / "researcher_rewards.csv",
            "researcher_rewards",
            t["researcher_rewards"],
            "utf-8",
            True,
        ),
    ]
