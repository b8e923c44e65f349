"""A stack's state as `pulumi stack export` writes it, with every secret value redacted.

The export is an `apitype.UntypedDeployment` (`version` 3 or 4, `deployment` a DeploymentV3:
`manifest`, `resources` with `urn`, `type`, `id`, `custom`, `inputs`, `outputs`, `parent`,
`provider`, `external`, `delete`; pulumi/pulumi sdk/go/common/apitype/core.go). A secret value is
an object whose signature key `4dabf18193072939515e22adb298388d` holds
`1b47061264138c4ac30d75fd1eb44270` (sdk/go/common/resource/sig/sig.go), with `ciphertext`, or with
`plaintext` when exported with --show-secrets (pkg/resource/stack/deployment.go). Nothing read here
keeps a secret: each is replaced by SECRET before any other module sees the value.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # nosec B105 - the type signature of a secret, not one
SECRET = "[secret]"  # nosec B105 - the marker that replaces a secret value
STACK_TYPE = "pulumi:pulumi:Stack"
SUPPORTED_VERSIONS = (3, 4)


class StateError(Exception):
    """The state file cannot be read as a `pulumi stack export`; the message names what is wrong."""


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def redact(value: Any) -> Any:
    """`value` with every secret replaced by SECRET (never hashed: a hash of a short secret can be
    guessed)."""
    if is_secret(value):
        return SECRET
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


@dataclass(frozen=True)
class StateResource:
    urn: str
    type: str
    id: str | None
    custom: bool
    inputs: dict[str, Any]       # redacted
    outputs: dict[str, Any]      # redacted
    parent: str | None
    provider: str | None         # "<provider urn>::<provider id>"

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class StackState:
    project: str
    stack: str
    resources: list[StateResource]
    outputs: dict[str, Any] = field(default_factory=dict)   # the stack's exports, redacted
    pulumi_version: str | None = None

    def provider_region(self, resource: StateResource) -> str | None:
        """The `region` input of the resource's provider, when it names one."""
        if not resource.provider:
            return None
        urn = resource.provider.rsplit("::", 1)[0]
        provider = next((r for r in self.resources if r.urn == urn), None)
        region = provider.inputs.get("region") if provider else None
        return region if isinstance(region, str) else None


def _urn_parts(urn: str, where: str) -> tuple[str, str]:
    # urn:pulumi:<stack>::<project>::<type>::<name>
    parts = urn.split("::")
    if not urn.startswith("urn:pulumi:") or len(parts) < 4:
        raise StateError(f"{where}: urn {urn!r} is not a Pulumi URN (urn:pulumi:STACK::PROJECT::TYPE::NAME)")
    return parts[0].removeprefix("urn:pulumi:"), parts[1]


def parse_state(document: Any, where: str) -> StackState:
    if not isinstance(document, dict) or not isinstance(document.get("deployment"), dict):
        raise StateError(f"{where}: not a `pulumi stack export` (no `deployment` object)")
    version = document.get("version")
    if version not in SUPPORTED_VERSIONS:
        raise StateError(f"{where}: deployment version {version!r} is not supported; "
                         f"valid: {', '.join(map(str, SUPPORTED_VERSIONS))}")
    deployment = document["deployment"]
    raw = deployment.get("resources") or []
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise StateError(f"{where}: deployment.resources is not a list of resources")
    stack_resource = next((r for r in raw if r.get("type") == STACK_TYPE), None)
    if stack_resource is None:
        raise StateError(f"{where}: no {STACK_TYPE} resource: the stack has never been deployed")
    stack, project = _urn_parts(str(stack_resource.get("urn", "")), where)
    resources = []
    for index, r in enumerate(raw):
        # Resources pending deletion (replaced) and read-only lookups are not part of what was deployed.
        if r is stack_resource or r.get("delete") or r.get("external") or r.get("pendingReplacement"):
            continue
        _urn_parts(str(r.get("urn", "")), f"{where}: deployment.resources[{index}]")
        resources.append(StateResource(
            urn=r["urn"], type=str(r.get("type", "")), id=r.get("id") or None, custom=bool(r.get("custom")),
            inputs=redact(r.get("inputs") or {}), outputs=redact(r.get("outputs") or {}),
            parent=r.get("parent") or None, provider=r.get("provider") or None))
    manifest = deployment.get("manifest") or {}
    return StackState(project=project, stack=stack, resources=resources,
                      outputs=redact(stack_resource.get("outputs") or {}), pulumi_version=manifest.get("version"))


def load_state(path: Path) -> StackState:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise StateError(f"--state {path}: cannot be read ({err.strerror or err})") from None
    except ValueError as err:
        raise StateError(f"--state {path}: not JSON ({err})") from None
    return parse_state(document, f"--state {path}")
