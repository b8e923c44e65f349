"""A `pulumi stack export` built from a preview recording, as the CLI would write it after `pulumi up`
(apitype.UntypedDeployment version 3): the mocks' ids and outputs stand in for the provider's.

Secrets take both forms the CLI writes: `ciphertext` (a plain export) and `plaintext` (--show-secrets),
with values that must never reach a record. The TLS private keys get the secret output the tls
provider marks secret (privateKeyPem)."""
from __future__ import annotations

import copy
from typing import Any

from google.protobuf import json_format

from regzone.preview.recorder import Recording
from regzone.record.state import SECRET_SIG, SIG_KEY

PLAINTEXT_SECRET = "-----BEGIN PRIVATE KEY----- plaintext-secret-never-recorded"
CIPHERTEXT_SECRET = "djE6ciphertext-secret-never-recorded"


def _secrets(value: Any, form: str) -> Any:
    if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        return {SIG_KEY: SECRET_SIG, form: PLAINTEXT_SECRET if form == "plaintext" else CIPHERTEXT_SECRET}
    if isinstance(value, dict):
        return {k: _secrets(v, form) for k, v in value.items()}
    if isinstance(value, list):
        return [_secrets(v, form) for v in value]
    return value


def export(recording: Recording, *, stack_outputs: dict | None = None) -> dict[str, Any]:
    stack_urn = f"urn:pulumi:{recording.stack}::{recording.project}::pulumi:pulumi:Stack::{recording.project}-{recording.stack}"
    resources: list[dict[str, Any]] = [{"urn": stack_urn, "custom": False, "type": "pulumi:pulumi:Stack",
                                        "outputs": copy.deepcopy(stack_outputs or recording.outputs)}]
    for index, r in enumerate(recording.resources):
        form = "plaintext" if index % 2 else "ciphertext"
        outputs = json_format.MessageToDict(r.outputs) if r.outputs is not None else {}
        if r.type == "tls:index/privateKey:PrivateKey":
            outputs["privateKeyPem"] = {SIG_KEY: SECRET_SIG, "plaintext": f'"{PLAINTEXT_SECRET}"'}
        entry = {"urn": r.urn, "custom": r.custom, "type": r.type, "inputs": _secrets(r.inputs, form),
                 "outputs": _secrets(outputs, form), "parent": r.parent or stack_urn}
        if r.custom:
            entry["id"] = r.id
        if r.provider:
            entry["provider"] = r.provider
        resources.append(entry)
    return {"version": 3, "deployment": {
        "manifest": {"time": "2026-01-01T00:00:00Z", "magic": "", "version": "v3.272.0"},
        "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:synthetic"}},
        "resources": resources}}
