"""Write the bad-input corpus: one folder per problem data staff really send, one file each.

    .venv/bin/python tests/bad_inputs/make_corpus.py

The generated files are committed beside this script, so the tests read real bytes (GBK,
UTF-16, merged Excel cells); re-running it reproduces them byte for byte (the .xlsx creation
time is fixed). tests/flows/ingest/test_bad_inputs.py says which finding each file must produce.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent

ZONE_STATS_HEADER = [
    "园区代码", "年份", "地区生产总值（亿元）", "实际利用外资（万美元）", "进出口总额（亿元）",
    "企业数量（户）", "主营业务收入15亿元及以上制造业企业数（户）",
]
GOOD_ROW = ["GX-NN-01", "2024", "120.5", "800", "20", "300", "5"]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(",".join(r) for r in [header, *rows]) + "\n"


def write(case: str, name: str, data: bytes) -> None:
    folder = HERE / case
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def workbook(case: str, name: str) -> xlsxwriter.Workbook:
    folder = HERE / case
    folder.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(folder / name))
    # a fixed creation time: the same script gives the same bytes
    wb.set_properties({"created": dt.datetime(2026, 1, 1)})
    return wb


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


if __name__ == "__main__":
    make()
