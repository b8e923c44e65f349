"""The component provider as the Pulumi CLI runs it: a subprocess started like the Python language
host starts a plugin (`python <provider dir> <engine address>`, pulumi/pulumi
sdk/python/cmd/pulumi-language-python/main.go RunPlugin), which prints its port and serves the
ResourceProvider protocol. GetSchema is what `pulumi package add` reads; Construct is what the engine
calls when a TypeScript, Go or YAML program declares a RegulatedAiZone, with a resource monitor (here
the SDK's MockMonitor behind a real gRPC server) that the provider registers the zone's resources with.
"""
import json
import subprocess  # nosec B404
import sys
import threading
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2, provider_pb2_grpc, resource_pb2
from pulumi.runtime.proto import resource_pb2_grpc
from pulumi.runtime.sync_await import _sync_await

from regzone.config.loader import read_stack_file
from regzone.paths import REPO_ROOT, STACKS_DIR
from regzone.preview.mocks import ZoneMocks, deployer_session_arn
from regzone.preview.recorder import PROJECT, RecordedResource, record_program
from regzone.preview.references import baseline_outputs

pytestmark = pytest.mark.slow

TOKEN = "regzone:index:RegulatedAiZone"
STACK = "dev"
STACK_URN = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
EXAMPLE = REPO_ROOT / "examples" / "yaml" / "Pulumi.yaml"


class RecordingMonitor(MockMonitor):
    """The SDK's mock resource monitor, recording each registration as the recorder does for a program."""

    def __init__(self, mocks: ZoneMocks) -> None:
        super().__init__(mocks)
        self.registered: list[RecordedResource] = []

    def make_urn(self, parent: str, type_: str, name: str) -> str:  # the test process runs no program
        if parent:
            type_ = parent.split("::")[2].split("$")[-1] + "$" + type_
        return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        self.registered.append(RecordedResource(
            urn=response.urn, type=request.type, name=request.name, custom=bool(request.custom),
            parent=request.parent, dependencies=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            provider=request.provider, protect=bool(request.protect), retain_on_delete=bool(request.retainOnDelete),
            properties=request.object, id=response.id))
        return response

    def SupportsFeature(self, request):  # noqa: N802
        return resource_pb2.SupportsFeatureResponse(hasSupport=super().SupportsFeature(request).hasSupport)


class MonitorServicer(resource_pb2_grpc.ResourceMonitorServicer):
    """Serves a MockMonitor over gRPC (one call at a time: the mocks are not thread-safe)."""

    def __init__(self, monitor: MockMonitor) -> None:
        self.monitor, self.lock = monitor, threading.Lock()

    def _call(self, method: str, request):
        with self.lock:
            return getattr(self.monitor, method)(request)

    def SupportsFeature(self, request, context):  # noqa: N802
        return self._call("SupportsFeature", request)

    def Invoke(self, request, context):  # noqa: N802
        return self._call("Invoke", request)

    def RegisterResource(self, request, context):  # noqa: N802
        return self._call("RegisterResource", request)

    def ReadResource(self, request, context):  # noqa: N802
        return self._call("ReadResource", request)

    def RegisterResourceOutputs(self, request, context):  # noqa: N802
        return self._call("RegisterResourceOutputs", request)

    def GetDeploymentInfo(self, request, context):  # noqa: N802
        return self._call("GetDeploymentInfo", request)

    def RegisterPackage(self, request, context):  # noqa: N802
        return self._call("RegisterPackage", request)

    def SignalAndWaitForShutdown(self, request, context):  # noqa: N802
        return self._call("SignalAndWaitForShutdown", request)


class EngineServicer(engine_pb2_grpc.EngineServicer):
    """The engine's log sink: keeps what the provider logs."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def Log(self, request, context):  # noqa: N802
        self.messages.append(request.message)
        return empty_pb2.Empty()

    def GetRootResource(self, request, context):  # noqa: N802
        return engine_pb2.GetRootResourceResponse(urn=STACK_URN)

    def SetRootResource(self, request, context):  # noqa: N802
        return engine_pb2.SetRootResourceResponse()


@pytest.fixture
def engine() -> Iterator[tuple[str, RecordingMonitor, EngineServicer]]:
    """A gRPC server with the resource monitor and the engine services, like the CLI's."""
    stack = read_stack_file(STACKS_DIR / f"Pulumi.{STACK}.yaml")
    mocks = ZoneMocks(stack["aws:region"], caller_arn=deployer_session_arn(stack["regzone:deployer_role_arn"]))
    monitor, log = RecordingMonitor(mocks), EngineServicer()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(MonitorServicer(monitor), server)
    engine_pb2_grpc.add_EngineServicer_to_server(log, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}", monitor, log
    server.stop(grace=None)


@pytest.fixture
def provider(engine, tmp_path) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """The plugin started as the language host starts it: the working directory is the consuming
    program's (not this repository), the engine address is the first argument, the port the first line."""
    address, _, _ = engine
    process = subprocess.Popen([sys.executable, str(REPO_ROOT / "provider"), address],  # nosec B603
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = process.stdout.readline().strip()
        assert port.isdigit(), process.stderr.read() if process.poll() is not None else port
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=30)
        yield provider_pb2_grpc.ResourceProviderStub(channel)
        channel.close()
    finally:
        process.kill()
        process.wait(timeout=30)


