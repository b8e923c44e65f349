"""Replays a `pulumi stack export` against a policy pack the way `pulumi policy analyze --file` does
(pulumi/pulumi v3.229+, pkg/cmd/pulumi/policy/policy_analyze.go), so the pack can be tested on state
without the CLI.

What the engine sends is `AnalyzeSnapshot` in pkg/resource/deploy/analyze_snapshot.go:
- every resource of the snapshot except those marked `delete` (providers, components and the Stack
  resource included), in state order;
- `Analyze` once per resource with its recorded **inputs**, then `AnalyzeStack` once with every
  resource's **outputs** (`stateToAnalyzerResource(res, res.Inputs | res.Outputs, providers)`);
- name = the URN's last segment; options protect and parent; the provider (type, URN, name, inputs)
  when the `urn::id` reference names a provider in the snapshot; AnalyzeStack adds parent,
  dependencies and propertyDependencies;
- secrets are kept as secrets on the wire (analyzer_plugin.go MarshalOptions KeepSecrets), so the
  pack's SDK unwraps them to their value. A secret the CLI cannot decrypt offline is redacted to
  the string "[secret]" whatever its type (BlindingProvider, pkg/backend/secrets/providers.go);
  this harness does the same with every `ciphertext` and decodes every `plaintext`.
(`AnalyzeSnapshot` also calls `Remediate` per resource; the pack has no remediate-level policy.)"""
from __future__ import annotations

import json
from typing import Any

from google.protobuf import struct_pb2

from regzone.preview.analyzer import AnalyzerResource, Diagnostic, PolicyPackClient
from regzone.record.state import SECRET, SECRET_SIG, SIG_KEY


def wire_secrets(value: Any) -> Any:
    """State values as the engine marshals them to an analyzer: a secret is `{sig, value}`."""
    if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        plain = json.loads(value["plaintext"]) if "plaintext" in value else SECRET
        return {SIG_KEY: SECRET_SIG, "value": plain}
    if isinstance(value, dict):
        return {k: wire_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire_secrets(v) for v in value]
    return value


def _struct(properties: dict[str, Any] | None) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(wire_secrets(properties or {}))
    return struct


def _analyzer_resource(state: dict[str, Any], key: str, providers: dict[str, dict[str, Any]]) -> AnalyzerResource:
    provider = None
    reference = state.get("provider") or ""
    provider_state = providers.get(reference.rsplit("::", 1)[0]) if "::" in reference else None
    if provider_state is not None:
        provider = (provider_state["type"], provider_state["urn"], provider_state["urn"].rsplit("::", 1)[-1],
                    _struct(provider_state.get("inputs")))
    return AnalyzerResource(
        urn=state["urn"], type=state["type"], name=state["urn"].rsplit("::", 1)[-1],
        properties=_struct(state.get(key)), protect=bool(state.get("protect")), parent=state.get("parent") or "",
        dependencies=tuple(state.get("dependencies") or ()),
        property_dependencies={k: v for k, v in (state.get("propertyDependencies") or {}).items() if v},
        provider=provider)


def analyze_export(client: PolicyPackClient, document: dict[str, Any]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(resource diagnostics, stack diagnostics) of a configured pack on an export's resources."""
    resources = [r for r in document["deployment"]["resources"] if not r.get("delete")]
    providers = {r["urn"]: r for r in resources if r["type"].startswith("pulumi:providers:")}
    per_resource = [d for r in resources for d in client.analyze(_analyzer_resource(r, "inputs", providers))]
    stack = client.analyze_stack([_analyzer_resource(r, "outputs", providers) for r in resources])
    return per_resource, stack
