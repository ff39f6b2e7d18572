"""Ingest: the submitted files read into typed frames, every row tagged with its file, sheet and
row, every problem a finding (raw reading -> which sheet -> headers -> typed columns -> the
folder, within its size limits)."""
