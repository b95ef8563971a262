"""Time govkit's audit against the four libraries called directly, on the same data, and check they agree.

For each size (total rows, half reference and half current) the harness generates (or reuses) the data
and the model, then runs, each in its own fresh Python process:

  (a) the baseline (benchmarks/baseline.py): pandas, the model, great-expectations, evidently, fairlearn,
      shap and scikit-learn called directly;
  (b) ``govkit.audit(...)`` with the default policy, then ``govkit.render`` of the html and json report
      into a temporary folder.

Wall time is measured from outside (process start to exit, imports included); CPU time and peak memory
(``ru_maxrss``, the largest of the child and the workers it forked) come from ``os.wait4``. Inside the
child each phase is timed (wall, CPU, and the seconds spent importing modules): read, load model,
predict, each family, render. govkit's families are timed check by check, in this process and in its
forked workers. The agreement of the two (drift verdicts per column, fairness numbers to 1e-9,
metrics) is checked and printed. Results go to benchmarks/results/<time>.json.

    python benchmarks/run.py --rows 10000,100000,1000000   # the sizes of the README's speed figures
    python benchmarks/run.py                 # 100k and 1M rows
    python benchmarks/run.py --quick         # 100k rows only
    python benchmarks/run.py --rows 300000 --profile   # also profile govkit once (cProfile)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import compare  # noqa: E402
import generate  # noqa: E402

DEFAULT_SIZES = (100_000, 1_000_000)
FAMILIES = ("quality", "drift", "performance", "fairness", "explain")


def run_child(mode: str, rows: int, seed: int, out: Path, profile: Path | None = None) -> dict[str, Any]:
    """One measured run in a fresh interpreter: wall time, peak RSS, and what the child reported."""
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(HERE / "child.py"), mode, "--rows", str(rows), "--seed", str(seed)]
    command += ["--out", str(out)] + (["--profile", str(profile)] if profile else [])
    load = os.getloadavg()[0]
    with (out / "stdout.txt").open("w") as stdout, (out / "stderr.txt").open("w") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = (out / "stderr.txt").read_text(errors="replace").strip().splitlines()[-15:]
        raise RuntimeError(f"{mode} run failed (exit {process.returncode}):\n" + "\n".join(tail))
    child = json.loads((out / "child.json").read_text(encoding="utf-8"))
    return {
        "wall_seconds": wall,
        "peak_rss_mb": usage.ru_maxrss / 1024,  # KB on Linux
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "load_average_at_start": load,
        "child": child,
    }


PHASES = ("read", "load model", "predict")


def _family_rows(g: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """govkit's time per family, from the checks as timed in this process and in the workers: wall, CPU,
    imports (an engine's warm-up in a worker counts to its family), where it ran and when it ended."""
    families: dict[str, dict[str, Any]] = {}
    for check in g["per_check"] + g.get("worker_checks", []):
        for family in check["family"].split(","):
            row = families.setdefault(
                family, {"wall": 0.0, "cpu": 0.0, "imports": 0.0, "places": set(), "ends_at": 0.0}
            )
            row["wall"] += check["wall_seconds"]
            row["cpu"] += check["cpu_seconds"]
            row["imports"] += check["import_seconds"]
            row["ends_at"] = max(row["ends_at"], check["ended_at"] - g["audit_started_at"])
            row["places"].add("worker" if check in g.get("worker_checks", []) else "here")
    for row in families.values():
        places = row.pop("places")
        row["where"] = "worker" if places == {"worker"} else "partly in a worker" if "worker" in places else "here"
    return families


def breakdown(baseline: dict[str, Any], govkit: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per phase: wall, seconds of it spent importing, and CPU, for each side.

    The baseline's phases run one after the other and add up to its total; govkit's families in the
    workers run beside the rest (``ends_at``: seconds after the audit started), so its rows add up to
    more than its wall time.
    """
    b, g = baseline["child"], govkit["child"]
    bp, bc, bi = b["phases"], b["cpu_phases"], b.get("import_phases", {})
    gp, gc, gi = g["phases"], g["cpu_phases"], g.get("import_phases", {})
    rows: list[dict[str, Any]] = [
        {
            "phase": "interpreter start, harness imports",
            "baseline": (b["startup_seconds"], None, b["startup_cpu_seconds"]),
            "govkit": (g["startup_seconds"], None, g["startup_cpu_seconds"]),
        }
    ]
    rows += [
        {
            "phase": name,
            "baseline": (bp.get(name), bi.get(name), bc.get(name)),
            "govkit": (gp.get(name), gi.get(name), gc.get(name)),
        }
        for name in PHASES
    ]
    families = _family_rows(g)
    for name in [*FAMILIES, *(f for f in families if f not in FAMILIES)]:
        row = families.get(name)
        rows.append(
            {
                "phase": name if row is None or row["where"] == "here" else f"{name} ({row['where']})",
                "baseline": (bp.get(name), bi.get(name), bc.get(name)),
                "govkit": (row["wall"], row["imports"], row["cpu"]) if row else (None, None, None),
                "ends_at": row["ends_at"] if row else None,
            }
        )
    rows.append(
        {
            "phase": "start workers (fork, shared imports)",
            "baseline": (None,) * 3,
            "govkit": (gp.get("start workers"), gi.get("start workers"), gc.get("start workers")),
        }
    )
    timed = sum(gp.get(name, 0.0) for name in (*PHASES, "start workers", "checks"))
    rows.append(
        {
            "phase": "rest of audit (policy, provenance)",
            "baseline": (None,) * 3,
            "govkit": (gp["audit"] - timed, None, None),
        }
    )
    rows.append(
        {
            "phase": "render html + json",
            "baseline": (None,) * 3,
            "govkit": (gp["render"], gi.get("render"), gc["render"]),
        }
    )
    for side in (baseline, govkit):
        child = side["child"]
        in_workers = sum(check["cpu_seconds"] for check in child.get("worker_checks", []))
        side["unaccounted"] = side["wall_seconds"] - child["inside_seconds"] - child["startup_seconds"]
        side["unaccounted_cpu"] = (
            side["cpu_seconds"] - child["inside_cpu_seconds"] - child["startup_cpu_seconds"] - in_workers
        )
    rows.append(
        {
            "phase": "process exit and the rest",
            "baseline": (baseline["unaccounted"], None, baseline["unaccounted_cpu"]),
            "govkit": (govkit["unaccounted"], None, govkit["unaccounted_cpu"]),
        }
    )
    imported = {side: sum(row[side][1] or 0.0 for row in rows) for side in ("baseline", "govkit")}
    rows.append(
        {
            "phase": "of all the above: importing",
            "baseline": (imported["baseline"], None, None),
            "govkit": (imported["govkit"], None, None),
        }
    )
    return rows


def _fmt(value: Any, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_size(size: dict[str, Any]) -> None:
    baseline, govkit = size["baseline"], size["govkit"]
    print(
        f"\n=== {size['rows']:,} rows ({size['rows'] // 2:,} reference + {size['rows'] // 2:,} current) ==="
    )
    print(f"{'':38} {'baseline':>10} {'govkit':>10}")
    print(f"{'wall time (s)':38} {baseline['wall_seconds']:>10.1f} {govkit['wall_seconds']:>10.1f}")
    print(f"{'peak RSS (MB)':38} {baseline['peak_rss_mb']:>10.0f} {govkit['peak_rss_mb']:>10.0f}")
    print(f"{'CPU time (s)':38} {baseline['cpu_seconds']:>10.1f} {govkit['cpu_seconds']:>10.1f}")
    print(f"{'ratio govkit / baseline (wall)':38} {'':>10} {size['ratio']:>10.2f}")
    print(f"{'ratio govkit / baseline (CPU)':38} {'':>10} {size['cpu_ratio']:>10.2f}")
    print(
        f"{'load average at start (1 min)':38} {baseline['load_average_at_start']:>10.2f} "
        f"{govkit['load_average_at_start']:>10.2f}"
    )
    if len(size["baseline_walls"]) > 1:
        walls = ", ".join(
            f"{b:.1f}/{g:.1f}" for b, g in zip(size["baseline_walls"], size["govkit_walls"], strict=True)
        )
        print(f"  (fastest of {len(size['baseline_walls'])} runs shown; all baseline/govkit walls: {walls})")
    print(
        f"per phase, seconds:{'':17} {'baseline: wall (import)':>24} {'CPU':>6}   "
        f"{'govkit: wall (import)':>22} {'CPU':>6}  {'ends at':>7}"
    )
    for row in size["breakdown"]:
        (bw, bi, bc), (gw, gi, gc) = row["baseline"], row["govkit"]
        ends = row.get("ends_at")
        print(
            f"  {row['phase']:34} {_fmt(bw):>15} ({_fmt(bi):>5}) {_fmt(bc):>6}   "
            f"{_fmt(gw):>13} ({_fmt(gi):>5}) {_fmt(gc):>6}  {_fmt(ends):>7}"
        )
    print(
        "  (import: seconds of the phase spent importing modules; ends at: seconds after govkit's audit began;"
        "\n   the workers' families run beside the others, so govkit's rows add up to more than its wall time)"
    )
    agreement = size["agreement"]
    drift = agreement["drift"]
    print("agreement:")
    sampled = ", ".join(f"{s['what']} {s['sample']:,} of {s['population']:,}" for s in drift["sampled"])
    print(
        f"  drift: {len(drift['columns'])} columns, {len(drift['disagreements'])} verdict disagreement(s)"
        + (f" (govkit sampled: {sampled})" if sampled else " (no sampling)")
    )
    for row in drift["disagreements"]:
        print(f"    DISAGREE {row}")
    if drift["type_differences"]:
        typed = ", ".join(drift["type_differences"])
        print(f"    compared as categorical by govkit, numerical by the baseline: {typed}")
    largest = _fmt(drift["max_score_difference_same_type"], 12)
    print(f"    largest score difference on columns typed alike: {largest}")
    p = drift["prediction"]
    print(
        f"    prediction drift: govkit {p['govkit_drifted']} ({_fmt(p['govkit_score'], 6)}), "
        f"baseline {p['baseline_drifted']} ({_fmt(p['baseline_score'], 6)})"
    )
    fairness = agreement["fairness"]
    print(
        f"  fairness: per-group counts and rates differ by at most {fairness['groups_max_difference']:.2e}; "
        f"{len(fairness['mismatches'])} mismatch(es) beyond {compare.TOLERANCE:g}"
    )
    for entry in fairness["metrics"]:
        if entry["grouping"] == "worst":
            print(
                f"    {entry['metric']:32} worst grouping: govkit {_fmt(entry['govkit'], 9)} "
                f"baseline {_fmt(entry['baseline'], 9)} {'ok' if entry['agree'] else 'MISMATCH'}"
            )
        else:
            left_out = (
                f"; govkit leaves out {len(entry['groups_left_out'])} small group(s)"
                if entry["groups_left_out"]
                else ""
            )
            print(
                f"      by {entry['grouping']:12} all groups: "
                f"fairlearn {_fmt(entry['fairlearn_all_groups'], 9)} "
                f"govkit table {_fmt(entry['govkit_table_all_groups'], 9)}; large groups: "
                f"fairlearn {_fmt(entry['fairlearn_large_groups'], 9)} "
                f"govkit {_fmt(entry['govkit_large_groups'], 9)}{left_out}"
            )
    for mismatch in fairness["mismatches"]:
        print(f"    MISMATCH {mismatch}")
    other = agreement["other"]
    perf = ", ".join(f"{k} {'ok' if v['agree'] else 'MISMATCH'}" for k, v in other["performance"].items())
    q = other["quality"]
    print(f"  performance: {perf}")
    print(
        f"  quality: govkit {q['govkit_failed']} of {q['govkit_evaluated']} expectations failed, "
        f"baseline {q['baseline_failed']} of {q['baseline_evaluated']}"
    )
    e = other["explain"]
    print(
        f"  shap sensitive share: govkit {_fmt(e['govkit_sensitive_share'], 6)}, "
        f"baseline {_fmt(e['baseline_sensitive_share'], 6)}"
    )


def print_profile(path: Path, top: int = 30) -> None:
    stats = pstats.Stats(str(path))
    stats.strip_dirs()
    print(f"\n--- cProfile of the govkit run ({path}), top {top} by cumulative time ---")
    stats.sort_stats("cumulative").print_stats(top)
    print(f"--- top {top} by own time ---")
    stats.sort_stats("tottime").print_stats(top)


def print_summary(sizes: list[dict[str, Any]]) -> None:
    """The table of README.md's speed section, one row per size."""
    print(
        "\n| rows (half reference, half current) | baseline wall s | govkit wall s | govkit / baseline "
        "| baseline CPU s | govkit CPU s | baseline peak MB | govkit peak MB | load average |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for s in sizes:
        b, g = s["baseline"], s["govkit"]
        print(
            f"| {s['rows']:,} | {b['wall_seconds']:.1f} | {g['wall_seconds']:.1f} | {s['ratio']:.2f} | "
            f"{b['cpu_seconds']:.1f} | {g['cpu_seconds']:.1f} | {b['peak_rss_mb']:,.0f} | {g['peak_rss_mb']:,.0f} | "
            f"{b['load_average_at_start']:.1f} / {g['load_average_at_start']:.1f} |"
        )


def source_state() -> dict[str, Any]:
    """Which govkit was measured: the commit and the files changed since (others may be editing src/)."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        # only the newline: `git status --porcelain` starts a line with a space that is part of its format
        return done.stdout.rstrip("\n") if done.returncode == 0 else ""

    changed = [line[3:] for line in git("status", "--porcelain", "--", "src", "checks").splitlines()]
    return {"commit": git("rev-parse", "HEAD") or None, "changed_files": changed}


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
    }


def _sizes(args: argparse.Namespace) -> list[int]:
    if args.quick:
        return [100_000]
    if args.rows:
        return [int(part) for value in args.rows for part in str(value).replace("_", "").split(",") if part]
    return list(DEFAULT_SIZES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", action="append", help="total rows (repeat or comma-separate); default 100k and 1M"
    )
    parser.add_argument("--quick", action="store_true", help="100k rows only")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED, help="data seed")
    parser.add_argument("--profile", action="store_true", help="also run govkit once more under cProfile")
    parser.add_argument("--keep", action="store_true", help="keep the runs' folders (reports, logs)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs of each side per size; the fastest is reported (default 1)",
    )
    args = parser.parse_args()
    generate.compile_govkit()

    started_at = datetime.now(UTC)
    work = Path(tempfile.mkdtemp(prefix="govkit-bench-"))
    record: dict[str, Any] = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "machine": machine(),
        "govkit_source": source_state(),
        "sizes": [],
    }
    try:
        for rows in _sizes(args):
            where = generate.ensure(rows, args.seed)
            folder = work / f"rows{rows}"
            baselines, govkits = [], []
            for attempt in range(max(1, args.repeat)):
                # the sides take turns at going first, so that neither always runs just after the other's load
                order = ("baseline", "govkit") if attempt % 2 == 0 else ("govkit", "baseline")
                print(f"\n{rows:,} rows, run {attempt + 1}:", end="", flush=True)
                for mode in order:
                    print(f" {mode} ...", end="", flush=True)
                    run = run_child(mode, rows, args.seed, folder / f"{mode}{attempt}")
                    (baselines if mode == "baseline" else govkits).append(run)
                    print(f" {run['wall_seconds']:.1f} s;", end="", flush=True)
                print(flush=True)
            baseline = min(baselines, key=lambda run: run["wall_seconds"])
            govkit = min(govkits, key=lambda run: run["wall_seconds"])
            results = json.loads(Path(govkit["child"]["results_json"]).read_text(encoding="utf-8"))
            b = baseline["child"]
            size = {
                "rows": rows,
                "seed": args.seed,
                "data": {
                    "reference": str(where.reference),
                    "current": str(where.current),
                    "model": str(where.model),
                },
                "baseline": baseline,
                "govkit": govkit,
                "ratio": govkit["wall_seconds"] / baseline["wall_seconds"],
                "cpu_ratio": govkit["cpu_seconds"] / baseline["cpu_seconds"],
                "baseline_walls": [run["wall_seconds"] for run in baselines],
                "govkit_walls": [run["wall_seconds"] for run in govkits],
                "govkit_family_seconds": compare.family_times(results),
                "govkit_check_seconds": {c["id"]: c["duration_seconds"] for c in results["checks"]},
                "govkit_statuses": {c["id"]: c["status"] for c in results["checks"]},
                "govkit_sampling": results["provenance"].get("sampling", []),
                "agreement": {
                    "drift": compare.compare_drift(results, b),
                    "fairness": compare.compare_fairness(results, b),
                    "other": compare.compare_other(results, b),
                },
            }
            size["breakdown"] = breakdown(baseline, govkit)
            print_size(size)
            if args.profile:
                profile = HERE / "results" / f"govkit-{rows}-{started_at:%Y%m%dT%H%M%S}.prof"
                profile.parent.mkdir(parents=True, exist_ok=True)
                print("\nprofiling govkit (cProfile; its times are inflated by the profiler) ...", flush=True)
                profiled = run_child("govkit", rows, args.seed, folder / "govkit-profile", profile=profile)
                size["profile"] = {"path": str(profile), "wall_seconds": profiled["wall_seconds"]}
                print_profile(profile)
            record["sizes"].append(size)
    finally:
        if args.keep:
            print(f"\nrun folders kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print_summary(record["sizes"])
    out = HERE / "results" / f"{started_at:%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
