"""Config and zone-stack outputs of the in-cluster program (incluster/), validated up front.

Config keys live under the program's project namespace (`regzone-incluster:`); errors name the key
like the zone config's do. The zone stack's outputs it reads (stacks/__main__.py exports them):
`clusters.<zone>.{name, arn, endpoint, certificate_authority}` (required) and
`zones.<zone>.key_arns.data` and `zones.<zone>.endpoint_subnet_cidrs` (required) plus, when the zone
exports them, `zones.<zone>.data_bucket_arns.<class>`
and `zones.<zone>.key_arns.enclave` (zones with enclave attestation).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from regzone.config.errors import ConfigError, KeyedError, format_validation_error
from regzone.config.loader import decode_config_value
from regzone.config.model import ROLE_ARN_PATTERN, StackConfig, Zone
from regzone.zone_stack import check_zone_stack, qualified_zone_stack, zone_stack_name

NAMESPACE = "regzone-incluster"
_NAMESPACE = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Access(_Strict):
    """IAM roles per duty (EKS access entries); one principal may hold one duty only."""

    trainers: list[str] = []
    inference_operators: list[str] = []
    auditors: list[str] = []

    @model_validator(mode="after")
    def _roles(self) -> "Access":
        seen: dict[str, str] = {}
        for duty in ("trainers", "inference_operators", "auditors"):
            for i, arn in enumerate(getattr(self, duty)):
                if not re.match(ROLE_ARN_PATTERN, arn):
                    raise KeyedError((duty, i), f"{arn!r} is not an IAM role ARN; "
                                     "valid: arn:aws:iam::111122223333:role/name")
                if arn in seen:
                    raise KeyedError((duty, i), f"is already listed under {seen[arn]}; valid: one duty per "
                                     "principal (segregation of duties)")
                seen[arn] = duty
        return self


class InClusterSettings(_Strict):
    # The zone stack's name (`dev`) or `<org>/<zone project>/<stack>` (regzone/zone_stack.py).
    zone_stack: Annotated[str, AfterValidator(check_zone_stack)]
    zone: str = Field(min_length=1)
    access: Access = Access()
    verify_image_signatures: bool = False
    signer_public_key: str | None = None
    # Platform add-on namespaces (e.g. kyverno) outside workload admission, besides the system ones.
    admission_exempt_namespaces: list[Annotated[str, Field(pattern=_NAMESPACE)]] = []

    @property
    def zone_stack_name(self) -> str:
        """The zone stack's name: its config is stacks/Pulumi.<name>.yaml."""
        return zone_stack_name(self.zone_stack)

    def zone_stack_reference(self, organization: str) -> str:
        """What the StackReference reads, for a program running under `organization`."""
        return qualified_zone_stack(self.zone_stack, organization)

    @model_validator(mode="after")
    def _signer(self) -> "InClusterSettings":
        if self.verify_image_signatures and not (self.signer_public_key or "").startswith("-----BEGIN PUBLIC KEY"):
            raise KeyedError(("signer_public_key",), "is required when verify_image_signatures is true; "
                             "valid: the cosign public key (PEM) of the zone's promotion signer")
        return self


def parse_incluster_config(config: dict[str, Any], source: str) -> InClusterSettings:
    """Validate `regzone-incluster:*` keys of a stack file or the running program's config."""
    prefix = f"{NAMESPACE}:"
    raw = {key[len(prefix):]: decode_config_value(value) for key, value in config.items() if key.startswith(prefix)}
    try:
        return InClusterSettings.model_validate(raw)
    except ValidationError as err:
        raise format_validation_error(err, raw, NAMESPACE, source) from None


def zone_of(stack: StackConfig, name: str, source: str) -> Zone:
    for zone in stack.zones:
        if zone.name == name:
            return zone
    raise ConfigError(f"{source}: {NAMESPACE}:zone = {name!r}: no such zone in the zone stack; "
                      f"valid: {', '.join(z.name for z in stack.zones)}")


@dataclass(frozen=True)
class ZoneOutputs:
    """What the in-cluster program needs from the zone stack's outputs."""

    cluster_name: str
    cluster_arn: str
    endpoint: str
    certificate_authority: str
    data_key_arn: str
    data_bucket_arns: dict[str, str]
    # CIDRs of the subnets holding the zone's interface endpoints.
    endpoint_subnet_cidrs: tuple[str, ...] = ()
    enclave_key_arn: str | None = None

    @staticmethod
    def of(outputs: dict[str, Any], zone: str, stack_ref: str) -> "ZoneOutputs":
        def need(path: str) -> Any:
            node: Any = outputs
            for part in path.split("."):
                if not isinstance(node, dict) or part not in node:
                    raise ConfigError(f"zone stack {stack_ref} has no output `{path}`; deploy the zone stack "
                                      "with a cluster for this zone first (stacks/__main__.py exports it)")
                node = node[part]
            return node

        return ZoneOutputs(
            cluster_name=need(f"clusters.{zone}.name"), cluster_arn=need(f"clusters.{zone}.arn"),
            endpoint=need(f"clusters.{zone}.endpoint"),
            certificate_authority=need(f"clusters.{zone}.certificate_authority"),
            data_key_arn=need(f"zones.{zone}.key_arns.data"),
            endpoint_subnet_cidrs=tuple(need(f"zones.{zone}.endpoint_subnet_cidrs")),
            data_bucket_arns=dict(outputs.get("zones", {}).get(zone, {}).get("data_bucket_arns") or {}),
            enclave_key_arn=(outputs.get("zones", {}).get(zone, {}).get("key_arns") or {}).get("enclave"))

    def data_bucket_arns_for(self, data_classes: list[str]) -> list[str]:
        return [self.data_bucket_arns[c] for c in sorted(data_classes) if c in self.data_bucket_arns]


def kubeconfig(outputs: ZoneOutputs, region: str) -> dict[str, Any]:
    """A kubeconfig that authenticates with the runner's IAM identity (`aws eks get-token`): no static token."""
    return {
        "apiVersion": "v1", "kind": "Config", "current-context": outputs.cluster_name,
        "clusters": [{"name": outputs.cluster_name, "cluster": {
            "server": outputs.endpoint, "certificate-authority-data": outputs.certificate_authority}}],
        "contexts": [{"name": outputs.cluster_name,
                      "context": {"cluster": outputs.cluster_name, "user": outputs.cluster_name}}],
        "users": [{"name": outputs.cluster_name, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", outputs.cluster_name, "--region", region]}}}],
    }
