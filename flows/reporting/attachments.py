"""The CSV files attached inside each PDF (PDF/A-3b): a zone's rows of the results, or all of them
for the province, byte for byte the rows of the published results/*.csv."""

from __future__ import annotations

import polars as pl

from flows.reporting.results_files import csv_text
from transforms.results import RESULT_FILES, Results

ATTACHED_RESULTS = {
    "indicators": "主要经济指标",
    "targets": "发展目标完成情况",
    "scores": "综合发展水平评分",
    "rewards": "奖励资金",
    "supervision": "督促与激励措施",
}


def zone_attachments(zone_id: str, results: Results) -> list[dict[str, str]]:
    return [
        {"name": f"{zone_id}-{name}.csv",
         "description": f"{label}（results/{name}.csv 中本园区的行）",
         "content": csv_text(getattr(results, name).filter(pl.col("zone_id") == zone_id))}
        for name, label in ATTACHED_RESULTS.items()
    ]


def province_attachments(results: Results) -> list[dict[str, str]]:
    return [{"name": f"{name}.csv", "description": f"results/{name}.csv",
             "content": csv_text(getattr(results, name))} for name in RESULT_FILES]
