"""The data staff's journey in a real browser: Debian's Chromium, headless, driven by
Playwright, against `etdz web` started as the operator starts it.

Log in as Nanning's staff, upload a workbook with mistakes, see each finding, download the
annotated copy and check its highlighted cells, upload the corrected workbook, see it clean on
the status board, open the draft preview."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openpyxl
import pytest
from playwright.sync_api import sync_playwright
from pypdf import PdfReader

from tests.helpers import (
    SITE_USERS,
    SITE_YEAR,
    csv_bytes,
    demo_zone_stats_rows,
    free_port,
    set_cell,
)

CHROMIUM = "/usr/bin/chromium"
# The flags that work on this kind of machine (as root, no GPU, a closed network).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
RED, YELLOW = "00FFC7CE", "00FFEB9C"


@pytest.fixture
def site_url(site_root, tmp_path):
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run scripts/ensure-system-deps.sh"
    port = free_port()
    log = (tmp_path / "web.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "web", "--root", str(site_root), "--year",
         str(SITE_YEAR), "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # Great Expectations' import on a busy machine
        while True:
            try:
                if httpx.get(url + "/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, (tmp_path / "web.log").read_text()
            assert time.monotonic() < deadline, "the site did not start"
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_city_staff_submit_fix_and_preview_in_a_browser(site_url, tmp_path):
    header, rows = demo_zone_stats_rows("GX-NN-")
    bad = tmp_path / "南宁市园区统计.csv"
    bad.write_bytes(csv_bytes(header, [set_cell(rows[0], 2, "abc"),
                                       rows[1], set_cell(rows[2], 3, "-5"), *rows[3:]]))
    good = tmp_path / "南宁市园区统计（已改）.csv"
    good.write_bytes(csv_bytes(header, rows))
    requested: list[str] = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(accept_downloads=True, locale="zh-CN").new_page()
        page.on("request", lambda r: requested.append(r.url))

        page.goto(site_url + "/")
        assert page.url.startswith(site_url + "/login")
        page.fill("input[name=username]", "nn")
        page.fill("input[name=password]", SITE_USERS["nn"][0])
        page.click("button[type=submit]")
        page.wait_for_url(site_url + "/status")
        assert page.locator("#board tr[data-zone='GX-LZ-01']").count() == 0

        # upload the workbook with mistakes
        page.click("text=提交数据")
        page.select_option("select[name=dataset]", "zone_stats")
        page.set_input_files("input[name=file]", str(bad))
        page.click("text=提交并校验")
        page.wait_for_selector("#findings")
        page.screenshot(path=str(tmp_path / "findings.png"), full_page=True)
        cells = [[c.strip() for c in row.locator("td").all_inner_texts()]
                 for row in page.locator("#findings tbody tr").all()]
        assert [(c[0], c[3], c[4], c[5]) for c in cells] == [
            ("严重", "2", "地区生产总值（亿元）", "abc"),
            ("严重", "4", "实际利用外资（万美元）", "-5"),
            ("警告", "4", "实际利用外资（万美元）", "-5（2020年：14310.36）")]
        assert cells[0][6:] == ["“abc”不是数字",
                                "填写数字，单位按表头“地区生产总值（亿元）”，不要夹带文字或单位"]
        assert cells[1][6] == "实际利用外资不能为负数。"

        # the annotated copy, highlighted where the findings are
        with page.expect_download() as download:
            page.click("#annotated")
        assert download.value.suggested_filename == "南宁市园区统计_批注.xlsx"
        saved = tmp_path / "annotated.xlsx"
        download.value.save_as(saved)
        ws = openpyxl.load_workbook(saved)["园区年度统计"]
        assert ws["C2"].value == "abc" and ws["C2"].fill.start_color.rgb == RED
        assert "“abc”不是数字" in ws["C2"].comment.text
        assert ws["D4"].fill.start_color.rgb == RED  # critical and warning: the worse colour
        assert "变化超出合理范围" in ws["D4"].comment.text
        assert ws["C3"].fill.start_color.rgb not in (RED, YELLOW)

        # the corrected workbook: clean, and so on the board
        page.click("text=再次提交")
        page.select_option("select[name=dataset]", "zone_stats")
        page.set_input_files("input[name=file]", str(good))
        page.click("text=提交并校验")
        page.wait_for_selector("#clean")
        assert page.inner_text("#status") == "无问题"
        corrected = page.url.rsplit("/", 1)[1]
        page.click("text=查看报送情况")
        for zone in ("GX-NN-01", "GX-NN-02", "GX-NN-03"):
            row = page.locator(f"#board tr[data-zone='{zone}'][data-dataset='zone_stats']")
            assert row.get_attribute("data-status") == "clean"
            assert "无问题" in row.inner_text()
        page.screenshot(path=str(tmp_path / "board.png"), full_page=True)

        # the draft preview of a zone whose latest submission is clean
        page.click("text=报告预览")
        link = page.locator("#reports tr[data-zone='GX-NN-01'] a")
        assert link.inner_text() == "查看草稿（PDF）"
        response = page.request.get(site_url + link.get_attribute("href"), timeout=120_000)
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
        assert "南宁经济技术开发区" in text and "草稿" in text
        # its provenance appendix names the submissions its figures came from
        assert "提交编号" in text and corrected in text
        browser.close()

    # nothing but this site was asked for anything: no CDN, no font service
    assert requested and all(u.startswith(site_url) for u in requested), requested
