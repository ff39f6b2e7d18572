"""Delivery by e-mail, against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import json
import shutil
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from flows.cli import main as etdz
from flows.publication import warehouse
from flows.publication.delivery import DistributionConfigError, load_distribution
from flows.settings import DEMO_DATA_DIR
from tests.helpers import DEMO_REPORT_DATE, DEMO_YEAR, copy_publication, free_port


class Inbox:
    """aiosmtpd handler: keeps every message it accepts, parsed."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def distribution(tmp_path: Path, port: int, retries: int = 0) -> Path:
    path = tmp_path / "distribution.toml"
    path.write_text(f"""
[smtp]
host = "127.0.0.1"
port = {port}
sender = "etdz@test.example"
retries = {retries}
retry_delay_seconds = 0
timeout_seconds = 5

[province]
to = ["dept@test.example"]

[data_staff]
to = ["staff@test.example"]

[zones.GX-QZ-01]
to = ["qz1@test.example", "qz1-deputy@test.example"]

[zones.GX-NN-01]
to = ["nn1@test.example"]
""", encoding="utf-8")
    return path


def assess(data: Path, out: Path, dist: Path) -> int:
    return etdz(["assess", "--data", str(data), "--year", str(DEMO_YEAR), "--out", str(out),
                 "--report-date", DEMO_REPORT_DATE, "--deliver", "--distribution", str(dist)])


def attachments(message: EmailMessage) -> dict[str, bytes]:
    return {part.get_filename(): part.get_payload(decode=True)
            for part in message.iter_attachments()}


def test_reports_and_the_fix_list_reach_their_recipients(
    published_demo: Path, tmp_path: Path, smtp_server: tuple[int, Inbox]
) -> None:
    port, inbox = smtp_server
    out = copy_publication(published_demo, tmp_path / "out")
    dist = distribution(tmp_path, port)
    assert assess(DEMO_DATA_DIR, out, dist) == 0

    by_recipients = {tuple(sorted(rcpt)): msg for rcpt, msg in inbox.messages}
    assert set(by_recipients) == {("qz1-deputy@test.example", "qz1@test.example"),
                                  ("nn1@test.example",), ("dept@test.example",)}
    qz = by_recipients[("qz1-deputy@test.example", "qz1@test.example")]
    assert qz["Subject"] == "【草稿】钦州港经济技术开发区 2025 年度考核评价报告"
    assert "请查收" in qz.get_body(("plain",)).get_content()
    # The very bytes that were published, under the published names.
    assert attachments(qz) == {"GX-QZ-01.pdf": (out / "reports/zones/GX-QZ-01.pdf").read_bytes()}
    province = by_recipients[("dept@test.example",)]
    assert attachments(province) == {"province.pdf": (out / "reports/province.pdf").read_bytes()}
    sent = warehouse.query(out / "warehouse.duckdb", "SELECT kind, status FROM deliveries")
    assert sorted(sent.rows()) == [("province_report", "sent"), ("zone_report", "sent"),
                                   ("zone_report", "sent")]

    # Blocked by critical findings: the fix list goes to data staff, the reports to nobody.
    inbox.messages.clear()
    broken = tmp_path / "broken"
    shutil.copytree(DEMO_DATA_DIR, broken)
    (broken / "exchange_rates.csv").write_text("year,usd_cny\n2025,七点一\n", encoding="utf-8")
    assert assess(broken, out, dist) == 2
    [(rcpt, message)] = inbox.messages
    assert rcpt == ["staff@test.example"] and "数据校验未通过" in message["Subject"]
    files = attachments(message)
    assert list(files) == ["fix_list.csv"]
    assert "七点一" in files["fix_list.csv"].decode("utf-8-sig")


def test_a_mail_server_that_is_down_costs_retries_not_reports(
    published_demo: Path, tmp_path: Path
) -> None:
    out = copy_publication(published_demo, tmp_path / "out")
    before = (out / "manifest.json").read_bytes()
    dist = distribution(tmp_path, free_port(), retries=2)  # nothing listens there
    assert assess(DEMO_DATA_DIR, out, dist) == 0  # the run itself succeeded
    # Published as usual: the same outputs, byte for byte, all there.
    after = json.loads((out / "manifest.json").read_bytes())
    assert [(o["path"], o["sha256"]) for o in after["outputs"]] == [
        (o["path"], o["sha256"]) for o in json.loads(before)["outputs"]]
    for output in after["outputs"]:
        assert (out / output["path"]).is_file()
    failed = warehouse.query(out / "warehouse.duckdb", "SELECT kind, status, error FROM deliveries")
    assert len(failed) == 3 and set(failed["status"]) == {"failed"}
    # Retried: the third attempt (two retries) is the one that gave up.
    assert all("第 3 次发送失败" in e for e in failed["error"]), failed["error"].to_list()


def test_a_broken_distribution_file_is_refused_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[smtp]\nsecurity = "tls"\n[zones.GX-NN-01]\nto = "nobody"\n',
                    encoding="utf-8")
    with pytest.raises(DistributionConfigError) as error:
        load_distribution(path)
    assert "security" in str(error.value) and "[zones.GX-NN-01] to" in str(error.value)
