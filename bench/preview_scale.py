"""How the offline preview scales with the number of zones.

For 1, 5 and 20 generated zones, runs the real `run_preview` (what `regzone preview` runs) in a
fresh child process per run and prints resource counts, wall time, peak memory and the split between
program execution under mocks, pack start-up, Analyze (total and per call) and AnalyzeStack.
The split comes from perf_counter wrappers around the existing functions; their behaviour is unchanged.

    python bench/preview_scale.py [--zones 1 5 20] [--repeat 3]
"""
from __future__ import annotations

import argparse
import functools
import json
import resource
import statistics
import subprocess  # nosec B404 - runs this script as a child with a fixed argv
import sys
import tempfile
import time
from pathlib import Path

from benchlib import machine, process_cpu, write_stack


def _child(workdir: Path, stack: str) -> dict:
    """One preview, instrumented; returns the figures as a dict (printed as JSON by main)."""
    import regzone.preview.run as run
    from regzone.preview.analyzer import PolicyPackClient

    timings: dict[str, float] = {}
    analyze_calls: list[float] = []
    pack_cpu: dict[str, float] = {}  # the pack process's CPU seconds at points of the run

    def cpu_mark(fn, before: str | None, after: str):
        @functools.wraps(fn)
        def wrapper(pack, *args, **kwargs):
            if before:
                pack_cpu[before] = process_cpu(pack._process.pid)
            result = fn(pack, *args, **kwargs)
            pack_cpu[after] = process_cpu(pack._process.pid)
            return result
        return wrapper

    def timed(key: str, fn, calls: list[float] | None = None):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                timings[key] = timings.get(key, 0.0) + elapsed
                if calls is not None:
                    calls.append(elapsed)
        return wrapper

    run.record_program = timed("program", run.record_program)
    run.to_analyzer_resources = timed("convert", run.to_analyzer_resources)
    PolicyPackClient.start = timed("pack_start", PolicyPackClient.start)
    PolicyPackClient.info = timed("configure", PolicyPackClient.info)
    PolicyPackClient.configure = timed("configure", PolicyPackClient.configure)
    PolicyPackClient.analyze = timed("analyze", PolicyPackClient.analyze, analyze_calls)
    PolicyPackClient.analyze_stack = timed("analyze_stack", PolicyPackClient.analyze_stack)
    PolicyPackClient.close = timed("pack_stop", PolicyPackClient.close)
    PolicyPackClient.configure = cpu_mark(PolicyPackClient.configure, None, "configured")
    PolicyPackClient.analyze_stack = cpu_mark(PolicyPackClient.analyze_stack, "analyzed", "stack_analyzed")

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    own_cpu = time.process_time()
    start = time.perf_counter()
    result = run.run_preview(stack, stacks_dir=workdir)
    wall = time.perf_counter() - start
    own_cpu = time.process_time() - own_cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "resources": len(result.recording.resources),
        "policies": len(result.policies),
        "violations": len(result.violations),
        "wall": wall,
        **timings,
        "analyze_calls": len(analyze_calls),
        "analyze_p50": statistics.median(analyze_calls) if analyze_calls else 0.0,
        "analyze_max": max(analyze_calls, default=0.0),
        "rss_harness_before_mb": rss_before / 1024,
        "rss_harness_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_pack_peak_mb": children.ru_maxrss / 1024,
        "cpu_harness": own_cpu,
        "cpu_pack": children.ru_utime + children.ru_stime,
        "cpu_pack_start": pack_cpu["configured"],
        "cpu_analyze": pack_cpu["analyzed"] - pack_cpu["configured"],
        "cpu_analyze_stack": pack_cpu["stack_analyzed"] - pack_cpu["analyzed"],
    }


def _run_child(workdir: Path, stack: str) -> dict:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--child", str(workdir), stack],  # nosec B603
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"preview of {stack} failed:\n{out.stderr[-4000:]}")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    figures["process_wall"] = time.perf_counter() - start
    return figures


# (figure, header, width, decimals)
COLUMNS = [
    ("zones", "zones", 5, 0), ("resources", "resources", 9, 0), ("process_wall", "process_s", 9, 2),
    ("wall", "wall_s", 7, 2), ("program", "program", 7, 2), ("pack_start", "pack_start", 10, 2),
    ("configure", "configure", 9, 3), ("analyze", "analyze", 7, 2), ("analyze_ms", "ms/Analyze", 10, 2),
    ("analyze_stack", "AnalyzeStack", 12, 3), ("pack_stop", "pack_stop", 9, 3),
    ("rss_harness_peak_mb", "rss_MB", 6, 0), ("rss_pack_peak_mb", "pack_MB", 7, 0),
]
# CPU seconds, which other load on the machine does not inflate: the harness process (program under
# mocks, gRPC client) and the pack process (start-up, Analyze, AnalyzeStack).
CPU_COLUMNS = [
    ("zones", "zones", 5, 0), ("resources", "resources", 9, 0), ("cpu_harness", "harness_cpu", 11, 2),
    ("cpu_pack", "pack_cpu", 8, 2), ("cpu_pack_start", "pack_start_cpu", 14, 2),
    ("cpu_analyze", "Analyze_cpu", 11, 2), ("cpu_analyze_ms", "ms/Analyze_cpu", 14, 2),
    ("cpu_analyze_stack", "AnalyzeStack_cpu", 16, 2),
]


def _row(values, columns=COLUMNS) -> str:
    return " ".join(f"{v:>{w}.{d}f}" if isinstance(v, (int, float)) else f"{v:>{w}}"
                    for v, (_, _, w, d) in zip(values, columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zones", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the median run is shown")
    parser.add_argument("--child", nargs=2, metavar=("DIR", "STACK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(Path(args.child[0]), args.child[1])))
        return

    print(f"machine: {machine()}")
    print("times in seconds unless named; process_s includes interpreter start and imports; wall_s is "
          "run_preview; program = recording under mocks; configure = GetAnalyzerInfo + ConfigureStack + "
          f"Configure; median of {args.repeat} run(s) by wall_s\n")
    print(_row([header for _, header, _, _ in COLUMNS]))
    results = []
    with tempfile.TemporaryDirectory(prefix="regzone-bench-") as tmp:
        for zones in args.zones:
            stack = write_stack(Path(tmp), zones)
            runs = sorted((_run_child(Path(tmp), stack) for _ in range(args.repeat)), key=lambda f: f["wall"])
            figures = runs[len(runs) // 2]
            figures["zones"] = zones
            figures["analyze_ms"] = figures["analyze_p50"] * 1000
            figures["cpu_analyze_ms"] = figures["cpu_analyze"] / max(figures["analyze_calls"], 1) * 1000
            results.append(figures)
            print(_row([figures.get(key, 0.0) for key, _, _, _ in COLUMNS]), flush=True)
    print("\nCPU seconds (not inflated by other load):")
    print(_row([header for _, header, _, _ in CPU_COLUMNS], CPU_COLUMNS))
    for figures in results:
        print(_row([figures.get(key, 0.0) for key, _, _, _ in CPU_COLUMNS], CPU_COLUMNS))
    print(f"\npolicies in the pack: {figures['policies']}; violations in the last run: {figures['violations']}")


if __name__ == "__main__":
    main()
