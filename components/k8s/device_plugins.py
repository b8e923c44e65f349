"""Device plugins that make a zone's GPUs and enclaves schedulable (control RAZ-CMP-006).

Without the NVIDIA device plugin no node advertises `nvidia.com/gpu` (the EKS AL2023 NVIDIA AMIs
ship the driver, not the plugin), and without the Nitro Enclaves device plugin no pod can ask for
`aws.ec2.nitro/nitro_enclaves`, the device an enclave is started through. Each plugin runs as a
DaemonSet in kube-system on exactly the nodes its catalog entry serves (catalog/device_plugins.yaml:
node affinity on the zone and on the label the node groups set, components/node_groups.py), with
the image the zone config promoted into the zone registry, pinned by digest.

They are node agents: they write a socket into the kubelet's device-plugin directory, so they run as
root with that host path (as upstream's manifests do), in kube-system, which the zone's workload
admission leaves to the platform (components/k8s/admission.py SYSTEM_NAMESPACES). They are not
privileged, share no host namespace, drop every capability and cannot escalate privileges.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.k8s.labels import NODE_AGENT_HOST_PATHS, NODE_AGENT_NAMESPACE, ZONE_LABEL, data_class_tolerations
from regzone.device_plugins import DevicePlugin, device_plugins

KUBELET_PLUGINS, DEV, SYS = NODE_AGENT_HOST_PATHS
GPU_TAINT = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
# Host paths each plugin reads besides the kubelet's device-plugin directory (upstream manifests:
# the Nitro Enclaves plugin watches /dev/nitro_enclaves and reads CPU state under /sys).
_HOST_PATHS = {"nitro_enclaves": {"dev": DEV, "sys": SYS}}
_NAME = "app.kubernetes.io/name"


@dataclass
class DevicePluginsArgs:
    zone_name: str
    # Plugin name -> its image in the zone registry, `<registry>/<zone>/<repository>@sha256:<digest>`.
    images: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # The zone's data classes: node groups are tainted per class they hold (components/node_groups.py).
    data_classes: Sequence[str] = ()


def plugin_pod_spec(name: str, plugin: DevicePlugin, image: str, zone_name: str,
                    data_classes: Sequence[str] = ()) -> dict:
    """The DaemonSet's pod spec: only the zone's nodes that the plugin serves."""
    host_paths = {"device-plugin": KUBELET_PLUGINS, **_HOST_PATHS.get(name, {})}
    selector = [{"key": key, "operator": "In", "values": [value]}
                for key, value in sorted({ZONE_LABEL: zone_name, **plugin.node_selector, **plugin.node_labels}.items())]
    return {
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": selector}]}}},
        # GPU nodes carry the GPU taint (an enclave node may be one of them), and every node group a
        # taint per data class it holds: the plugin must run whatever classes its nodes hold.
        "tolerations": [GPU_TAINT, *data_class_tolerations(data_classes)],
        "priorityClassName": "system-node-critical",
        "automountServiceAccountToken": False,
        "containers": [{
            "name": name,
            "image": image,
            "securityContext": {"allowPrivilegeEscalation": False, "privileged": False,
                                "capabilities": {"drop": ["ALL"]}},
            "resources": {"requests": {"cpu": "10m", "memory": "20Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
            "volumeMounts": [{"name": volume, "mountPath": path} for volume, path in host_paths.items()],
        }],
        "volumes": [{"name": volume, "hostPath": {"path": path}} for volume, path in host_paths.items()],
    }


class DevicePlugins(pulumi.ComponentResource):
    """One DaemonSet per device plugin the zone's node groups need."""

    daemon_sets: dict[str, k8s.apps.v1.DaemonSet]

    def __init__(self, name: str, args: DevicePluginsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:k8s:DevicePlugins", name, None, opts)
        unknown = sorted(set(args.images) - set(device_plugins()))
        if unknown:
            raise ValueError(f"DevicePlugins {name}: unknown device plugin(s) {unknown}; valid: {sorted(device_plugins())}")
        self.daemon_sets = {}
        for plugin_name, image in sorted(args.images.items()):
            plugin = device_plugins()[plugin_name]
            labels = {_NAME: f"{plugin_name.replace('_', '-')}-device-plugin", ZONE_LABEL: args.zone_name}
            self.daemon_sets[plugin_name] = k8s.apps.v1.DaemonSet(
                f"{name}-{plugin_name.replace('_', '-')}",
                metadata={"name": labels[_NAME], "namespace": NODE_AGENT_NAMESPACE, "labels": labels},
                spec={
                    "selector": {"matchLabels": {_NAME: labels[_NAME]}},
                    "updateStrategy": {"type": "RollingUpdate"},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": pulumi.Output.from_input(image).apply(
                            lambda pinned, n=plugin_name, p=plugin: plugin_pod_spec(n, p, pinned, args.zone_name,
                                                                   args.data_classes)),
                    },
                },
                opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"daemon_sets": {n: d.metadata["name"] for n, d in self.daemon_sets.items()}})
