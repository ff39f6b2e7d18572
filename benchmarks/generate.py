"""Synthetic input data at a chosen scale, in the contract's format, for the benchmark.

    python -m benchmarks.generate guangxi OUT_DIR
    python -m benchmarks.generate national OUT_DIR --seed 7

Profiles (benchmarks/profiles.toml) set the region's cities, the number of zones, the years and
the number of project rows. The figures follow the demo data's shape: national zones' GDP in the
hundreds of 亿元, regional zones' in the tens, growth around 9% a year with spread, FDI and trade
in proportion, city totals above the sum of their zones. Files are UTF-8 CSV with English
headers (the fastest form to read; encodings and Excel are exercised by the demo data and the
ingest tests). Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tomllib
from pathlib import Path

import numpy as np
import polars as pl

from transforms.quality import uscc_check_char

PROFILES = Path(__file__).with_name("profiles.toml")
EXCHANGE = {2016: "6.6423", 2017: "6.7518", 2018: "6.6174", 2019: "6.8985", 2020: "6.8976",
            2021: "6.4515", 2022: "6.7261", 2023: "7.0467", 2024: "7.1217", 2025: "7.1800"}


def load_profile(name: str) -> dict:
    profiles = tomllib.loads(PROFILES.read_text(encoding="utf-8"))
    if name not in profiles:
        raise SystemExit(f"未知规模 {name}；可选：{', '.join(profiles)}")
    profile = profiles[name]
    if "cities" not in profile:
        width = len(str(profile["city_count"]))
        profile["cities"] = [f"{profile['city_prefix']}{i:0{width}d}"
                             for i in range(1, profile["city_count"] + 1)]
    return profile


def _money(values: np.ndarray, places: int = 4) -> list[str]:
    """Fixed-point text: what a spreadsheet export holds, never binary-float noise."""
    return [f"{v:.{places}f}" for v in values]


def _usccs(prefix: str, serials: np.ndarray) -> list[str]:
    out = []
    for s in serials:
        body = f"{prefix}{int(s):08d}"[:17].ljust(17, "0")
        out.append(body + uscc_check_char(body))
    return out


def generate(profile_name: str, out_dir: Path, seed: int = 20251231) -> dict[str, int]:
    """Write every input dataset for the profile; returns rows written per dataset."""
    p = load_profile(profile_name)
    rng = np.random.default_rng(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    cities: list[str] = p["cities"]
    years = list(range(p["first_year"], p["last_year"] + 1))
    n_nat, n_reg = p["national_zones"], p["regional_zones"]
    n = n_nat + n_reg
    level = np.array(["national"] * n_nat + ["regional"] * n_reg)
    zone_ids = [f"N-{i:04d}" for i in range(n_nat)] + [f"R-{i:05d}" for i in range(n_reg)]
    city_of = np.array(cities)[rng.integers(0, len(cities), n)]
    approved = [dt.date(int(y), int(m), 1) for y, m in zip(
        np.where(level == "national", rng.integers(1990, 2015, n), rng.integers(2012, 2019, n)),
        rng.integers(1, 13, n), strict=True)]
    status = np.where(rng.random(n) < 0.01, "exited", "active")
    pl.DataFrame({
        "zone_id": zone_ids,
        "zone_name": [f"{c}{z}经济技术开发区（示例）" for c, z in zip(city_of, zone_ids, strict=True)],
        "level": level, "city": city_of, "approved_date": approved,
        "leading_industries": ["装备制造;电子信息"] * n, "status": status,
    }).write_csv(out_dir / "zones.csv")

    # zone_stats: a base level per zone, then compound growth with yearly noise.
    is_nat = level == "national"
    gdp0 = np.where(is_nat, rng.lognormal(np.log(300), 0.5, n), rng.lognormal(np.log(60), 0.6, n))
    fdi0 = gdp0 * np.where(is_nat, rng.lognormal(np.log(40), 0.6, n), rng.lognormal(np.log(8), 0.8, n))
    trade0 = gdp0 * rng.lognormal(np.log(0.4), 0.5, n)
    ent0 = np.maximum(20, (gdp0 * rng.lognormal(np.log(6), 0.4, n))).astype(int)
    rows: dict[str, list] = {k: [] for k in (
        "zone_id", "year", "gdp", "fdi_usd", "trade", "enterprises", "large_mfg_enterprises",
        "tax_revenue", "fixed_asset_investment", "industrial_output", "rd_expenditure",
        "high_tech_enterprises", "energy_per_gdp", "developed_area", "investment_target",
        "investment_actual")}
    gdp, fdi, trade, ent = gdp0.copy(), fdi0.copy(), trade0.copy(), ent0.copy()
    area = rng.uniform(5, 80, n)
    by_year: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for k, year in enumerate(years):
        if k:
            gdp = gdp * (1 + rng.normal(0.09, 0.06, n).clip(-0.3, 0.6))
            fdi = fdi * (1 + rng.normal(0.10, 0.15, n).clip(-0.6, 1.5))
            trade = trade * (1 + rng.normal(0.08, 0.10, n).clip(-0.5, 1.0))
            ent = np.maximum(10, ent * (1 + rng.normal(0.12, 0.08, n).clip(-0.2, 0.8))).astype(int)
            area = area * (1 + rng.uniform(0, 0.05, n))
        by_year[year] = (gdp.copy(), fdi.copy(), trade.copy())
        target = gdp * rng.uniform(0.3, 0.8, n)
        rows["zone_id"] += zone_ids
        rows["year"] += [year] * n
        rows["gdp"] += _money(gdp)
        rows["fdi_usd"] += _money(fdi)
        rows["trade"] += _money(trade)
        rows["enterprises"] += ent.tolist()
        rows["large_mfg_enterprises"] += np.minimum(ent, (gdp / 60).astype(int)).tolist()
        rows["tax_revenue"] += _money(gdp * rng.uniform(0.05, 0.12, n))
        rows["fixed_asset_investment"] += _money(gdp * rng.uniform(0.3, 0.7, n))
        rows["industrial_output"] += _money(gdp * rng.uniform(1.5, 3.5, n))
        rows["rd_expenditure"] += _money(gdp * rng.uniform(0.003, 0.03, n))
        rows["high_tech_enterprises"] += (ent * rng.uniform(0.01, 0.08, n)).astype(int).tolist()
        rows["energy_per_gdp"] += _money(rng.uniform(0.3, 1.2, n), 3)
        rows["developed_area"] += _money(area, 2)
        rows["investment_target"] += _money(target)
        rows["investment_actual"] += _money(target * rng.uniform(0.7, 1.4, n))
    pl.DataFrame(rows).write_csv(out_dir / "zone_stats.csv")

    # City totals always cover their zones (a cross-dataset rule), with the rest of the city.
    city_rows: dict[str, list] = {"city": [], "year": [], "gdp": [], "fdi_usd": [], "trade": []}
    city_index = {c: i for i, c in enumerate(cities)}
    idx = np.array([city_index[c] for c in city_of])
    spread = rng.uniform(1.6, 3.0, (len(cities), 3))
    base = rng.lognormal(np.log(800), 0.5, len(cities))
    for year, (g, f, t) in by_year.items():
        sums = [np.bincount(idx, weights=v, minlength=len(cities)) for v in (g, f, t)]
        city_rows["city"] += cities
        city_rows["year"] += [year] * len(cities)
        city_rows["gdp"] += _money(sums[0] * spread[:, 0] + base)
        city_rows["fdi_usd"] += _money(sums[1] * spread[:, 1] + base)
        city_rows["trade"] += _money(sums[2] * spread[:, 2] + base / 10)
    pl.DataFrame(city_rows).write_csv(out_dir / "city_stats.csv")

    # National ranking: by GDP with noise, every year of the ranking history.
    nat_ids = np.array(zone_ids[:n_nat])
    rank_rows: dict[str, list] = {"zone_id": [], "year": [], "rank": [], "ranked_total": []}
    for year in range(p["first_ranking_year"], p["last_year"] + 1):
        g = by_year.get(year, by_year[years[0]])[0][:n_nat] * rng.lognormal(0, 0.3, n_nat)
        order = np.argsort(-g)
        ranks = np.empty(n_nat, dtype=int)
        ranks[order] = np.arange(1, n_nat + 1)
        rank_rows["zone_id"] += nat_ids.tolist()
        rank_rows["year"] += [year] * n_nat
        rank_rows["rank"] += ranks.tolist()
        rank_rows["ranked_total"] += [n_nat] * n_nat
    pl.DataFrame(rank_rows).write_csv(out_dir / "national_rankings.csv")

    # Project rows: half supplier-introduction cases, half FDI projects.
    m_sup = p["project_rows"] // 2
    m_fdi = p["project_rows"] - m_sup
    case_years = rng.integers(years[0], years[-1] + 1, m_sup)
    serial = rng.permutation(10 ** 7)[: 2 * m_sup] if m_sup else np.array([], dtype=int)
    pl.DataFrame({
        "case_id": [f"GY-{i:07d}" for i in range(m_sup)],
        "zone_id": np.array(zone_ids)[rng.integers(0, n, m_sup)],
        "year": case_years,
        "introducer_name": ["原有企业（示例）"] * m_sup,
        "introducer_uscc": _usccs("91450100MA", serial[:m_sup]),
        "introduced_name": ["被引进企业（示例）"] * m_sup,
        "introduced_uscc": _usccs("91450200MA", serial[m_sup:]),
        "registered_date": [dt.date(int(y), 6, 1) for y in case_years],
        "actual_investment": _money(rng.lognormal(np.log(8000), 1.0, m_sup)),
        "industry_code": rng.choice(["3311", "3971", "1391", "2614"], m_sup),
        "industry_class": rng.choice(["encouraged", "permitted", "restricted", "prohibited"], m_sup,
                                     p=[0.6, 0.3, 0.07, 0.03]),
    }).write_csv(out_dir / "supplier_introductions.csv")
    pl.DataFrame({
        "project_id": [f"WZ-{i:07d}" for i in range(m_fdi)],
        "year": rng.integers(years[0], years[-1] + 1, m_fdi),
        "zone_id": np.array(zone_ids)[rng.integers(0, n, m_fdi)],
        "enterprise_name": ["外资企业（示例）"] * m_fdi,
        "enterprise_uscc": _usccs("91450300MA", rng.permutation(10 ** 7)[:m_fdi]),
        "project_type": rng.choice(["new", "capital_increase", "headquarters"], m_fdi),
        "industry_code": rng.choice(["3311", "3971", "6621", "7010", "5211"], m_fdi,
                                    p=[0.4, 0.3, 0.1, 0.1, 0.1]),
        "encouraged": rng.choice(["是", "否"], m_fdi, p=[0.7, 0.3]),
        "leading_industry": rng.choice(["是", "否"], m_fdi),
        "quasi_finance": rng.choice(["是", "否"], m_fdi, p=[0.05, 0.95]),
        "fdi_received_usd": _money(rng.lognormal(np.log(3000), 1.0, m_fdi)),
        "similar_reward_claimed": rng.choice(["是", "否"], m_fdi, p=[0.05, 0.95]),
    }).write_csv(out_dir / "fdi_projects.csv")
    pl.DataFrame({"year": years, "usd_cny": [EXCHANGE.get(y, "7.0000") for y in years]}).write_csv(
        out_dir / "exchange_rates.csv")
    return {
        "zones": n, "zone_stats": n * len(years), "city_stats": len(cities) * len(years),
        "national_rankings": len(rank_rows["zone_id"]), "supplier_introductions": m_sup,
        "fdi_projects": m_fdi, "exchange_rates": len(years),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成基准测试用的合成数据 / synthetic benchmark data")
    parser.add_argument("profile", help="guangxi, guangxi_10x or national (benchmarks/profiles.toml)")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=20251231)
    args = parser.parse_args(argv)
    counts = generate(args.profile, args.out_dir, args.seed)
    print(", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
