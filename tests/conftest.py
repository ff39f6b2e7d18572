"""Fixtures shared by the test modules; the environment the tests run in.

The CLI, the flows and this file are the entry points: each sets up the environment (no
telemetry, a local Prefect home) before Prefect or Great Expectations is imported, and the
region's host cities before any submission is read. Helpers are in helpers.py.
"""

from __future__ import annotations

import os

import pytest

from flows.settings import DEMO_DATA_DIR, configure_environment, configure_region

configure_environment()
configure_region()

from prefect.settings import PREFECT_API_URL  # noqa: E402  (after the environment: Prefect reads it)
from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from flows.cli import main as etdz  # noqa: E402
from tests.helpers import DEMO_REPORT_DATE, DEMO_YEAR  # noqa: E402


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect API for the whole session: starting it costs 10-15 s, so every
    test that runs a flow through the real engine shares it."""
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def published_demo(prefect_server, tmp_path_factory):
    """One full demo run (2025) published into a folder, shared read-only: rendering is the slow
    part, so tests that need "a previous publication" copy this one (copy_publication)."""
    out = tmp_path_factory.mktemp("published-demo") / "out"
    assert etdz(["assess", "--data", str(DEMO_DATA_DIR), "--year", str(DEMO_YEAR),
                 "--out", str(out), "--report-date", DEMO_REPORT_DATE]) == 0
    return out


@pytest.fixture
def prefect_api_env(prefect_server):
    """Environment for a subprocess that should use the session's Prefect API, not start its own."""
    return {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
