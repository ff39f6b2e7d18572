"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect API for the whole session: starting it costs 10-15 s, so every
    test that runs a flow through the real engine shares it."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


# --- Publication fixtures (tests/test_publish.py, test_incremental.py, test_delivery.py, ...) ---

DEMO_YEAR = 2025
DEMO_REPORT_DATE = "2026-01-15"


@pytest.fixture(scope="session")
def published_demo(prefect_server, tmp_path_factory):
    """One full demo run (2025) published into a folder, shared read-only: rendering is the slow
    part, so tests that need "a previous publication" copy this one (see copy_publication)."""
    from flows.cli import main as etdz
    from flows.settings import DEMO_DATA_DIR

    out = tmp_path_factory.mktemp("published-demo") / "out"
    assert etdz(["assess", "--data", str(DEMO_DATA_DIR), "--year", str(DEMO_YEAR),
                 "--out", str(out), "--report-date", DEMO_REPORT_DATE]) == 0
    return out


def copy_publication(src, dst):
    """A copy that keeps the relative symlinks (current, results, ...) and the report cache."""
    import shutil

    shutil.copytree(src, dst, symlinks=True)
    return dst


@pytest.fixture
def prefect_api_env(prefect_server):
    """Environment for a subprocess that should use the session's Prefect API, not start its own."""
    import os

    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
