"""Fixtures shared by the test modules; the environment the tests run in.

The CLI, the flows and this file are the entry points: each sets up the environment (no
telemetry, a local Prefect home) before Prefect or Great Expectations is imported, and the
region's host cities before any submission is read. Helpers are in helpers.py.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from flows.settings import DEMO_DATA_DIR, configure_environment, configure_region

configure_environment()
configure_region()

from prefect.settings import PREFECT_API_URL  # noqa: E402  (after the environment: Prefect reads it)
from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from flows.cli import main as etdz  # noqa: E402
from flows.site.app import Site, SiteConfig  # noqa: E402
from flows.site.server import DEMO_USER  # noqa: E402
from tests.helpers import (  # noqa: E402
    DEMO_REPORT_DATE,
    DEMO_YEAR,
    SITE_YEAR,
    add_site_users,
)


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


@pytest.fixture(scope="session")
def seeded_site_root(tmp_path_factory):
    """A submission site's folder with the demo data submitted for the whole region by the
    department and the users of helpers.SITE_USERS; tests copy it (site_root)."""
    root = tmp_path_factory.mktemp("seeded-site") / "site"
    Site(SiteConfig(root=root, year=SITE_YEAR)).seed_demo(DEMO_USER)
    add_site_users(root)
    return root


@pytest.fixture
def site_root(seeded_site_root, tmp_path):
    """A private copy of the seeded site (the inbox link is relative, so it copies as is)."""
    return Path(shutil.copytree(seeded_site_root, tmp_path / "site", symlinks=True))
