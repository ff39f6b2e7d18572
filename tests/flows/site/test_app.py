"""The site over HTTP, in-process: rights on every page and download, CSRF on every form that
changes state, upload limits, login throttling, and the submit -> findings -> fix loop."""

from __future__ import annotations

import io
import json
import re
import zipfile

import openpyxl
import pytest
from starlette.testclient import TestClient

from flows.cli import main as etdz
from flows.site.accounts import LoginThrottle
from flows.site.app import SiteConfig, create_app
from flows.site.inbox import inbox_dir
from tests.helpers import (
    SITE_YEAR,
    csrf_of,
    csv_bytes,
    demo_zone_stats_rows,
    set_cell,
    site_login,
)
from transforms.submission_scope import OTHER_CITY_RULE

GDP, FDI = 2, 3  # columns of zone_stats.csv


@pytest.fixture
def make_client(site_root):
    clients = []

    def make(**options) -> TestClient:
        app = create_app(SiteConfig(root=site_root, year=SITE_YEAR, warm_up=False, **options))
        client = TestClient(app, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client):
    return make_client()


def submissions_on_disk(root) -> list[str]:
    return sorted(p.name for p in (root / "submissions").iterdir())


def upload(client, dataset: str, name: str, data: bytes, city: str | None = None,
           token: str | None = None):
    fields = {"dataset": dataset}
    if city is not None:
        fields["city"] = city
    if token is not False:
        fields["csrf_token"] = token or csrf_of(client.get("/submit").text)
    return client.post("/submit", data=fields, files={"file": (name, data, "text/csv")})


def nanning_stats(**cells: tuple[int, int, str]) -> bytes:
    header, rows = demo_zone_stats_rows("GX-NN-")
    for row, column, value in cells.values():
        rows[row] = set_cell(rows[row], column, value)
    return csv_bytes(header, rows)


def table_rows(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    return [[re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                        r, flags=re.S)]
            for r in rows if "<td" in r]


# ---------------------------------------------------------------------------------------------
# logging in


def test_every_page_asks_to_log_in_first(client):
    for path in ("/", "/submit", "/status", "/submissions/S000001",
                 "/submissions/S000001/annotated.xlsx", "/reports", "/reports/GX-NN-01.pdf",
                 "/status/GX-NN-01/zone_stats"):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")


def test_session_cookie_is_signed_httponly_and_samesite(client, make_client):
    response = site_login(client, "nn")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    # a forged cookie (unsigned) is no session
    forged = make_client()
    forged.cookies.set("etdz_session", "eyJ1c2VyIjogImRlcHQifQ==")
    assert forged.get("/status").status_code == 303
    secure = make_client(secure_cookies=True)
    assert "secure" in site_login(secure, "dept").headers["set-cookie"].lower()


def test_repeated_failed_logins_are_slowed_down(make_client):
    client = make_client(throttle=LoginThrottle(free=2, window=900, ceiling=60))
    assert site_login(client, "nn", "wrong-1").status_code == 401
    response = site_login(client, "nn", "wrong-2")
    assert response.status_code == 401 and "用户名或密码不正确" in response.text
    # now even the right password is not checked until the wait is over
    response = site_login(client, "nn")
    assert response.status_code == 429 and "登录失败次数过多，请 1 秒后再试" in response.text
    assert client.get("/status").status_code == 303


def test_login_without_the_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "nn", "password": "nanning-pass-1"})
    assert response.status_code == 403 and "安全令牌（CSRF）" in response.text
    assert client.get("/status").status_code == 303


# ---------------------------------------------------------------------------------------------
# rights


def test_leaders_only_read_reports(client):
    site_login(client, "boss")
    assert client.get("/").headers["location"] == "/reports"
    for path in ("/status", "/submit", "/submissions", "/submissions/S000001",
                 "/status/GX-NN-01/zone_stats"):
        assert client.get(path).status_code == 403, path
    assert upload(client, "zone_stats", "x.csv", nanning_stats(),
                  token=csrf_of(client.get("/reports").text)).status_code == 403
    page = client.get("/reports")
    assert page.status_code == 200 and "GX-LZ-01" in page.text and "GX-NN-01" in page.text


