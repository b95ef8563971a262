"""Time the same audit on govkit's three engines, from 1M to 20M rows, and check that they agree.

For each size (total rows, half reference and half current; a half over ``generate.CHUNK_ROWS`` rows is
generated and written in row groups, so 20M rows never sit in memory) and each engine, one fresh Python
process (this script with ``--child``) runs ``govkit.audit(...)`` with the default policy on the cached
Parquet files and the cached benchmark model, then renders the html and json report into a temporary
folder:

- ``pandas``: the in-memory engine (each table read into one frame);
- ``stream``: ``govkit.EngineOptions(name="stream")``: Arrow batches, a 200,000-row sample for the checks
  that read a frame, every row for the counting checks;
- ``spark``: ``govkit.EngineOptions(name="spark", spark_conf=SPARK_CONF)``: a local Spark on 2 cores.

Measured from outside: wall time (process start to exit), the child's CPU time and peak RSS from
``os.wait4`` (``ru_maxrss`` is the largest single process of the child and the children it waited for,
e.g. the forked drift worker), and, polled from ``/proc`` every 0.5 s, the sum of RSS and of PSS (shared
pages counted once) and the CPU time of the whole process tree: for Spark that adds the driver JVM and
Spark's Python workers, which ``wait4`` does not see. The load average is recorded at each start and end
(the machine is shared).

Where the pandas engine cannot fit, it is skipped with govkit's own estimate (the memory guard's GK112
arithmetic: the frames' size times ``PEAK_COPIES``, against the memory govkit sees as available) and the
pandas run's peak at the smallest size scaled linearly. At the smallest size all engines ran, the results
are compared: statuses and verdict, fairness group counts, and every number of the counting checks
(fairness, performance) within 1e-12. Results go to ``benchmarks/results/engines-<UTC time>.json``.

    python benchmarks/engines.py --rows 1000000,20000000 --engines pandas,stream,spark
    python benchmarks/engines.py --rows 1000000 --keep     # keep the reports and child logs
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the other imports, so a child's imports count as its startup

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

ENGINES = ("pandas", "stream", "spark")
SPARK_CONF = {"spark.master": "local[2]", "spark.driver.memory": "8g"}
POLL_SECONDS = 0.5
TOLERANCE = 1e-12
STREAM_RSS_TARGET_MB = 2048
# Families whose checks count every row on every engine (the others read the engine's sample); a check of
# theirs whose sample_size is below the current rows (ROC AUC today) is compared as a sampled check.
COUNTING_FAMILIES = ("fairness", "performance")
GROUP_COUNTS = ("count", "labelled", "selected", "tp", "fp", "tn", "fn")
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- the child: one audit, one engine


def engine_option(name: str) -> Any:
    import govkit

    if name == "spark":
        return govkit.EngineOptions(name="spark", spark_conf=dict(SPARK_CONF))
    return govkit.EngineOptions(name=name)


def child(engine: str, rows: int, seed: int, out: Path) -> None:
    """The audit and its report on ``engine``; what it found goes to ``<out>/child.json``."""
    startup = time.perf_counter() - STARTED
    import govkit

    where = generate.paths(rows, seed)
    meta = generate.load_meta(where)
    started = time.perf_counter()
    result = govkit.audit(**generate.audit_arguments(where, meta), engine=engine_option(engine))
    audit = time.perf_counter() - started
    started = time.perf_counter()
    written = govkit.render(result, out / "report", formats=("html", "json"))
    found = {
        "startup_seconds": startup,
        "import_and_audit_seconds": audit,
        "render_seconds": time.perf_counter() - started,
        "self_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "results_json": str(written["json"]),
    }
    (out / "child.json").write_text(json.dumps(found, indent=1), encoding="utf-8")


# ---------------------------------------------------------------- the parent: measuring a process tree


def _proc_stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds) of ``pid``, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    # fields[0] is the state (stat field 3): ppid is field 4, utime 14, stime 15
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of ``pid`` in bytes; (0, 0) when it is gone."""
    try:
        rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        pss = 0
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
                break
        return rss, pss
    except (OSError, ValueError, IndexError):
        return 0, 0


