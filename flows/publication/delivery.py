"""Mailing the published reports (SMTP, PDFs attached), as config/distribution.toml says.

Delivery happens after publishing and reads the published files: a mail server that is down
costs a retry and a log line, never a report. Credentials come from environment variables named
in the config (never from the file, which is in git).
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tomllib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from flows.settings import CONFIG_DIR
from transforms.policy import ConfigError

DEFAULT_DISTRIBUTION = CONFIG_DIR / "distribution.toml"


class DistributionConfigError(ConfigError):
    title = "分发配置有误"


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    sender: str = "etdz@localhost"
    security: str = "none"  # none | starttls | ssl
    username_env: str = "ETDZ_SMTP_USER"
    password_env: str = "ETDZ_SMTP_PASSWORD"
    timeout_seconds: float = 30
    retries: int = 3
    retry_delay_seconds: float = 60


@dataclass(frozen=True)
class Distribution:
    smtp: SmtpSettings
    province: list[str] = field(default_factory=list)
    data_staff: list[str] = field(default_factory=list)
    zones: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Mail:
    kind: str  # zone_report | province_report | fix_list
    to: list[str]
    subject: str
    body: str
    attachments: list[Path]


def load_distribution(path: Path | None = None) -> Distribution:
    path = path or DEFAULT_DISTRIBUTION
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DistributionConfigError([f"找不到分发配置文件 {path}"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise DistributionConfigError([f"{path.name} 不是合法的 TOML：{exc}"]) from exc
    problems: list[str] = []
    smtp_raw = raw.get("smtp", {})
    known = set(SmtpSettings.__dataclass_fields__)
    problems += [f"[smtp] 不认识的设置 {k}" for k in smtp_raw if k not in known]
    smtp = SmtpSettings(**{k: v for k, v in smtp_raw.items() if k in known})
    if smtp.security not in ("none", "starttls", "ssl"):
        problems.append(f"[smtp] security 只能是 none / starttls / ssl，而不是 {smtp.security}")

    def recipients(value: Any, where: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) and "@" in v for v in value):
            problems.append(f"{where} 应为邮件地址列表，如 [\"a@example.gov.cn\"]")
            return []
        return value

    dist = Distribution(
        smtp=smtp,
        province=recipients(raw.get("province", {}).get("to", []), "[province] to"),
        data_staff=recipients(raw.get("data_staff", {}).get("to", []), "[data_staff] to"),
        zones={zone: recipients(v.get("to", []), f"[zones.{zone}] to")
               for zone, v in raw.get("zones", {}).items()},
    )
    if problems:
        raise DistributionConfigError(problems)
    return dist


def report_mails(dist: Distribution, release: Path, manifest: dict[str, Any],
                 zone_names: dict[str, str]) -> list[Mail]:
    """Each zone's report to its contacts, the province report to the department."""
    year, status = manifest["year"], manifest["status_label"]
    footer = (f"\n\n运行编号：{manifest['run_id']}；报告日期：{manifest['report_date']}。"
              "\n本邮件由广西经开区年度考核评价流水线自动发送，请勿直接回复。")
    mails = []
    for pdf in sorted((release / "reports" / "zones").glob("*.pdf")):
        zone_id = pdf.stem
        to = dist.zones.get(zone_id, [])
        if not to:
            continue
        name = zone_names.get(zone_id, zone_id)
        mails.append(Mail(
            "zone_report", to, f"【{status}】{name} {year} 年度考核评价报告",
            f"您好：\n\n附件为{name} {year} 年度考核评价报告（{status}），请查收。{footer}",
            [pdf]))
    province = release / "reports" / "province.pdf"
    if dist.province and province.is_file():
        mails.append(Mail(
            "province_report", dist.province, f"【{status}】广西经开区 {year} 年度考核评价汇总报告",
            f"您好：\n\n附件为广西经开区 {year} 年度考核评价汇总报告（{status}）及各园区报告"
            f"的发布位置见运行清单。{footer}", [province]))
    return mails


def fix_list_mail(dist: Distribution, fix_list: Path, summary: dict[str, Any],
                  year: int | None) -> Mail | None:
    if not dist.data_staff or not fix_list.is_file():
        return None
    counts = summary.get("by_severity", {})
    return Mail(
        "fix_list", dist.data_staff,
        f"【需修改】{year or ''} 年度考核数据校验未通过：严重问题 {counts.get('critical', 0)} 条",
        f"您好：\n\n数据校验发现严重问题 {counts.get('critical', 0)} 条、警告 "
        f"{counts.get('warning', 0)} 条，本次考核未计算也未发布。请按附件修改清单"
        "（文件、工作表、行号、列、说明、修改建议）修改后重新提交。"
        "\n\n本邮件由广西经开区年度考核评价流水线自动发送，请勿直接回复。",
        [fix_list])


def build_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.split("@")[-1] or "localhost")
    message.set_content(mail.body, charset="utf-8")
    for path in mail.attachments:
        maintype, subtype = (("application", "pdf") if path.suffix == ".pdf"
                             else ("text", "csv"))
        data = path.read_bytes()
        if maintype == "text":
            message.add_attachment(data.decode("utf-8-sig"), subtype=subtype, charset="utf-8",
                                   filename=path.name)
        else:
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
    return message


def send(mail: Mail, smtp: SmtpSettings) -> None:
    """One message over SMTP; raises on any failure (the caller retries and logs)."""
    message = build_message(mail, smtp.sender)
    user, password = os.environ.get(smtp.username_env), os.environ.get(smtp.password_env)
    if smtp.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_seconds,
                                                context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if user and password:
            client.login(user, password)
        client.send_message(message)
