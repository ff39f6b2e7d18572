"""Validation: the ingested frames checked against the expectations and the cross-dataset rules;
every failing row a finding; the fix list, its nightly comparison and the `etdz validate`
console."""
