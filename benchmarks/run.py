"""The scale benchmark: the annual assessment's steps at Guangxi, 10x and national scale.

    python -m benchmarks.run                       # all scales, 1 and 2 worker processes
    python -m benchmarks.run --scales guangxi --workers 2 --out benchmarks/results
    python -m benchmarks.run --operator            # only the operator's figures (answers, stops)

For each scale it generates (once, cached under benchmarks/.data/) a synthetic data set, then
times ingest, validate, compute, render and publish, each with its peak resident memory
(sampled from /proc every 20 ms, so Polars' and WeasyPrint's native memory counts too). Render
is compared with two references on the same documents and the same number of processes:
 - the renderer's limit: WeasyPrint alone turning the already-built HTML into PDFs;
 - the Latin-only layout floor: the same documents with the CJK font swapped for DejaVu.
At national scale only a sample of zone reports is rendered (--render-sample); reports per
second are measured on what was rendered. Writes benchmarks/results/<stamp>.json and a table.

    python -m benchmarks.run --scales --flow-scales --garbage-rows 2000000

measures one file of garbage rows (every cell wrong: placeholders, text in numbers, malformed
separators, units a header contradicts, impossible years) through ingest and validation in a
fresh process: its time, its peak memory (the whole process, Great Expectations' import
included) and how many findings the fix list gets.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import uvicorn
import weasyprint

from benchmarks.generate import generate, load_profile
from benchmarks.operator import measure, operator_table
from flows.ingest.folder import ingest_folder
from flows.ingest.raw import decode_csv_bytes
from flows.publication.provenance import code_version, make_run_id
from flows.reporting.cache import report_cache
from flows.reporting.planning import plan_reports
from flows.reporting.render import (
    PDF_TAGS,
    PDF_VARIANT,
    STYLESHEET,
    TEMPLATES_DIR,
    TemplatesOnlyURLFetcher,
    _attachments,
    _font_config,
    _pdf_identifier,
    render_html,
)
from flows.reporting.rendering import render_step
from flows.reporting.results_files import write_results
from flows.reporting.run_info import RunInfo
from flows.settings import DEMO_DATA_DIR, Configs, configure_environment
from flows.site.accounts import USERS_FILE, add_user
from flows.site.app import SiteConfig, create_app
from flows.site.server import DEMO_USER
from flows.site.store import STATUS_CRITICAL
from flows.validation.ge_runner import import_great_expectations
from flows.validation.validate import validate_step
from transforms.compute import compute_year
from transforms.contract import DATASETS, normalise_header, region_cities, use_region
from transforms.findings import Severity
from transforms.results import Results

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


def _weasyprint_only(job: tuple[str, dict[str, bytes], str | None, dict[str, Any]]) -> int:
    """Render prepared HTML with WeasyPrint alone: the renderer's limit for our documents.

    The charts were drawn when the HTML was built; they are served from memory exactly as the
    real render serves them, and the PDF is written with the same options (PDF/A-3b, tags,
    the same attachments), so the reference lays out and writes the same document.
    """
    html, charts, extra_css, context = job
    fetcher = TemplatesOnlyURLFetcher()
    fetcher.charts.update(charts)
    sheets = [weasyprint.CSS(filename=str(STYLESHEET), url_fetcher=fetcher,
                             font_config=_font_config())]
    if extra_css:
        sheets.append(weasyprint.CSS(string=extra_css, font_config=_font_config()))
    pdf = weasyprint.HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/",
                          url_fetcher=fetcher).write_pdf(
        stylesheets=sheets, font_config=_font_config(), pdf_variant=PDF_VARIANT,
        pdf_identifier=_pdf_identifier(context), attachments=_attachments(context),
        pdf_tags=PDF_TAGS)
    return len(pdf)


def _pool_time(jobs: list[tuple[str, dict[str, bytes], str | None, dict[str, Any]]],
               workers: int) -> float:
    start = time.perf_counter()
    if workers <= 1:
        for job in jobs:
            _weasyprint_only(job)
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            list(pool.map(_weasyprint_only, jobs))
    return time.perf_counter() - start


def run_scale(scale: str, workers: int, render_sample: int | None, year: int) -> dict[str, Any]:
    data = DATA / scale
    if not (data / "zones.csv").exists():
        generate(scale, data)
    profile = load_profile(scale)
    # A national profile names ~330 cities: the contract accepts the profile's region.
    use_region(profile["cities"])
    configs = Configs.load(None, None)
    steps: list[Step] = []
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"etdz-bench-{scale}-{workers}"
    shutil.rmtree(out, ignore_errors=True)
    staging = out / ".staging"

    with measured(steps, "ingest") as s:
        ingested = ingest_folder(data)
        s.extra["rows"] = sum(f.rows for f in ingested.files)
    with measured(steps, "validate") as s:
        findings = validate_step(ingested)
        s.extra["findings"] = len(findings)
    with measured(steps, "compute"):
        results = compute_year(ingested.frames, configs.policy, configs.methodology, year)
    run = RunInfo(run_id="benchmark", code_version=code_version(),
                  policy_version=configs.policy.version,
                  methodology_version=configs.methodology.version, report_date=f"{year + 1}-01-15",
                  official=False, warnings=0, inputs=[])
    if render_sample is not None:
        keep = results.assessed.head(render_sample)
        results = Results(**{**results.__dict__, "assessed": keep})
    with measured(steps, "render") as s:
        paths = render_step(results, configs.policy, run, staging, [], workers=workers)
    s.extra["reports"] = len(paths)
    s.extra["reports_per_second"] = len(paths) / s.seconds if s.seconds else None
    # The same documents, as HTML with their charts, for the references.
    documents = []
    for job in plan_reports(results, configs.policy, run, []):
        fetcher = TemplatesOnlyURLFetcher()
        documents.append((render_html(job.template, job.context, fetcher),
                          dict(fetcher.charts), job.context))
    limit = _pool_time([(d, c, None, x) for d, c, x in documents], workers)
    latin = _pool_time([(d, c, LATIN_CSS, x) for d, c, x in documents], workers)
    with measured(steps, "publish"):
        write_results(results, staging, run, configs.policy)
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


# ---------------------------------------------------------------------------------------------
# The whole flow, as staff run it: a full run, then a re-run after one zone's correction
# ---------------------------------------------------------------------------------------------

# The figure corrected between the two runs: a scored indicator of one zone, in the middle of
# the field, raised by 1% (a typical correction). Scores are relative, so other zones' reports
# may change too; the manifest says how many were rebuilt.
CORRECTED_COLUMN = "tax_revenue"
TASK_FINISHED = re.compile(r"^(\d\d:\d\d:\d\d\.\d+) \| INFO +\| Task run '(.+?)' - Finished")
LOG_LINE = re.compile(r"^(\d\d:\d\d:\d\d\.\d+) \| ")


def correct_one_zone(data: Path, year: int) -> str:
    """Raise one zone's CORRECTED_COLUMN for `year` by 1% in zone_stats.csv; returns the zone."""
    import polars as pl

    path = data / "zone_stats.csv"
    frame = pl.read_csv(path, infer_schema=False)
    zones = frame.filter(pl.col("year") == str(year))["zone_id"].sort().to_list()
    zone = zones[len(zones) // 2]
    hit = (pl.col("zone_id") == zone) & (pl.col("year") == str(year))
    raised = (pl.col(CORRECTED_COLUMN).cast(pl.Decimal(38, 4)) * pl.lit(Decimal("1.01"))).round(4)
    frame = frame.with_columns(
        pl.when(hit).then(raised.cast(pl.String)).otherwise(pl.col(CORRECTED_COLUMN))
        .alias(CORRECTED_COLUMN))
    frame.write_csv(path)
    return zone


def _timeline(log: str) -> dict[str, float]:
    """Seconds from the first log line (the temporary server starting, or the flow run
    beginning) to each task's end, read from Prefect's log lines."""
    def seconds(stamp: str) -> float:
        h, m, rest = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(rest)

    start = None
    out: dict[str, float] = {}
    for line in log.splitlines():
        if start is None and (m := LOG_LINE.match(line)):
            start = seconds(m.group(1))
        elif start is not None and (m := TASK_FINISHED.match(line)):
            out[m.group(2)] = round(seconds(m.group(1)) - start, 1)
    return out


def _assess(data: Path, out: Path, year: int, workers: int, env: dict[str, str]
            ) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "flows.cli", "assess", "--data", str(data), "--year", str(year),
           "--out", str(out), "--report-date", f"{year + 1}-01-15", "--workers", str(workers)]
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"etdz assess failed ({done.returncode}):\n{done.stderr[-3000:]}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {"seconds": seconds, "rebuilt": len(manifest["reports"]["rebuilt"]),
            "reused": len(manifest["reports"]["reused"]),
            "timeline": _timeline(done.stdout + done.stderr)}