def _tree(root: int) -> dict[int, tuple[str, float]]:
    """``root`` and its descendants: pid -> (command name, CPU seconds)."""
    stats: dict[int, tuple[str, int, float]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            found = _proc_stat(int(entry.name))
            if found is not None:
                stats[int(entry.name)] = found
    children: dict[int, list[int]] = {}
    for pid, (_, parent, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    tree, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            tree[pid] = (stats[pid][0], stats[pid][2])
            todo += children.get(pid, [])
    return tree


def _role(pid: int, name: str, root: int) -> str:
    if pid == root:
        return "python"
    return "jvm" if name == "java" else "other"


@dataclass
class TreeWatch:
    """Polls a process tree every ``POLL_SECONDS``: peak summed RSS and PSS, CPU per pid; kills on timeout."""

    root: int
    timeout: float
    peak_rss: int = 0
    peak_pss: int = 0
    peak_parts: dict[str, int] = field(default_factory=dict)  # RSS by role at the RSS peak
    role_peaks: dict[str, int] = field(default_factory=dict)  # each role's own peak RSS
    cpu: dict[int, float] = field(default_factory=dict)
    timed_out: bool = False
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        started = time.perf_counter()
        while not self._stop.is_set():
            self.poll()
            if time.perf_counter() - started > self.timeout:
                self.timed_out = True
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.root, signal.SIGKILL)  # the child's own session: it and what it started
                return
            self._stop.wait(POLL_SECONDS)

    def poll(self) -> None:
        rss = pss = 0
        parts: dict[str, int] = {}
        for pid, (name, cpu) in _tree(self.root).items():
            one_rss, one_pss = _memory(pid)
            rss, pss = rss + one_rss, pss + one_pss
            role = _role(pid, name, self.root)
            parts[role] = parts.get(role, 0) + one_rss
            self.role_peaks[role] = max(self.role_peaks.get(role, 0), one_rss)
            self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu)
        if rss > self.peak_rss:
            self.peak_rss, self.peak_parts = rss, parts
        self.peak_pss = max(self.peak_pss, pss)

    def stop(self) -> None:
        self._stop.set()


def run_child(engine: str, rows: int, seed: int, out: Path, timeout: float) -> dict[str, Any]:
    """One measured audit in a fresh interpreter (its own session, so a timeout ends all it started)."""
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", engine, "--rows", str(rows)]
    command += ["--seed", str(seed), "--out", str(out)]
    load_start = os.getloadavg()
    with (out / "stdout.txt").open("w") as stdout, (out / "stderr.txt").open("w") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, cwd=ROOT, start_new_session=True)
        watch = TreeWatch(process.pid, timeout)
        watcher = threading.Thread(target=watch.run, daemon=True)
        watcher.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        watch.stop()
        watcher.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    MB = 1024 * 1024
    record: dict[str, Any] = {
        "engine": engine,
        "rows": rows,
        "wall_seconds": wall,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,  # KB on Linux
        "tree_peak_rss_mb": watch.peak_rss / MB,
        "tree_peak_pss_mb": watch.peak_pss / MB,
        "tree_peak_rss_parts_mb": {role: size / MB for role, size in watch.peak_parts.items()},
        "tree_role_peak_rss_mb": {role: size / MB for role, size in watch.role_peaks.items()},
        "tree_cpu_seconds": sum(watch.cpu.values()),
        "tree_processes_seen": len(watch.cpu),
        "load_average_start": load_start,
        "load_average_end": os.getloadavg(),
        "exit_code": process.returncode,
    }
    if watch.timed_out or process.returncode != 0:
        tail = (out / "stderr.txt").read_text(errors="replace").strip().splitlines()[-12:]
        record["error"] = (f"timed out after {timeout:.0f} s; " if watch.timed_out else "") + "\n".join(tail)
        return record
    record["child"] = json.loads((out / "child.json").read_text(encoding="utf-8"))
    results = json.loads(Path(record["child"]["results_json"]).read_text(encoding="utf-8"))
    record["verdict"] = results["verdict"]
    record["statuses"] = {check["id"]: check["status"] for check in results["checks"]}
    record["engine_record"] = results["provenance"].get("engine")
    record["sampling"] = results["provenance"].get("sampling", [])
    record["results"] = results  # dropped before saving; kept for the agreement
    return record


