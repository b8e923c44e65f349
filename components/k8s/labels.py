"""The label vocabulary shared by the in-cluster components, the admission policy and the pack.

Label values cannot hold several data classes, so each permitted class is its own key:
a namespace says `data-class.regzone.io/<class>: permitted`, a workload `data-class.regzone.io/<class>: "true"`.
"""
from collections.abc import Iterable

from regzone.instance_types import LABEL_CONFIDENTIAL, LABEL_DATA_CLASS_PREFIX

ZONE_LABEL = "regzone.io/zone"
WORKLOAD_KIND_LABEL = "regzone.io/workload-kind"
# A pod's data-class label and the node label saying a node may hold that class share one key: the
# node groups label their nodes `data-class.regzone.io/<class>: "true"` (components/node_groups.py).
DATA_CLASS_PREFIX = LABEL_DATA_CLASS_PREFIX
NAMESPACE_PERMITS = "permitted"
PSA_MODES = ("enforce", "audit", "warn")
PSA_LEVEL = "restricted"
PSA_LABEL = "pod-security.kubernetes.io/{mode}"

NODE_HOLDS = "true"
# The node label naming a node group's confidential-compute mode, and the modes that are confidential.
CONFIDENTIAL_LABEL = LABEL_CONFIDENTIAL
CONFIDENTIAL_MODES = ("nitro_enclaves", "sev_snp")
# Services of type LoadBalancer are provisioned only by the AWS Load Balancer Controller, as internal
# NLBs with IP targets (AWS Load Balancer Controller docs, "Network Load Balancer" and "Service
# annotations"): `loadBalancerClass: service.k8s.aws/nlb` keeps the legacy in-tree controller away
# (it ignores the `scheme` annotation and would create an internet-facing load balancer), and IP
# targets need no node ports, so `allocateLoadBalancerNodePorts: false` fits the quota of no node ports.
LB_CLASS = "service.k8s.aws/nlb"
LB_SCHEME_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-scheme"
LB_TARGET_TYPE_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"
LB_INTERNAL_SCHEME = "internal"
# The deprecated boolean form of the scheme, which the in-tree controller reads instead of the scheme
# annotation (LBC "Service annotations": aws-load-balancer-internal, deprecated in favor of
# aws-load-balancer-scheme). Present, it must say true: a false beside `scheme: internal` is a conflict
# that controllers resolve differently.
LB_LEGACY_INTERNAL_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-internal"
LB_TRUE_VALUES = ("1", "t", "T", "TRUE", "true", "True")  # Go's strconv.ParseBool, as the LBC parses it
# Ingresses of the AWS Load Balancer Controller: internal unless the scheme says otherwise (LBC docs,
# "Ingress annotations": alb.ingress.kubernetes.io/scheme, default internal); an IngressClassParams'
# `spec.scheme` sets it for every Ingress of its class ("IngressClass").
ALB_SCHEME_ANNOTATION = "alb.ingress.kubernetes.io/scheme"
INTERNET_FACING = "internet-facing"# The zone's ValidatingAdmissionPolicies (components/k8s/admission.py), each bound by a binding of the same name.
ADMISSION_POLICY_NAMES = ("regzone-{zone}-workloads", "regzone-{zone}-services")
LB_IP_TARGETS = "ip"


def data_class_label(data_class: str) -> str:
    return f"{DATA_CLASS_PREFIX}{data_class}"


def data_class_tolerations(data_classes: Iterable[str]) -> list[dict[str, str]]:
    """Tolerations of the taints a node group holding `data_classes` carries (components/node_groups.py:
    `data-class.regzone.io/<class>=true:NoSchedule` per class): a pod must tolerate every class of a
    node group to land there, so pods that declare no class (and system pods not configured to) stay off."""
    return [{"key": data_class_label(c), "operator": "Equal", "value": NODE_HOLDS, "effect": "NoSchedule"}
            for c in sorted(set(data_classes))]

# Node agents (DaemonSets the platform runs on every node of a kind, such as device plugins) live
# here: it is one of the namespaces the zone's workload admission leaves to the platform
# (components/k8s/admission.py SYSTEM_NAMESPACES). They hold no data class.
NODE_AGENT_NAMESPACE = "kube-system"
# The host paths a node agent may mount: the kubelet's device-plugin directory (where a plugin
# writes its socket) and what the Nitro Enclaves plugin reads (/dev/nitro_enclaves, CPU state
# under /sys). A container without capabilities reaches no device node through /dev: the runtime's
# device cgroup admits only the defaults to an unprivileged container.
NODE_AGENT_HOST_PATHS = ("/var/lib/kubelet/device-plugins", "/dev", "/sys")
