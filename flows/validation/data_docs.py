"""Great Expectations' Data Docs (suites and validation results as HTML), built offline for
technical staff beside the fix list, with stable ids so a rerun gives the same bytes."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

from flows.validation.ge_runner import import_great_expectations

# A fixed run time: Data Docs put it in folder names, and identical inputs must give identical
# outputs (the manifest hashes them).
_DOCS_RUN_TIME = (2000, 1, 1)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CACHE_BUSTER = re.compile(r"\?d=\d{8}T\d{6}\.\d{6}Z")


def build_data_docs(runs: list[tuple[dict[str, Any], Any]], docs_dir: Path) -> Path:
    """GE's own HTML (suites and validation results) under docs_dir, built offline.

    Its pages load Bootstrap and fonts from CDNs, so they are for technical staff; the fix list
    is the page data staff use. Random element ids and build timestamps in the pages are
    replaced by stable ones so that a rerun gives the same bytes.
    """
    gx = import_great_expectations()
    # GE's modules only after its import (seconds, in the background since the run started)
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    shutil.rmtree(docs_dir, ignore_errors=True)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.add_data_docs_site(
        site_name="etdz",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir.resolve()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    run_id = RunIdentifier(
        run_name="etdz", run_time=dt.datetime(*_DOCS_RUN_TIME, tzinfo=dt.UTC)
    )
    for suite, result in runs:
        context.suites.add(gx.ExpectationSuite(**suite))
        # load times and fingerprints would change the pages on every run
        result.meta = {"great_expectations_version": result.meta.get("great_expectations_version")}
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite["name"]),
            run_id=run_id,
            batch_identifier=suite["name"],
        )
        context.validation_results_store.set(key, result)
    context.build_data_docs(site_names=["etdz"])
    for page in sorted(docs_dir.rglob("*.html")):
        page.write_text(_stable_html(page.read_text(encoding="utf-8")), encoding="utf-8")
    return docs_dir / "index.html"


def _stable_html(text: str) -> str:
    ids: dict[str, str] = {}

    def stable_id(m: re.Match[str]) -> str:
        return ids.setdefault(m.group(0), f"00000000-0000-0000-0000-{len(ids):012d}")

    return _UUID.sub(stable_id, _CACHE_BUSTER.sub("", text))
