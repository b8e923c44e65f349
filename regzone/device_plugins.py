"""The device plugins that make GPUs and enclaves schedulable (catalog/device_plugins.yaml).

The node groups label their nodes with what a plugin selects on, the zone config must record the
intake of each plugin image its node groups need, and the in-cluster program runs each plugin on
exactly those nodes: all three read the same catalog entry.
"""
from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, model_validator

from regzone.instance_types import LABEL_CONFIDENTIAL, LABEL_NODE_KIND, Confidential, NodeKind
from regzone.catalog_files import load_catalog_yaml


class DevicePlugin(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    # The upstream image and tag an intake record's `source` must name.
    image: str = Field(pattern=r"^[a-z0-9.-]+(/[a-z0-9._-]+)+:[A-Za-z0-9_.-]+$")
    resource: str
    # The nodes it serves: those of one node kind, or of one confidential mode.
    node_kind: NodeKind | None = None
    confidential: Confidential | None = None
    # Labels the plugin itself requires on a node (its DaemonSet's nodeSelector).
    node_labels: dict[str, str]
    sources: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_selector(self) -> "DevicePlugin":
        if (self.node_kind is None) == (self.confidential is None):
            raise ValueError("a device plugin serves the nodes of one node_kind or of one confidential mode")
        return self

    def serves(self, kind: NodeKind, confidential: Confidential) -> bool:
        return kind == self.node_kind or confidential == self.confidential

    @property
    def node_selector(self) -> dict[str, str]:
        """The zone's node label (components/node_groups.py sets it) that places the plugin."""
        if self.node_kind is not None:
            return {LABEL_NODE_KIND: self.node_kind}
        return {LABEL_CONFIDENTIAL: str(self.confidential)}


@lru_cache(maxsize=1)
def device_plugins() -> dict[str, DevicePlugin]:
    raw = load_catalog_yaml("device_plugins.yaml")["plugins"]
    return {name: DevicePlugin.model_validate(entry) for name, entry in raw.items()}


def plugins_for(kind: NodeKind, confidential: Confidential) -> list[str]:
    """The device plugins a node group's nodes need."""
    return [name for name, plugin in device_plugins().items() if plugin.serves(kind, confidential)]