def seed_report_cache(data: Path, out: Path, year: int) -> int:
    """Stand-ins for a first run's PDFs: a placeholder under every report key the first run
    would publish, computed in-process exactly as the flow computes it.

    At national scale a real first run renders 2,700 reports (most of an hour on 2 cores); the
    re-run's cost does not depend on what the cached files hold, only on which keys exist, so
    this measures the re-run without that hour. Returns the number of keys seeded."""
    ingested = ingest_folder(data)
    findings = validate_step(ingested)
    configs = Configs.load(None, None)
    version, report_date = code_version(), f"{year + 1}-01-15"
    run = RunInfo(
        run_id=make_run_id(ingested.files, configs, version, year, False, report_date),
        code_version=version, policy_version=configs.policy.version,
        methodology_version=configs.methodology.version, report_date=report_date,
        official=False, warnings=sum(f.severity is Severity.WARNING for f in findings),
        inputs=[{"file": i.file, "sha256": i.sha256} for i in ingested.files])
    results = compute_year(ingested.frames, configs.policy, configs.methodology, year)
    cache = report_cache(out)
    cache.mkdir(parents=True, exist_ok=True)
    jobs = plan_reports(results, configs.policy, run, findings)
    for job in jobs:
        (cache / f"{job.key}.pdf").write_bytes(b"%PDF-1.7\n% placeholder for the benchmark\n")
    return len(jobs)


