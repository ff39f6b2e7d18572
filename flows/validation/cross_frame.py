"""The frame the cross-dataset suite validates: every row some cross rule applies to, stacked,
with one check__ column per rule (its verdict, from transforms/quality.py) and, for rules that
compare a value with another, one detail__ column with the text a failing row shows."""

from __future__ import annotations

import polars as pl

from expectations import suites as specs
from expectations.messages_zh import DETAIL_TEXTS
from flows.validation.ge_runner import CROSS_DATASET, CROSS_ROW, ROW_INDEX, detail_column
from transforms import quality
from transforms.contract import DATASETS, SOURCE_COLUMNS
from transforms.formatting import value_text


def detail_texts(rule: specs.CrossRule, frame: pl.DataFrame,
                 outcome: quality.CheckOutcome) -> pl.Series | None:
    """"12345（2023年：1.2）": the value beside the one it was compared with, in staff's unit.

    Only failing rows (verdict False) become findings, so only they get the text: formatting
    every row cost seconds at national scale."""
    template = DETAIL_TEXTS.get(rule.kind)
    if template is None or outcome.compared is None:
        return None
    col = DATASETS[rule.dataset].column(rule.column)
    # the compared figure in its own column's unit (a city's GDP, the zone's GDP, a zone code)
    compared_col = (DATASETS[outcome.compared_column[0]].column(outcome.compared_column[1])
                    if outcome.compared_column else col)
    texts: list[str | None] = [None] * frame.height
    failing = (outcome.verdict == False).fill_null(False).arg_true().to_list()  # noqa: E712
    values, compared, years = frame[rule.column], outcome.compared, outcome.compared_year
    labels = outcome.compared_label
    for i in failing:
        if compared[i] is None or (years is not None and years[i] is None):
            continue
        texts[i] = template.format(value=value_text(col, values[i]),
                                   compared=value_text(compared_col, compared[i]),
                                   compared_year=years[i] if years is not None else "",
                                   compared_label=labels[i] if labels is not None else "")
    return pl.Series(texts, dtype=pl.String)


def build_cross_frame(frames: dict[str, pl.DataFrame],
                      plausibility: quality.Plausibility | None = None) -> pl.DataFrame | None:
    """All rows that some cross rule applies to, stacked: source columns, zone_id, the row's
    position in its own frame, and one check__/detail__ column per rule."""
    inputs = quality.CheckInputs(frames, plausibility, specs.BASE_YEAR)
    parts: dict[str, pl.DataFrame] = {}
    for rule in specs.cross_rules(plausibility):
        outcome = quality.run_check(rule.kind, inputs, rule.dataset, rule.column, rule.other)
        if outcome is None:
            continue
        if rule.dataset not in parts:
            frame = frames[rule.dataset]
            zone_id = pl.col("zone_id") if "zone_id" in frame.columns else pl.lit(None, pl.String)
            parts[rule.dataset] = frame.with_row_index(ROW_INDEX).select(
                pl.lit(rule.dataset).alias(CROSS_DATASET),
                ROW_INDEX,
                *SOURCE_COLUMNS,
                zone_id.cast(pl.String).alias("zone_id"),
            )
        columns = [outcome.verdict.alias(specs.check_column(rule.rule_id))]
        detail = detail_texts(rule, frames[rule.dataset], outcome)
        if detail is not None:
            columns.append(detail.alias(detail_column(rule.rule_id)))
        parts[rule.dataset] = parts[rule.dataset].with_columns(columns)
    if not parts:
        return None
    return pl.concat(list(parts.values()), how="diagonal_relaxed").with_row_index(CROSS_ROW)
