"""Drives a policy pack as the analyzer plugin it is, over gRPC, the way `pulumi preview
--policy-pack` does: launch `python -u -m pulumi.policy`, read the port, then GetAnalyzerInfo,
ConfigureStack, Configure, Analyze per resource and AnalyzeStack."""
from __future__ import annotations

import os
# subprocess launches the project's own policy pack with a fixed argv, as the Pulumi CLI does.
import subprocess  # nosec B404
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

_ENFORCEMENT = {analyzer_pb2.ADVISORY: "advisory", analyzer_pb2.MANDATORY: "mandatory",
                analyzer_pb2.DISABLED: "disabled", analyzer_pb2.REMEDIATE: "remediate"}
_ENFORCEMENT_VALUE = {name: value for value, name in _ENFORCEMENT.items()}
_START_TIMEOUT_S = 60


class PackError(Exception):
    """The policy pack could not be started or answered with an error."""


@dataclass
class Diagnostic:
    policy: str
    enforcement: str
    urn: str
    message: str
    severity: int


@dataclass
class PolicyInfo:
    name: str
    description: str
    enforcement: str
    tags: list[str]
    url: str
    remediation: str
    severity: int

    @property
    def controls(self) -> list[str]:
        return [tag.split(":", 1)[1] for tag in self.tags if tag.startswith("control:")]


@dataclass
class AnalyzerResource:
    """What the engine sends per resource: inputs, options and the provider's inputs."""

    urn: str
    type: str
    name: str
    properties: struct_pb2.Struct
    protect: bool = False
    parent: str = ""
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, list[str]] | None = None
    provider: tuple[str, str, str, struct_pb2.Struct] | None = None  # (type, urn, name, inputs)

    def _provider(self) -> analyzer_pb2.AnalyzerProviderResource | None:
        if self.provider is None:
            return None
        ptype, purn, pname, pprops = self.provider
        return analyzer_pb2.AnalyzerProviderResource(type=ptype, urn=purn, name=pname, properties=pprops)

    def analyze_request(self) -> analyzer_pb2.AnalyzeRequest:
        return analyzer_pb2.AnalyzeRequest(
            type=self.type, properties=self.properties, urn=self.urn, name=self.name,
            options=analyzer_pb2.AnalyzerResourceOptions(protect=self.protect, parent=self.parent),
            provider=self._provider())

    def stack_resource(self) -> analyzer_pb2.AnalyzerResource:
        deps = {key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns)
                for key, urns in (self.property_dependencies or {}).items()}
        return analyzer_pb2.AnalyzerResource(
            type=self.type, properties=self.properties, urn=self.urn, name=self.name,
            options=analyzer_pb2.AnalyzerResourceOptions(protect=self.protect, parent=self.parent),
            provider=self._provider(), parent=self.parent, dependencies=list(self.dependencies),
            propertyDependencies=deps)


