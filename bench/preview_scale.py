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

from stackgen import machine, write_stack


def _child(workdir: Path, stack: str) -> dict:
    """One preview, instrumented; returns the figures as a dict (printed as JSON by main)."""
    import regzone.preview.run as run
    from regzone.preview.analyzer import PolicyPackClient

    timings: dict[str, float] = {}
    analyze_calls: list[float] = []

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

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = run.run_preview(stack, stacks_dir=workdir)
    wall = time.perf_counter() - start
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
        "rss_pack_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
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


def _row(values) -> str:
    return " ".join(f"{v:>{w}.{d}f}" if isinstance(v, (int, float)) else f"{v:>{w}}"
                    for v, (_, _, w, d) in zip(values, COLUMNS))


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
    with tempfile.TemporaryDirectory(prefix="regzone-bench-") as tmp:
        for zones in args.zones:
            stack = write_stack(Path(tmp), zones)
            runs = sorted((_run_child(Path(tmp), stack) for _ in range(args.repeat)), key=lambda f: f["wall"])
            figures = runs[len(runs) // 2]
            figures["zones"] = zones
            figures["analyze_ms"] = figures["analyze_p50"] * 1000
            print(_row([figures.get(key, 0.0) for key, _, _, _ in COLUMNS]), flush=True)
    print(f"\npolicies in the pack: {figures['policies']}; violations in the last run: {figures['violations']}")


if __name__ == "__main__":
    main()
