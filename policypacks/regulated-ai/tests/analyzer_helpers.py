"""Test helpers: send hand-built resources to the running pack over the analyzer protocol."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from google.protobuf import struct_pb2

from regzone.paths import POLICY_PACK_DIR
from regzone.preview.analyzer import AnalyzerResource, Diagnostic, PolicyPackClient

PROVIDER_URN = "urn:pulumi:test::regzone::pulumi:providers:aws::default"


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def resource(type_token: str, props: dict[str, Any], *, name: str = "r", protect: bool = False,
             region: str = "eu-west-1", provider_props: dict[str, Any] | None = None,
             parent: str = "", dependencies: tuple[str, ...] = (),
             property_dependencies: dict[str, list[str]] | None = None) -> AnalyzerResource:
    urn = f"urn:pulumi:test::regzone::{type_token}::{name}"
    provider = None
    if type_token.startswith("aws:"):
        provider = ("pulumi:providers:aws", PROVIDER_URN, "default",
                    struct(provider_props if provider_props is not None else {"region": region}))
    return AnalyzerResource(urn=urn, type=type_token, name=name, properties=struct(props), protect=protect,
                            parent=parent, dependencies=dependencies,
                            property_dependencies=property_dependencies, provider=provider)


def violations(pack: PolicyPackClient, policy: str, res: AnalyzerResource) -> list[Diagnostic]:
    """Diagnostics of one policy for one resource (Analyze)."""
    return [d for d in pack.analyze(res) if d.policy == policy]


def stack_violations(pack: PolicyPackClient, policy: str, resources: list[AnalyzerResource]) -> list[Diagnostic]:
    """Diagnostics of one stack policy for a set of resources (AnalyzeStack)."""
    return [d for d in pack.analyze_stack(resources) if d.policy == policy]


@contextmanager
def configured_pack(**settings: Any) -> Iterator[PolicyPackClient]:
    """A pack process configured as `regzone pack-config` configures it: the same settings under every policy."""
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone", stack="test") as client:
        _, policies = client.info()
        client.configure(policies, {p.name: dict(settings) for p in policies})
        yield client
