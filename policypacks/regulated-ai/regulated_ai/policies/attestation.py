"""Attested key release (control RAZ-CMP-008): a zone that holds a data class requiring confidential
compute has an enclave key whose policy releases data keys to the zone's workload roles only inside
an attested Nitro enclave, and decrypts for nobody without attestation.

The key policy is judged by what it permits (regzone.attestation on regzone_core.policy), so a
wildcard or IfExists measurement, an unconditioned grant to the account, or a statement for
another path fails however it is written. A zone's classes come from its keys' data-class tag
(provider default tags included) and the pack config's zone registry; a class the pack config
does not know counts as requiring confidential compute (fail closed). Every key type can be the
enclave key (imported material and replicas too), and a KeyPolicy resource for it replaces its
policy, so each KeyPolicy of an enclave key is judged as the key's policy is.
"""
from __future__ import annotations

from collections.abc import Iterator

from components.kms_policy import ENCLAVE_PURPOSE
from regulated_ai.framework import ResourceView, StackView, Unverifiable, is_unknown, unverifiable, stack_policy
from regulated_ai.policies.tagging import effective_tags
from regulated_ai.types import KMS_KEY_POLICY, KMS_KEYS
from regzone.attestation import attested_release_problems
from regzone.tags import TAG_DATA_CLASS, TAG_ZONE, parse_data_class_tag
from regzone_core.policy import PolicyError


def _known_tag(tags: dict, key: str) -> str | None:
    value = tags.get(key)
    if is_unknown(value):
        raise unverifiable(value, f"tags.{key}")
    return value if isinstance(value, str) else None


def _zones(stack: StackView) -> dict[str, tuple[set[str], list[ResourceView]]]:
    """Zone -> (its data classes, its KMS keys), from the keys' effective tags."""
    zones: dict[str, tuple[set[str], list[ResourceView]]] = {}
    for key in stack.of_type(*KMS_KEYS):
        tags = effective_tags(key)
        zone = _known_tag(tags, TAG_ZONE)
        if zone is None:
            continue
        classes, keys = zones.setdefault(zone, (set(), []))
        classes.update(parse_data_class_tag(_known_tag(tags, TAG_DATA_CLASS) or ""))
        keys.append(key)
    for zone, (classes, _) in zones.items():
        entry = stack.settings.zones.get(zone)
        classes.update(entry.data_classes if entry is not None else [])
    return zones


@stack_policy(
    "kms-enclave-key-attested-release",
    description="A zone holding a class that requires confidential compute has an enclave key that releases data "
                "keys to its workload roles only inside attested Nitro enclaves, and to nobody without attestation.",
    controls=["RAZ-CMP-008"], types=(*KMS_KEYS, KMS_KEY_POLICY))
def kms_enclave_key_attested_release(stack: StackView) -> Iterator[tuple[str, str]]:
    rules = stack.settings.data_class_policy
    deployer = stack.settings.deployer_role_arn
    for zone, (classes, keys) in sorted(_zones(stack).items()):
        strict = sorted(c for c in classes if c not in rules or rules[c].require_confidential_compute)
        enclave_keys = [k for k in keys if (k.known("tags", None) or {}).get("purpose") == ENCLAVE_PURPOSE]
        if not strict and not enclave_keys:
            continue
        if not enclave_keys:
            yield keys[0].urn, (f"zone {zone} holds data class {strict[0]}, which requires confidential compute, but "
                                f"has no enclave key (KMS key tagged purpose={ENCLAVE_PURPOSE}) releasing its model and "
                                "data keys only to attested enclaves: set the zone's enclave_attestation.")
            continue
        if deployer is None:
            yield enclave_keys[0].urn, ("the pack config names no deployer_role_arn, so the account of zone "
                                        f"{zone}'s workload roles is unknown and its enclave key cannot be judged.")
            continue
        account, partition = deployer.split(":")[4], deployer.split(":")[1]
        for key in enclave_keys:
            for holder, what in _policies_of(key, stack):
                document = holder.known("policy")
                try:
                    problems = (attested_release_problems(document, zone=zone, account=account, partition=partition)
                                if document is not None else
                                ["it has no key policy, so the default one lets the account decrypt without "
                                 "attestation: set the enclave key policy"])
                except PolicyError as error:
                    problems = [f"{what} cannot be evaluated: {error}"]
                for problem in problems:
                    yield holder.urn, f"enclave key '{key.name}' of zone {zone} ({what}): {problem}."


def _policies_of(key: ResourceView, stack: StackView) -> list[tuple[ResourceView, str]]:
    """(resource holding the policy, how to name it): the KeyPolicy resources for the key, which
    replace its policy (each one, as any may be the last applied), else the key itself."""
    attached = [(p, f"KeyPolicy '{p.name}'") for p in stack.of_type(KMS_KEY_POLICY)
                if key in p.property_dependencies.get("keyId", [])]
    return attached or [(key, "its policy")]
