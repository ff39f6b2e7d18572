"""Prefect flows and tasks, the CLI, file and warehouse I/O, settings.

Importing the package first puts the run-time environment in place (no telemetry, a local
Prefect home), because Prefect and Great Expectations read it when they are imported.
"""

from flows.settings import configure_environment, configure_region

configure_environment()
configure_region()
