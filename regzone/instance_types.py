"""Instance-type capabilities (catalog/instance_types.yaml) and the checks node groups must pass.

The config model, the node-group component and the policy pack all validate against this one
data file, so that an unsupported type/feature combination gets the same message everywhere,
before anything is registered.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from regzone.catalog_files import load_catalog_yaml

Confidential = Literal["nitro_enclaves", "sev_snp", "none"]
NodeKind = Literal["gpu", "cpu"]
SEV_SNP_FEATURE = "amd-sev-snp"


class InstanceType(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    gpus: int = Field(ge=0)
    vcpus: int = Field(ge=1)
    memory_mib: int = Field(ge=1)
    nitro_enclaves: bool
    amd_sev_snp: bool
    source: Literal["ec2-api", "cdk-props", "ec2-guide"]


@lru_cache(maxsize=1)
def instance_catalog() -> dict[str, InstanceType]:
    raw = load_catalog_yaml("instance_types.yaml")["instance_types"]
    return {name: InstanceType.model_validate(entry) for name, entry in raw.items()}


def supporting(feature: str) -> list[str]:
    """Catalogued types that have `feature` (`nitro_enclaves`, `amd_sev_snp` or `gpu`)."""
    catalog = instance_catalog()
    if feature == "gpu":
        return [name for name, entry in catalog.items() if entry.gpus > 0]
    return [name for name, entry in catalog.items() if getattr(entry, feature)]


def instance_type_problem(instance_type: str, *, kind: NodeKind, confidential: Confidential) -> str | None:
    """Why `instance_type` cannot serve a `kind` node group with `confidential`, or None if it can."""
    catalog = instance_catalog()
    entry = catalog.get(instance_type)
    if entry is None:
        return (f"{instance_type} is not in catalog/instance_types.yaml, so its confidential-compute "
                f"support is unknown; supported: {', '.join(catalog)}")
    if confidential == "sev_snp" and not entry.amd_sev_snp:
        return f"{instance_type} does not support AMD SEV-SNP; supported: {', '.join(supporting('amd_sev_snp'))}"
    if confidential == "nitro_enclaves" and not entry.nitro_enclaves:
        wanted = [n for n in supporting("nitro_enclaves") if (catalog[n].gpus > 0) == (kind == "gpu")]
        return f"{instance_type} does not support Nitro Enclaves; supported: {', '.join(wanted)}"
    if kind == "gpu" and entry.gpus == 0:
        return f"{instance_type} has no GPU; supported for gpu node groups: {', '.join(supporting('gpu'))}"
    if kind == "cpu" and entry.gpus > 0:
        cpu_types = [name for name, e in catalog.items() if e.gpus == 0]
        return f"{instance_type} is a GPU type; supported for cpu node groups: {', '.join(cpu_types)}"
    return None


# Nitro Enclaves take whole cores from the parent: with two threads per core (every catalogued type)
# an enclave's vCPU count is even, and the parent keeps at least 2 vCPUs, CPU 0 and its sibling
# (AWS Nitro Enclaves User Guide, "Working with multiple enclaves"; Linux kernel documentation,
# virt/ne_overview: at least 64 MiB of enclave memory). The parent also runs the kubelet, the node's
# pods and, on GPU types, the model server: this project lets an enclave take at most half the
# instance's memory.
ENCLAVE_MIN_MEMORY_MIB = 64
ENCLAVE_PARENT_VCPUS = 2


def enclave_allocation_problem(instance_type: str, *, cpu_count: int, memory_mib: int) -> str | None:
    """Why `instance_type` cannot reserve `cpu_count` vCPUs and `memory_mib` MiB for enclaves, or None."""
    entry = instance_catalog().get(instance_type)
    if entry is None:
        return f"{instance_type} is not in catalog/instance_types.yaml, so its vCPUs and memory are unknown"
    if cpu_count % 2:
        return (f"cpu_count {cpu_count} is odd: enclaves take whole cores (two vCPUs each on {instance_type}); "
                "valid: an even number")
    if cpu_count > entry.vcpus - ENCLAVE_PARENT_VCPUS:
        return (f"cpu_count {cpu_count} leaves {instance_type} ({entry.vcpus} vCPUs) fewer than "
                f"{ENCLAVE_PARENT_VCPUS} vCPUs; valid: 2..{entry.vcpus - ENCLAVE_PARENT_VCPUS}")
    if not ENCLAVE_MIN_MEMORY_MIB <= memory_mib <= entry.memory_mib // 2:
        return (f"memory_mib {memory_mib} does not fit {instance_type} ({entry.memory_mib} MiB); valid: "
                f"{ENCLAVE_MIN_MEMORY_MIB}..{entry.memory_mib // 2} (at most half the instance's memory)")
    return None


def sev_snp_unsupported(instance_types: list[str]) -> list[str]:
    """The requested types that cannot launch with AMD SEV-SNP (unknown types count as unsupported)."""
    catalog = instance_catalog()
    return [t for t in instance_types if t not in catalog or not catalog[t].amd_sev_snp]


# How a node group states what it may run, read by the policy pack (labels on the nodes, tags on
# the node group): the zone, each permitted data class, and the confidential-compute mode.
LABEL_ZONE = "regzone.io/zone"
LABEL_CONFIDENTIAL = "regzone.io/confidential"
# gpu or cpu: what the in-cluster device plugins select nodes by.
LABEL_NODE_KIND = "regzone.io/node-kind"
LABEL_DATA_CLASS_PREFIX = "data-class.regzone.io/"
TAG_CONFIDENTIAL = "regzone:confidential"
TAG_CONFIDENTIAL_REQUIRED = "regzone:confidential-required"
# The approval of a GPU group's recorded acknowledgement of what GPU parents do not guarantee.
TAG_GPU_ACKNOWLEDGEMENT = "regzone:gpu-processing-acknowledgement"