class PolicyPackClient:
    """A running policy pack. Use as a context manager; the process is stopped on exit."""

    def __init__(self, pack_dir: Path, *, project: str, stack: str, python: str = sys.executable) -> None:
        self.pack_dir = pack_dir
        self.project = project
        self.stack = stack
        self.python = python
        self._process: subprocess.Popen | None = None
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._stderr: list[str] = []

    def __enter__(self) -> "PolicyPackClient":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        if not (self.pack_dir / "PulumiPolicy.yaml").is_file():
            raise PackError(f"{self.pack_dir} is not a policy pack (no PulumiPolicy.yaml)")
        env = {**os.environ, "PULUMI_PROJECT": self.project, "PULUMI_STACK": self.stack, "PULUMI_DRY_RUN": "true"}
        process = self._process = subprocess.Popen(  # nosec B603
            [self.python, "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."],
            cwd=self.pack_dir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._drain_stderr, args=(process,), daemon=True).start()
        port = self._read_port(process)
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}",
                                              options=[("grpc.max_receive_message_length", 400 * 1024 * 1024),
                                                       ("grpc.max_send_message_length", 400 * 1024 * 1024)])
        try:
            grpc.channel_ready_future(self._channel).result(timeout=_START_TIMEOUT_S)
        except grpc.FutureTimeoutError:
            raise PackError(f"policy pack {self.pack_dir} did not accept connections on port {port}") from None
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)

    def _drain_stderr(self, process: subprocess.Popen) -> None:
        for line in process.stderr:
            self._stderr.append(line)

    def _read_port(self, process: subprocess.Popen) -> int:
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(_START_TIMEOUT_S)
        line = result[0].strip() if result else ""
        if not line.isdigit():
            if process.poll() is None:
                process.kill()
            process.wait(timeout=5)
            detail = "".join(self._stderr[-40:]).strip() or line or "no output"
            raise PackError(f"policy pack {self.pack_dir} failed to start:\n{detail}")
        return int(line)

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()

    def _call(self, method: str, request: Any) -> Any:
        if self._stub is None:
            raise PackError("the policy pack is not running: call start() first")
        try:
            return getattr(self._stub, method)(request)
        except grpc.RpcError as err:
            detail = err.details() if hasattr(err, "details") else str(err)
            raise PackError(f"policy pack {method} failed: {detail}\n{''.join(self._stderr[-40:])}") from None

    def info(self) -> tuple[analyzer_pb2.AnalyzerInfo, list[PolicyInfo]]:
        info = self._call("GetAnalyzerInfo", empty_pb2.Empty())
        policies = [PolicyInfo(name=p.name, description=p.description,
                               enforcement=_ENFORCEMENT.get(p.enforcementLevel, "advisory"), tags=list(p.tags),
                               url=p.url, remediation=p.remediation_steps, severity=p.severity)
                    for p in info.policies]
        return info, policies

    def configure(self, policies: list[PolicyInfo], pack_config: dict[str, Any] | None = None,
                  stack_config: dict[str, str] | None = None) -> dict[str, str]:
        """Send config the way the CLI does for `--policy-pack-config`: every policy gets its
        enforcement level (its own entry, else `all`, else its default) and its properties.
        Returns the level each policy was given."""
        pack_config = pack_config or {}
        self._call("ConfigureStack", analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=self.stack, project=self.project, dry_run=True, config=stack_config or {}))
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        default_level = pack_config.get("all")
        levels = {}
        for policy in policies:
            entry = pack_config.get(policy.name, default_level or policy.enforcement)
            if isinstance(entry, str):
                entry = {"enforcementLevel": entry}
            level = entry.get("enforcementLevel", default_level or policy.enforcement)
            if level not in _ENFORCEMENT_VALUE:
                raise PackError(f"policy pack config: {policy.name}.enforcementLevel {level!r} is not one of "
                                f"{', '.join(_ENFORCEMENT_VALUE)}")
            levels[policy.name] = level
            properties = struct_pb2.Struct()
            properties.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
            request.policyConfig[policy.name].CopyFrom(
                analyzer_pb2.PolicyConfig(enforcementLevel=_ENFORCEMENT_VALUE[level], properties=properties))
        self._call("Configure", request)
        return levels

    def analyze(self, resource: AnalyzerResource) -> list[Diagnostic]:
        response = self._call("Analyze", resource.analyze_request())
        return [_diagnostic(d, resource.urn) for d in response.diagnostics]

    def analyze_stack(self, resources: list[AnalyzerResource]) -> list[Diagnostic]:
        request = analyzer_pb2.AnalyzeStackRequest(resources=[r.stack_resource() for r in resources])
        response = self._call("AnalyzeStack", request)
        return [_diagnostic(d, "") for d in response.diagnostics]


def _diagnostic(d: analyzer_pb2.AnalyzeDiagnostic, default_urn: str) -> Diagnostic:
    return Diagnostic(policy=d.policyName, enforcement=_ENFORCEMENT.get(d.enforcementLevel, "advisory"),
                      urn=d.urn or default_urn, message=d.message, severity=d.severity)
