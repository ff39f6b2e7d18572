"""Findings (transforms/findings.py): a finding caused by another names its cause and sorts after
the findings that stand on their own."""

from __future__ import annotations

import pytest

from transforms.findings import Finding, Severity, link_causes, sort_findings

C, W = Severity.CRITICAL, Severity.WARNING


def finding(severity: Severity, dataset: str, row: int | None, column: str, rule_id: str,
            label: str = "", message: str = "问题。") -> Finding:
    file = f"{dataset}.csv"
    return Finding(severity, dataset, file, "", row, column, label, "", rule_id, message, "改。")


MISSING_YEAR = finding(C, "zone_stats", 1, "year", "ingest.missing_column", "年份",
                       "缺少必填字段“年份”（year）")
BAD_UNIT = finding(C, "zone_stats", 1, "gdp", "ingest.unit_unknown", "地区生产总值（亿元）",
                   "表头单位“千元”无法换算为规范单位“亿元”，该列未读取")
NO_RATES = finding(C, "exchange_rates", None, "", "dataset.missing", "",
                   "缺少必需的数据文件：汇率。")
INPUTS = {
    "zones.base_year_stats_present": [("zones", "zone_id"), ("zone_stats", "year")],
    "zone_stats.gdp_required": [("zone_stats", "gdp")],
    "fdi_projects.exchange_rate_available": [("fdi_projects", "year"),
                                             ("exchange_rates", "usd_cny")],
    "city_stats.gdp_covers_zones": [("city_stats", "gdp")],
}

# (causes present, the finding, its expected caused_by)
CASES = [
    ([MISSING_YEAR], finding(W, "zones", 2, "zone_id", "zones.base_year_stats_present"),
     "zone_stats.csv 第 1 行“年份”：缺少必填字段“年份”（year）"),
    ([BAD_UNIT], finding(C, "zone_stats", 5, "gdp", "zone_stats.gdp_required"),
     "zone_stats.csv 第 1 行“地区生产总值（亿元）”：表头单位“千元”无法换算为规范单位“亿元”，该列未读取"),
    ([NO_RATES], finding(C, "fdi_projects", 3, "year", "fdi_projects.exchange_rate_available"),
     "exchange_rates.csv：缺少必需的数据文件：汇率"),
    # a rule that does not read the unread column stands on its own
    ([MISSING_YEAR], finding(W, "city_stats", 3, "gdp", "city_stats.gdp_covers_zones"), ""),
    # a rule the inputs table does not know is never guessed at
    ([MISSING_YEAR], finding(W, "zones", 2, "zone_id", "zones.something_else"), ""),
    # nothing unread: nothing caused
    ([], finding(W, "zones", 2, "zone_id", "zones.base_year_stats_present"), ""),
]


@pytest.mark.parametrize(("causes", "follow", "caused_by"), CASES)
def test_link_causes(causes: list[Finding], follow: Finding, caused_by: str) -> None:
    linked = link_causes([*causes, follow], INPUTS)
    assert linked[:-1] == causes  # a cause itself is left as it is
    assert linked[-1].caused_by == caused_by


def test_caused_findings_sort_after_those_standing_on_their_own() -> None:
    follow = link_causes([MISSING_YEAR, finding(C, "zones", 2, "zone_id",
                                                "zones.base_year_stats_present")], INPUTS)[1]
    alone = finding(C, "zones", 9, "city", "ingest.not_in_vocabulary")
    late = finding(W, "zones", 1, "zone_id", "zones.zone_id_format")
    # critical standing alone (by file), then critical with a cause, then warnings
    assert sort_findings([late, follow, alone, MISSING_YEAR]) == [
        MISSING_YEAR, alone, follow, late]
