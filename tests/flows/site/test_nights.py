"""The status board's history across nights, over HTTP: nights written by the real nightly flow
over the inbox the site assembled, read back on a zone's history page with each finding 新增,
未解决 or 已解决, traced to the submitted file's row; the same rights as every page; and the
empty cases."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from flows.nightly import nightly_validation, previous_night, publish_night
from flows.site.app import SiteConfig, create_app
from flows.site.inbox import inbox_dir
from flows.site.nights import NightlyHistory
from flows.validation.comparison import compare
from tests.helpers import (
    SITE_YEAR,
    csrf_of,
    csv_bytes,
    demo_zone_stats_rows,
    set_cell,
    site_login,
)
from transforms.findings import Finding, Severity

TRADE, FDI, ENTERPRISES = 4, 3, 5  # columns of zone_stats.csv
NIGHTS = ("2026-01-13", "2026-01-14", "2026-01-15")


def scaled(line: str, column: int, factor: float) -> str:
    value = line.split(",")[column]
    digits = len(value.split(".")[1]) if "." in value else 0
    return set_cell(line, column, f"{float(value) * factor:.{digits}f}")


def city_file(prefix: str, *changes: tuple[int, int, float]) -> bytes:
    """The demo's zone_stats rows of a city, with (row, column, factor) changes: a tenth or a
    twentieth of one year's figure makes that year's fall a warning (yoy_band), and stays
    within the city's totals."""
    header, rows = demo_zone_stats_rows(prefix)
    for row, column, factor in changes:
        rows[row] = scaled(rows[row], column, factor)
    return csv_bytes(header, rows)


def latest_row(prefix: str, zone_id: str) -> int:
    """Index (in demo_zone_stats_rows(prefix)) of the zone's latest year: changing it moves one
    year-on-year comparison only."""
    _, rows = demo_zone_stats_rows(prefix)
    return max(i for i, r in enumerate(rows) if r.startswith(zone_id + ","))


def upload(client: TestClient, city: str, name: str, data: bytes) -> str:
    token = csrf_of(client.get("/submit").text)
    response = client.post("/submit", data={"dataset": "zone_stats", "city": city,
                                            "csrf_token": token},
                           files={"file": (name, data, "text/csv")})
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def night(root: Path, date: str) -> dict:
    """One night of the real nightly flow over the site's inbox, written where the site looks
    by default."""
    return nightly_validation(inbox_dir=str(inbox_dir(root, SITE_YEAR)),
                              out_dir=str(root / "nightly" / str(SITE_YEAR)), run_date=date)