def run_flow(scale: str, workers: int, year: int, api_url: str | None = None,
             seeded: bool = False) -> dict[str, Any]:
    """`etdz assess` end to end in a fresh process, then again after one zone's correction,
    with the first run's publication as the report cache. Without `api_url` each run starts
    Prefect's temporary server, as a bare `etdz assess` does."""
    source = DATA / scale
    if not (source / "zones.csv").exists():
        generate(scale, source)
    profile = load_profile(scale)
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"etdz-flow-{scale}-{workers}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(source, work / "data")
    region = work / "region.toml"
    cities = ", ".join(json.dumps(c, ensure_ascii=False) for c in profile["cities"])
    region.write_text(f'name = "{profile["region"]}"\ncities = [{cities}]\n', encoding="utf-8")
    env = {**os.environ, "ETDZ_REGION": str(region), "PYTHONPATH": str(HERE.parent)}
    if api_url:
        env["PREFECT_API_URL"] = api_url
    if seeded:
        use_region(profile["cities"])
        full = {"seconds": None, "seeded_reports": seed_report_cache(work / "data", work / "out",
                                                                     year)}
    else:
        full = _assess(work / "data", work / "out", year, workers, env)
    zone = correct_one_zone(work / "data", year)
    again = _assess(work / "data", work / "out", year, workers, env)
    shutil.rmtree(work, ignore_errors=True)
    return {"scale": scale, "workers": workers, "year": year,
            "prefect": "running server" if api_url else "temporary server",
            "corrected_zone": zone,
            "corrected_column": CORRECTED_COLUMN, "full": full, "incremental": again,
            "incremental_share": again["seconds"] / full["seconds"] if full["seconds"] else None}


