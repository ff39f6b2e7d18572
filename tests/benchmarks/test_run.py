"""The benchmark's report tables (benchmarks/run.py): what it prints into the README."""

from __future__ import annotations

from benchmarks.run import garbage_table


def test_garbage_table_is_one_row_per_run() -> None:
    table = garbage_table([{"garbage_rows": 2_000_000, "file_mib": 131.2, "ingest_s": 61.0,
                            "validate_s": 21.3, "peak_rss_mib": 1830, "findings": 17,
                            "cells_reported": 24_000_000}])
    assert table.splitlines()[2] == ("| 2,000,000 | 131.2 MiB | 61.0 s | 21.3 s | 1,830 MiB | 17 "
                                     "| 24,000,000 |")
