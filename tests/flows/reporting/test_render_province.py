"""The province report's long tables (printed_rows).

Guangxi's tables are printed whole. A table longer than PRINTED_ROWS (a national profile's
2,700 zones) prints its first and last rows and says, in the table, how many rows it leaves
out and where the complete table is. Here the limit is lowered to 4 on the demo data.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from flows.reporting import province_report
from flows.reporting.province_report import PRINTED_ROWS, printed_rows, province_context
from flows.reporting.render import render_pdf_bytes
from tests.helpers import FINDINGS, configs, demo_results, run_info


def test_short_tables_are_printed_whole() -> None:
    rows = [{"i": i} for i in range(PRINTED_ROWS)]
    assert printed_rows(rows, "x") == (rows, None)
    ctx = province_context(demo_results(), configs().policy, run_info(), FINDINGS)
    assert not any(ctx["omitted"].values())
    assert [z["no"] for z in ctx["zones"]] == list(range(1, len(ctx["zones"]) + 1))
    assert not any("从略" in note for note in ctx["notes"])


def test_long_tables_keep_the_first_and_last_rows() -> None:
    rows = [{"i": i} for i in range(2703)]
    kept, omitted = printed_rows(rows, "附件 x.csv")
    half = PRINTED_ROWS // 2
    assert kept == rows[:half] + rows[-half:]
    assert omitted == {"after": half, "count": f"{2703 - 2 * half:,}", "total": "2,703",
                       "first": f"{half + 1:,}", "last": f"{2703 - half:,}",
                       "complete_in": "附件 x.csv"}


@pytest.fixture(scope="module")
def abridged() -> tuple[dict, str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(province_report, "PRINTED_ROWS", 4)
        ctx = province_context(demo_results(), configs().policy, run_info(), FINDINGS)
    pdf = render_pdf_bytes("province.html", ctx)
    text = "".join("".join(page.extract_text().split())
                   for page in PdfReader(io.BytesIO(pdf)).pages)
    return ctx, text


def test_abridged_tables_say_what_is_left_out_and_where(abridged: tuple[dict, str]) -> None:
    ctx, text = abridged
    zones = demo_results().assessed.height
    assert [z["no"] for z in ctx["zones"]] == [1, 2, zones - 1, zones]  # numbers of the full table
    assert ctx["omitted"]["zones"]["count"] == str(zones - 4)
    assert (f"第3—{zones - 2}行共{zones - 4}行从略（全表{zones}行，"
            "见附件indicators.csv、targets.csv和results/assessment.xlsx）") in text
    assert "表格超过4行时只列出前2行和后2行" in text  # and the notes say so once
    for key in ("ranking", "supervision", "rewards_by_zone"):
        if ctx["omitted"][key]:
            assert f"共{ctx['omitted'][key]['count']}行从略" in text, key


def test_abridged_ranking_keeps_the_top_and_the_last_place(abridged: tuple[dict, str]) -> None:
    ctx, _ = abridged
    ranks = [r["rank"] for r in ctx["ranking"]]
    if ctx["omitted"]["ranking"]:
        assert ranks[:2] == [1, 2] and ctx["ranking"][-1]["last"]