def sections(html: str) -> dict[str, str]:
    """The nightly part of a history page, by night heading (date or date range)."""
    nightly = html.split('id="nights"', 1)[1].split('id="submissions"', 1)[0]
    parts = re.split(r"<h3>(.*?)</h3>", nightly, flags=re.S)
    return {re.sub(r"\s+", " ", parts[i]).strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def rows_of(part: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", part, flags=re.S)
    return [[text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)]
            for r in rows if "<td" in r]


def resolved_of(part: str) -> list[str]:
    if "已解决：" not in part:
        return []
    items = part.split("已解决：", 1)[1]
    return [text(li) for li in re.findall(r"<li>(.*?)</li>", items, flags=re.S)]


@pytest.fixture(scope="module")
def three_nights(prefect_server, seeded_site_root, tmp_path_factory):
    """Night 1: the demo data as seeded. Then Nanning submits GX-NN-01 with its 2025 enterprises
    and trade a tenth of what they are, Liuzhou GX-LZ-01 with its enterprises so; night 2. Then
    Nanning corrects the enterprises, leaves the trade and types its FDI a twentieth; night 3.
    Returns the site's folder and the submission ids."""
    root = Path(shutil.copytree(seeded_site_root, tmp_path_factory.mktemp("nights") / "site",
                                symlinks=True))
    app = create_app(SiteConfig(root=root, year=SITE_YEAR, warm_up=False))
    ids = {}
    with TestClient(app, follow_redirects=False) as client:
        night(root, NIGHTS[0])
        nn01 = latest_row("GX-NN-", "GX-NN-01")
        lz01 = latest_row("GX-LZ-", "GX-LZ-01")
        site_login(client, "nn")
        ids["nn1"] = upload(client, "南宁市", "南宁市园区统计.csv",
                            city_file("GX-NN-", (nn01, ENTERPRISES, 0.1), (nn01, TRADE, 0.1)))
        site_login(client, "lz")
        ids["lz1"] = upload(client, "柳州市", "柳州.csv",
                            city_file("GX-LZ-", (lz01, ENTERPRISES, 0.1)))
        ids["night2"] = night(root, NIGHTS[1])
        site_login(client, "nn")
        ids["nn2"] = upload(client, "南宁市", "南宁市园区统计（改）.csv",
                            city_file("GX-NN-", (nn01, TRADE, 0.1), (nn01, FDI, 0.05)))
        ids["night3"] = night(root, NIGHTS[2])
    ids["nn01_row"] = nn01 + 2  # the submitted file's row: header is row 1
    ids["lz01_row"] = lz01 + 2
    return root, ids


@pytest.fixture
def client_of(three_nights):
    root, _ = three_nights
    clients = []

    def make(name: str) -> TestClient:
        client = TestClient(create_app(SiteConfig(root=root, year=SITE_YEAR, warm_up=False)),
                            follow_redirects=False)
        client.__enter__()
        clients.append(client)
        site_login(client, name)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_each_night_marks_the_zones_findings_new_open_and_fixed(three_nights, client_of):
    root, ids = three_nights
    page = client_of("nn").get("/status/GX-NN-01/zone_stats")
    assert page.status_code == 200
    nights = sections(page.text)
    assert list(nights) == [f"{NIGHTS[2]} · 与 {NIGHTS[1]} 相比",
                            f"{NIGHTS[1]} · 与 {NIGHTS[0]} 相比",
                            NIGHTS[0]]
    row = ids["nn01_row"]
    where2 = f"{ids['nn2']} 南宁市园区统计（改）.csv 第 {row} 行"
    where1 = f"{ids['nn1']} 南宁市园区统计.csv 第 {row} 行"
    # status, severity, where (the submitted file's row), column
    assert [r[:4] for r in rows_of(nights[f"{NIGHTS[2]} · 与 {NIGHTS[1]} 相比"])] == [
        ["新增", "警告", where2, "实际利用外资（万美元）"],
        ["未解决", "警告", where2, "进出口总额（亿元）"],
    ]
    assert resolved_of(nights[f"{NIGHTS[2]} · 与 {NIGHTS[1]} 相比"]) == [
        f"{where1}“企业数量（户）”：" + rows_of(nights[f"{NIGHTS[1]} · 与 {NIGHTS[0]} 相比"])
        [0][5]]
    assert [r[:4] for r in rows_of(nights[f"{NIGHTS[1]} · 与 {NIGHTS[0]} 相比"])] == [
        ["新增", "警告", where1, "企业数量（户）"],
        ["新增", "警告", where1, "进出口总额（亿元）"],
    ]
    assert "没有与本园区有关的问题" in nights[NIGHTS[0]]  # the first night: nothing about it
    # Liuzhou's finding is in the same nights' fix lists, never on Nanning's page
    assert "GX-LZ" not in page.text and "柳州" not in page.text
    # the night kept the inbox's record it was validated with
    record = root / "nightly" / str(SITE_YEAR) / "history" / NIGHTS[2] / "submissions.json"
    assert ids["nn2"] in record.read_text(encoding="utf-8")
    assert ids["night3"]["new"] == 1 and ids["night3"]["resolved"] == 1


def test_quiet_nights_are_one_line(client_of):
    page = client_of("nn").get("/status/GX-NN-02/zone_stats")
    nights = sections(page.text)
    assert list(nights) == [f"{NIGHTS[0]} 至 {NIGHTS[2]}（3 晚）"]
    assert "没有与本园区有关的问题" in nights[f"{NIGHTS[0]} 至 {NIGHTS[2]}（3 晚）"]
    assert "<table" not in page.text.split('id="nights"', 1)[1].split('id="submissions"')[0]


def test_another_citys_nights_are_refused_and_the_department_sees_them(three_nights,
                                                                       client_of):
    _, ids = three_nights
    response = client_of("nn").get("/status/GX-LZ-01/zone_stats")
    assert response.status_code == 403
    assert "柳州" not in response.text and ids["lz1"] not in response.text
    for name in ("dept", "lz"):
        nights = sections(client_of(name).get("/status/GX-LZ-01/zone_stats").text)
        where = f"{ids['lz1']} 柳州.csv 第 {ids['lz01_row']} 行"
        assert [r[:4] for r in rows_of(nights[f"{NIGHTS[2]} · 与 {NIGHTS[1]} 相比"])] == [
            ["未解决", "警告", where, "企业数量（户）"]], name
        assert [r[:4] for r in rows_of(nights[f"{NIGHTS[1]} · 与 {NIGHTS[0]} 相比"])] == [
            ["新增", "警告", where, "企业数量（户）"]], name
    # leaders read reports only
    assert client_of("boss").get("/status/GX-NN-01/zone_stats").status_code == 403


def test_without_nightly_output_the_page_says_so(site_root):
    for name, shows_folder in (("nn", False), ("dept", True)):
        with TestClient(create_app(SiteConfig(root=site_root, year=SITE_YEAR, warm_up=False)),
                        follow_redirects=False) as client:
            site_login(client, name)
            page = client.get("/status/GX-NN-01/zone_stats")
        assert page.status_code == 200
        assert "还没有夜间校验结果：夜间校验尚未运行，或尚未校验本网站的收件箱。" in page.text
        assert (str(site_root / "nightly" / str(SITE_YEAR)) in page.text) is shows_folder
        assert 'id="submissions"' in page.text  # the submissions' history is still there


def test_the_site_reads_the_nightly_folder_it_is_given(three_nights, site_root):
    root, ids = three_nights
    with TestClient(create_app(SiteConfig(root=site_root, year=SITE_YEAR, warm_up=False,
                                          nightly_dir=root / "nightly" / str(SITE_YEAR))),
                    follow_redirects=False) as client:
        site_login(client, "dept")
        nights = sections(client.get("/status/GX-NN-01/zone_stats").text)
    assert list(nights)[0] == f"{NIGHTS[2]} · 与 {NIGHTS[1]} 相比"
    # this site has none of those submissions: the rows are the inbox's
    assert [r[2] for r in rows_of(nights[f"{NIGHTS[2]} · 与 {NIGHTS[1]} 相比"])] == [
        f"收件箱 zone_stats.csv 第 {ids['nn01_row']} 行"] * 2


# ---------------------------------------------------------------------------------------------
# identity from one night to the next


def warning(row: int, zone: str = "GX-NN-01", column: str = "trade") -> Finding:
    return Finding(Severity.WARNING, "zone_stats", "zone_stats.csv", "", row, column, column,
                   "1", f"zone_stats.{column}_yoy_band", "说明。", "建议。", zone_id=zone)


def publish(out: Path, inbox: Path, date: str, findings: list[Finding],
            sources: list[list]) -> None:
    """A night as the flow publishes it, over an inbox whose record gives each zone_stats row
    (inbox row 2, 3, ...) its submission and submitted row."""
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "submissions.json").write_text(json.dumps(
        {"year": SITE_YEAR, "submissions": [], "rows": {"zone_stats.csv": sources}}),
        encoding="utf-8")
    previous = previous_night(out / "history", date)
    publish_night(findings, compare(previous[1] if previous else None, findings),
                  previous[0] if previous else None, out, date, inbox_dir=inbox)


