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
from benchlib import machine

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


def _median_time(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


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
            analyze = _median_time(lambda: [pack.analyze(r) for r in resources], repeat)
            stack_time = _median_time(lambda: pack.analyze_stack(resources), repeat)
            figures["scales"][copies] = {"resources": len(resources), "analyze": analyze, "stack": stack_time}
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
    print(f"{'pack':<13} {'copies':>6} {'resources':>9} {'Analyze_s':>9} {'us/res':>8} "
          f"{'AnalyzeStack_s':>14} {'us/res':>8}")
    for name, figures in packs.items():
        for copies, s in figures["scales"].items():
            n = s["resources"]
            print(f"{name:<13} {copies:>6} {n:>9} {s['analyze']:>9.3f} {s['analyze'] / n * 1e6:>8.0f} "
                  f"{s['stack']:>14.4f} {s['stack'] / n * 1e6:>8.0f}")
    print()
    print(f"{'copies':>6} {'Analyze ratio':>13} {'AnalyzeStack ratio':>18}  (regulated-ai / floor)")
    for copies in args.scales:
        ours, floor = packs["regulated-ai"]["scales"][copies], packs["floor"]["scales"][copies]
        print(f"{copies:>6} {ours['analyze'] / floor['analyze']:>13.2f} {ours['stack'] / floor['stack']:>18.2f}")


if __name__ == "__main__":
    main()
