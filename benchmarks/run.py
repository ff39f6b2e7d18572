"""The scale benchmark: the annual assessment's steps at Guangxi, 10x and national scale.

    python -m benchmarks.run                       # all scales, 1 and 2 worker processes
    python -m benchmarks.run --scales guangxi --workers 2 --out benchmarks/results

For each scale it generates (once, cached under benchmarks/.data/) a synthetic data set, then
times ingest, validate, compute, render and publish, each with its peak resident memory
(sampled from /proc every 20 ms, so Polars' and WeasyPrint's native memory counts too). Render
is compared with two references on the same documents and the same number of processes:
 - the renderer's limit: WeasyPrint alone turning the already-built HTML into PDFs;
 - the Latin-only layout floor: the same documents with the CJK font swapped for DejaVu.
At national scale only a sample of zone reports is rendered (--render-sample); reports per
second are measured on what was rendered. Writes benchmarks/results/<stamp>.json and a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import flows  # noqa: F401  (sets the environment before Prefect or GE is imported)

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
RESULTS = HERE / "results"
# The same layout with a Latin-only system font: Chinese glyphs fall back to nothing (boxes),
# which is the point: it is the cost of layout without the CJK font work.
LATIN_CSS = '* { font-family: "DejaVu Sans" !important; }'



def rss_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


@dataclass
class Step:
    name: str
    seconds: float = 0.0
    peak_rss_mib: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


@contextmanager
def measured(steps: list[Step], name: str):
    """Wall time and the process's peak RSS while the block runs (children not included)."""
    step = Step(name)
    peak = [rss_bytes()]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            peak[0] = max(peak[0], rss_bytes())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    try:
        yield step
    finally:
        step.seconds = time.perf_counter() - start
        stop.set()
        sampler.join()
        step.peak_rss_mib = max(peak[0], rss_bytes()) / 2**20
        steps.append(step)


def _weasyprint_only(job: tuple[str, dict[str, bytes], str | None]) -> int:
    """Render prepared HTML with WeasyPrint alone: the renderer's limit for our documents.

    The charts were drawn when the HTML was built; they are served from memory exactly as the
    real render serves them, so the reference lays out the same document.
    """
    import weasyprint

    from flows.render import STYLESHEET, TEMPLATES_DIR, TemplatesOnlyURLFetcher, _font_config

    html, charts, extra_css = job
    fetcher = TemplatesOnlyURLFetcher()
    fetcher.charts.update(charts)
    sheets = [weasyprint.CSS(filename=str(STYLESHEET), url_fetcher=fetcher,
                             font_config=_font_config())]
    if extra_css:
        sheets.append(weasyprint.CSS(string=extra_css, font_config=_font_config()))
    pdf = weasyprint.HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/",
                          url_fetcher=fetcher).write_pdf(stylesheets=sheets,
                                                         font_config=_font_config())
    return len(pdf)


def _pool_time(jobs: list[tuple[str, dict[str, bytes], str | None]], workers: int) -> float:
    start = time.perf_counter()
    if workers <= 1:
        for job in jobs:
            _weasyprint_only(job)
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            list(pool.map(_weasyprint_only, jobs))
    return time.perf_counter() - start


