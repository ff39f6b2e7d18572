"""The annual flow end to end on the bundled demo data, through the real Prefect engine.

One run is shared by the assertions below (rendering is the slow part); a second run checks that
the same inputs give byte-identical outputs, and a run on broken data checks the gate.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from flows.cli import main as etdz
from flows.settings import DEMO_DATA_DIR

YEAR = 2025
REPORT_DATE = "2026-01-15"
QINZHOU_PORT = "GX-QZ-01"  # 钦州港: its 2025 GDP is exactly 1.2^6 x its 2019 GDP


def run_assessment(data: Path, out: Path, *extra: str) -> int:
    return etdz(["assess", "--data", str(data), "--year", str(YEAR), "--out", str(out),
                 "--report-date", REPORT_DATE, *extra])


@pytest.fixture(scope="module")
def demo_run(published_demo: Path) -> Path:
    # The session's shared demo publication (tests/conftest.py): the same run these tests made.
    return published_demo


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_outputs_exist_with_contract_columns(demo_run: Path) -> None:
    indicators = read_csv(demo_run / "results" / "indicators.csv")
    targets = read_csv(demo_run / "results" / "targets.csv")
    assert list(indicators[0])[:8] == ["zone_id", "year", "indicator", "value", "unit",
                                       "yoy_growth", "cagr_since_base", "city_share"]
    assert list(targets[0])[:7] == ["zone_id", "year", "target_id", "value", "threshold",
                                    "final_threshold", "status"]
    assert {t["status"] for t in targets} <= {"met", "not_met", "no_data"}
    zone_ids = {row["zone_id"] for row in indicators}
    pdfs = {p.stem for p in (demo_run / "reports" / "zones").glob("*.pdf")}
    assert pdfs == zone_ids
    assert (demo_run / "reports" / "province.pdf").stat().st_size > 10_000
    assert (demo_run / "validation" / "fix_list.csv").exists()
    assert not list(demo_run.glob(".staging-*"))


def test_targets_agree_with_indicators(demo_run: Path) -> None:
    indicators = {(r["zone_id"], r["indicator"]): r
                  for r in read_csv(demo_run / "results" / "indicators.csv")}
    targets = read_csv(demo_run / "results" / "targets.csv")
    assert targets, "national zones must have targets"
    for t in targets:
        if t["target_id"] == "gdp_cagr" and t["status"] != "no_data":
            ind = indicators[(t["zone_id"], "gdp")]
            assert t["year_value"] == ind["value"]
            assert float(t["value"]) == pytest.approx(float(ind["cagr_since_base"]), abs=1e-6)
        if t["target_id"] == "gdp_city_share" and t["status"] != "no_data":
            ind = indicators[(t["zone_id"], "gdp")]
            assert float(t["value"]) == pytest.approx(float(ind["city_share"]), abs=1e-6)
    boundary = next(t for t in targets
                    if t["zone_id"] == QINZHOU_PORT and t["target_id"] == "gdp_cagr")
    # Exactly on the boundary: 746.4960 亿元 = 250.0000 亿元 x 1.2^6, so the target is met.
    assert Decimal(boundary["year_value"]) == Decimal(boundary["base_value"]) * Decimal("1.2") ** 6
    assert boundary["status"] == "met"
    # Targets are only for national zones; every national zone gets all nine.
    per_zone: dict[str, int] = {}
    for t in targets:
        per_zone[t["zone_id"]] = per_zone.get(t["zone_id"], 0) + 1
    assert set(per_zone.values()) == {9}


REWARD_COLUMNS = ["zone_id", "year", "rule", "subject_id", "basis_cny", "rate", "computed_cny",
                  "cap_cny", "reward_cny", "region_share_cny", "city_share_cny", "clause"]
RULES = {"supplier_introduction", "fdi_project", "new_national_zone", "first_top50",
         "first_top100", "rank_improvement", "investment_ambassador"}


def test_rewards_supervision_and_scores_follow_the_contract(demo_run: Path) -> None:
    rewards = read_csv(demo_run / "results" / "rewards.csv")
    assert list(rewards[0])[:12] == REWARD_COLUMNS
    assert {r["rule"] for r in rewards} == RULES  # the demo exercises every rule
    for r in rewards:
        assert r["explanation"], r
        if r["reward_cny"]:
            assert Decimal(r["region_share_cny"]) + Decimal(r["city_share_cny"]) == Decimal(
                r["reward_cny"])
            assert len(r["reward_cny"].split(".")[1]) == 2  # yuan with two decimals
    supervision = read_csv(demo_run / "results" / "supervision.csv")
    assert list(supervision[0])[:4] == ["zone_id", "year", "action", "reason"]
    assert {(s["action"], s["reason"]) for s in supervision} == {
        ("interview", "national_bottom_ten"), ("interview", "regional_last"),
        ("exit", "regional_last_three_years"), ("interview", "investment_target_missed"),
        ("commendation", "investment_target_met"),
    }
    assert ("GX-LZ-02", "exit") in {(s["zone_id"], s["action"]) for s in supervision}
    scores = read_csv(demo_run / "results" / "scores.csv")
    assert list(scores[0])[:11] == ["zone_id", "year", "level", "open_economy",
                                    "development_quality", "innovation", "green",
                                    "coordination", "score", "regional_rank", "national_rank"]
    last = [s["zone_id"] for s in scores if s["regional_last"] == "true"]
    assert last == ["GX-LZ-02"]
    assert all(60 <= Decimal(s["score"]) <= 100 for s in scores)


def test_entitlements_and_actions_in_the_pdfs_equal_the_csv(demo_run: Path) -> None:
    rewards = read_csv(demo_run / "results" / "rewards.csv")
    zone = "GX-QZ-02"
    text = "".join(p.extract_text() for p in PdfReader(
        demo_run / "reports" / "zones" / f"{zone}.pdf").pages)
    for r in rewards:
        if r["zone_id"] == zone and r["reward_cny"] and Decimal(r["reward_cny"]) > 0:
            assert f"{Decimal(r['reward_cny']):,.2f}" in text, r["subject_id"]
    assert "就高不重复" in text  # why first_top100 was not paid on top of first_top50
    province = "".join(p.extract_text() for p in PdfReader(
        demo_run / "reports" / "province.pdf").pages)
    paid = [Decimal(r["reward_cny"]) for r in rewards if r["reward_cny"]]
    region = sum(Decimal(r["region_share_cny"]) for r in rewards if r["region_share_cny"])
    assert f"{sum(paid):,.2f}" in province  # the grand total
    assert f"{region:,.2f}" in province  # the region's budget line
    assert "自治区财政" in province and "钦州市财政" in province
    assert "退出" in province and "柳州" in province


def test_manifest_hashes_every_output_and_input(demo_run: Path) -> None:
    manifest = json.loads((demo_run / "manifest.json").read_text(encoding="utf-8"))
    listed = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    # The publication in force is the release `current` points to (flows/publication/releases.py).
    release = (demo_run / "current").resolve()
    assert release.parent.name == "releases"
    on_disk = {p.relative_to(release).as_posix() for p in release.rglob("*")
               if p.is_file() and p.name != "manifest.json"}
    assert set(listed) == on_disk
    for path, digest in listed.items():
        assert hashlib.sha256((demo_run / path).read_bytes()).hexdigest() == digest, path
    inputs = {i["file"]: i["sha256"] for i in manifest["inputs"]}
    assert set(inputs) == {p.name for p in DEMO_DATA_DIR.iterdir()
                           if p.suffix in (".csv", ".xlsx")}
    for name, digest in inputs.items():
        assert hashlib.sha256((DEMO_DATA_DIR / name).read_bytes()).hexdigest() == digest
    assert manifest["policy"]["version"] == "2025.2"
    assert manifest["methodology"]["version"] == "2025.1"
    assert manifest["year"] == YEAR and manifest["report_date"] == REPORT_DATE
    assert manifest["status_label"] == "草稿"  # not the official run


def test_pdfs_show_the_results_in_chinese(demo_run: Path) -> None:
    reader = PdfReader(demo_run / "reports" / "zones" / f"{QINZHOU_PORT}.pdf")
    text = "".join(page.extract_text() for page in reader.pages)
    assert "钦州港经济技术开发区" in text
    assert "地区生产总值年均增长" in text
    assert "746.50" in text  # the 2025 GDP in 亿元, as in indicators.csv
    assert "第 1 页" in text
    manifest = json.loads((demo_run / "manifest.json").read_text(encoding="utf-8"))
    # A zone report prints its own report id, which the manifest maps to the run id.
    entry = next(o for o in manifest["outputs"]
                 if o["path"] == f"reports/zones/{QINZHOU_PORT}.pdf")
    assert entry["report_id"] in text and "报告编号" in text
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object().get("/FontDescriptor")
            if descriptor is None:  # Type0 fonts keep it on the descendant
                descendant = font.get_object()["/DescendantFonts"][0].get_object()
                descriptor = descendant["/FontDescriptor"]
            descriptor = descriptor.get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor  # embedded
            fonts.add(str(descriptor["/FontName"]))
    # Only the bundled face, never a system fallback: a character outside the bundled subset
    # would be an empty box on a machine without a system CJK font.
    assert fonts and all("Report-Sans-SC" in f for f in fonts), fonts
    province = "".join(p.extract_text() for p in PdfReader(
        demo_run / "reports" / "province.pdf").pages)
    assert "南宁经济技术开发区" in province and "自治区级经开区" in province


def test_same_inputs_give_identical_outputs(demo_run: Path, tmp_path: Path) -> None:
    second = tmp_path / "again"
    assert run_assessment(DEMO_DATA_DIR, second) == 0
    first_manifest = json.loads((demo_run / "manifest.json").read_text(encoding="utf-8"))
    second_manifest = json.loads((second / "manifest.json").read_text(encoding="utf-8"))
    assert first_manifest["outputs"] == second_manifest["outputs"]  # PDFs byte for byte
    assert first_manifest["run_id"] == second_manifest["run_id"]


def test_critical_findings_stop_the_run_and_keep_the_last_publication(
    demo_run: Path, tmp_path: Path
) -> None:
    published = tmp_path / "published"
    shutil.copytree(demo_run, published)
    before = (published / "manifest.json").read_bytes()
    broken = tmp_path / "broken"
    shutil.copytree(DEMO_DATA_DIR, broken)
    lines = (broken / "exchange_rates.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].split(",")[0] + ",七点一"  # row 3: not a number
    (broken / "exchange_rates.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert run_assessment(broken, published) == 2
    assert (published / "manifest.json").read_bytes() == before  # last good results untouched
    fix_list = read_csv_bom(published / "validation" / "fix_list.csv")
    cell = [f for f in fix_list if (f["file"], f["row"], f["column"]) ==
            ("exchange_rates.csv", "3", "usd_cny")]
    # One finding per cell: ingest's, not a second "required value missing" from validation.
    assert [(f["severity"], f["rule_id"], f["column_label"], f["value"]) for f in cell] == [
        ("critical", "ingest.not_a_number", "美元兑人民币年平均汇率", "七点一")
    ]


def read_csv_bom(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_validate_command_exit_codes(tmp_path: Path) -> None:
    assert etdz(["validate", "--demo", "--out", str(tmp_path / "clean")]) == 0
    broken = tmp_path / "broken"
    shutil.copytree(DEMO_DATA_DIR, broken)
    (broken / "notes.csv").write_text("a\n1\n", encoding="utf-8")  # unknown file: a warning
    assert etdz(["validate", "--data", str(broken), "--out", str(tmp_path / "warn")]) == 1
    (broken / "exchange_rates.csv").write_text("year,usd_cny\n2025,abc\n", encoding="utf-8")
    assert etdz(["validate", "--data", str(broken), "--out", str(tmp_path / "bad")]) == 2
