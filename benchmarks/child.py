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
from baseline import IMPORTS, Timer, peak_rss_mb, run_baseline  # noqa: E402

AUDIT_SEED = generate.AUDIT_SEED


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
    govkit.parallel.merge and _warm_up, govkit.runner.run_check); govkit's code is not changed. The
    forked workers inherit the wrappers and append what they timed to ``<out>/worker-<pid>.jsonl``.
    """
    import os

    import govkit
    import govkit.parallel
    import govkit.preflight
    import govkit.registry
    import govkit.runner

    timer = Timer()
    per_check: list[dict[str, Any]] = []
    here = os.getpid()
    for stale in out.glob("worker-*.jsonl"):
        stale.unlink()

    def timed(name: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with timer.phase(name):
                return function(*args, **kwargs)

        return wrapper

    def record(entry: dict[str, Any]) -> None:
        if os.getpid() == here:
            per_check.append(entry)
        else:  # a forked worker: its memory is gone when it ends, a file is not
            with (out / f"worker-{os.getpid()}.jsonl").open("a", encoding="utf-8") as lines:
                lines.write(json.dumps(entry) + "\n")

    def measured(what: dict[str, Any], function: Any, *args: Any) -> Any:
        started, cpu, imported, at = time.perf_counter(), time.process_time(), IMPORTS.wall, time.time()
        try:
            return function(*args)
        finally:
            what.update(
                wall_seconds=time.perf_counter() - started,
                cpu_seconds=time.process_time() - cpu,
                import_seconds=IMPORTS.wall - imported,
                started_at=at,
                ended_at=time.time(),
                pid=os.getpid(),
                peak_mb_after=peak_rss_mb(),
            )
            record(what)

    original_check, original_warm_up = govkit.runner.run_check, govkit.parallel._warm_up

    def run_check(check: Any, ctx: Any) -> Any:
        what: dict[str, Any] = {"id": check.spec.id, "family": check.spec.id.split(".")[0]}
        return measured(what, original_check, check, ctx)

    def warm_up(checks: list[Any]) -> None:
        # the warm-up counts to the families that have one (the drift worker runs robustness checks too)
        families = sorted(
            name
            for name in {c.spec.id.split(".")[0] for c in checks}
            if hasattr(govkit.registry.load_family(name), "warm_up")
        )
        if not families:  # nothing to import ahead (the quality worker): no row of its own
            return original_warm_up(checks)
        measured({"id": "warm-up", "family": ",".join(families)}, original_warm_up, checks)

    # No engine is imported here: govkit imports each one lazily inside the first check that needs it
    # (evidently and great-expectations in the forked workers, the others here), so the families' times
    # include those one-off imports, and the total is what a user waits for.
    preflight = govkit.preflight.Preflight
    for phase, name in (("read_frames", "read"), ("plan", "load model"), ("predict", "predict")):
        setattr(preflight, phase, timed(name, getattr(preflight, phase)))
    govkit.parallel.merge = timed("checks", govkit.parallel.merge)  # run_policy imports it when called
    govkit.parallel.start_workers = timed("start workers", govkit.parallel.start_workers)
    govkit.parallel._warm_up = warm_up
    govkit.runner.run_check = run_check  # run_policy hands the module's run_check to the workers and merge

    started_at = time.time()
    with timer.phase("audit"):
        result = govkit.audit(**generate.audit_arguments(where, meta))
    with timer.phase("render"):
        written = govkit.render(result, out / "report", formats=("html", "json"))
    workers = [
        json.loads(line)
        for path in sorted(out.glob("worker-*.jsonl"))
        for line in path.read_text().splitlines()
    ]
    return {
        "phases": timer.phases,
        "cpu_phases": timer.cpu,
        "import_phases": timer.imports,
        "peak_mb_after": timer.peak_mb,
        "audit_started_at": started_at,
        "per_check": per_check,
        "worker_checks": workers,
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
    IMPORTS.install()
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