def test_one_city_cannot_read_or_change_another_citys_submissions(client, make_client,
                                                                  site_root):
    liuzhou = make_client()
    site_login(liuzhou, "lz")
    header, rows = demo_zone_stats_rows("GX-LZ-")
    rows[0] = set_cell(rows[0], GDP, "abc")
    response = upload(liuzhou, "zone_stats", "柳州.csv", csv_bytes(header, rows), "柳州市")
    sid = response.headers["location"].rsplit("/", 1)[1]

    site_login(client, "nn")
    # read: the submission, its findings, its annotated copy, its zone's history, its report
    for path in (f"/submissions/{sid}", f"/submissions/{sid}/annotated.xlsx",
                 "/status/GX-LZ-01/zone_stats", "/reports/GX-LZ-01.pdf"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "柳州" not in response.text and "abc" not in response.text
    assert sid not in client.get("/submissions").text
    board = client.get("/status").text
    assert "GX-NN-01" in board and "GX-LZ-01" not in board
    # change: submitting for Liuzhou is refused and nothing is kept
    kept = submissions_on_disk(site_root)
    response = upload(client, "zone_stats", "柳州.csv", csv_bytes(header, rows), "柳州市")
    assert response.status_code == 403
    assert submissions_on_disk(site_root) == kept
    # nor can Nanning's file carry Liuzhou's rows into the inbox: they are critical findings
    header, mine = demo_zone_stats_rows("GX-NN-")
    _, theirs = demo_zone_stats_rows("GX-LZ-01,2025")
    response = upload(client, "zone_stats", "南宁.csv", csv_bytes(header, mine + theirs),
                      "南宁市")
    page = client.get(response.headers["location"]).text
    assert OTHER_CITY_RULE not in page  # rule ids are for scripts, the page says it in Chinese
    assert "该行是园区 GX-LZ-01（柳州市）的“园区年度统计”数据，南宁市的账号只能提交本市园区的数据" in page
    inbox = json.loads((inbox_dir(site_root, SITE_YEAR) / "submissions.json").read_text("utf-8"))
    assert all(s["file"] != "南宁.csv" for s in inbox["submissions"])
    # the department sees all of it
    dept = make_client()
    site_login(dept, "dept")
    assert dept.get(f"/submissions/{sid}").status_code == 200
    assert dept.get(f"/submissions/{sid}/annotated.xlsx").status_code == 200


def test_a_request_without_the_csrf_token_changes_nothing(client, site_root):
    site_login(client, "nn")
    kept = submissions_on_disk(site_root)
    response = upload(client, "zone_stats", "南宁.csv", nanning_stats(), "南宁市", token=False)
    assert response.status_code == 403 and "安全令牌（CSRF）" in response.text
    response = upload(client, "zone_stats", "南宁.csv", nanning_stats(), "南宁市",
                      token="forged-token")
    assert response.status_code == 403
    assert submissions_on_disk(site_root) == kept
    assert "还没有提交" in client.get("/submissions").text  # Nanning has submitted nothing
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/status").status_code == 200  # still logged in


@pytest.mark.parametrize("name", ["../../x.xlsx", "..\\..\\x.csv", "/etc/x.csv", ".hidden.csv",
                                  "数据.xls", "zone_stats.txt"])
def test_an_upload_with_a_path_or_a_wrong_type_is_refused(client, site_root, name):
    site_login(client, "nn")
    kept = submissions_on_disk(site_root)
    response = upload(client, "zone_stats", name, nanning_stats(), "南宁市")
    assert response.status_code == 400
    assert "文件未保存" in response.text
    assert submissions_on_disk(site_root) == kept
    assert not (site_root.parent / "x.xlsx").exists() and not (site_root / "x.xlsx").exists()


def test_content_must_match_the_name(client, site_root):
    site_login(client, "nn")
    response = upload(client, "zone_stats", "南宁.xlsx", nanning_stats(), "南宁市")
    assert response.status_code == 400
    assert "内容不是 Excel 工作簿" in response.text


def test_an_upload_larger_than_the_limit_is_refused(make_client, site_root):
    client = make_client(max_upload_bytes=64 * 1024)
    site_login(client, "nn")
    kept = submissions_on_disk(site_root)
    header, rows = demo_zone_stats_rows("GX-NN-")
    big = csv_bytes(header, rows * 400)  # about 1 MB
    response = upload(client, "zone_stats", "南宁.csv", big, "南宁市")
    assert response.status_code == 413 and "超过上限" in response.text
    assert submissions_on_disk(site_root) == kept


# ---------------------------------------------------------------------------------------------
# submit, see, fix


def test_findings_appear_critical_first_and_a_correction_enters_the_inbox(client, site_root):
    site_login(client, "nn")
    bad = nanning_stats(a=(0, GDP, "abc"), b=(2, FDI, "-5"))
    response = upload(client, "zone_stats", "南宁市园区统计.csv", bad, "南宁市")
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert 'id="critical-count">2<' in page and 'id="warning-count">1<' in page
    rows = table_rows(page, "findings")
    # file, sheet, row, column, value, explanation and hint; the critical ones first
    assert [r[0] for r in rows] == ["严重", "严重", "警告"]
    assert rows[0][1:] == ["南宁市园区统计.csv", "", "2", "地区生产总值（亿元）", "abc",
                           "“abc”不是数字", "填写数字，单位按表头“地区生产总值（亿元）”，不要夹带文字或单位"]
    assert rows[1][3:7] == ["4", "实际利用外资（万美元）", "-5", "实际利用外资不能为负数。"]
    assert "未汇总进收件箱" in page
    bad_id = response.headers["location"].rsplit("/", 1)[1]

    response = upload(client, "zone_stats", "南宁市园区统计.csv", nanning_stats(), "南宁市")
    good_id = response.headers["location"].rsplit("/", 1)[1]
    page = client.get(response.headers["location"]).text
    assert 'id="clean"' in page and "已汇总进 2025 年度收件箱" in page
    assert f"与上一次提交（{bad_id}" in page and "已解决 3 条，新增 0 条，仍未解决 0 条" in page
    # the inbox now takes Nanning's rows from the correction, the others' from the demo
    record = json.loads((inbox_dir(site_root, SITE_YEAR) / "submissions.json").read_text("utf-8"))
    sources = {sid for sid, _ in record["rows"]["zone_stats.csv"]}
    assert good_id in sources and bad_id not in sources
    board = table_rows(client.get("/status").text, "board")
    stats = [r for r in board if r[2] == "园区年度统计"]
    assert [r[1].split()[0] for r in stats] == ["GX-NN-01", "GX-NN-02", "GX-NN-03"]
    assert all(r[3] == "无问题" and good_id in r[4] for r in stats)
    history = client.get("/status/GX-NN-01/zone_stats").text
    assert history.index(good_id) < history.index(bad_id)  # newest first
    assert "已解决：" in history and "第 2 行“地区生产总值（亿元）”：“abc”不是数字" in history


def test_the_annotated_copy_downloads_under_the_users_file_name(client):
    site_login(client, "nn")
    response = upload(client, "zone_stats", "南宁.csv", nanning_stats(a=(0, GDP, "abc")),
                      "南宁市")
    response = client.get(response.headers["location"] + "/annotated.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "filename*=UTF-8''%E5%8D%97%E5%AE%81_%E6%89%B9%E6%B3%A8.xlsx" in \
        response.headers["content-disposition"]  # 南宁_批注.xlsx
    assert response.content.startswith(b"PK\x03\x04")


def test_pages_load_nothing_from_elsewhere(client):
    site_login(client, "nn")
    page = client.get("/submit")
    assert "script-src 'none'" in page.headers["content-security-policy"]
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text)
    css = client.get("/static/site.css").text
    assert "url(\"/static/fonts/NotoSansSC-Regular.ttf\")" in css and "http" not in css
    assert client.get("/static/fonts/NotoSansSC-Regular.ttf").content[:4] == b"\x00\x01\x00\x00"
    assert client.get("/static/fonts/..%2fstyle.css").status_code == 404


def test_unknown_pages_and_methods_answer_in_chinese(client):
    site_login(client, "nn")
    response = client.get("/nothing-here")
    assert response.status_code == 404 and "没有这个页面。" in response.text
    response = client.delete("/status")
    assert response.status_code == 405 and "不支持这种请求方式。" in response.text


def test_a_broken_user_file_stops_etdz_web_with_its_reason(site_root, capsys):
    (site_root / "users.toml").write_text('[users.x]\nrole = "admin"\n', encoding="utf-8")
    assert etdz(["web", "--root", str(site_root), "--year", str(SITE_YEAR)]) == 3
    assert "用户 x 的角色“admin”无效" in capsys.readouterr().err


@pytest.mark.parametrize("target, landed", [("/submit", "/submit"), ("//evil.example/", "/"),
                                            ("/\\evil.example/", "/"),
                                            ("https://evil.example/", "/")])
def test_after_logging_in_only_a_page_of_this_site_is_opened(client, target, landed):
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"csrf_token": token, "username": "nn",
                                           "password": "nanning-pass-1", "next": target})
    assert response.status_code == 303 and response.headers["location"] == landed


