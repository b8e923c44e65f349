"""The aws-auth ConfigMap maps no IAM principal into a Kubernetes system group (control RAZ-K8S-012).

`kube-system/aws-auth` (deprecated, read by EKS in the CONFIG_MAP and API_AND_CONFIG_MAP authentication
modes) maps IAM roles (`mapRoles`) and users (`mapUsers`) to a username and groups; a mapping into
`system:masters` bypasses RBAC altogether, and the other `system:` groups are the identities of nodes
and control-plane components. RAZ-EKS-004 requires API mode, in which EKS ignores the ConfigMap, but a
zone cluster created elsewhere, or switched back, would honour it: the mappings are judged wherever the
ConfigMap is written. Allowed: node roles as EKS writes them (username `system:node:{{EC2PrivateDNSName}}`
or, for Fargate, `system:node:{{SessionName}}`, with `system:bootstrappers`, `system:nodes` and, for Fargate,
`system:node-proxier`: EKS user guide, "Grant IAM users access to Kubernetes with a ConfigMap" and
access entry types), and `system:masters` for break-glass principals (`break_glass_subjects`).
"""
from __future__ import annotations

from collections.abc import Iterator

import yaml

from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.kubernetes_objects import objects
from regulated_ai.types import K8S_CONFIG_MAPS, K8S_LISTS

AWS_AUTH = ("kube-system", "aws-auth")
MASTERS = "system:masters"
NODE_USERNAMES = ("system:node:{{EC2PrivateDNSName}}", "system:node:{{SessionName}}")
NODE_GROUPS = frozenset({"system:bootstrappers", "system:nodes", "system:node-proxier"})
_PRINCIPAL_KEYS = {"mapRoles": "rolearn", "mapUsers": "userarn"}


def _mappings(config_map: ResourceView, key: str) -> list[dict]:
    text = config_map.known(f"data.{key}")
    if text is None:
        return []
    try:
        entries = yaml.safe_load(text) if isinstance(text, str) else None
    except yaml.YAMLError as err:
        raise ValueError(f"`data.{key}` of aws-auth is not YAML ({err.__class__.__name__}); EKS could not read it "
                         "either") from None
    if entries is None:
        return []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ValueError(f"`data.{key}` of aws-auth is not a YAML list of mappings")
    return entries


def _problems(entry: dict, key: str, break_glass: set[str]) -> Iterator[str]:
    principal = str(entry.get(_PRINCIPAL_KEYS[key], "?"))
    groups = entry.get("groups") or []
    groups = [str(g) for g in (groups if isinstance(groups, list) else [groups])]
    node = key == "mapRoles" and entry.get("username") in NODE_USERNAMES
    for group in groups:
        if not group.startswith("system:"):
            continue
        if group == MASTERS and principal not in break_glass:
            yield (f"maps {principal} to {MASTERS}, which bypasses Kubernetes authorization: use duty groups, "
                   "or list the principal in break_glass_subjects")
        elif group != MASTERS and not (node and group in NODE_GROUPS):
            yield (f"maps {principal} to the system group {group!r}, the identity of nodes or control-plane "
                   "components: only node roles (username system:node:{{EC2PrivateDNSName}}) join node groups")


@resource_policy(
    "k8s-aws-auth-no-system-groups",
    description="The aws-auth ConfigMap maps no IAM principal to system:masters (but break-glass) or another "
                "system: group (but node roles to the node groups).",
    controls=["RAZ-K8S-012"], types=[*K8S_CONFIG_MAPS, *(t for t, item in K8S_LISTS.items() if item in K8S_CONFIG_MAPS)])
def aws_auth_no_system_groups(resource: ResourceView) -> Iterator[str]:
    for config_map in objects(resource):
        # An object without a name is auto-named (with a random suffix): it is not aws-auth.
        if config_map.known("metadata.name") != AWS_AUTH[1] or \
                config_map.known("metadata.namespace", "default") != AWS_AUTH[0]:
            continue
        break_glass = set(config_map.settings.break_glass_subjects)
        for key in _PRINCIPAL_KEYS:
            for entry in _mappings(config_map, key):
                for problem in _problems(entry, key, break_glass):
                    yield f"aws-auth ConfigMap '{config_map.name}' {problem}."
