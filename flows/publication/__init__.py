"""Publication: one run per output folder (lock), atomic releases, the manifest and provenance,
the DuckDB warehouse and e-mail delivery."""