def test_served_schema_has_the_zone_with_typed_described_inputs(provider):
    schema = json.loads(provider.GetSchema(provider_pb2.GetSchemaRequest()).schema)
    assert schema["name"] == "regzone"
    resource = schema["resources"][TOKEN]
    assert resource["isComponent"] is True
    assert set(resource["requiredInputs"]) == {"region", "allowedRegions", "dataClassPolicy", "deployerRoleArn", "zone"}
    inputs = resource["inputProperties"]
    assert inputs["deployerRoleArn"]["type"] == "string" and "deployment" in inputs["deployerRoleArn"]["description"]
    assert inputs["dataClassPolicy"]["additionalProperties"]["$ref"] == "#/types/regzone:index:DataClassRuleArgs"
    zone = schema["types"]["regzone:index:ZoneArgs"]
    assert set(zone["required"]) == {"name", "assuranceLevel", "keyAdministrators", "keyUsers"}
    assert zone["properties"]["cluster"]["$ref"] == "#/types/regzone:index:ClusterArgs"
    assert zone["properties"]["assuranceLevel"]["type"] == "integer"
    assert all(p.get("description") for p in zone["properties"].values())
    group = schema["types"]["regzone:index:NodeGroupArgs"]
    assert group["properties"]["confidential"]["$ref"] == "#/types/regzone:index:ConfidentialMode"
    modes = schema["types"]["regzone:index:ConfidentialMode"]["enum"]
    assert {m["value"] for m in modes} == {"nitro_enclaves", "sev_snp", "none"}


def _zone_subtree(resources: list[RecordedResource]) -> dict[str, RecordedResource]:
    """The RegulatedAiZone and everything under it, by URN."""
    by_urn = {r.urn: r for r in resources}
    (zone,) = [r for r in resources if r.type == TOKEN]

    def under(resource: RecordedResource) -> bool:
        while resource.parent in by_urn:
            if resource.parent == zone.urn:
                return True
            resource = by_urn[resource.parent]
        return False
    return {r.urn: r for r in resources if r is zone or under(r)}


def _wire(resource: RecordedResource) -> dict:
    return {"type": resource.type, "name": resource.name, "parent": resource.parent, "provider": resource.provider,
            "protect": resource.protect, "retainOnDelete": resource.retain_on_delete,
            "dependencies": sorted(resource.dependencies), "inputs": json_format.MessageToDict(resource.properties)}


def test_construct_registers_what_the_python_program_registers_for_the_dev_zone(engine, provider):
    """The engine's Construct for the YAML example's zone registers the same resources, with the same
    inputs, options, parents and providers, as the Python program does for stacks/Pulumi.dev.yaml."""
    address, monitor, _ = engine
    python = record_program(STACKS_DIR, STACK, read_stack_file(STACKS_DIR / f"Pulumi.{STACK}.yaml"))
    (aws,) = [r for r in python.resources if r.type == "pulumi:providers:aws"]
    # The program reads the account baseline through a StackReference (read, not registered).
    reference = (f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack$pulumi:pulumi:StackReference::"
                 f"organization/regzone-baseline/{STACK}")
    role = next(iter(baseline_outputs("dev", "test").values()))["autoscaling_service_linked_role_arn"]

    # The program registers the zone's AWS provider first (devAiAws in the example), with the same inputs.
    registered = monitor.RegisterResource(resource_pb2.RegisterResourceRequest(
        type=aws.type, name=aws.name, parent=STACK_URN, custom=True, object=aws.properties))
    assert (registered.urn, registered.id) == (aws.urn, aws.id)
    example = yaml.safe_load(EXAMPLE.read_text())["resources"]["devAi"]
    properties = {**example["properties"], "autoscalingRoleArn": role}  # the StackReference output, resolved
    request = provider_pb2.ConstructRequest(
        project=PROJECT, stack=STACK, organization="organization", dryRun=True, monitorEndpoint=address,
        type=example["type"], name="dev-ai", parent=STACK_URN,
        inputs=_sync_await(rpc.serialize_properties(properties, {})),
        inputDependencies={"autoscalingRoleArn": provider_pb2.ConstructRequest.PropertyDependencies(
            urns=[reference])},
        providers={"aws": f"{aws.urn}::{aws.id}"})
    response = provider.Construct(request, timeout=300)

    assert response.urn == f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack$regzone:index:RegulatedAiZone::dev-ai"
    expected = {urn: _wire(r) for urn, r in _zone_subtree(python.resources).items()}
    constructed = {urn: _wire(r) for urn, r in _zone_subtree(monitor.registered).items()}
    assert len(expected) > 100
    assert sorted(constructed) == sorted(expected)
    different = [urn for urn in expected if constructed[urn] != expected[urn]]
    assert different == []
    state = json_format.MessageToDict(response.state)
    assert set(state["keyArns"]) == {"data", "audit", "artifacts", "secrets", "volumes"}
    assert state["clusterName"] and state["vpcCidr"] == "10.40.0.0/16"


def test_construct_refuses_invalid_inputs_before_registering_anything(engine, provider):
    address, monitor, _ = engine
    properties = yaml.safe_load(EXAMPLE.read_text())["resources"]["devAi"]["properties"]
    properties["zone"]["keyUsers"] = properties["zone"]["keyAdministrators"]
    request = provider_pb2.ConstructRequest(
        project=PROJECT, stack=STACK, dryRun=True, monitorEndpoint=address, type=TOKEN, name="dev-ai",
        parent=STACK_URN, inputs=_sync_await(rpc.serialize_properties(properties, {})))
    with pytest.raises(grpc.RpcError) as raised:
        provider.Construct(request, timeout=120)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "zone.keyUsers[0]" in raised.value.details() + str(raised.value.trailing_metadata())
    assert monitor.registered == []
