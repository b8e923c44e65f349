"""Kubernetes policies over the analyzer protocol: compliant baselines pass for every pod-template
kind; one-property changes fire; unknowns are reported, not passed."""
import copy

import celpy
import pytest

from analyzer_helpers import resource, stack_violations, violations
from components.k8s.admission import service_validations
from regulated_ai.types import K8S_POD_LISTS, K8S_POD_TEMPLATE_PATHS
from regzone.paths import POLICY_PACK_DIR
from regzone.preview.analyzer import PolicyPackClient

REGISTRY = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/dev-ai/summarizer"
DIGEST = "@sha256:" + "a" * 64
IMAGE = REGISTRY + DIGEST
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
BREAK_GLASS = "arn:aws:iam::111122223333:role/break-glass"
SETTINGS = {"allowed_regions": ["eu-west-1"], "break_glass_subjects": [BREAK_GLASS],
            "data_class_policy": {"personal_data": {"allowed_zones": ["dev-ai"]},
                                  "public": {"allowed_zones": ["dev-ai"]}}}
POD_POLICIES = ["k8s-image-zone-registry", "k8s-image-pinned-digest", "k8s-no-privileged-containers",
                "k8s-no-host-namespaces", "k8s-run-as-non-root", "k8s-workload-data-class-label"]
KINDS = sorted(K8S_POD_TEMPLATE_PATHS)  # every pod-template kind of every API version, and their patches
OBJECT_KINDS = [k for k in KINDS if not k.endswith("Patch")]
PATCH_KINDS = [k for k in KINDS if k.endswith("Patch")]


@pytest.fixture(scope="module")
def zone_pack():
    """The real pack, configured as a zone's --policy-pack-config would configure it."""
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone-incluster", stack="test") as client:
        _, policies = client.info()
        client.configure(policies, {p.name: SETTINGS for p in policies})
        yield client


def pod_spec(**changes):
    spec = {"securityContext": {"runAsNonRoot": True},
            "initContainers": [{"name": "fetch", "image": IMAGE}],
            "containers": [{"name": "serve", "image": IMAGE,
                            "securityContext": {"allowPrivilegeEscalation": False}}]}
    spec.update(changes)
    return spec


LABELS = {"data-class.regzone.io/personal_data": "true"}


def manifest(type_token, spec, labels=LABELS):
    """The kind's manifest with the pod spec (and its labels) where that kind keeps them."""
    path = K8S_POD_TEMPLATE_PATHS[type_token].split(".")
    if path == ["spec"]:
        return {"metadata": {"name": "p", "labels": labels}, "spec": spec}
    props = {"metadata": {"name": "w"}}
    node = props
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node["metadata"] = {"labels": labels}
    node["spec"] = spec
    return props


def workload(type_token, spec=None, labels=LABELS):
    return resource(type_token, manifest(type_token, spec if spec is not None else pod_spec(), labels), name="w")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("policy", POD_POLICIES)
def test_compliant_workload_passes_every_kind(zone_pack, kind, policy):
    assert violations(zone_pack, policy, workload(kind)) == []


def workload_list(list_kind, *specs):
    """A `...List` resource whose items are manifests of its item kind."""
    item_kind = K8S_POD_LISTS[list_kind]
    return resource(list_kind, {"items": [manifest(item_kind, spec) for spec in specs]}, name="wl")


@pytest.mark.parametrize("list_kind", sorted(K8S_POD_LISTS))
def test_every_item_of_a_list_is_judged_as_its_kind(zone_pack, list_kind):
    """A list is no way around a rule: the second item is privileged, the first compliant."""
    privileged = pod_spec(containers=[{"name": "s", "image": IMAGE, "securityContext": {"privileged": True}}])
    found = violations(zone_pack, "k8s-no-privileged-containers", workload_list(list_kind, pod_spec(), privileged))
    assert len(found) == 1 and "'wl.items[1]'" in found[0].message
    for policy in POD_POLICIES:
        assert violations(zone_pack, policy, workload_list(list_kind, pod_spec(), pod_spec())) == [], policy