def flow_table(records: list[dict[str, Any]]) -> str:
    lines = ["| scale | Prefect | workers | full run s | reports | "
             "re-run after one zone's change s | rebuilt / reused | re-run ÷ full |",
             "|" + "---|" * 8]
    for r in records:
        full, again = r["full"], r["incremental"]
        if full["seconds"] is None:  # seeded cache: the first run was not rendered
            first, reports, share = "(not run: cache seeded)", full["seeded_reports"], "—"
        else:
            first, reports = f"{full['seconds']:.1f}", full["rebuilt"]
            share = f"{100 * r['incremental_share']:.1f}%"
        lines.append(f"| {r['scale']} | {r['prefect']} | {r['workers']} | {first} | "
                     f"{reports} | {again['seconds']:.1f} | "
                     f"{again['rebuilt']} / {again['reused']} | {share} |")
    return "\n".join(lines)


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


# One garbage row's cells, cycled: every one a different way of being wrong. A quoted cell
# ("1,2,3") sends the file down the exact CSV reader, the slower and hungrier path.
GARBAGE = [
    ["—", "abc", '"1,2,3"', "12%", "x", "5万元", "?", "/"],
    ["无", "2025%", "1e400", "n/a", "1 2 3", "-", "abc", "二十"],
    ["", "19", "12户", "Inf", '"1,2"', "1.5", "1" * 40, "空"],
]


def write_garbage(path: Path, rows: int) -> None:
    """zone_stats.csv with `rows` garbage rows under a correct header."""
    header = ("园区代码,年份,地区生产总值（亿元）,实际利用外资（万美元）,进出口总额（亿元）,"
              "企业数量（户）,主营业务收入15亿元及以上制造业企业数（户）,税收收入（亿元）\n")
    lines = [",".join(row) + "\n" for row in GARBAGE]
    with path.open("w", encoding="utf-8") as fh:
        fh.write(header)
        block = 30_000
        for start in range(0, rows, block):
            fh.write("".join(lines[i % len(lines)] for i in range(start, min(rows, start + block))))


def garbage_child(data: Path) -> int:
    """In a fresh process: ingest and validate the garbage folder, print one JSON line."""
    import resource

    configure_environment()
    started = time.perf_counter()
    import_great_expectations()
    ge_import = time.perf_counter() - started
    started = time.perf_counter()
    ingested = ingest_folder(data)
    ingest_s = time.perf_counter() - started
    started = time.perf_counter()
    findings = validate_step(ingested)
    validate_s = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({
        "rows": ingested.files[0].rows if ingested.files else 0,
        "file_mib": round(ingested.files[0].size_bytes / 2**20, 1) if ingested.files else 0,
        "ge_import_s": round(ge_import, 1), "ingest_s": round(ingest_s, 1),
        "validate_s": round(validate_s, 1), "peak_rss_mib": round(peak / 2**20),
        "findings": len(findings),
        "cells_reported": sum(f.count for f in findings),
        "critical": sum(f.severity is Severity.CRITICAL for f in findings),
    }, ensure_ascii=False), flush=True)
    return 0


def run_garbage(rows: int) -> dict[str, Any]:
    folder = DATA / f"garbage-{rows}"
    if not (folder / "zone_stats.csv").exists():
        folder.mkdir(parents=True, exist_ok=True)
        write_garbage(folder / "zone_stats.csv", rows)
    done = subprocess.run([sys.executable, "-m", "benchmarks.run", "--garbage-child", str(folder)],
                          capture_output=True, text=True, check=True)
    record = json.loads(done.stdout.strip().splitlines()[-1])
    record["garbage_rows"] = rows
    return record


