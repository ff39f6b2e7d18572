"""Write the bad-input corpus: one folder per problem data staff really send, one file each.

    .venv/bin/python tests/bad_inputs/make_corpus.py

The generated files are committed beside this script, so the tests read real bytes (GBK,
UTF-16, merged Excel cells); re-running it reproduces them byte for byte (the .xlsx creation
time is fixed). tests/flows/ingest/test_bad_inputs.py says which finding each file must produce.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import xlsxwriter
import xlwt

HERE = Path(__file__).resolve().parent

ZONE_STATS_HEADER = [
    "园区代码", "年份", "地区生产总值（亿元）", "实际利用外资（万美元）", "进出口总额（亿元）",
    "企业数量（户）", "主营业务收入15亿元及以上制造业企业数（户）",
]
GOOD_ROW = ["GX-NN-01", "2024", "120.5", "800", "20", "300", "5"]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(",".join(r) for r in [header, *rows]) + "\n"


def write(case: str, name: str, data: bytes) -> None:
    path = HERE / case / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def workbook(case: str, name: str) -> xlsxwriter.Workbook:
    folder = HERE / case
    folder.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(folder / name))
    # a fixed creation time: the same script gives the same bytes
    wb.set_properties({"created": dt.datetime(2026, 1, 1)})
    return wb


def rewrite_sheet(case: str, name: str, change: Callable[[bytes], bytes],
                  member: str = "xl/worksheets/sheet1.xml") -> None:
    """Edit one part of a written .xlsx (what no writer produces on purpose, but files from
    other programs have), keeping every entry's stored time: the same bytes each run."""
    path = HERE / case / name
    with zipfile.ZipFile(path) as z:
        entries = [(info, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for info, data in entries:
            z.writestr(info, change(data) if info.filename == member else data)


def make() -> None:
    for child in HERE.iterdir():
        if child.is_dir() and not child.name.startswith("__"):
            shutil.rmtree(child)

    # GBK (WPS's default on Chinese Windows) reads fine; row 3 names a city outside Guangxi.
    zones = csv_text(
        ["园区代码", "园区名称", "级别", "所在设区市", "批准（认定）日期"],
        [["GX-NN-01", "南宁经济技术开发区", "国家级", "南宁市", "2001-05-01"],
         ["GX-BJ-01", "北京某园区", "自治区级", "北京市", "2012-01-01"]],
    )
    write("gbk_csv", "zones.csv", zones.encode("gbk"))

    # Excel's "Unicode text" export is UTF-16: neither UTF-8 nor GB18030.
    write("unknown_encoding", "zone_stats.csv",
          csv_text(ZONE_STATS_HEADER, [GOOD_ROW]).encode("utf-16"))

    # Not an Excel file at all: a CSV renamed to .xlsx.
    write("renamed_xlsx", "zone_stats.xlsx", csv_text(ZONE_STATS_HEADER, [GOOD_ROW]).encode())

    write("unknown_header", "zone_stats.csv",
          csv_text([*ZONE_STATS_HEADER, "备注说明"], [[*GOOD_ROW, "无"]]).encode())

    write("duplicate_header", "zone_stats.csv",
          csv_text([*ZONE_STATS_HEADER, "地区生产总值（亿元）"], [[*GOOD_ROW, "121"]]).encode())

    # 年份 forgotten: one finding for the column, not one per row.
    write("missing_column", "zone_stats.csv",
          csv_text([h for h in ZONE_STATS_HEADER if h != "年份"],
                   [[c for i, c in enumerate(GOOD_ROW) if i != 1]] * 2).encode())

    number_rows = [
        ["GX-NN-01", "2024", '"1,234.5"', "800", "20", "300", "5"],  # row 2: thousands commas
        ["GX-NN-02", "2024", "１２３．５", "800", "20", "300", "5"],  # row 3: full-width digits
        ["GX-NN-03", "2024", "12.5亿元", "800", "20", "300", "5"],  # row 4: matching unit
        ["GX-NN-04", "2024", "12万元", "800", "20", "300", "5"],  # row 5: contradicting unit
    ]
    write("number_formats", "zone_stats.csv", csv_text(ZONE_STATS_HEADER, number_rows).encode())

    write("placeholders", "zone_stats.csv", csv_text(
        [*ZONE_STATS_HEADER, "税收收入（亿元）"],
        [["GX-NN-01", "2024", "120.5", "800", "/", "300", "5", "—"],  # row 2: / and —
         ["GX-NN-02", "2024", "99", "空", "10", "200", "3", "1.5"]],  # row 3: 空
    ).encode("utf-8-sig"))

    write("total_row", "zone_stats.csv", csv_text(
        ZONE_STATS_HEADER,
        [GOOD_ROW, ["GX-NN-02", "2024", "79.5", "200", "10", "100", "2"],
         ["合计", "", "200", "1000", "30", "400", "7"]],  # row 4
    ).encode())

    write("impossible_date", "zones.csv", csv_text(
        ["园区代码", "园区名称", "级别", "所在设区市", "批准（认定）日期"],
        [["GX-NN-01", "南宁经济技术开发区", "国家级", "南宁市", "2001-02-30"]],  # row 2
    ).encode())

    # A 10^4 jump: 2024's GDP typed in 万元 into the 亿元 column (row 3).
    write("unit_jump", "zone_stats.csv", csv_text(
        ZONE_STATS_HEADER,
        [["GX-NN-01", "2023", "120.5", "800", "20", "300", "5"],
         ["GX-NN-01", "2024", "1250000", "820", "21", "310", "5"]],
    ).encode())

    # One header merged over two columns (C1:D1); D held 实际利用外资, whose header is lost.
    wb = workbook("merged_header", "zone_stats.xlsx")
    ws = wb.add_worksheet("园区年度统计")
    headers = ZONE_STATS_HEADER[:2] + [ZONE_STATS_HEADER[2]] + ZONE_STATS_HEADER[4:]
    ws.write_row(0, 0, headers[:2])
    ws.merge_range("C1:D1", headers[2])
    ws.write_row(0, 4, headers[3:])
    ws.write_row(1, 0, ["GX-NN-01", 2024, 120.5, 800, 20, 300, 5])
    wb.close()

    # Group titles merged above the real header row: the second row is read as the header.
    wb = workbook("merged_group_title", "zone_stats.xlsx")
    ws = wb.add_worksheet("园区年度统计")
    ws.merge_range("A1:B1", "基本信息")
    ws.merge_range("C1:G1", "经济指标")
    ws.write_row(1, 0, ZONE_STATS_HEADER)
    ws.write_row(2, 0, ["GX-NN-01", 2024, 120.5, 800, 20, 300, 5])
    ws.write_row(3, 0, ["GX-NN-02", 2024, 80, 500, "abc", 200, 3])  # row 4: text in a number
    wb.close()
    make_value_cases()


# =============================================================================================
# Values that cannot be right: each file reads cleanly, and validation's value checks must stop
# it at the cell (tests/flows/ingest/test_bad_inputs.py, the block at its end).

USCC_A, USCC_B = "91350100M000100Y43", "91450100MA5K00001E"  # valid check characters
USCC_C, USCC_D = "91450200MA5K00002N", "91450100MA5K00003L"
SUPPLIER_HEADER = ["案例编号", "园区代码", "申报年度", "原有企业名称", "原有企业统一社会信用代码",
                   "被引进企业名称", "被引进企业统一社会信用代码", "实际投资额（万元）", "产业类别"]
FDI_HEADER = ["项目编号", "年度", "园区代码", "企业名称", "项目类型", "国民经济行业代码",
              "是否外资鼓励类", "当年实际到位外资（万美元）"]
ZONES_HEADER = ["园区代码", "园区名称", "级别", "所在设区市", "批准（认定）日期"]
FULL_STATS_HEADER = [*ZONE_STATS_HEADER, "招商引资目标任务（亿元）", "招商引资实际到位资金（亿元）"]


def make_value_cases() -> None:
    # 元 typed into 万元 / 万美元 cells, and a 万元 figure into the 元 column: each case amount
    # out of its band. The supplier workbook is Excel, with numbers as Excel numbers.
    wb = workbook("case_amount_units", "supplier_introductions.xlsx")
    ws = wb.add_worksheet("引进案例")
    ws.write_row(0, 0, SUPPLIER_HEADER)
    ws.write_row(1, 0, ["GY-1", "GX-NN-01", 2025, "甲公司", USCC_A, "乙公司", USCC_B, 5000,
                        "鼓励类"])
    ws.write_row(2, 0, ["GY-2", "GX-NN-01", 2025, "丙公司", USCC_A, "丁公司", USCC_C, 50000000,
                        "鼓励类"])  # row 3: a 5,000万元 case typed in 元
    wb.close()
    write("case_amount_units", "ambassador_referrals.csv", csv_text(
        ["推荐编号", "园区代码", "年度", "招商大使姓名", "项目名称", "实际投资额（万元）"],
        [["DS-1", "GX-NN-01", "2025", "张三", "新能源项目", "120000000"]],  # row 2: 1.2亿元 in 元
    ).encode())
    write("case_amount_units", "fdi_projects.csv", csv_text(
        FDI_HEADER,
        [["WZ-1", "2025", "GX-NN-01", "外资公司", "新设", "3670", "是", "1500000"],
         # ^ row 2: 150万美元 typed in 美元
         ["WZ-2", "2025", "GX-NN-01", "外资公司二", "新设", "3670", "是", "6000"]],
    ).encode())
    write("case_amount_units", "researcher_rewards.csv", csv_text(
        ["记录编号", "园区代码", "年度", "单位名称", "单位类型", "是否非营利性", "是否符合税收政策规定",
         "现金奖励金额（元）"],
        [["KY-1", "GX-NN-01", "2025", "某研究院", "科研院所", "是", "是", "200000"],
         ["KY-2", "GX-NN-01", "2025", "某大学", "高等院校", "是", "是", "20"]],  # row 3: 万元
    ).encode())

    # A figure no field can hold (1e20 万元, written out), and a negative cash reward.
    write("impossible_values", "supplier_introductions.csv", csv_text(
        SUPPLIER_HEADER,
        [["GY-1", "GX-NN-01", "2025", "甲公司", USCC_A, "乙公司", USCC_B,
          "100000000000000000000", "鼓励类"]],  # row 2
    ).encode())
    write("impossible_values", "researcher_rewards.csv", csv_text(
        ["记录编号", "园区代码", "年度", "单位名称", "单位类型", "是否非营利性", "是否符合税收政策规定",
         "现金奖励金额（元）"],
        [["KY-1", "GX-NN-01", "2025", "某大学", "高等院校", "是", "是", "-33333.33"]],  # row 2
    ).encode())
    write("impossible_values", "zone_stats.csv", csv_text(
        ZONE_STATS_HEADER,
        [["GX-NN-01", "2025", "120.5", "800", "20", "3000000000", "5"]],  # row 2: 3e9 enterprises
    ).encode())

    # The whole 招商引资实际到位资金 column in 万元 under the 亿元 header: every year of both
    # zones 300 to 500 times their GDP (yet within the field's range), no year-on-year jump
    # anywhere. Each target is met as typed and missed as meant: interviews read as commendations.
    write("investment_column_in_wan", "zone_stats.csv", csv_text(
        FULL_STATS_HEADER,
        [["GX-NN-01", "2023", "120.5", "800", "20", "300", "5", "6", "45000"],  # row 2
         ["GX-NN-01", "2024", "130", "820", "21", "310", "5", "6.5", "48000"],  # row 3
         ["GX-NN-01", "2025", "140", "850", "22", "320", "6", "7", "52000"],  # row 4: range too
         ["GX-NN-02", "2025", "80", "500", "10", "200", "3", "4", "38000"]],  # row 5
    ).encode())

    # A zone's GDP above its city's in every year (12,050 for 120.5: a decimal point lost),
    # reported at the zone's cells, not at the city's.
    write("zone_above_city", "zones.csv", csv_text(
        ZONES_HEADER, [["GX-NN-01", "南宁经济技术开发区", "自治区级", "南宁市", "2020-01-01"]],
    ).encode())
    write("zone_above_city", "city_stats.csv", csv_text(
        ["设区市", "年份", "地区生产总值（亿元）", "实际利用外资（万美元）", "进出口总额（亿元）"],
        [["南宁市", "2024", "5400", "60000", "1200"], ["南宁市", "2025", "5800", "65000", "1300"]],
    ).encode())
    write("zone_above_city", "zone_stats.csv", csv_text(
        ZONE_STATS_HEADER,
        [["GX-NN-01", "2024", "12050", "800", "20", "300", "5"],  # row 2: 1.205万亿元
         ["GX-NN-01", "2025", "13000", "820", "21", "310", "5"]],  # row 3
    ).encode())

    # Industry codes that name no GB/T 4754-2017 division: a section letter alone, a name, an
    # unknown division, a letter contradicting the digits; row 6 is a sound code.
    write("industry_codes", "fdi_projects.csv", csv_text(
        FDI_HEADER,
        [["WZ-1", "2025", "GX-NN-01", "甲外资公司", "新设", "K", "是", "6000"],  # row 2
         ["WZ-2", "2025", "GX-NN-01", "乙外资公司", "新设", "房地产", "是", "6000"],  # row 3
         ["WZ-3", "2025", "GX-NN-01", "丙外资公司", "新设", "98", "是", "6000"],  # row 4
         ["WZ-4", "2025", "GX-NN-01", "丁外资公司", "新设", "J3670", "是", "6000"],  # row 5
         ["WZ-5", "2025", "GX-NN-01", "戊外资公司", "新设", "C3670", "是", "6000"]],  # row 6
    ).encode())

    # A zone's name where its code belongs (row 3, and in an FDI project's row 2).
    write("zone_name_as_code", "zones.csv", csv_text(
        ZONES_HEADER, [["GX-NN-01", "南宁经济技术开发区", "自治区级", "南宁市", "2020-01-01"]],
    ).encode())
    write("zone_name_as_code", "zone_stats.csv", csv_text(
        ZONE_STATS_HEADER,
        [["GX-NN-01", "2024", "120.5", "800", "20", "300", "5"],
         ["南宁经济技术开发区", "2025", "130", "820", "21", "310", "5"]],  # row 3
    ).encode())
    write("zone_name_as_code", "fdi_projects.csv", csv_text(
        FDI_HEADER, [["WZ-1", "2025", "南宁经济技术开发区", "外资公司", "新设", "3670", "是", "6000"]],
    ).encode())

    make_reading_cases()


# ---------------------------------------------------------------------------------------------
# Reading files as people send them: what Excel hides, where headers really are, which sheet,
# which files, and cells no field can hold.

ROWS = [
    ["GX-NN-01", 2024, 120.5, 800, 20, 300, 5],
    ["GX-NN-02", 2024, 80, 500, 10, 200, 3],
    ["GX-LZ-01", 2024, 95.25, 650, 15, 260, 4],
    ["GX-GL-01", 2024, 60, 300, 8, 150, 2],
]


def zone_stats_sheet(wb: xlsxwriter.Workbook, title: str = "园区年度统计",
                     rows: list[list] | None = None, start: int = 0) -> object:
    ws = wb.add_worksheet(title)
    ws.write_row(start, 0, ZONE_STATS_HEADER)
    for i, row in enumerate(rows if rows is not None else ROWS, start=start + 1):
        ws.write_row(i, 0, row)
    return ws


def make_reading_cases() -> None:
    # A stale stored sheet size: <dimension ref="A1:G2"> although rows 3-6 hold data, as some
    # exporting programs leave it. Every row is read; row 6's "abc" is found where it is.
    wb = workbook("stale_dimension", "zone_stats.xlsx")
    zone_stats_sheet(wb, rows=[*ROWS, ["GX-BH-01", 2024, 70, 400, "abc", 180, 2]])
    wb.close()
    rewrite_sheet("stale_dimension", "zone_stats.xlsx",
                  lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:G2"/>', xml))

    # A row hidden in Excel (a withdrawn case someone hid instead of deleting): read, critical.
    wb = workbook("hidden_row", "zone_stats.xlsx")
    ws = zone_stats_sheet(wb)
    ws.set_row(2, None, None, {"hidden": True})  # row 3
    wb.close()

    # Column D (实际利用外资) hidden: its figures count, so critical.
    wb = workbook("hidden_column", "zone_stats.xlsx")
    ws = zone_stats_sheet(wb)
    ws.set_column("D:D", None, None, {"hidden": True})
    wb.close()

    # A hidden sheet that also carries the header (old figures kept out of sight): named.
    wb = workbook("hidden_sheet", "zone_stats.xlsx")
    zone_stats_sheet(wb)
    zone_stats_sheet(wb, "旧数据", rows=[["GX-NN-01", 2024, 1, 1, 1, 1, 1]]).hide()
    wb.close()

    # Last year's sheet first: the 2025 sheet is read, the 2024 one is named as not read.
    wb = workbook("last_year_sheet_first", "zone_stats.xlsx")
    zone_stats_sheet(wb, "2024年", rows=[[*r[:1], 2023, *r[2:]] for r in ROWS])
    zone_stats_sheet(wb, "2025年")
    wb.close()

    # Only another year's sheet (assessing 2025): never taken silently.
    wb = workbook("other_year_sheet", "zone_stats.xlsx")
    wb.add_worksheet("填表说明").write(0, 0, "请按 2024 年口径填报")
    zone_stats_sheet(wb, "2024年")
    wb.close()

    # A 填表说明 sheet first, then the data in "Sheet1": the sheet with the header is read.
    wb = workbook("instructions_sheet_first", "zone_stats.xlsx")
    notes = wb.add_worksheet("填表说明")
    notes.write_column(0, 0, ["填表说明", "1. 金额单位为亿元", "2. 企业数单位为户"])
    zone_stats_sheet(wb, "Sheet1")
    wb.close()

    # Title, 填报单位 and unit lines above the header (row 4): reported once, data read.
    wb = workbook("title_rows", "zone_stats.xlsx")
    ws = zone_stats_sheet(wb, start=3)
    ws.merge_range("A1:G1", "2024年广西经开区年度统计表")
    ws.write(1, 0, "填报单位：南宁市商务局")
    ws.write(2, 5, "单位：亿元、万美元、户")
    wb.close()

    # A header merged over two rows: 园区代码 and 年份 merged down, group titles over
    # sub-headers. Read as one header, without a word.
    wb = workbook("two_row_header", "zone_stats.xlsx")
    ws = wb.add_worksheet("园区年度统计")
    ws.merge_range("A1:A2", "园区代码")
    ws.merge_range("B1:B2", "年份")
    ws.merge_range("C1:E1", "经济指标")
    ws.write_row(1, 2, ZONE_STATS_HEADER[2:5])
    ws.merge_range("F1:G1", "企业")
    ws.write_row(1, 5, ZONE_STATS_HEADER[5:7])
    for i, row in enumerate(ROWS, start=2):
        ws.write_row(i, 0, row)
    wb.close()

    # Names on one row, units on the row below: 地区生产总值 over （亿元）.
    write("unit_line", "zone_stats.csv", csv_text(
        ["园区代码", "年份", "地区生产总值", "实际利用外资", "进出口总额", "企业数量",
         "主营业务收入15亿元及以上制造业企业数"],
        [["", "", "（亿元）", "（万美元）", "（亿元）", "（户）", "（户）"], GOOD_ROW],
    ).encode())

    # A CSV with a title line and a blank line above its header (row 3).
    write("csv_title_rows", "zone_stats.csv", ("2024年园区年度统计表,,,,,,\n,,,,,,\n"
                                                + csv_text(ZONE_STATS_HEADER, [GOOD_ROW])).encode())

    # Subtotals where people write them: 南宁市小计 in the first column, 合　计 in the third.
    write("subtotal_any_column", "zone_stats.csv", csv_text(ZONE_STATS_HEADER, [
        GOOD_ROW, ["南宁市小计", "", "120.5", "800", "20", "300", "5"],  # row 3
        ["GX-LZ-01", "2024", "95", "650", "15", "260", "4"],
        ["", "", "合　计", "1450", "35", "560", "9"],  # row 5
    ]).encode())

    # Excel formula residue (475.7696999999999 on screen as 475.7697) and a percentage format
    # in a money column (0.12 shown as 12%: a unit the header contradicts).
    wb = workbook("excel_numbers", "zone_stats.xlsx")
    ws = zone_stats_sheet(wb)
    ws.write_number(1, 2, 475.7696999999999)  # C2
    ws.write_number(2, 4, 0.12, wb.add_format({"num_format": "0%"}))  # E3
    wb.close()

    # A formula saved without its calculated value (C3): said so, not read as empty.
    wb = workbook("formula_no_value", "zone_stats.xlsx")
    ws = zone_stats_sheet(wb)
    ws.write_formula(2, 2, "=C2*0.5")
    wb.close()
    rewrite_sheet("formula_no_value", "zone_stats.xlsx",
                  lambda xml: xml.replace(b"</f><v>0</v>", b"</f>"))

    # An .xls (Excel 97-2003) is read, with the row a person sees: "abc" in row 3.
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("园区年度统计")
    for c, text in enumerate(ZONE_STATS_HEADER):
        sheet.write(0, c, text)
    for r, row in enumerate([ROWS[0], [*ROWS[1][:4], "abc", *ROWS[1][5:]]], start=1):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    folder = HERE / "xls_file"
    folder.mkdir(parents=True, exist_ok=True)
    book.save(str(folder / "zone_stats.xls"))

    # A format nothing here reads, named like a dataset: refused by name.
    write("unsupported_format", "zone_stats.ods", b"PK\x03\x04 not really a spreadsheet")

    # A symbolic link to a system file and a folder named like a dataset: never opened.
    folder = HERE / "symlink"
    folder.mkdir(parents=True, exist_ok=True)
    os.symlink("/etc/passwd", folder / "zone_stats.csv")
    write("dataset_folder", "zone_stats.csv/说明.txt", "这是一个文件夹".encode())

    # Cells no field can hold: a 40-digit count, separators in the wrong places, 2025年 in
    # the year, % and 万元 in a count, a 3,000-character name.
    write("cells_out_of_range", "zone_stats.csv", csv_text(ZONE_STATS_HEADER, [
        ["GX-NN-01", "2024", "120.5", "800", "20", "1" * 40, "5"],  # row 2: 40 digits
        ["GX-NN-02", "2024", '"1,2,3"', "800", "20", "300", "5"],  # row 3: 1,2,3
        ["GX-NN-03", "2025年", "99", "800", "20", "300", "5"],  # row 4: 2025年
        ["GX-NN-04", "2024", "99", "800", "20", "30%", "5万元"],  # row 5: % and 万元 in counts
    ]).encode())
    write("cell_too_large", "zones.csv", csv_text(
        ["园区代码", "园区名称", "级别", "所在设区市"],
        [["GX-NN-01", "南宁经济技术开发区" * 300, "国家级", "南宁市"]],  # row 2
    ).encode())

    # A file beyond the size limit (the test lowers it to 1 KB).
    write("file_too_large", "zone_stats.csv", csv_text(ZONE_STATS_HEADER, [GOOD_ROW] * 40).encode())

    # The same placeholder in 185 cells of a required column: one finding listing its rows.
    write("systematic_placeholders", "zone_stats.csv", csv_text(ZONE_STATS_HEADER, [
        [f"GX-{i:03d}", "2024", "12", "800", "—", "300", "5"] for i in range(185)]).encode())

    # A rule failing on 3,000 rows (negative GDP): one finding, the first rows and the count.
    write("rule_fails_on_thousands", "zone_stats.csv", csv_text(ZONE_STATS_HEADER, [
        [f"GX-{i:04d}", "2024", "-1", "800", "20", "300", "5"] for i in range(3000)]).encode())

    make_code_cases()


def make_code_cases() -> None:
    """Industry codes Excel stored as numbers. 0690 (coal mining) typed into a General cell is
    kept as 690, which reads as division 69 (finance): FDI row 2 must stop, at its cell. A
    0000 number format shows 690 as 0690, as the person saw it (row 3); four digits lose
    nothing (row 4); text keeps its zero (row 5). The supplier's code decides nothing: its
    111 in an .xls is a warning (row 2), its 0000-formatted 111 reads 0111 (row 3)."""
    wb = workbook("industry_code_as_number", "fdi_projects.xlsx")
    ws = wb.add_worksheet("外资项目")
    padded = wb.add_format({"num_format": "0000"})
    ws.write_row(0, 0, FDI_HEADER)
    for r, (code, fmt) in enumerate([(690, None), (690, padded), (3670, None), ("0690", None)],
                                    start=1):
        ws.write_row(r, 0, [f"WZ-{r}", 2025, "GX-NN-01", f"外资公司{r}", "新设"])
        if isinstance(code, int):
            ws.write_number(r, 5, code, fmt)
        else:
            ws.write_string(r, 5, code)
        ws.write_row(r, 6, ["是", 6000])
    wb.close()
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("引进案例")
    header = [*SUPPLIER_HEADER, "国民经济行业代码"]
    for c, text in enumerate(header):
        sheet.write(0, c, text)
    rows = [["GY-1", "GX-NN-01", 2025, "甲公司", USCC_A, "乙公司", USCC_B, 6000, "鼓励类"],
            ["GY-2", "GX-NN-01", 2025, "丙公司", USCC_A, "丁公司", USCC_C, 6000, "鼓励类"]]
    zero_padded = xlwt.easyxf(num_format_str="0000")
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
        sheet.write(r, len(row), 111, zero_padded if r == 2 else xlwt.Style.default_style)
    folder = HERE / "industry_code_as_number"
    folder.mkdir(parents=True, exist_ok=True)
    book.save(str(folder / "supplier_introductions.xls"))


if __name__ == "__main__":
    make()
