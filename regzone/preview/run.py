"""The offline compliance preview: validate config, record the program under mocks, analyze
every resource with the real policy pack over gRPC, and collect violations with their controls."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import struct_pb2

from regzone.config.baseline import Baseline, parse_baseline_config
from regzone.config.loader import parse_stack_config, read_stack_file
from regzone.config.model import StackConfig
from regzone.pack_config import derive_pack_config, program_of, validate_pack_config
from regzone.pack_config import load_pack_config as pack_config_file
from regzone.paths import POLICY_PACK_DIR, STACKS_DIR
from regzone.preview.analyzer import AnalyzerResource, Diagnostic, PolicyInfo, PolicyPackClient
from regzone.preview.recorder import PROJECT, RecordedResource, Recording, project_of, record_program
from regzone.preview.references import ZONE_STACK_KEY, referenced_outputs, zone_outputs, zone_stack_names
from regzone.preview.tally import PolicyTally, pack_scopes, tally
from regzone.zone_stack import baseline_project

DEFAULT_PROVIDER_URN = "urn:pulumi:{stack}::{project}::pulumi:providers:aws::default"


@dataclass
class Violation:
    policy: str
    enforcement: str
    urn: str
    type: str
    name: str
    message: str
    controls: list[str]
    severity: str
    source: Any = None  # SourceLocation of the code that created the resource


@dataclass
class PreviewResult:
    stack: str
    recording: Recording
    policies: list[PolicyInfo]
    violations: list[Violation] = field(default_factory=list)
    tallies: list[PolicyTally] = field(default_factory=list)  # per policy: resources judged and passed

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement in ("mandatory", "remediate")]


_SEVERITY_NAMES = {0: "unspecified", 1: "low", 2: "medium", 3: "high", 4: "critical"}


def stack_file(stack: str, stacks_dir: Path = STACKS_DIR) -> Path:
    return stacks_dir / f"Pulumi.{stack}.yaml"


def _default_provider(stack: str, config: dict[str, Any],
                      project: str = PROJECT) -> tuple[str, str, str, struct_pb2.Struct]:
    """What the engine would hand the pack for resources on the default AWS provider."""
    props = struct_pb2.Struct()
    inputs: dict[str, Any] = {}
    if "aws:region" in config:
        inputs["region"] = config["aws:region"]
    if "aws:defaultTags" in config:
        inputs["defaultTags"] = config["aws:defaultTags"]
    props.update(inputs)
    return ("pulumi:providers:aws", DEFAULT_PROVIDER_URN.format(stack=stack, project=project), "default", props)


def to_analyzer_resources(recording: Recording, config: dict[str, Any]) -> list[AnalyzerResource]:
    by_urn = recording.by_urn()
    default_provider = _default_provider(recording.stack, config, recording.project)
    resources = []
    for r in recording.resources:
        provider = None
        if r.provider:
            provider_urn = r.provider.rsplit("::", 1)[0]
            p = by_urn.get(provider_urn)
            if p is not None:
                provider = (p.type, p.urn, p.name, p.properties)
        elif r.custom and r.type.startswith("aws:"):
            provider = default_provider
        resources.append(AnalyzerResource(
            urn=r.urn, type=r.type, name=r.name, properties=r.properties, protect=r.protect, parent=r.parent,
            dependencies=tuple(r.dependencies), property_dependencies=r.property_dependencies, provider=provider))
    return resources


def _violations(diagnostics: list[Diagnostic], policies: dict[str, PolicyInfo],
                recorded: dict[str, RecordedResource]) -> list[Violation]:
    out = []
    for d in diagnostics:
        resource = recorded.get(d.urn)
        info = policies.get(d.policy)
        out.append(Violation(
            policy=d.policy, enforcement=d.enforcement, urn=d.urn,
            type=resource.type if resource else "", name=resource.name if resource else "",
            message=d.message, controls=info.controls if info else [],
            severity=_SEVERITY_NAMES.get(d.severity, "unspecified"),
            source=resource.source if resource else None))
    return out


def load_pack_config(path: Path | None) -> dict[str, Any] | None:
    """The validated `--policy-pack-config` file; None means: derive it from the stack."""
    return None if path is None else pack_config_file(path)


def governing_stack(project: str, config: dict[str, Any], source: str
                    ) -> tuple[StackConfig | None, tuple[str, str] | None]:
    """The zone config that governs a stack of the zone or in-cluster program and, for the in-cluster
    program, the zone stack it builds on (its name, the qualified name its StackReference reads)."""
    if project == PROJECT:
        return parse_stack_config(config, source), None
    reference = config.get(f"{project}:{ZONE_STACK_KEY}")
    if not reference:
        return None, None
    name, qualified = zone_stack_names(project, str(reference), source)
    zone_path = stack_file(name)
    return parse_stack_config(read_stack_file(zone_path), str(zone_path)), (name, qualified)


def _zone_context(project: str, config: dict[str, Any], source: str, stack: str = ""
                  ) -> tuple[StackConfig | Baseline | None, dict]:
    """The config that governs a program (its pack config is derived from it), and the outputs of the
    stacks it references, recorded first so that its StackReferences see their exports: the zone
    program's account baseline, the in-cluster program's zone stack."""
    if project == baseline_project():
        return parse_baseline_config(config, stack, source), {}
    stack_config, zone_stack = governing_stack(project, config, source)
    if project == PROJECT:
        return stack_config, referenced_outputs(project, config, source)
    if zone_stack is None:
        return None, {}
    return stack_config, zone_outputs(project, str(config[f"{project}:{ZONE_STACK_KEY}"]), source)[1]


def run_preview(stack: str, *, stacks_dir: Path = STACKS_DIR, pack_dir: Path = POLICY_PACK_DIR,
                pack_config: dict[str, Any] | None = None, pack_config_name: str = "policy pack config"
                ) -> PreviewResult:
    path = stack_file(stack, stacks_dir)
    config = read_stack_file(path)
    project = project_of(stacks_dir)
    # A ConfigError here means nothing is registered.
    stack_config, stack_outputs = _zone_context(project, config, str(path), stack)
    pack = PolicyPackClient(pack_dir, project=project, stack=stack)
    # The pack (a process importing its policies) starts while the program runs: that hides most of
    # its start-up (bench/README.md).
    with ThreadPoolExecutor(max_workers=1) as starter:
        starting = starter.submit(pack.start)
        try:
            recording = record_program(stacks_dir, stack, config, project=project, stack_outputs=stack_outputs)
            starting.result()
            _, policies = pack.info()
            names = [p.name for p in policies]
            if pack_config is None:  # placement and residency rules are the stack's own
                pack_config = derive_pack_config(stack_config, names, program_of(project)) if stack_config else {}
                pack_config_name = f"policy pack config derived from {path}"
            levels = pack.configure(policies, validate_pack_config(pack_config, pack_config_name, names))
            resources = to_analyzer_resources(recording, config)
            diagnostics = [d for resource in resources for d in pack.analyze(resource)]
            diagnostics += pack.analyze_stack(resources)
        finally:
            wait([starting])
            pack.close()
    return PreviewResult(stack=stack, recording=recording, policies=policies,
                         violations=_violations(diagnostics, {p.name: p for p in policies}, recording.by_urn()),
                         tallies=tally(policies, levels, pack_scopes(pack_dir), resources, diagnostics))