# ---------------------------------------------------------------- the in-memory engine: will it fit?


def pandas_need(where: generate.Paths) -> dict[str, Any]:
    """govkit's own arithmetic for reading both files into memory: the read-time estimate of each file
    (``parquet_memory``) and the memory guard's (GK112) frames x ``PEAK_COPIES``, the frames' size
    extrapolated from the first 65,536 rows of each file, against the memory govkit sees as free."""
    import pyarrow.parquet as pq

    from govkit.inputs.estimate import parquet_memory
    from govkit.inputs.memory import available_memory
    from govkit.preflight.frames import PEAK_COPIES, frame_bytes

    frames = read = 0
    for path in (where.current, where.reference):
        metadata = pq.read_metadata(path)
        read += parquet_memory(metadata)
        with pq.ParquetFile(path) as handle:
            head = next(handle.iter_batches(batch_size=65_536)).to_pandas()
        frames += frame_bytes(head) * metadata.num_rows // len(head)
    return {
        "read_estimate_bytes": read,
        "frames_bytes": frames,
        "peak_copies": PEAK_COPIES,
        "needed_bytes": frames * PEAK_COPIES,
        "available_bytes": available_memory(),
    }


def pandas_skip(rows: int, where: generate.Paths, runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Why the pandas engine is not run at ``rows`` (it would not fit), or None when it fits."""
    from govkit.inputs.memory import human_size

    need = pandas_need(where)
    available = need["available_bytes"] or os.sysconf("SC_PHYS_PAGES") * PAGE
    measured = [r for r in runs if r["engine"] == "pandas" and "error" not in r and r["rows"] < rows]
    linear = None
    if measured:
        smallest = min(measured, key=lambda r: r["rows"])
        linear = smallest["peak_rss_mb"] * 1024 * 1024 * rows / smallest["rows"]
    if need["needed_bytes"] <= available and (linear is None or linear <= available):
        return None
    message = (
        f"pandas engine skipped at {rows:,} rows: govkit's memory guard (GK112) would need about "
        f"{human_size(need['needed_bytes'])} ({need['peak_copies']} x {human_size(need['frames_bytes'])} of frames; "
        f"reading the files alone about {human_size(need['read_estimate_bytes'])}) but only {human_size(available)} "
        "is free"
    )
    if linear is not None:
        message += f"; its measured peak at {smallest['rows']:,} rows scaled linearly: {human_size(linear)}"
    return {"engine": "pandas", "rows": rows, "reason": message, **need, "linear_estimate_bytes": linear}


# ---------------------------------------------------------------- agreement between engines


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, int | float) or not isinstance(b, int | float):
        return bool(a == b)
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def differences(a: Any, b: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Where two JSON values differ: (path, a, b); numbers within ``TOLERANCE`` (integers exactly) are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        found = []
        for key in list(a) + [k for k in b if k not in a]:
            found += differences(a.get(key), b.get(key), f"{path}.{key}")
        return found
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [(path + ".length", len(a), len(b))]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if _close(a, b) else [(path, a, b)]


def _float_gap(a: Any, b: Any) -> float:
    """The largest absolute difference between the numbers of two JSON values of the same shape."""
    if isinstance(a, dict) and isinstance(b, dict):
        return max([_float_gap(a[k], b[k]) for k in a if k in b] or [0.0])
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return max([_float_gap(x, y) for x, y in zip(a, b, strict=True)] or [0.0])
    floats = isinstance(a, float) or isinstance(b, float)  # integers are compared exactly, not measured here
    numbers = isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool)
    if floats and numbers and not (math.isnan(a) or math.isnan(b)):
        return abs(a - b)
    return 0.0


def group_counts(results: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(check, grouping, group) -> the group's counts, from every fairness check's details."""
    found = {}
    for check in results["checks"]:
        details = (check.get("measurement") or {}).get("details") or {}
        if check["family"] != "fairness" or not isinstance(details.get("groups"), dict):
            continue
        for grouping, groups in details["groups"].items():
            for group in groups:
                found[(check["id"], grouping, str(group.get("group")))] = {k: group.get(k) for k in GROUP_COUNTS}
    return found


def every_row(check: dict[str, Any], results: dict[str, Any]) -> bool:
    """True when the check was measured on every current row (not on an engine's sample)."""
    return check["measurement"].get("sample_size") == results["inputs"].get("current_rows")


def compare_engines(base: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Statuses, verdict, fairness group counts and the counting checks' numbers of two runs at one size."""
    a, b = base["results"], other["results"]
    checks_b = {check["id"]: check for check in b["checks"]}
    statuses = [
        (check_id, status, other["statuses"].get(check_id))
        for check_id, status in base["statuses"].items()
        if other["statuses"].get(check_id) != status
    ]
    statuses += [(check_id, None, s) for check_id, s in other["statuses"].items() if check_id not in base["statuses"]]
    counts_a, counts_b = group_counts(a), group_counts(b)
    groups = [
        (" / ".join(key), counts_a.get(key), counts_b.get(key))
        for key in sorted(set(counts_a) | set(counts_b))
        if counts_a.get(key) != counts_b.get(key)
    ]
    counting, sampled, on_sample, gap, compared = [], [], [], 0.0, 0
    for check in a["checks"]:
        twin = checks_b.get(check["id"])
        if twin is None:
            continue
        if check["family"] in COUNTING_FAMILIES and every_row(check, a) and every_row(twin, b):
            compared += 1
            counting += differences(check["measurement"], twin["measurement"], check["id"])
            gap = max(gap, _float_gap(check["measurement"], twin["measurement"]))
            continue
        if check["family"] in COUNTING_FAMILIES:
            sizes = [check["measurement"].get("sample_size"), twin["measurement"].get("sample_size")]
            on_sample.append((check["id"], "rows counted", *sizes))
        value, twin_value = check["measurement"].get("value"), twin["measurement"].get("value")
        if not _close(value, twin_value):
            sampled.append((check["id"], value, twin_value))
    return {
        "engines": [base["engine"], other["engine"]],
        "rows": base["rows"],
        "verdicts": [base["verdict"], other["verdict"]],
        "status_differences": statuses,
        "groups_compared": len(set(counts_a) | set(counts_b)),
        "group_count_differences": groups,
        "counting_checks_compared": compared,
        "counting_checks_on_a_sample": on_sample,
        "counting_differences": counting,
        "counting_max_abs_difference": gap,
        "sampled_value_differences": sampled,
    }


# ---------------------------------------------------------------- printing and the main loop


def _load(values: Any) -> str:
    return f"{values[0]:.2f}"


def print_table(runs: list[dict[str, Any]], skipped: list[dict[str, Any]]) -> None:
    print(
        "\n| rows | engine | wall s | CPU s (wait4 / tree) | peak RSS MB python (wait4) | tree RSS MB "
        "(python + JVM + other) | tree PSS MB | load 1-min start -> end | verdict |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in runs:
        if "error" in r:
            print(f"| {r['rows']:,} | {r['engine']} | {r['wall_seconds']:.1f} | - | - | - | - | - | FAILED |")
            continue
        parts = r["tree_peak_rss_parts_mb"]
        split = " + ".join(f"{parts.get(role, 0):.0f}" for role in ("python", "jvm", "other"))
        print(
            f"| {r['rows']:,} | {r['engine']} | {r['wall_seconds']:.1f} | {r['cpu_seconds']:.1f} / "
            f"{r['tree_cpu_seconds']:.1f} | {r['peak_rss_mb']:.0f} | {r['tree_peak_rss_mb']:.0f} ({split}) | "
            f"{r['tree_peak_pss_mb']:.0f} | {_load(r['load_average_start'])} -> {_load(r['load_average_end'])} | "
            f"{r['verdict']} |"
        )
    for s in skipped:
        print(f"| {s['rows']:,} | {s['engine']} | skipped | - | - | - | - | - | does not fit |")
    for s in skipped:
        print(f"\n{s['reason']}")


def scaling(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per engine: wall (and CPU) at the largest size over the smallest, against the ratio of rows."""
    done = [r for r in runs if "error" not in r]
    found = []
    for engine in dict.fromkeys(r["engine"] for r in done):
        mine = sorted((r for r in done if r["engine"] == engine), key=lambda r: r["rows"])
        if len(mine) < 2 or mine[0]["rows"] == mine[-1]["rows"]:
            continue
        small, large = mine[0], mine[-1]
        rows_ratio = large["rows"] / small["rows"]
        wall_ratio = large["wall_seconds"] / small["wall_seconds"]
        found.append(
            {
                "engine": engine,
                "rows": [small["rows"], large["rows"]],
                "rows_ratio": rows_ratio,
                "wall_ratio": wall_ratio,
                "cpu_ratio": large["tree_cpu_seconds"] / small["tree_cpu_seconds"],
                "at_most_linear": wall_ratio <= rows_ratio,
            }
        )
    return found


def print_checks(runs: list[dict[str, Any]], ratios: list[dict[str, Any]]) -> None:
    for r in ratios:
        small, large = r["rows"]
        print(
            f"{r['engine']}: wall({large:,}) / wall({small:,}) = {r['wall_ratio']:.2f} (rows x{r['rows_ratio']:.0f}; "
            f"CPU x{r['cpu_ratio']:.2f}): {'at most linear' if r['at_most_linear'] else 'WORSE THAN LINEAR'}"
        )
    for r in runs:
        if r["engine"] == "stream" and "error" not in r:
            verdict = "under" if r["peak_rss_mb"] < STREAM_RSS_TARGET_MB else "OVER"
            print(
                f"stream at {r['rows']:,} rows: peak RSS {r['peak_rss_mb']:.0f} MB, {verdict} the "
                f"{STREAM_RSS_TARGET_MB} MB target (whole tree {r['tree_peak_rss_mb']:.0f} MB RSS, "
                f"{r['tree_peak_pss_mb']:.0f} MB PSS)"
            )
        if r["engine"] == "spark" and "error" not in r:
            peaks = r["tree_role_peak_rss_mb"]
            print(
                f"spark at {r['rows']:,} rows: python driver {peaks.get('python', 0):.0f} MB, JVM "
                f"{peaks.get('jvm', 0):.0f} MB, largest other process {peaks.get('other', 0):.0f} MB (each its own "
                f"peak); {r['tree_processes_seen']} processes in the tree"
            )
        if "error" in r:
            print(f"{r['engine']} at {r['rows']:,} rows FAILED (exit {r['exit_code']}):\n{r['error']}")


def _shown(items: list[tuple[Any, ...]], limit: int = 12) -> list[str]:
    lines = [" | ".join(str(part) for part in item) for item in items[:limit]]
    return lines + ([f"... and {len(items) - limit} more"] if len(items) > limit else [])


def print_agreement(found: dict[str, Any]) -> None:
    a, b = found["engines"]
    same_verdict = found["verdicts"][0] == found["verdicts"][1]
    print(
        f"\n{a} vs {b} at {found['rows']:,} rows: verdict {'same' if same_verdict else 'DIFFERENT'} "
        f"({found['verdicts'][0]} / {found['verdicts'][1]}); {len(found['status_differences'])} status difference(s); "
        f"{found['groups_compared']} fairness groups, {len(found['group_count_differences'])} with different counts; "
        f"{found['counting_checks_compared']} counting checks on every row, {len(found['counting_differences'])} "
        f"number(s) beyond {TOLERANCE:g} (largest float difference {found['counting_max_abs_difference']:.3g})"
    )
    for title, key in (
        ("status", "status_differences"),
        ("group counts", "group_count_differences"),
        ("counting check", "counting_differences"),
        ("a counting family's check measured on the sample", "counting_checks_on_a_sample"),
        ("value of a check reading the sample (informational)", "sampled_value_differences"),
    ):
        for line in _shown(found[key]):
            print(f"  {title}: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000,20000000", help="total rows, comma-separated")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: pandas,stream,spark")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED, help="data seed")
    parser.add_argument("--timeout", type=float, default=3000, help="seconds one run may take before it is killed")
    parser.add_argument("--keep", action="store_true", help="keep the runs' folders (reports, logs)")
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = sorted({int(part) for part in args.rows.replace("_", "").split(",") if part})
    if args.child:
        child(args.child, sizes[0], args.seed, args.out)
        return
    engines = [e for e in args.engines.split(",") if e]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        parser.error(f"unknown engine(s) {', '.join(unknown)}; choose from {', '.join(ENGINES)}")
    generate.compile_govkit()
    measure(sizes, engines, args)


def save(record: dict[str, Any], out: Path) -> None:
    """The record as JSON, without the runs' full results (kept in memory for the agreement only)."""
    runs = [{k: v for k, v in run.items() if k != "results"} for run in record["runs"]]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**record, "runs": runs}, indent=1, default=str), encoding="utf-8")


def measure(sizes: list[int], engines: list[str], args: argparse.Namespace) -> None:
    """Every engine at every size, the record saved after each run (a long run that is cut keeps the rest)."""
    from run import machine, source_state

    started_at = datetime.now(UTC)
    out = HERE / "results" / f"engines-{started_at:%Y%m%dT%H%M%SZ}.json"
    work = Path(tempfile.mkdtemp(prefix="govkit-engines-"))
    record: dict[str, Any] = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "command": [Path(sys.executable).name, *sys.argv],
        "machine": machine(),
        "govkit_source": source_state(),
        "spark_conf": SPARK_CONF,
        "runs": [],
        "skipped": [],
        "agreement": [],
        "scaling": [],
    }
    runs, skipped, agreement = record["runs"], record["skipped"], record["agreement"]
    try:
        for rows in sizes:
            where = generate.ensure(rows, args.seed)
            done = []
            for engine in engines:
                reason = pandas_skip(rows, where, runs) if engine == "pandas" else None
                if reason is not None:
                    print(reason["reason"], flush=True)
                    skipped.append(reason)
                    continue
                print(f"{rows:,} rows, {engine} (load average {_load(os.getloadavg())}) ...", flush=True)
                run = run_child(engine, rows, args.seed, work / f"rows{rows}-{engine}", args.timeout)
                state = "FAILED" if "error" in run else f"peak RSS {run['peak_rss_mb']:.0f} MB"
                print(f"  {run['wall_seconds']:.1f} s, {state}", flush=True)
                runs.append(run)
                done += [] if "error" in run else [run]
                record["scaling"] = scaling(runs)
                save(record, out)
            agreement += [compare_engines(a, b) for i, a in enumerate(done) for b in done[i + 1 :]]
            for run in done:
                run.pop("results", None)  # the agreement at this size is made: free the results
            save(record, out)
    finally:
        if args.keep:
            print(f"\nrun folders kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print_table(runs, skipped)
    print()
    print_checks(runs, record["scaling"])
    for found in agreement:
        print_agreement(found)
    print(f"\nload average at the end: {os.getloadavg()}; wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
