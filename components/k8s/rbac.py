"""Duties on the cluster (control RAZ-K8S-007): trainers, inference operators and auditors, each a
Kubernetes group bound to IAM principals through EKS access entries (no aws-auth ConfigMap).

- trainers run Jobs in the training and batch-evaluation namespaces and cannot see inference;
- inference operators manage serving in the inference namespace and cannot see training data;
- auditors read workloads, RBAC, admission and network policy everywhere, change nothing and
  read no Secrets, ConfigMaps or pod logs (which may carry regulated payloads), with no EKS access
  policy on top.
Nobody here gets cluster-admin: that is for break-glass subjects only (k8s-no-cluster-admin-binding).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

READ = ["get", "list", "watch"]
WRITE = ["create", "update", "patch", "delete"]
GROUPS = {"trainers": "regzone:trainers", "inference_operators": "regzone:inference-operators",
          "auditors": "regzone:auditors"}
# Which namespaces (by workload kind) each namespaced duty works in.
DUTY_KINDS = {"trainers": ("training", "batch_evaluation"), "inference_operators": ("inference",)}
DUTY_RULES: dict[str, list[dict]] = {
    "trainers": [
        {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": READ + WRITE},
        {"apiGroups": [""], "resources": ["pods", "events"], "verbs": READ},
        {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
    ],
    "inference_operators": [
        {"apiGroups": ["apps"], "resources": ["deployments", "replicasets"], "verbs": READ + WRITE},
        {"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["get", "update", "patch"]},
        {"apiGroups": [""], "resources": ["services"], "verbs": READ + WRITE},
        {"apiGroups": ["autoscaling"], "resources": ["horizontalpodautoscalers"], "verbs": READ + WRITE},
        {"apiGroups": [""], "resources": ["pods", "events"], "verbs": READ},
        {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
    ],
}
AUDITOR_RULES = [
    {"apiGroups": [""], "resources": ["namespaces", "pods", "services", "serviceaccounts", "resourcequotas",
                                      "limitranges", "events", "nodes", "replicationcontrollers"], "verbs": READ},
    {"apiGroups": ["apps"], "resources": ["deployments", "statefulsets", "daemonsets", "replicasets"], "verbs": READ},
    {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": READ},
    {"apiGroups": ["networking.k8s.io"], "resources": ["networkpolicies"], "verbs": READ},
    {"apiGroups": ["rbac.authorization.k8s.io"],
     "resources": ["roles", "rolebindings", "clusterroles", "clusterrolebindings"], "verbs": READ},
    {"apiGroups": ["admissionregistration.k8s.io"],
     "resources": ["validatingadmissionpolicies", "validatingadmissionpolicybindings",
                   "validatingwebhookconfigurations", "mutatingwebhookconfigurations"], "verbs": READ},
]
# Auditors get no EKS access policy: AmazonEKSViewPolicy, like Kubernetes' `view` role, reads
# ConfigMaps and pod logs cluster-wide (EKS user guide, "Review access policy permissions"), which may
# carry regulated payloads. AUDITOR_RULES is the whole of their access, through their group.


@dataclass
class ZoneAccessArgs:
    cluster_name: pulumi.Input[str]
    # Workload kind -> namespace name (RegulatedNamespace.name).
    namespaces: Mapping[str, str]
    trainers: Sequence[str] = ()
    inference_operators: Sequence[str] = ()
    auditors: Sequence[str] = ()
    depends_on: Sequence[pulumi.Resource] = field(default_factory=list)


class ZoneAccess(pulumi.ComponentResource):
    """Roles per duty, their bindings to groups, and access entries mapping IAM principals to groups."""

    def __init__(self, name: str, args: ZoneAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:k8s:ZoneAccess", name, None, opts)
        principals = {"trainers": args.trainers, "inference_operators": args.inference_operators,
                      "auditors": args.auditors}
        seen: dict[str, str] = {}
        for duty, arns in principals.items():
            for arn in arns:
                if arn in seen:
                    raise ValueError(f"ZoneAccess {name}: {arn} is both {seen[arn]} and {duty}; "
                                     "one principal, one duty (segregation of duties)")
                seen[arn] = duty
        after = pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on))

        for duty, kinds in DUTY_KINDS.items():
            for kind in kinds:
                namespace = args.namespaces.get(kind)
                if namespace is None:
                    continue
                role_name = f"regzone-{duty.replace('_', '-')}"
                meta = {"name": role_name, "namespace": namespace}
                role = k8s.rbac.v1.Role(f"{name}-{duty}-{kind}", metadata=meta, rules=DUTY_RULES[duty], opts=after)
                k8s.rbac.v1.RoleBinding(
                    f"{name}-{duty}-{kind}-binding", metadata=meta,
                    role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role_name},
                    subjects=[{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": GROUPS[duty]}],
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[role]))

        auditor = k8s.rbac.v1.ClusterRole(f"{name}-auditor", metadata={"name": "regzone-auditor"},
                                          rules=AUDITOR_RULES, opts=pulumi.ResourceOptions(parent=self))
        k8s.rbac.v1.ClusterRoleBinding(
            f"{name}-auditor-binding", metadata={"name": "regzone-auditor"},
            role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "regzone-auditor"},
            subjects=[{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": GROUPS["auditors"]}],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[auditor]))

        for duty, arns in principals.items():
            for index, arn in enumerate(arns):
                aws.eks.AccessEntry(
                    f"{name}-{duty.replace('_', '-')}-{index}", cluster_name=args.cluster_name, principal_arn=arn,
                    type="STANDARD", kubernetes_groups=[GROUPS[duty]], opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})