def run_scale(scale: str, workers: int, render_sample: int | None, year: int) -> dict[str, Any]:
    from benchmarks.generate import generate, load_profile
    from flows import annual
    from flows.render import TemplatesOnlyURLFetcher, render_html
    from flows.report_context import RunInfo, province_context, zone_context
    from flows.validate import validate_step
    from transforms.contract import use_region

    data = DATA / scale
    if not (data / "zones.csv").exists():
        generate(scale, data)
    profile = load_profile(scale)
    # A national profile names ~330 cities: the contract accepts the profile's region.
    use_region(profile["cities"])
    configs = annual.Configs.load(None, None)
    steps: list[Step] = []
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"etdz-bench-{scale}-{workers}"
    shutil.rmtree(out, ignore_errors=True)
    staging = out / ".staging"

    with measured(steps, "ingest") as s:
        ingested = annual.ingest_step(data)
        s.extra["rows"] = sum(f.rows for f in ingested.files)
    with measured(steps, "validate") as s:
        findings = validate_step(ingested)
        s.extra["findings"] = len(findings)
    with measured(steps, "compute"):
        results = annual.compute_step(ingested, configs.policy, configs.methodology, year)
    run = RunInfo(run_id="benchmark", code_version=annual.code_version(),
                  policy_version=configs.policy.version,
                  methodology_version=configs.methodology.version, report_date=f"{year + 1}-01-15",
                  official=False, warnings=0, inputs=[])
    if render_sample is not None:
        keep = results.assessed.head(render_sample)
        results = annual.Results(**{**results.__dict__, "assessed": keep})
    with measured(steps, "render") as s:
        paths = annual.render_step(results, configs.policy, run, staging, [], workers=workers)
    s.extra["reports"] = len(paths)
    s.extra["reports_per_second"] = len(paths) / s.seconds if s.seconds else None
    # The same documents, as HTML with their charts, for the references.
    documents = []
    for template, context in [
        *(("zone.html", zone_context(z, results, configs.policy, run, []))
          for z in results.assessed.iter_rows(named=True)),
        ("province.html", province_context(results, configs.policy, run, [])),
    ]:
        fetcher = TemplatesOnlyURLFetcher()
        documents.append((render_html(template, context, fetcher), dict(fetcher.charts)))
    limit = _pool_time([(d, c, None) for d, c in documents], workers)
    latin = _pool_time([(d, c, LATIN_CSS) for d, c in documents], workers)
    with measured(steps, "publish"):
        annual.write_results(results, staging)
    shutil.rmtree(out, ignore_errors=True)
    render = next(st for st in steps if st.name == "render")
    return {
        "scale": scale, "workers": workers, "year": year,
        "zones": profile["national_zones"] + profile["regional_zones"],
        "project_rows": profile["project_rows"],
        "steps": [st.__dict__ for st in steps],
        "ingest_validate_compute_seconds": sum(st.seconds for st in steps
                                               if st.name in ("ingest", "validate", "compute")),
        "peak_rss_mib": max(st.peak_rss_mib for st in steps),
        "render_limit_seconds": limit,
        "render_over_limit": render.seconds / limit if limit else None,
        "latin_only_seconds": latin,
        "cjk_over_latin": limit / latin if latin else None,
    }


def table(records: list[dict[str, Any]]) -> str:
    head = ("| scale | workers | ingest s | validate s | compute s | render s | publish s | "
            "peak MiB | reports/s | render / WeasyPrint | CJK / Latin |")
    lines = [head, "|" + "---|" * 11]
    for r in records:
        by = {s["name"]: s for s in r["steps"]}
        lines.append(
            f"| {r['scale']} | {r['workers']} | {by['ingest']['seconds']:.1f} | "
            f"{by['validate']['seconds']:.1f} | {by['compute']['seconds']:.1f} | "
            f"{by['render']['seconds']:.1f} | {by['publish']['seconds']:.1f} | "
            f"{r['peak_rss_mib']:.0f} | {by['render']['extra']['reports_per_second']:.2f} | "
            f"{r['render_over_limit']:.2f} | {r['cjk_over_latin']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="规模基准测试 / scale benchmark")
    parser.add_argument("--scales", nargs="+", default=["guangxi", "guangxi_10x", "national"])
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--render-sample", type=int, default=60,
                        help="national scale: zone reports rendered (others: all)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    records = []
    for scale in args.scales:
        for workers in args.workers:
            sample = args.render_sample if scale == "national" else None
            record = run_scale(scale, workers, sample, args.year)
            records.append(record)
            print(table([record]).splitlines()[-1], flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    payload = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
               "records": records}
    (args.out / f"{stamp}.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False),
                                            encoding="utf-8")
    (args.out / f"{stamp}.md").write_text(table(records) + "\n", encoding="utf-8")
    print(table(records))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
