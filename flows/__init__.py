"""The Prefect flows (annual.py, nightly.py), their deployments (deploy.py), the CLI (cli.py) and
settings (settings.py): recipes that call the stages in the sub-packages ingest/, validation/,
reporting/ and publication/. Importing it does nothing: set-up happens in the entry points.
"""