def test_province_wide_data_is_the_departments_and_region_wide_only(client, make_client,
                                                                   site_root):
    rates = b"year,usd_cny\n2025,7.1000\n"
    site_login(client, "nn")
    response = upload(client, "exchange_rates", "汇率.csv", rates, "南宁市")
    assert response.status_code == 400 and "请选择要提交的数据集" in response.text
    dept = make_client()
    site_login(dept, "dept")
    kept = submissions_on_disk(site_root)
    response = upload(dept, "exchange_rates", "汇率.csv", rates, "南宁市")
    assert response.status_code == 400
    assert "“汇率”是全区数据，设区市请选择“全区（所有设区市）”" in response.text
    assert submissions_on_disk(site_root) == kept


def test_a_broken_workbook_is_a_finding_not_an_error(client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")  # a .docx renamed .xlsx
    site_login(client, "nn")
    response = upload(client, "zone_stats", "南宁.xlsx", buffer.getvalue(), "南宁市")
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    rows = table_rows(page, "findings")
    assert [(r[0], r[3]) for r in rows] == [("严重", "整个文件")]
    assert rows[0][6].startswith("Excel 文件无法打开")
    copy = client.get(response.headers["location"] + "/annotated.xlsx")
    assert copy.status_code == 200 and copy.content.startswith(b"PK")


def test_a_workbook_is_read_for_the_sites_assessment_year(client, site_root):
    """A workbook whose figures are on last year's sheet (2024年, beside a 填表说明 sheet) is
    stopped for the 2025 site, as the yearly run would stop it, never read as this year's
    figures; one with 2026年 and 2025年 sheets is read from 2025年, not the latest."""
    header, rows = demo_zone_stats_rows("GX-NN-")

    def workbook(*sheets: tuple[str, list[str] | None]) -> bytes:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, lines in sheets:
            ws = wb.create_sheet(title)
            for line in [header, *lines] if lines is not None else ["请按表头填写"]:
                ws.append(line.split(","))
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()

    site_login(client, "nn")
    response = upload(client, "zone_stats", "南宁.xlsx",
                      workbook(("填表说明", None), ("2024年", rows)), "南宁市")
    page = client.get(response.headers["location"]).text
    assert "不是考核年度 2025 年的，未读取" in page and "未汇总进收件箱" in page
    wrong = [set_cell(r, GDP, "abc") for r in rows]
    response = upload(client, "zone_stats", "南宁.xlsx",
                      workbook(("2026年", wrong), ("2025年", rows)), "南宁市")
    page = client.get(response.headers["location"]).text
    assert [r[0] + " " + r[6] for r in table_rows(page, "findings")] == [
        "警告 工作表“2026年”也有“园区年度统计”的表头，未读取；本次读取的是工作表“2025年”"]
    assert "abc" not in page and "已汇总进 2025 年度收件箱" in page


def test_a_fixed_whole_file_problem_is_named_as_such_in_the_history(client):
    site_login(client, "nn")
    upload(client, "zone_stats", "南宁.xlsx", b"PK\x03\x04 not a workbook", "南宁市")
    upload(client, "zone_stats", "南宁.csv", nanning_stats(), "南宁市")
    history = client.get("/status/GX-NN-01/zone_stats").text
    resolved = history.split('id="submissions"', 1)[1].split("已解决：", 1)[1]
    assert "<li>整个文件“园区年度统计”：Excel 文件无法打开" in resolved
    assert "None" not in history


def test_the_board_lists_the_zones_assessed_that_year(client):
    """GX-GG-02 left the registry in 2023: not a row of the 2025 board, nor a page; GX-FCG-01,
    national since June 2025, has its national ranking row."""
    site_login(client, "dept")
    board = table_rows(client.get("/status").text, "board")
    zones = {r[1].split()[0] for r in board}
    assert "GX-GG-02" not in zones and "GX-GG-01" in zones
    assert any(r[1].startswith("GX-FCG-01") and r[2] == "国家级经开区考核排名" for r in board)
    assert client.get("/status/GX-GG-02/zone_stats").status_code == 404
