"""Where the preview's time goes: cProfile of the two CPU-bound phases, in one process.

1. recording the program of a generated N-zone stack under mocks (`record_program`);
2. the regulated-ai pack's Analyze and AnalyzeStack for those resources, run in-process through the
   SDK's own servicer (`pulumi_policy.policy._PolicyAnalyzerServicer`, private), which is exactly
   what the pack process runs behind gRPC, so the profile shows the SDK and the policies, not the wire.

    python bench/profile_preview.py [--zones 5] [--top 25] [--sort tottime]
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

from regzone.config.loader import read_stack_file
from regzone.paths import POLICY_PACK_DIR
from regzone.preview.recorder import PROJECT, record_program
from regzone.preview.run import stack_file, to_analyzer_resources
from benchlib import write_stack


def _servicer(stack: str):
    """The pack's servicer as PolicyPack builds it, configured as the CLI would."""
    os.environ.update({"PULUMI_PROJECT": PROJECT, "PULUMI_STACK": stack, "PULUMI_DRY_RUN": "true"})
    sys.path.insert(0, str(POLICY_PACK_DIR))
    from pulumi.runtime.proto import analyzer_pb2
    from pulumi_policy import EnforcementLevel
    from pulumi_policy.policy import _PolicyAnalyzerServicer
    from regulated_ai.policies import all_policies

    servicer = _PolicyAnalyzerServicer("regulated-ai", "0.0.1", all_policies(), EnforcementLevel.MANDATORY,
                                       None, None, None, None, "aws", None, None)
    servicer.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(stack=stack, project=PROJECT,
                                                                       dry_run=True), None)
    servicer.Configure(analyzer_pb2.ConfigureAnalyzerRequest(), None)
    return servicer


def _report(profile: cProfile.Profile, title: str, sort: str, top: int) -> None:
    print(f"\n=== {title} (top {top} by {sort}) ===")
    pstats.Stats(profile, stream=sys.stdout).strip_dirs().sort_stats(sort).print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zones", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="regzone-profile-") as tmp:
        workdir = Path(tmp)
        stack = write_stack(workdir, args.zones)
        config = read_stack_file(stack_file(stack, workdir))
        profile = cProfile.Profile()
        start = time.perf_counter()
        recording = profile.runcall(record_program, workdir, stack, config)
        program_s = time.perf_counter() - start
    _report(profile, f"record_program, {args.zones} zones, {len(recording.resources)} resources, "
                     f"{program_s:.2f} s with profiling", args.sort, args.top)

    resources = to_analyzer_resources(recording, config)
    servicer = _servicer(stack)
    requests = [r.analyze_request() for r in resources]
    from pulumi.runtime.proto import analyzer_pb2
    stack_request = analyzer_pb2.AnalyzeStackRequest(resources=[r.stack_resource() for r in resources])
    for request in requests[:20]:  # warm-up
        servicer.Analyze(request, None)

    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    for request in requests:
        servicer.Analyze(request, None)
    profile.disable()
    analyze_s = time.perf_counter() - start
    _report(profile, f"Analyze x {len(requests)} in-process, {analyze_s / len(requests) * 1e6:.0f} us per call "
                     "with profiling", args.sort, args.top)

    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.runcall(servicer.AnalyzeStack, stack_request, None)
    _report(profile, f"AnalyzeStack of {len(resources)} resources in-process, "
                     f"{time.perf_counter() - start:.3f} s with profiling", args.sort, args.top)


if __name__ == "__main__":
    main()
