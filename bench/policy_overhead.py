"""What the regulated-ai policies cost over the SDK's own floor, and whether that cost is linear.

Records the dev stack's resources once under mocks, replicates them 1x, 5x and 20x (URNs, parents and
dependencies renamed per copy), then sends the same resources to two real packs over gRPC: regulated-ai
and bench/floor_pack (one no-op resource policy, one no-op stack policy). Prints, per pack and scale,
Analyze time per resource and AnalyzeStack time (total and per resource), and the regulated-ai/floor ratio.
Per-resource figures that stay flat from 1x to 20x mean linear; a growing AnalyzeStack per resource
would mean a stack policy is quadratic.

    python bench/policy_overhead.py [--stack dev] [--scales 1 5 20] [--repeat 5]
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path

from regzone.config.loader import read_stack_file
from regzone.paths import POLICY_PACK_DIR, STACKS_DIR
from regzone.preview.analyzer import AnalyzerResource, PolicyPackClient
from regzone.preview.recorder import PROJECT, record_program
from regzone.preview.run import stack_file, to_analyzer_resources
from benchlib import machine, process_cpu

FLOOR_PACK_DIR = Path(__file__).resolve().parent / "floor_pack"


def replicate(resources: list[AnalyzerResource], copies: int) -> list[AnalyzerResource]:
    """`copies` disjoint copies of the stack: every URN (and every reference to one) gets a suffix."""
    out = []
    for c in range(copies):
        def rename(urn: str, c=c) -> str:
            return f"{urn}-c{c}" if urn else urn
        for r in resources:
            provider = r.provider
            if provider is not None:
                provider = (provider[0], rename(provider[1]), provider[2], provider[3])
            out.append(dataclasses.replace(
                r, urn=rename(r.urn), name=f"{r.name}-c{c}", parent=rename(r.parent),
                dependencies=tuple(rename(d) for d in r.dependencies),
                property_dependencies={k: [rename(d) for d in v] for k, v in (r.property_dependencies or {}).items()},
                provider=provider))
    return out


def _median_time(fn, repeat: int, pid: int) -> tuple[float, float]:
    """Median wall time of `fn` and median CPU time the pack process `pid` spent on it."""
    wall, cpu = [], []
    for _ in range(repeat):
        cpu_start, start = process_cpu(pid), time.perf_counter()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(process_cpu(pid) - cpu_start)
    return statistics.median(wall), statistics.median(cpu)


def measure(pack_dir: Path, stack: str, scaled: dict[int, list[AnalyzerResource]], repeat: int) -> dict:
    start = time.perf_counter()
    with PolicyPackClient(pack_dir, project=PROJECT, stack=stack) as pack:
        _, policies = pack.info()
        pack.configure(policies)
        started = time.perf_counter() - start
        first = next(iter(scaled.values()))
        for r in first:  # warm-up: imports and caches inside the pack, not part of the steady cost
            pack.analyze(r)
        pack.analyze_stack(first)
        figures = {"start": started, "policies": len(policies), "scales": {}}
        for copies, resources in scaled.items():
            pid = pack._process.pid
            analyze, analyze_cpu = _median_time(lambda: [pack.analyze(r) for r in resources], repeat, pid)
            stack_time, stack_cpu = _median_time(lambda: pack.analyze_stack(resources), repeat, pid)
            figures["scales"][copies] = {"resources": len(resources), "analyze": analyze, "stack": stack_time,
                                         "analyze_cpu": analyze_cpu, "stack_cpu": stack_cpu}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", default="dev", help="reference stack to record (stacks/Pulumi.<stack>.yaml)")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--repeat", type=int, default=5, help="timed passes per scale; the median is shown")
    args = parser.parse_args()

    config = read_stack_file(stack_file(args.stack))
    recording = record_program(STACKS_DIR, args.stack, config)
    base = to_analyzer_resources(recording, config)
    scaled = {copies: replicate(base, copies) for copies in args.scales}
    print(f"machine: {machine()}")
    print(f"stack {args.stack}: {len(base)} resources recorded once; median of {args.repeat} passes\n")

    packs = {"regulated-ai": measure(POLICY_PACK_DIR, args.stack, scaled, args.repeat),
             "floor": measure(FLOOR_PACK_DIR, args.stack, scaled, args.repeat)}
    for name, figures in packs.items():
        print(f"{name}: {figures['policies']} policies, start-up {figures['start']:.2f} s")
    print()
    print("wall = seen by the client (includes gRPC); cpu = CPU time of the pack process; us = per resource")
    print(f"{'pack':<13} {'copies':>6} {'resources':>9} {'Analyze_s':>9} {'wall_us':>8} {'cpu_us':>7} "
          f"{'AnalyzeStack_s':>14} {'wall_us':>8} {'cpu_us':>7}")
    for name, figures in packs.items():
        for copies, s in figures["scales"].items():
            n = s["resources"]
            print(f"{name:<13} {copies:>6} {n:>9} {s['analyze']:>9.3f} {s['analyze'] / n * 1e6:>8.0f} "
                  f"{s['analyze_cpu'] / n * 1e6:>7.0f} {s['stack']:>14.4f} {s['stack'] / n * 1e6:>8.0f} "
                  f"{s['stack_cpu'] / n * 1e6:>7.0f}")
    print()
    print(f"{'copies':>6} {'Analyze wall':>12} {'Analyze cpu':>11} {'AnalyzeStack wall':>17} "
          f"{'AnalyzeStack cpu':>16}   ratios regulated-ai / floor")
    for copies in args.scales:
        ours, floor = packs["regulated-ai"]["scales"][copies], packs["floor"]["scales"][copies]
        print(f"{copies:>6} {ours['analyze'] / floor['analyze']:>12.2f} "
              f"{ours['analyze_cpu'] / max(floor['analyze_cpu'], 1e-9):>11.2f} "
              f"{ours['stack'] / floor['stack']:>17.2f} {ours['stack_cpu'] / max(floor['stack_cpu'], 1e-9):>16.2f}")


if __name__ == "__main__":
    main()