def garbage_table(records: list[dict[str, Any]]) -> str:
    lines = ["| garbage rows | file | ingest | validate | peak RSS (whole process) | findings "
             "| cells they report |", "|---|---|---|---|---|---|---|"]
    for r in records:
        lines.append(f"| {r['garbage_rows']:,} | {r['file_mib']} MiB | {r['ingest_s']} s | "
                     f"{r['validate_s']} s | {r['peak_rss_mib']:,} MiB | {r['findings']} | "
                     f"{r['cells_reported']:,} |")
    return "\n".join(lines)


SITE_DEMO = "demo"


def run_site(scale: str, year: int, repeats: int = 5) -> dict[str, Any]:
    """The submission site at `scale`, over real HTTP to `etdz web`'s app in this process:
    (1) a city's upload -> its findings page (POST /submit and the page it leads to), with one
    mistake planted; (2) one zone's correction -> that zone's draft preview (the clean upload,
    then GET /reports/<zone>.pdf until the PDF has arrived), and the same preview again."""
    if scale == SITE_DEMO:  # the bundled demo data, as `etdz web --demo` submits it
        data = DEMO_DATA_DIR
    else:
        data = DATA / scale
        if not (data / "zones.csv").exists():
            generate(scale, data)
        use_region(load_profile(scale)["cities"])
    root = Path(os.environ.get("TMPDIR", "/tmp")) / f"etdz-bench-site-{scale}"
    shutil.rmtree(root, ignore_errors=True)
    config = SiteConfig(root=root, year=year)
    app = create_app(config)
    site = app.state.site
    started = time.perf_counter()
    for name in ("zones", "zone_stats", "city_stats", "national_rankings",
                 "supplier_introductions", "fdi_projects", "exchange_rates",
                 "ambassador_referrals", "researcher_rewards"):
        for path in sorted(data.glob(f"{name}.*")):
            sub = site.submit(DEMO_USER, "", name, path.name, path.read_bytes())
            assert sub.status != STATUS_CRITICAL, (name, site.store.findings(sub.submission_id))
    seeded = time.perf_counter() - started
    zones = ingest_folder(data).frames["zones"]
    city = zones["city"].value_counts(sort=True)["city"][0]  # the city with the most zones
    mine = zones.filter(pl.col("city") == city)["zone_id"].sort().to_list()
    add_user(root / USERS_FILE, "bench", "bench-password", "city", city, cities=region_cities())
    # the zone_stats file as submitted (the demo's is GBK with Chinese headers), as text
    text, _ = decode_csv_bytes((data / "zone_stats.csv").read_bytes())
    stats = pl.read_csv(io.StringIO(text), infer_schema=False)
    spec = DATASETS["zone_stats"]
    names = {normalise_header(h): h for h in stats.columns}
    zone_col, year_col, gdp_col, tax_col = (
        names.get(normalise_header(c.name)) or names[normalise_header(c.label)]
        for c in (spec.column("zone_id"), spec.column("year"), spec.column("gdp"),
                  spec.column(CORRECTED_COLUMN)))
    stats = stats.filter(pl.col(zone_col).is_in(mine))

    def city_file(gdp_text: str | None = None, raise_by: Decimal | None = None) -> bytes:
        frame = stats
        first = (pl.col(zone_col) == mine[0]) & (pl.col(year_col) == str(year))
        if gdp_text is not None:
            frame = frame.with_columns(pl.when(first).then(pl.lit(gdp_text))
                                       .otherwise(pl.col(gdp_col)).alias(gdp_col))
        if raise_by is not None:
            raised = (pl.col(tax_col).cast(pl.Decimal(38, 4)) * pl.lit(raise_by)
                      ).round(4).cast(pl.String)
            frame = frame.with_columns(pl.when(first).then(raised)
                                       .otherwise(pl.col(tax_col)).alias(tax_col))
        return frame.write_csv().encode()

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    started = time.perf_counter()
    thread.start()
    url = f"http://127.0.0.1:{port}"
    while not server.started:
        time.sleep(0.05)
    warm = time.perf_counter() - started
    record: dict[str, Any] = {"scale": scale, "zones": zones.height, "city": city,
                              "city_zones": len(mine), "seed_s": round(seeded, 2),
                              "start_s": round(warm, 2)}
    try:
        with httpx.Client(base_url=url, timeout=300) as client:
            token = re.search(r'name="csrf_token" value="([^"]+)"',
                              client.get("/login").text).group(1)
            client.post("/login", data={"csrf_token": token, "username": "bench",
                                        "password": "bench-password", "next": "/"})
            token = re.search(r'name="csrf_token" value="([^"]+)"',
                              client.get("/submit").text).group(1)

            def submit(body: bytes) -> tuple[float, str]:
                t0 = time.perf_counter()
                response = client.post("/submit", data={"csrf_token": token, "city": city,
                                                        "dataset": "zone_stats"},
                                       files={"file": ("统计.csv", body, "text/csv")},
                                       follow_redirects=True)
                assert response.status_code == 200, response.text[:500]
                return time.perf_counter() - t0, response.text

            findings_s = []
            for i in range(repeats):
                seconds, page = submit(city_file(gdp_text=f"abc{i}"))
                assert "不是数字" in page
                findings_s.append(seconds)
            correction_s, again_s, rendered = [], [], []
            for i in range(repeats):
                t0 = time.perf_counter()
                _, page = submit(city_file(raise_by=Decimal("1.01") + Decimal(i) / 100))
                assert 'id="clean"' in page or 'id="findings"' in page
                pdf = client.get(f"/reports/{mine[0]}.pdf")
                assert pdf.status_code == 200, pdf.text[:500]
                correction_s.append(time.perf_counter() - t0)
                rendered.append(site.previewer.last.get("rendered"))
                t0 = time.perf_counter()
                assert client.get(f"/reports/{mine[0]}.pdf").status_code == 200
                again_s.append(time.perf_counter() - t0)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    record.update({"upload_to_findings_s": [round(x, 2) for x in findings_s],
                   "correction_to_preview_s": [round(x, 2) for x in correction_s],
                   "preview_again_s": [round(x, 2) for x in again_s],
                   "preview_rendered": rendered})
    shutil.rmtree(root, ignore_errors=True)
    return record


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_table(records: list[dict[str, Any]]) -> str:
    def median(xs: list[float]) -> float:
        return sorted(xs)[len(xs) // 2]

    lines = ["| scale | zones | city (zones) | upload → findings on the page | one-zone correction "
             "→ its preview | the same preview again |", "|---|---|---|---|---|---|"]
    for r in records:
        lines.append(
            f"| {r['scale']} | {r['zones']} | {r['city']} ({r['city_zones']}) | "
            f"{median(r['upload_to_findings_s']):.2f} s (median; "
            f"{min(r['upload_to_findings_s']):.2f}–{max(r['upload_to_findings_s']):.2f}) | "
            f"{median(r['correction_to_preview_s']):.2f} s (median; "
            f"{min(r['correction_to_preview_s']):.2f}–{max(r['correction_to_preview_s']):.2f}) | "
            f"{median(r['preview_again_s']):.2f} s |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    configure_environment()  # before Prefect or Great Expectations is imported
    parser = argparse.ArgumentParser(description="规模基准测试 / scale benchmark")
    parser.add_argument("--scales", nargs="*", default=["guangxi", "guangxi_10x", "national"],
                        help="step-by-step measurements at these scales (none: skip)")
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--flow-scales", nargs="*", default=["guangxi", "guangxi_10x"],
                        help="whole-flow full run + incremental re-run at these scales "
                             "(none: skip; national renders every zone report: about an hour)")
    parser.add_argument("--flow-workers", type=int, default=2)
    parser.add_argument("--seeded-scales", nargs="*", default=[],
                        help="re-run after one zone's change only, the first run's reports "
                             "stood in for by placeholders (national: saves the hour)")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--render-sample", type=int, default=60,
                        help="zone reports rendered at the --sample-scales (others: all)")
    parser.add_argument("--sample-scales", nargs="*", default=["national"])
    parser.add_argument("--site-scales", nargs="*", default=[],
                        help="the submission site: upload -> findings, one zone's correction "
                             "-> its preview, over HTTP (guangxi, or demo: the bundled data)")
    parser.add_argument("--site-repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--garbage-rows", nargs="*", type=int, default=[],
                        help="one file of this many garbage rows through ingest and validation "
                             "in a fresh process: time, peak memory, findings")
    parser.add_argument("--garbage-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--operator", action="store_true",
                        help="how fast etdz answers a mistake and stops on Ctrl-C/SIGTERM "
                             "(alone unless --scales or --flow-scales are given too)")
    given = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    if args.garbage_child:
        return garbage_child(args.garbage_child)
    if args.operator:
        args.scales = args.scales if "--scales" in given else []
        args.flow_scales = args.flow_scales if "--flow-scales" in given else []
    records, flow_records, garbage_records, site_records = [], [], [], []
    ge_import = None
    if args.scales:
        # Once per process, as every run pays it; the flow overlaps it with start-up and ingest
        # (preload_great_expectations), so the step table leaves it out.
        start = time.perf_counter()
        import_great_expectations()
        ge_import = time.perf_counter() - start
        print(f"import great_expectations: {ge_import:.1f} s", flush=True)
    for scale in args.scales:
        for workers in args.workers:
            sample = args.render_sample if scale in args.sample_scales else None
            record = run_scale(scale, workers, sample, args.year)
            records.append(record)
            print(table([record]).splitlines()[-1], flush=True)
    if args.flow_scales or args.seeded_scales:
        from flows.deploy import running_prefect_server  # imports Prefect: after set-up

        home = Path(os.environ.get("TMPDIR", "/tmp")) / "etdz-bench-prefect"
        shutil.rmtree(home, ignore_errors=True)
        with running_prefect_server(home) as server_env:
            url = server_env["PREFECT_API_URL"]
            plan = [(scale, api, False) for scale in args.flow_scales for api in (None, url)]
            plan += [(scale, api, True) for scale in args.seeded_scales for api in (None, url)]
            for scale, api, seeded in plan:
                record = run_flow(scale, args.flow_workers, args.year, api, seeded)
                flow_records.append(record)
                print(flow_table([record]).splitlines()[-1], flush=True)
        shutil.rmtree(home, ignore_errors=True)
    for rows in args.garbage_rows:
        garbage_records.append(run_garbage(rows))
        print(garbage_table(garbage_records[-1:]).splitlines()[-1], flush=True)
    for scale in args.site_scales:
        site_records.append(run_site(scale, args.year, args.site_repeats))
        print(site_table(site_records[-1:]).splitlines()[-1], flush=True)
    operator = None
    if args.operator:
        operator = measure()
        print(operator_table(operator), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    payload = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "load_average_at_end": os.getloadavg()},
               "ge_import_seconds": ge_import, "records": records, "flow_records": flow_records,
               "garbage_records": garbage_records, "site_records": site_records,
               "operator": operator}
    (args.out / f"{stamp}.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False),
                                            encoding="utf-8")
    parts = []
    if records:
        parts += [table(records), "", f"import great_expectations (once per process, not in the "
                                       f"steps above): {ge_import:.1f} s", ""]
    if flow_records:
        parts += [flow_table(flow_records), ""]
    if garbage_records:
        parts += [garbage_table(garbage_records), ""]
    if site_records:
        parts += [site_table(site_records), ""]
    if operator:
        parts += [operator_table(operator), ""]
    (args.out / f"{stamp}.md").write_text("\n".join(parts), encoding="utf-8")
    print("\n".join(parts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
