"""A `pulumi stack export` built from a preview recording, as the CLI would write it after `pulumi up`
(apitype.UntypedDeployment version 3): the mocks' ids and outputs stand in for the provider's.

Secrets take both forms the CLI writes: `ciphertext` (a plain export) and `plaintext` (--show-secrets),
with values that must never reach a record. The TLS private keys get the secret output the tls
provider marks secret (privateKeyPem).

With `config` (the stack's config), the export also holds what the engine adds and the recording
cannot see: the default provider of each package as a `pulumi:providers:<package>` resource named
`default_<major>_<minor>_<patch>` (pulumi/pulumi pkg/resource/deploy/providers/provider.go,
DefaultName) with the stack's `<package>:*` config as its inputs, referenced as `<urn>::<id>` by
every custom resource that names no provider."""
from __future__ import annotations

import copy
import json
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from google.protobuf import json_format

from regzone.preview.recorder import Recording
from regzone.record.state import SECRET_SIG, SIG_KEY

PLAINTEXT_SECRET = "-----BEGIN PRIVATE KEY----- plaintext-secret-never-recorded"
CIPHERTEXT_SECRET = "djE6ciphertext-secret-never-recorded"


def _secrets(value: Any, form: str) -> Any:
    if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        # `plaintext` holds the value JSON-encoded (pkg/resource/stack/deployment.go, SerializePropertyValue).
        return {SIG_KEY: SECRET_SIG, form: json.dumps(PLAINTEXT_SECRET) if form == "plaintext" else CIPHERTEXT_SECRET}
    if isinstance(value, dict):
        return {k: _secrets(v, form) for k, v in value.items()}
    if isinstance(value, list):
        return [_secrets(v, form) for v in value]
    return value


def _wire_value(value: Any) -> Any:
    """A config value as a provider input: structured config (aws:defaultTags) is an object."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, (dict, list)) else value
    return value


def _default_provider(package: str, recording: Recording, config: dict[str, Any]) -> dict[str, Any]:
    inputs = {key.split(":", 1)[1]: _wire_value(value) for key, value in config.items()
              if key.startswith(f"{package}:")}
    try:
        inputs["version"] = version(f"pulumi_{package}")
        major, minor, patch = inputs["version"].split(".")[:3]
        name = f"default_{major}_{minor}_{patch}"
    except PackageNotFoundError:
        name = "default"
    return {"urn": f"urn:pulumi:{recording.stack}::{recording.project}::pulumi:providers:{package}::{name}",
            "custom": True, "id": f"{package}-default-id", "type": f"pulumi:providers:{package}",
            "inputs": inputs, "outputs": dict(inputs)}


def export(recording: Recording, *, stack_outputs: dict | None = None,
           config: dict[str, Any] | None = None) -> dict[str, Any]:
    stack_urn = f"urn:pulumi:{recording.stack}::{recording.project}::pulumi:pulumi:Stack::{recording.project}-{recording.stack}"
    resources: list[dict[str, Any]] = [{"urn": stack_urn, "custom": False, "type": "pulumi:pulumi:Stack",
                                        "outputs": copy.deepcopy(stack_outputs or recording.outputs)}]
    defaults: dict[str, dict[str, Any]] = {}
    for index, r in enumerate(recording.resources):
        form = "plaintext" if index % 2 else "ciphertext"
        outputs = json_format.MessageToDict(r.outputs) if r.outputs is not None else {}
        if r.type == "tls:index/privateKey:PrivateKey":
            outputs["privateKeyPem"] = {SIG_KEY: SECRET_SIG, "plaintext": json.dumps(PLAINTEXT_SECRET)}
        entry = {"urn": r.urn, "custom": r.custom, "type": r.type, "inputs": _secrets(r.inputs, form),
                 "outputs": _secrets(outputs, form), "parent": r.parent or stack_urn}
        if r.custom:
            entry["id"] = r.id
        if r.protect:
            entry["protect"] = True
        if r.retain_on_delete:
            entry["retainOnDelete"] = True
        if r.dependencies:
            entry["dependencies"] = list(r.dependencies)
        if r.property_dependencies:
            entry["propertyDependencies"] = {k: list(v) for k, v in r.property_dependencies.items()}
        package = r.type.split(":", 1)[0]
        if r.provider:
            entry["provider"] = r.provider
        elif config is not None and r.custom and package != "pulumi":
            if package not in defaults:
                defaults[package] = _default_provider(package, recording, config)
                resources.append(defaults[package])
            entry["provider"] = f"{defaults[package]['urn']}::{defaults[package]['id']}"
        resources.append(entry)
    return {"version": 3, "deployment": {
        "manifest": {"time": "2026-01-01T00:00:00Z", "magic": "", "version": "v3.272.0"},
        "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:synthetic"}},
        "resources": resources}}
