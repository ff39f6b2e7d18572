"""Planning the reports: the shortcuts that make national scale fast give exactly what the plain
paths give."""

from __future__ import annotations

import copy

from flows.reporting.planning import plan_reports, zone_report_job
from flows.reporting.zone_report import zone_context
from tests.helpers import FINDINGS, configs, demo_results, run_info


def test_zone_reports_planned_from_per_zone_views_equal_the_whole_frame_contexts() -> None:
    """plan_reports cuts the result frames (and findings) by zone once; every zone's context,
    key and report id are what zone_context on the whole frames gives."""
    results, policy, run = demo_results(), configs().policy, run_info()
    planned = plan_reports(results, policy, run, FINDINGS)
    zones = list(results.assessed.iter_rows(named=True))
    assert len(planned) == len(zones) + 1  # and the province report
    for zone, job in zip(zones, planned, strict=False):
        whole = zone_context(zone, results, policy, run, FINDINGS)
        expected = zone_report_job("zone.html", copy.deepcopy(whole), job.path)
        assert job.context == expected.context, zone["zone_id"]
        assert (job.key, job.report_id) == (expected.key, expected.report_id)
    # The findings really were split: the zone with two warnings lists two, the others none.
    counts = {j.path: len(j.context["data_quality"]) for j in planned[:-1]}
    assert counts["reports/zones/GX-NN-01.pdf"] == 1
    assert sum(counts.values()) == 3


def test_scoping_a_zone_report_leaves_the_context_it_came_from_untouched() -> None:
    """zone_report_job no longer deep-copies: it must still not write into the caller's dicts."""
    results, policy, run = demo_results(), configs().policy, run_info()
    zone = next(results.assessed.iter_rows(named=True))
    context = zone_context(zone, results, policy, run, FINDINGS)
    before = copy.deepcopy(context)
    job = zone_report_job("zone.html", context, "reports/zones/x.pdf")
    assert context == before
    assert job.context["provenance"]["run_id"] == job.report_id != run.run_id
    assert job.context["provenance"]["inputs"] == []
