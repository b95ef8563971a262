"""One measured run, in its own process: the baseline, or govkit's audit followed by its report.

run.py starts this script once per measurement, so that every run pays its own imports and its peak
memory is its own (run.py reads it with ``os.wait4``). The script writes what it found, and the time of
each phase as seen from inside, to ``<out>/child.json``.

    python benchmarks/child.py baseline --rows 100000 --seed 7 --out /tmp/x
    python benchmarks/child.py govkit --rows 100000 --seed 7 --out /tmp/x [--profile /tmp/x/govkit.prof]
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before any other import, so the imports below count as "startup"

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from baseline import peak_rss_mb, run_baseline  # noqa: E402

AUDIT_SEED = 0


def _baseline(where: generate.Paths, meta: dict[str, Any], out: Path) -> dict[str, Any]:
    return run_baseline(
        where.reference,
        where.current,
        where.model,
        meta["target"],
        meta["sensitive"],
        meta["trusted_types"],
        seed=AUDIT_SEED,
    )


def _govkit(where: generate.Paths, meta: dict[str, Any], out: Path) -> dict[str, Any]:
    """govkit.audit with the default policy, then the html and json report, timed phase by phase.

    The timing wraps govkit's own functions from outside (the phases of govkit.preflight.Preflight,
    govkit.parallel.merge, govkit.runner.run_check); govkit's code is not changed.
    """
    import govkit
    import govkit.parallel
    import govkit.preflight
    import govkit.runner

    phases: dict[str, float] = {}
    cpu: dict[str, float] = {}
    peak: dict[str, float] = {}
    per_check: list[dict[str, Any]] = []

    def timed(name: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started, cpu_started = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - started
                cpu[name] = cpu.get(name, 0.0) + time.process_time() - cpu_started
                peak[name] = peak_rss_mb()

        return wrapper

    original_check = govkit.runner.run_check

    def run_check(check: Any, ctx: Any) -> Any:
        cpu_started = time.process_time()
        result = original_check(check, ctx)
        per_check.append(
            {
                "id": result.id,
                "family": result.family,
                "cpu_seconds": time.process_time() - cpu_started,
                "peak_mb_after": peak_rss_mb(),
            }
        )
        return result

    # No engine is imported here: govkit imports each one lazily inside the first check that needs it
    # (evidently in the forked drift worker, the others here), so the families' times below include
    # those one-off imports, and the total is what a user waits for.
    preflight = govkit.preflight.Preflight
    for phase in ("read_frames", "plan", "predict"):
        setattr(preflight, phase, timed("before checks", getattr(preflight, phase)))
    govkit.parallel.merge = timed("checks", govkit.parallel.merge)  # run_policy imports it when called
    govkit.runner.run_check = run_check  # run_policy hands the module's run_check to the worker and merge

    started = time.perf_counter()
    result = govkit.audit(
        model=where.model,
        data=where.current,
        reference=where.reference,
        target=meta["target"],
        sensitive=meta["sensitive"],
        policy="default",
        trusted_types=meta["trusted_types"],
        seed=AUDIT_SEED,
    )
    phases["audit"] = time.perf_counter() - started
    peak["audit"] = peak_rss_mb()

    started, cpu_started = time.perf_counter(), time.process_time()
    written = govkit.render(result, out / "report", formats=("html", "json"))
    phases["render"] = time.perf_counter() - started
    cpu["render"] = time.process_time() - cpu_started
    peak["render"] = peak_rss_mb()
    return {
        "phases": phases,
        "cpu_phases": cpu,
        "peak_mb_after": peak,
        "per_check": per_check,
        "verdict": str(result.verdict) if hasattr(result, "verdict") else None,
        "results_json": str(written["json"]),
        "report_html": str(written["html"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("baseline", "govkit"))
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--profile", type=Path, help="write cProfile statistics of the run to this file")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    where = generate.paths(args.rows, args.seed)
    if not where.exist():
        raise SystemExit(f"no cached data for {args.rows} rows, seed {args.seed}; run benchmarks/generate.py")
    meta = generate.load_meta(where)
    work = _baseline if args.mode == "baseline" else _govkit
    startup, startup_cpu = time.perf_counter() - STARTED, time.process_time()
    cpu_started = time.process_time()

    started = time.perf_counter()
    if args.profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        found = profiler.runcall(work, where, meta, args.out)
        profiler.dump_stats(args.profile)
    else:
        found = work(where, meta, args.out)
    found["inside_seconds"] = time.perf_counter() - started
    found["inside_cpu_seconds"] = time.process_time() - cpu_started
    found["startup_seconds"] = startup
    found["startup_cpu_seconds"] = startup_cpu
    found["peak_mb"] = peak_rss_mb()
    (args.out / "child.json").write_text(json.dumps(found, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