def test_a_finding_is_the_same_when_other_rows_move_the_inbox(tmp_path):
    """Another city's rows placed before the zone's move its inbox row from 3 to 5; the cell
    in the submitted file is the same, so the finding is still open, not fixed and new."""
    out = tmp_path / "nightly"
    publish(out, tmp_path / "b1", "2026-01-14", [warning(3)],
            [["S000002", 2], ["S000002", 3]])
    publish(out, tmp_path / "b2", "2026-01-15", [warning(5)],
            [["S000003", 2], ["S000003", 3], ["S000002", 2], ["S000002", 3]])
    zone = {"zone_id": "GX-NN-01", "city": "南宁市"}
    later, first = NightlyHistory(out).for_zone(zone, "zone_stats", lambda s: "南宁市")
    assert [first.status_of(nf) for nf in first.findings] == ["新增"]
    assert [(later.status_of(nf), nf.submission_id, nf.source_row, nf.finding.row)
            for nf in later.findings] == [("未解决", "S000002", 3, 5)]
    assert later.resolved == []


def test_rows_of_no_known_zone_belong_to_the_city_that_sent_them(tmp_path):
    out = tmp_path / "nightly"
    stray = warning(2, zone="")  # a row whose zone could not be told
    whole_file = Finding(Severity.WARNING, "zone_stats", "zone_stats.csv", "", None, "", "",
                         "", "ingest.unknown_column", "说明。", "建议。")
    publish(out, tmp_path / "b1", "2026-01-14", [stray, whole_file], [["S000005", 7]])
    zone = {"zone_id": "GX-NN-01", "city": "南宁市"}
    cities = {"S000005": "柳州市"}
    (only,) = NightlyHistory(out).for_zone(zone, "zone_stats", cities.get)
    assert [nf.finding.rule_id for nf in only.findings] == ["ingest.unknown_column"]
    cities["S000005"] = "南宁市"
    (only,) = NightlyHistory(out).for_zone(zone, "zone_stats", cities.get)
    assert [(nf.finding.rule_id, nf.source_row) for nf in only.findings] == [
        ("ingest.unknown_column", None), ("zone_stats.trade_yoy_band", 7)]


def test_a_night_whose_record_cannot_be_read_says_so(tmp_path, site_root):
    """The night is shown by the inbox's rows, with a word on why, and never folded away as
    quiet; a row of no known zone is not listed (it cannot be told whose it is)."""
    out = site_root / "nightly" / str(SITE_YEAR)
    publish(out, tmp_path / "b1", "2026-01-14", [warning(3), warning(4, zone="")],
            [["S000002", 2], ["S000002", 3], ["S000002", 4]])
    (out / "history" / "2026-01-14" / "submissions.json").write_text("{", encoding="utf-8")
    (night,) = NightlyHistory(out).for_zone({"zone_id": "GX-NN-01", "city": "南宁市"},
                                            "zone_stats", lambda s: "南宁市")
    assert night.record_unreadable and not night.quiet
    assert [(nf.submission_id, nf.finding.row) for nf in night.findings] == [("", 3)]
    with TestClient(create_app(SiteConfig(root=site_root, year=SITE_YEAR, warm_up=False)),
                    follow_redirects=False) as client:
        site_login(client, "nn")
        nights = sections(client.get("/status/GX-NN-01/zone_stats").text)
    part = nights["2026-01-14 · 首次夜间校验"]
    assert "这一晚保存的收件箱来源记录（submissions.json）无法读取" in part
    assert [r[2] for r in rows_of(part)] == ["收件箱 zone_stats.csv 第 3 行"]
