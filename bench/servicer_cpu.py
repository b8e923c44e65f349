"""CPU time of the regulated-ai pack's own work, without gRPC or other processes in the figure.

Runs the SDK's servicer in this process (as bench/profile_preview.py does) on the dev stack recorded
once and replicated 1x, 5x, 20x, and prints CPU seconds (`time.process_time`) for Analyze of every
resource and for one AnalyzeStack, total and per resource. Other load on the machine inflates these
far less than wall time, which makes this the figure to compare before and after a change to the
policies or the framework.

    python bench/servicer_cpu.py [--stack dev] [--scales 1 5 20]
"""
from __future__ import annotations

import argparse
import time

from pulumi.runtime.proto import analyzer_pb2

from benchlib import machine
from policy_overhead import replicate
from profile_preview import _servicer
from regzone.config.loader import read_stack_file
from regzone.paths import STACKS_DIR
from regzone.preview.recorder import record_program
from regzone.preview.run import stack_file, to_analyzer_resources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 5, 20])
    args = parser.parse_args()

    config = read_stack_file(stack_file(args.stack))
    base = to_analyzer_resources(record_program(STACKS_DIR, args.stack, config), config)
    servicer = _servicer(args.stack)
    for r in base:  # warm-up
        servicer.Analyze(r.analyze_request(), None)
    print(f"machine: {machine()}")
    print(f"stack {args.stack}: {len(base)} resources, replicated; CPU seconds in this process\n")
    print(f"{'copies':>6} {'resources':>9} {'Analyze_cpu':>11} {'us/res':>7} {'AnalyzeStack_cpu':>16} {'us/res':>7}")
    for copies in args.scales:
        resources = replicate(base, copies)
        requests = [r.analyze_request() for r in resources]
        stack_request = analyzer_pb2.AnalyzeStackRequest(resources=[r.stack_resource() for r in resources])
        start = time.process_time()
        for request in requests:
            servicer.Analyze(request, None)
        analyze = time.process_time() - start
        start = time.process_time()
        servicer.AnalyzeStack(stack_request, None)
        stack = time.process_time() - start
        n = len(resources)
        print(f"{copies:>6} {n:>9} {analyze:>11.2f} {analyze / n * 1e6:>7.0f} {stack:>16.2f} {stack / n * 1e6:>7.0f}",
              flush=True)


if __name__ == "__main__":
    main()
