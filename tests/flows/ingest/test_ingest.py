"""Ingest: every encoding and header form, unit conversion once, types, and the row a person sees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from flows.ingest.folder import ingest_folder, read_dataset_file
from flows.settings import DEMO_DATA_DIR
from transforms.contract import DATASETS, MONEY_DTYPE
from transforms.findings import Severity

ZONE_STATS = DATASETS["zone_stats"]
CHINESE_HEADER = "园区代码,年份,地区生产总值（亿元）,实际利用外资（万美元）,进出口总额（亿元）,企业数量（户）,主营业务收入15亿元及以上制造业企业数（户）"
ENGLISH_HEADER = "zone_id,year,gdp,fdi_usd,trade,enterprises,large_mfg_enterprises"
ROW = "GX-NN-01,2025,1234.5678,2500.5,12.34,350,7"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def read(path: Path, dataset: str = "zone_stats"):
    frame, findings, record = read_dataset_file(path, DATASETS[dataset])
    return frame, findings, record


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),  # Excel's "CSV UTF-8" writes a BOM
        ("gbk", "gb18030"),  # WPS / Excel on Chinese Windows default
        ("gb18030", "gb18030"),
    ],
)
def test_each_encoding_reads_the_same_values(tmp_path: Path, encoding: str, expected: str) -> None:
    path = write(tmp_path, "zone_stats.csv", f"{CHINESE_HEADER}\n{ROW}\n", encoding)
    frame, findings, record = read(path)
    assert findings == []
    assert record.encoding == expected
    row = frame.row(0, named=True)
    assert row["zone_id"] == "GX-NN-01"
    assert row["gdp"] == Decimal("123456780000.00")


def test_gb18030_only_character_is_read(tmp_path: Path) -> None:
    # 䶮 (U+4DAE) is in GB18030 but not in GBK: a name typed on a modern system.
    text = "园区代码,园区名称,级别,所在设区市\nGX-01,䶮山经开区,自治区级,南宁市\n"
    path = write(tmp_path, "zones.csv", text, "gb18030")
    frame, findings, record = read(path, "zones")
    assert record.encoding == "gb18030"
    assert frame["zone_name"].to_list() == ["䶮山经开区"]


def test_undecodable_file_is_a_critical_finding_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "zone_stats.csv"
    path.write_bytes(b"zone_id,year\n\x81\x20\xff\xfe,2025\n")  # \x81\x20: invalid GB18030 pair
    frame, findings, _ = read(path)
    assert frame is None
    assert [(f.severity, f.file, f.rule_id) for f in findings] == [
        (Severity.CRITICAL, "zone_stats.csv", "ingest.encoding")
    ]
    assert "UTF-8" in findings[0].hint


@pytest.mark.parametrize(
    "header",
    [
        ENGLISH_HEADER,
        CHINESE_HEADER,
        # Half-width brackets, stray spaces and upper case: what people really type.
        "园区代码, 年份 ,地区生产总值(亿元),实际利用外资 (万美元),进出口总额（亿元）,企业数量(户),"
        "主营业务收入15亿元及以上制造业企业数(户)",
        "ZONE_ID,Year,GDP,FDI_USD,Trade,Enterprises,Large_Mfg_Enterprises",
    ],
)
def test_header_forms(tmp_path: Path, header: str) -> None:
    path = write(tmp_path, "zone_stats.csv", f"{header}\n{ROW}\n")
    frame, findings, _ = read(path)
    assert findings == []
    assert frame.select("gdp", "fdi_usd", "trade", "enterprises").row(0) == (
        Decimal("123456780000.00"),
        Decimal("25005000.00"),
        Decimal("1234000000.00"),
        350,
    )


def test_units_are_converted_once_and_money_is_decimal(tmp_path: Path) -> None:
    path = write(tmp_path, "zone_stats.csv", f"{CHINESE_HEADER}\n{ROW}\n")
    frame, _, _ = read(path)
    assert frame.schema["gdp"] == MONEY_DTYPE
    assert frame.schema["fdi_usd"] == MONEY_DTYPE
    # 1234.5678 亿元 = 123,456,780,000 元; 2500.5 万美元 = 25,005,000 美元; 12.34 亿元.
    assert frame["gdp"][0] == Decimal("123456780000")
    assert frame["fdi_usd"][0] == Decimal("25005000")
    assert frame["trade"][0] == Decimal("1234000000")


def test_header_in_another_unit_is_converted_from_that_unit(tmp_path: Path) -> None:
    header = CHINESE_HEADER.replace("地区生产总值（亿元）", "地区生产总值（万元）")
    path = write(tmp_path, "zone_stats.csv", f"{header}\n{ROW}\n")
    frame, findings, _ = read(path)
    assert findings == []
    assert frame["gdp"][0] == Decimal("12345678.00")  # 1234.5678 万元


def test_supplier_case_amounts_in_wan_yuan(tmp_path: Path) -> None:
    text = (
        "case_id,zone_id,year,introducer_name,introducer_uscc,introduced_name,introduced_uscc,"
        "actual_investment,industry_class\n"
        "C1,GX-01,2025,甲公司,91450100MA5KXXXX1A,乙公司,91450100MA5KYYYY2B,7777.7777,鼓励类\n"
    )
    frame, findings, _ = read(write(tmp_path, "supplier_introductions.csv", text),
                              "supplier_introductions")
    assert findings == []
    assert frame["actual_investment"][0] == Decimal("77777777.00")
    assert frame["industry_class"][0] == "encouraged"


def test_csv_row_numbers_are_the_lines_a_person_sees(tmp_path: Path) -> None:
    # Line 1 header, 2 data, 3 blank, 4 a record whose quoted name spans lines 4-5, 6 data.
    text = (
        "园区代码,园区名称,级别,所在设区市\n"
        "GX-01,甲经开区,国家级,南宁市\n"
        "\n"
        'GX-02,"乙经开区\n（示例）",自治区级,柳州市\n'
        "GX-03,丙经开区,自治区级,广州市\n"
    )
    frame, findings, _ = read(write(tmp_path, "zones.csv", text), "zones")
    assert frame["_source_row"].to_list() == [2, 4, 6]
    assert frame["_source_file"].unique().to_list() == ["zones.csv"]
    # 广州市 is not a Guangxi city: the finding points at line 6, column 所在设区市.
    [f] = findings
    assert (f.severity, f.row, f.column, f.column_label, f.value, f.rule_id) == (
        Severity.CRITICAL, 6, "city", "所在设区市", "广州市", "ingest.not_in_vocabulary"
    )
    assert f.zone_id == "GX-03"
    # What was accepted is kept: the row stays, with the bad cell empty.
    assert frame.filter(pl.col("zone_id") == "GX-03")["city"].to_list() == [None]


def test_xlsx_with_chinese_headers_and_leading_blank_rows(tmp_path: Path) -> None:
    path = tmp_path / "zones.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("园区名录")
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(2, 0, ["园区代码", "园区名称", "级别", "所在设区市", "批准（认定）日期", "状态"])
    ws.write_row(3, 0, ["GX-NN-01", "南宁经济技术开发区", "国家级", "南宁市"])
    ws.write_datetime(3, 4, dt.datetime(2001, 5, 16), date_format)
    ws.write_row(3, 5, ["正常"])
    ws.write_row(5, 0, ["GX-GG-02", "贵港东部经开区（示例）", "自治区级", "贵港", "2019/8/2", "已退出"])
    wb.close()
    frame, findings, record = read(path, "zones")
    assert findings == []
    assert (record.encoding, record.sheet, record.rows) == ("xlsx", "园区名录", 2)
    # Excel rows 4 and 6: the header is on row 3 and row 5 is empty.
    assert frame["_source_row"].to_list() == [4, 6]
    assert frame["_source_sheet"].to_list() == ["园区名录", "园区名录"]
    assert frame["approved_date"].to_list() == [dt.date(2001, 5, 16), dt.date(2019, 8, 2)]
    assert frame["level"].to_list() == ["national", "regional"]
    assert frame["status"].to_list() == ["active", "exited"]
    assert frame["city"].to_list() == ["南宁市", "贵港市"]  # 贵港 -> 贵港市
    assert frame["zone_name"][1] == "贵港东部经开区（示例）"  # names are not folded


def test_bad_cells_become_findings_and_the_rest_is_kept(tmp_path: Path) -> None:
    text = (
        f"{CHINESE_HEADER},说明\n"
        "GX-01,2025,\"1,234.5\",５００,12万元,10,2,x\n"  # separators, full-width, wrong unit
        "GX-02,2025,abc,—,3,1.5,1,\n"
        "合计,,,,,,,\n"
    )
    frame, findings, _ = read(write(tmp_path, "zone_stats.csv", text))
    got = {(f.severity, f.row, f.column, f.rule_id) for f in findings}
    assert got == {
        (Severity.WARNING, 1, "", "ingest.unknown_header"),
        (Severity.WARNING, 2, "gdp", "ingest.number_tidied"),
        (Severity.WARNING, 2, "fdi_usd", "ingest.number_tidied"),
        (Severity.CRITICAL, 2, "trade", "ingest.unit_mismatch"),  # 12万元 in a 亿元 column
        (Severity.CRITICAL, 3, "gdp", "ingest.not_a_number"),
        (Severity.CRITICAL, 3, "enterprises", "ingest.not_an_integer"),
        # read as empty, but said: a required cell left as “—” must still be filled in
        (Severity.CRITICAL, 3, "fdi_usd", "ingest.placeholder"),
        (Severity.WARNING, 4, "", "ingest.total_row"),
    }
    assert frame.height == 2  # the total row is not data; both zone rows are kept
    first = frame.row(0, named=True)
    assert first["gdp"] == Decimal("123450000000")  # 1,234.5 亿元 accepted with a warning
    assert first["fdi_usd"] == Decimal("5000000")  # ５００ 万美元
    assert first["trade"] is None
    assert frame.row(1, named=True)["fdi_usd"] is None  # — is a placeholder for "no value"


def test_missing_required_column_and_impossible_date(tmp_path: Path) -> None:
    text = "园区代码,园区名称,所在设区市,批准（认定）日期\nGX-01,甲,南宁市,2023-02-30\n"
    frame, findings, _ = read(write(tmp_path, "zones.csv", text), "zones")
    got = {(f.severity, f.row, f.column, f.rule_id) for f in findings}
    assert got == {
        (Severity.CRITICAL, 1, "level", "ingest.missing_column"),
        (Severity.CRITICAL, 2, "approved_date", "ingest.bad_date"),
    }
    assert frame["zone_name"].to_list() == ["甲"]


def test_duplicate_header_is_critical(tmp_path: Path) -> None:
    text = "year,usd_cny,美元兑人民币年平均汇率\n2025,7.18,7.2\n"
    frame, findings, _ = read(write(tmp_path, "exchange_rates.csv", text), "exchange_rates")
    assert [(f.rule_id, f.value) for f in findings] == [
        ("ingest.duplicate_header", "美元兑人民币年平均汇率")
    ]
    assert frame["usd_cny"][0] == Decimal("7.18")  # the first column is the one read


def test_booleans_and_defaults(tmp_path: Path) -> None:
    text = (
        "项目编号,年度,园区代码,企业名称,项目类型,国民经济行业代码,是否外资鼓励类,是否类金融\n"
        "P1,2025,GX-01,甲,新设,3311,是,否\n"
        "P2,2025,GX-01,乙,增资,3311,Y,1\n"
        "P3,2025,GX-01,丙,总部,3311,也许,0\n"
    )
    frame, findings, _ = read(write(tmp_path, "fdi_projects.csv", text), "fdi_projects")
    assert frame["encouraged"].to_list() == [True, True, None]
    assert frame["quasi_finance"].to_list() == [False, True, False]
    assert frame["leading_industry"].to_list() == [False, False, False]  # absent: default 否
    assert frame["project_type"].to_list() == ["new", "capital_increase", "headquarters"]
    assert {(f.row, f.column, f.rule_id) for f in findings} == {
        (1, "fdi_received_usd", "ingest.missing_column"),
        (4, "encouraged", "ingest.not_a_boolean"),
    }


def test_folder_discovery(tmp_path: Path) -> None:
    write(tmp_path, "exchange_rates.csv", "year,usd_cny\n2025,7.18\n")
    write(tmp_path, "汇率.csv", "year,usd_cny\n2025,7.18\n")  # the same dataset by its Chinese name
    write(tmp_path, "notes.csv", "a,b\n")
    write(tmp_path, "README.md", "# not data")
    result = ingest_folder(tmp_path)
    assert {(f.file, f.rule_id) for f in result.findings} == {
        ("notes.csv", "ingest.unknown_file"),
        ("汇率.csv", "ingest.duplicate_dataset"),
    }
    assert list(result.frames) == ["exchange_rates"]
    assert [f.file for f in result.files] == ["exchange_rates.csv"]


def test_demo_data_ingests_cleanly() -> None:
    result = ingest_folder(DEMO_DATA_DIR)
    assert result.findings == []
    assert set(result.frames) == set(DATASETS)
    encodings = {f.file: f.encoding for f in result.files}
    assert encodings["zone_stats.csv"] == "gb18030"
    assert encodings["zones.xlsx"] == "xlsx"
    for name, frame in result.frames.items():
        assert frame["_source_row"].min() >= 2, name
