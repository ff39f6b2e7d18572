"""etdz: the command line for data staff and schedulers.

    etdz assess --demo --year 2025 --out out/       年度考核（示例数据）
    etdz assess --data DIR --year 2025 --out DIR   年度考核
    etdz validate --data DIR --out DIR             只做数据校验（0 无问题，1 有警告，2 有严重问题）
    etdz demo-data DIR                             重新生成示例数据
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from flows.settings import DEMO_DATA_DIR

EXIT_OK, EXIT_WARNINGS, EXIT_CRITICAL = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="etdz", description="广西经开区年度考核评价流水线 / Guangxi ETDZ annual assessment"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    assess = sub.add_parser("assess", help="运行年度考核评价 / run the annual assessment")
    src = assess.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", type=Path, help="数据文件夹 / folder of submitted files")
    src.add_argument("--demo", action="store_true", help="使用内置示例数据 / bundled demo data")
    assess.add_argument("--year", type=int, required=True, help="考核年度 / assessment year")
    assess.add_argument("--out", type=Path, required=True, help="输出文件夹 / output folder")
    assess.add_argument("--policy", type=Path, help="政策参数文件 / policy config (TOML)")
    assess.add_argument("--methodology", type=Path,
                        help="评分方法文件 / scoring methodology (TOML)")
    assess.add_argument("--official", action="store_true",
                        help="正式年度考核（无警告时报告不标“草稿”）/ the official yearly run")
    assess.add_argument("--report-date", help="报告日期 YYYY-MM-DD（默认今天或 SOURCE_DATE_EPOCH）")

    validate = sub.add_parser("validate", help="只做数据校验 / validate the inputs only")
    vsrc = validate.add_mutually_exclusive_group(required=True)
    vsrc.add_argument("--data", type=Path)
    vsrc.add_argument("--demo", action="store_true")
    validate.add_argument("--out", type=Path, required=True)

    demo = sub.add_parser("demo-data", help="生成示例数据 / write the demo data set")
    demo.add_argument("dir", type=Path)
    return parser


def _data_dir(args: argparse.Namespace) -> Path | None:
    data = DEMO_DATA_DIR if args.demo else args.data
    if not data.is_dir():
        print(f"错误：数据文件夹不存在：{data}", file=sys.stderr)
        return None
    return data


def cmd_assess(args: argparse.Namespace) -> int:
    from flows.annual import annual_assessment
    from transforms.methodology import MethodologyConfigError
    from transforms.policy import PolicyConfigError

    data = _data_dir(args)
    if data is None:
        return EXIT_CRITICAL
    started = time.perf_counter()
    try:
        state = annual_assessment(
            data_dir=str(data), year=args.year, out_dir=str(args.out),
            policy_path=str(args.policy) if args.policy else None,
            methodology_path=str(args.methodology) if args.methodology else None,
            official=args.official, report_date=args.report_date, return_state=True,
        )
    except (PolicyConfigError, MethodologyConfigError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CRITICAL
    elapsed = time.perf_counter() - started
    if state.is_failed():
        print(f"\n✗ 年度考核未完成：{state.message}", file=sys.stderr)
        return EXIT_CRITICAL
    manifest = state.result()
    warnings = manifest["validation"]["by_severity"]["warning"]
    print(f"\n✓ 年度考核完成（{elapsed:.1f} 秒）：运行编号 {manifest['run_id']}，"
          f"报告状态 {manifest['status_label']}，警告 {warnings} 条")
    print(f"  结果：{args.out / 'results'}\n  报告：{args.out / 'reports'}\n"
          f"  清单：{args.out / 'manifest.json'}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Ingest and validate without the orchestrator: staff run this again and again while fixing."""
    from flows.ingest import ingest_folder
    from flows.validate import summarise, validate_step, write_validation

    data = _data_dir(args)
    if data is None:
        return EXIT_CRITICAL
    findings = validate_step(ingest_folder(data))
    write_validation(findings, args.out)
    counts = summarise(findings)["by_severity"]
    print(f"严重问题 {counts['critical']} 条，警告 {counts['warning']} 条；"
          f"修改清单：{args.out / 'fix_list.csv'}")
    for f in findings[:20]:
        where = f"{f.file}" + (f"[{f.sheet}]" if f.sheet else "") + (
            f" 第 {f.row} 行" if f.row else "") + (f" “{f.column_label}”" if f.column_label else "")
        print(f"  [{f.severity.label}] {where}：{f.message}。{f.hint}")
    if len(findings) > 20:
        print(f"  …… 其余 {len(findings) - 20} 条见修改清单")
    if counts["critical"]:
        return EXIT_CRITICAL
    return EXIT_WARNINGS if counts["warning"] else EXIT_OK


def cmd_demo_data(args: argparse.Namespace) -> int:
    from flows.demo_data import write_demo_data

    paths = write_demo_data(args.dir)
    print(f"已生成示例数据 {len(paths)} 个文件：{args.dir}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler = {"assess": cmd_assess, "validate": cmd_validate, "demo-data": cmd_demo_data}
    return handler[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