def bad_init_image(image):
    spec = pod_spec()
    spec["initContainers"][0]["image"] = image
    return spec


FIRING = [
    ("k8s-image-zone-registry", lambda: bad_init_image("docker.io/library/python@sha256:" + "b" * 64), "not from a private ECR"),
    ("k8s-image-zone-registry", lambda: bad_init_image(IMAGE.replace("eu-west-1", "us-east-1")), "allowed registry regions: eu-west-1"),
    ("k8s-image-pinned-digest", lambda: bad_init_image(REGISTRY + ":v1"), "not pinned by digest"),
    ("k8s-no-privileged-containers",
     lambda: pod_spec(containers=[{"name": "s", "image": IMAGE, "securityContext": {"privileged": True}}]), "privileged"),
    ("k8s-no-host-namespaces", lambda: pod_spec(hostNetwork=True), "hostNetwork"),
    ("k8s-no-host-namespaces", lambda: pod_spec(hostPID=True), "hostPID"),
    ("k8s-no-host-namespaces", lambda: pod_spec(hostIPC=True), "hostIPC"),
    ("k8s-run-as-non-root",
     lambda: pod_spec(containers=[{"name": "s", "image": IMAGE, "securityContext": {"runAsNonRoot": False}}]),
     "may run as root"),
    # Booleans as the Kubernetes provider reads them: a string "true" is true.
    ("k8s-no-host-namespaces", lambda: pod_spec(hostNetwork="true"), "hostNetwork"),
    ("k8s-no-privileged-containers",
     lambda: pod_spec(containers=[{"name": "s", "image": IMAGE, "securityContext": {"privileged": "True"}}]),
     "privileged"),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("policy, spec, expected", FIRING)
def test_one_change_fires_for_every_kind(zone_pack, kind, policy, spec, expected):
    found = violations(zone_pack, policy, workload(kind, spec()))
    assert found and all(expected in d.message for d in found), found
    assert found[0].enforcement == "mandatory" and "RAZ-K8S-00" in found[0].message


@pytest.mark.parametrize("kind", OBJECT_KINDS)
def test_unset_run_as_non_root_fires_for_every_object_kind(zone_pack, kind):
    found = violations(zone_pack, "k8s-run-as-non-root", workload(kind, pod_spec(securityContext={})))
    assert found and "may run as root" in found[0].message


@pytest.mark.parametrize("kind", PATCH_KINDS)
def test_a_patch_is_judged_on_what_it_sets(zone_pack, kind):
    """A patch keeps what it leaves out (an image, runAsNonRoot) but may not set anything the rules forbid."""
    keeps = {"containers": [{"name": "serve", "env": [{"name": "LOG_LEVEL", "value": "debug"}]}]}
    for policy in POD_POLICIES:
        assert violations(zone_pack, policy, workload(kind, keeps, labels={})) == [], policy
    turns_off = {"securityContext": {"runAsNonRoot": False}}
    found = violations(zone_pack, "k8s-run-as-non-root", workload(kind, turns_off, labels={}))
    assert found and "runAsNonRoot: false" in found[0].message
    swaps_image = {"containers": [{"name": "serve", "image": "docker.io/library/python:3"}]}
    assert violations(zone_pack, "k8s-image-pinned-digest", workload(kind, swaps_image, labels={}))
    assert violations(zone_pack, "k8s-image-zone-registry", workload(kind, swaps_image, labels={}))


@pytest.mark.parametrize("kind", OBJECT_KINDS)
def test_missing_data_class_label_fires_for_every_kind(zone_pack, kind):
    found = violations(zone_pack, "k8s-workload-data-class-label", workload(kind, labels={"app": "x"}))
    assert len(found) == 1 and "declares no data class" in found[0].message


def test_ephemeral_container_image_is_checked(zone_pack):
    spec = pod_spec(ephemeralContainers=[{"name": "debug", "image": "busybox"}])
    found = violations(zone_pack, "k8s-image-pinned-digest", workload("kubernetes:core/v1:Pod", spec))
    assert found and "ephemeralContainers[0]" in found[0].message


@pytest.mark.parametrize("policy", ["k8s-image-zone-registry", "k8s-image-pinned-digest"])
def test_unknown_image_is_reported_not_passed(zone_pack, policy):
    found = violations(zone_pack, policy, workload("kubernetes:apps/v1:Deployment", bad_init_image(UNKNOWN)))
    assert len(found) == 1 and "cannot be verified at preview" in found[0].message


def test_default_pack_settings_allow_no_registry(pack):
    """Nothing configured allows nothing: the shared session pack runs with default settings."""
    found = violations(pack, "k8s-image-zone-registry", workload("kubernetes:core/v1:Pod"))
    assert found and "set allowed_regions or zones" in found[0].message


NAMESPACE = {"metadata": {"name": "dev-ai-training", "labels": {
    "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted", "data-class.regzone.io/personal_data": "permitted",
    "regzone.io/zone": "dev-ai"}}}


def namespace(**label_changes):
    props = copy.deepcopy(NAMESPACE)
    props["metadata"]["labels"].update(label_changes)
    props["metadata"]["labels"] = {k: v for k, v in props["metadata"]["labels"].items() if v is not None}
    return resource("kubernetes:core/v1:Namespace", props, name="dev-ai-training")


@pytest.mark.parametrize("policy", ["k8s-namespace-pod-security-restricted", "k8s-namespace-data-class-label"])
def test_baseline_namespace_passes(zone_pack, policy):
    assert violations(zone_pack, policy, namespace()) == []


@pytest.mark.parametrize("mode", ["enforce", "audit", "warn"])
def test_namespace_not_restricted_fires(zone_pack, mode):
    found = violations(zone_pack, "k8s-namespace-pod-security-restricted",
                       namespace(**{f"pod-security.kubernetes.io/{mode}": "baseline"}))
    assert len(found) == 1 and f"pod-security.kubernetes.io/{mode}='baseline'" in found[0].message


def test_namespace_unknown_enforce_is_reported(zone_pack):
    found = violations(zone_pack, "k8s-namespace-pod-security-restricted",
                       namespace(**{"pod-security.kubernetes.io/enforce": UNKNOWN}))
    assert found and "cannot be verified" in found[0].message


def test_namespace_without_data_class_fires(zone_pack):
    found = violations(zone_pack, "k8s-namespace-data-class-label",
                       namespace(**{"data-class.regzone.io/personal_data": None}))
    assert len(found) == 1 and "no data-class label" in found[0].message


def test_namespace_with_undefined_data_class_fires(zone_pack):
    found = violations(zone_pack, "k8s-namespace-data-class-label",
                       namespace(**{"data-class.regzone.io/ephi": "permitted"}))
    assert len(found) == 1 and "'ephi'" in found[0].message and "does not define" in found[0].message


def test_namespace_class_not_allowed_in_its_zone_fires(zone_pack):
    found = violations(zone_pack, "k8s-namespace-data-class-label", namespace(**{"regzone.io/zone": "demo"}))
    assert len(found) == 1 and "allows only in dev-ai" in found[0].message


def test_namespace_without_zone_label_fires(zone_pack):
    found = violations(zone_pack, "k8s-namespace-data-class-label", namespace(**{"regzone.io/zone": None}))
    assert len(found) == 1 and "no 'regzone.io/zone' label" in found[0].message


def test_namespace_classes_with_default_settings_fire(pack):
    """Nothing configured defines no data class: the session pack runs with default settings."""
    found = violations(pack, "k8s-namespace-data-class-label", namespace())
    assert found and "set data_class_policy" in found[0].message


SCHEME, TARGET = ("service.beta.kubernetes.io/aws-load-balancer-scheme",
                  "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type")
INTERNAL_NLB = {SCHEME: "internal", TARGET: "ip"}
NLB = {"loadBalancerClass": "service.k8s.aws/nlb", "allocateLoadBalancerNodePorts": False}


def service_object(kind, annotations=None, **spec):
    return {"metadata": {"name": "s", "annotations": annotations or {}},
            "spec": {"type": kind, "ports": [{"port": 443}], **spec}}


def service(kind, annotations=None, **spec):
    return resource("kubernetes:core/v1:Service", service_object(kind, annotations, **spec), name="s")


ADMITTED = [service_object("ClusterIP"), service_object("LoadBalancer", INTERNAL_NLB, **NLB),
            service_object("LoadBalancer", {**INTERNAL_NLB, "service.beta.kubernetes.io/aws-load-balancer-internal": "true"},
                           **NLB)]
REFUSED = [
    (service_object("LoadBalancer"), "not an internal NLB"),
    (service_object("NodePort"), "NodePort"),
    (service_object("NodePort", {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}), "NodePort"),
    (service_object("ClusterIP", externalIPs=["203.0.113.10"]), "externalIPs"),
    # The in-tree annotation, and the scheme annotation without the controller's class: the legacy
    # in-tree controller provisions these and ignores the scheme annotation.
    (service_object("LoadBalancer", {"service.beta.kubernetes.io/aws-load-balancer-internal": "true", TARGET: "ip"},
                    **NLB), "not an internal NLB"),
    (service_object("LoadBalancer", INTERNAL_NLB, allocateLoadBalancerNodePorts=False), "not an internal NLB"),
    (service_object("LoadBalancer", {**INTERNAL_NLB, SCHEME: "internet-facing"}, **NLB), "not an internal NLB"),
    (service_object("LoadBalancer", INTERNAL_NLB, loadBalancerClass="service.k8s.aws/nlb"),
     "allocateLoadBalancerNodePorts: None"),
    (service_object("LoadBalancer", {SCHEME: "internal"}, **NLB), f"{TARGET}: None"),
    # Conflicting scheme annotations: the deprecated one says public.
    (service_object("LoadBalancer", {**INTERNAL_NLB, "service.beta.kubernetes.io/aws-load-balancer-internal": "false"},
                    **NLB), "conflicts with an internal scheme"),
    (service_object("ClusterIP", {"service.beta.kubernetes.io/aws-load-balancer-internal": "0.0.0.0/0"}),
     "conflicts with an internal scheme"),
]


@pytest.mark.parametrize("obj", ADMITTED)
def test_internal_services_pass(zone_pack, obj):
    svc = resource("kubernetes:core/v1:Service", obj, name="s")
    assert violations(zone_pack, "k8s-service-internal-only", svc) == []


@pytest.mark.parametrize("obj, expected", REFUSED)
def test_exposed_services_fire(zone_pack, obj, expected):
    found = violations(zone_pack, "k8s-service-internal-only", resource("kubernetes:core/v1:Service", obj, name="s"))
    assert any(expected in d.message for d in found), found


_CEL = celpy.Environment()


def _admitted(obj) -> bool:
    """What the in-cluster admission (components/k8s/admission.py) decides for the Service."""
    activation = {"object": celpy.json_to_cel({"kind": "Service", **obj})}
    results = [_CEL.program(_CEL.compile(v["expression"])).evaluate(activation) for v in service_validations()]
    return all(isinstance(r, celpy.celtypes.BoolType) and bool(r) for r in results)


@pytest.mark.parametrize("obj", [*ADMITTED, *(obj for obj, _ in REFUSED)])
def test_the_pack_and_the_admission_agree_on_services(zone_pack, obj):
    """What passes the preview is admitted in the cluster, and what the cluster refuses fails the preview."""
    fired = bool(violations(zone_pack, "k8s-service-internal-only", resource("kubernetes:core/v1:Service", obj, name="s")))
    assert fired is not _admitted(obj)


def binding(subjects, role="cluster-admin", kind="ClusterRoleBinding"):
    return resource(f"kubernetes:rbac.authorization.k8s.io/v1:{kind}",
                    {"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                     "subjects": subjects}, name="b")


def test_cluster_admin_for_break_glass_passes(zone_pack):
    assert violations(zone_pack, "k8s-no-cluster-admin-binding",
                      binding([{"kind": "User", "name": BREAK_GLASS}])) == []


def test_other_role_binding_passes(zone_pack):
    assert violations(zone_pack, "k8s-no-cluster-admin-binding",
                      binding([{"kind": "Group", "name": "regzone:auditors"}], role="regzone-auditor")) == []


@pytest.mark.parametrize("kind", ["ClusterRoleBinding", "RoleBinding"])
def test_cluster_admin_for_others_fires(zone_pack, kind):
    found = violations(zone_pack, "k8s-no-cluster-admin-binding",
                       binding([{"kind": "User", "name": BREAK_GLASS},
                                {"kind": "ServiceAccount", "name": "ci", "namespace": "default"}], kind=kind))
    assert len(found) == 1 and "ServiceAccount 'ci'" in found[0].message


def network_policy(namespace_name, spec):
    return resource("kubernetes:networking.k8s.io/v1:NetworkPolicy",
                    {"metadata": {"name": "np", "namespace": namespace_name}, "spec": spec},
                    name=f"np-{len(spec)}-{namespace_name}")


DENY_ALL = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_namespace_with_default_deny_passes(zone_pack):
    assert stack_violations(zone_pack, "k8s-namespace-default-deny",
                            [namespace(), network_policy("dev-ai-training", DENY_ALL)]) == []


@pytest.mark.parametrize("policies", [
    [],
    [network_policy("dev-ai-training", {"podSelector": {}, "policyTypes": ["Ingress"]})],
    [network_policy("other", DENY_ALL)],
    [network_policy("dev-ai-training", {**DENY_ALL, "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]})],
])
def test_namespace_without_default_deny_fires(zone_pack, policies):
    found = stack_violations(zone_pack, "k8s-namespace-default-deny", [namespace(), *policies])
    assert len(found) == 1 and "no default-deny NetworkPolicy" in found[0].message


def test_default_deny_reads_only_whether_rules_exist(zone_pack):
    """Another policy's rules may be unknown (they do not make it a default deny either way); a rule list
    unknown as a whole may be empty, so the default deny cannot be judged and is reported."""
    allow = {**DENY_ALL, "ingress": [{"from": [{"podSelector": UNKNOWN}], "ports": UNKNOWN}]}
    assert stack_violations(zone_pack, "k8s-namespace-default-deny",
                            [namespace(), network_policy("dev-ai-training", DENY_ALL),
                             network_policy("dev-ai-training", allow)]) == []
    found = stack_violations(zone_pack, "k8s-namespace-default-deny",
                             [namespace(), network_policy("dev-ai-training", {**DENY_ALL, "egress": UNKNOWN})])
    assert [f.message for f in found if "cannot be verified at preview: `spec.egress`" in f.message], found


def test_service_patch_and_list_are_judged(zone_pack):
    patch = resource("kubernetes:core/v1:ServicePatch", {"metadata": {"name": "s"}, "spec": {"type": "LoadBalancer"}},
                     name="s")
    assert violations(zone_pack, "k8s-service-internal-only", patch)
    annotations_only = resource("kubernetes:core/v1:ServicePatch",
                                {"metadata": {"name": "s", "annotations": {"team": "ml"}}}, name="s")
    assert violations(zone_pack, "k8s-service-internal-only", annotations_only) == []
    # A patch that sets no type is judged on what it sets: a class, scheme, target type or node ports
    # that would expose (or not provision) a load balancer the live Service may be.
    for metadata, spec, expected in [
            ({"annotations": {SCHEME: "internet-facing"}}, {}, "would expose a load balancer"),
            ({}, {"loadBalancerClass": "example.com/public"}, "would not keep a load balancer internal"),
            ({"annotations": {TARGET: "instance"}}, {}, f"{TARGET}: 'instance'"),
            ({}, {"allocateLoadBalancerNodePorts": "true"}, "allocateLoadBalancerNodePorts: True"),
            ({}, {"externalIPs": ["203.0.113.10"]}, "externalIPs")]:
        sets = resource("kubernetes:core/v1:ServicePatch", {"metadata": {"name": "s", **metadata}, "spec": spec},
                        name="s")
        found = violations(zone_pack, "k8s-service-internal-only", sets)
        assert len(found) == 1 and expected in found[0].message, found
    keeps = resource("kubernetes:core/v1:ServicePatch", {"metadata": {"name": "s", "annotations": INTERNAL_NLB},
                                                         "spec": NLB}, name="s")
    assert violations(zone_pack, "k8s-service-internal-only", keeps) == []
    listed = resource("kubernetes:core/v1:ServiceList", {"items": [
        {"metadata": {"name": "a"}, "spec": {"type": "ClusterIP"}},
        {"metadata": {"name": "b"}, "spec": {"type": "NodePort"}}]}, name="svcs")
    found = violations(zone_pack, "k8s-service-internal-only", listed)
    assert len(found) == 1 and "'svcs.items[1]'" in found[0].message


def test_patch_adding_subjects_to_the_builtin_cluster_admin_binding_fires(zone_pack):
    patch = resource("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBindingPatch",
                     {"metadata": {"name": "cluster-admin"}, "subjects": [{"kind": "User", "name": "mallory"}]},
                     name="b")
    found = violations(zone_pack, "k8s-no-cluster-admin-binding", patch)
    assert len(found) == 1 and "User 'mallory'" in found[0].message
    other = resource("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBindingPatch",
                     {"metadata": {"name": "view"}, "subjects": [{"kind": "User", "name": "mallory"}]}, name="b")
    assert violations(zone_pack, "k8s-no-cluster-admin-binding", other) == []


@pytest.mark.parametrize("version", ["v1", "v1beta1", "v1alpha1"])
def test_binding_lists_are_judged(zone_pack, version):
    listed = resource(f"kubernetes:rbac.authorization.k8s.io/{version}:ClusterRoleBindingList", {"items": [
        {"roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}, "subjects": [{"kind": "User", "name": "eve"}]}]},
        name="bl")
    found = violations(zone_pack, "k8s-no-cluster-admin-binding", listed)
    assert len(found) == 1 and "User 'eve'" in found[0].message


def test_namespace_patch_may_not_weaken_pod_security(zone_pack):
    weaker = resource("kubernetes:core/v1:NamespacePatch", {"metadata": {"name": "dev-ai-training", "labels": {
        "pod-security.kubernetes.io/enforce": "privileged"}}}, name="ns")
    found = violations(zone_pack, "k8s-namespace-pod-security-restricted", weaker)
    assert len(found) == 1 and "enforce='privileged'" in found[0].message
    untouched = resource("kubernetes:core/v1:NamespacePatch", {"metadata": {"name": "dev-ai-training",
                                                                            "annotations": {"a": "b"}}}, name="ns")
    for policy in ("k8s-namespace-pod-security-restricted", "k8s-namespace-data-class-label"):
        assert violations(zone_pack, policy, untouched) == [], policy


def test_namespace_list_items_are_judged(zone_pack):
    listed = resource("kubernetes:core/v1:NamespaceList", {"items": [NAMESPACE,
                                                                     {"metadata": {"name": "open"}}]}, name="nsl")
    found = violations(zone_pack, "k8s-namespace-pod-security-restricted", listed)
    assert len(found) == 3 and all("'nsl.items[1]'" in d.message for d in found)


def test_a_patch_that_opens_the_default_deny_policy_fires(zone_pack):
    deny = network_policy("dev-ai-training", DENY_ALL)
    opened = resource("kubernetes:networking.k8s.io/v1:NetworkPolicyPatch",
                      {"metadata": {"name": "np", "namespace": "dev-ai-training"},
                       "spec": {"ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}}, name="np-open")
    found = stack_violations(zone_pack, "k8s-namespace-default-deny", [namespace(), deny, opened])
    assert len(found) == 1 and "a patch in this stack changes it" in found[0].message
    relabel = resource("kubernetes:networking.k8s.io/v1:NetworkPolicyPatch",
                       {"metadata": {"name": "np", "namespace": "dev-ai-training", "labels": {"a": "b"}}},
                       name="np-label")
    assert stack_violations(zone_pack, "k8s-namespace-default-deny", [namespace(), deny, relabel]) == []
