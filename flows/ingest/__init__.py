"""Ingest: the submitted files read into typed frames, every row tagged with its file, sheet and
row, every problem a finding (raw reading -> headers -> typed columns -> the folder)."""
