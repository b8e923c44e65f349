"""What each confidential-compute mode protects, and from whom (catalog/confidential_modes.yaml).

The config model reads the GPU parent's gaps from here, so that the acknowledgement a zone must
record before a class requiring confidential compute runs on GPUs names exactly what the catalog
says that mode does not guarantee.
"""
from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from regzone.catalog_files import load_catalog_yaml


class ConfidentialMode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str
    where: str
    memory_encrypted: bool
    attestable: bool
    gpu_access: bool
    protects: str
    protects_from: list[str] = Field(min_length=1)
    does_not_protect: str
    sources: list[str] = Field(min_length=1)
    gaps: dict[str, str] = {}


@lru_cache(maxsize=1)
def confidential_modes() -> dict[str, ConfidentialMode]:
    raw = load_catalog_yaml("confidential_modes.yaml")["modes"]
    return {name: ConfidentialMode.model_validate(entry) for name, entry in raw.items()}


def gpu_parent_gaps() -> list[str]:
    """What a GPU node group does not guarantee to a class that requires confidential compute."""
    return sorted(confidential_modes()["nitro_system"].gaps)
