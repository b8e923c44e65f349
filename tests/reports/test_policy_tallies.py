"""Per-policy judged/passed counts of a preview (regzone/preview/tally.py) and their JSON form."""
from regzone.preview.analyzer import AnalyzerResource, Diagnostic, PolicyInfo
from regzone.preview.tally import RESOURCES, STACK, UNKNOWN, tally
from regzone.reports.preview_json import as_dict


def by_policy(tallies):
    return {t.policy: t for t in tallies}


def test_broken_program_counts_passes_and_failures(broken_preview):
    result, _, _ = broken_preview
    tallies = by_policy(result.tallies)
    assert set(tallies) == {p.name for p in result.policies}
    rotation = tallies["kms-key-rotation-enabled"]
    # two keys were sent to the rotation policy; `no-rotation` failed, `wildcard` rotates
    assert (rotation.scope, rotation.evaluated, rotation.passed, rotation.failed) == (RESOURCES, 2, 1, 1)
    separation = tallies["kms-key-policy-separation"]
    # `no-rotation` has no key policy and `wildcard` grants kms:*: both fail
    assert (separation.evaluated, separation.passed) == (2, 0) and separation.violations >= 2
    # a policy for a type the program does not have judged nothing, and claims no pass
    ecr = next(t for name, t in tallies.items() if name.startswith("ecr-"))
    assert (ecr.evaluated, ecr.passed) == (0, 0)


def test_json_report_lists_every_policy_with_its_counts_and_controls(broken_preview):
    result, _, _ = broken_preview
    report = as_dict(result)
    rows = {row["policy"]: row for row in report["policies"]}
    assert set(rows) == {p.name for p in result.policies}
    assert rows["kms-key-rotation-enabled"] == {
        "policy": "kms-key-rotation-enabled", "enforcement": "mandatory", "scope": "resources", "evaluated": 2,
        "passed": 1, "failed": 1, "violations": 1, "controls": ["RAZ-KMS-001"]}


def _resource(urn, type_):
    from google.protobuf import struct_pb2
    return AnalyzerResource(urn=urn, type=type_, name=urn.rsplit("::", 1)[1], properties=struct_pb2.Struct())


def _policy(name, enforcement="mandatory"):
    return PolicyInfo(name=name, description="", enforcement=enforcement, tags=[], url="", remediation="",
                      severity=0)


def test_disabled_stack_and_unknown_policies():
    resources = [_resource("urn:a::k1", "aws:kms/key:Key"), _resource("urn:a::k2", "aws:kms/key:Key"),
                 _resource("urn:a::b", "aws:s3/bucket:Bucket")]
    policies = [_policy("keys"), _policy("keys-off"), _policy("whole-stack"), _policy("stack-ok"),
                _policy("unscoped"), _policy("by-predicate")]
    scopes = {"keys": frozenset({"aws:kms/key:Key"}), "keys-off": frozenset({"aws:kms/key:Key"}),
              "whole-stack": None, "stack-ok": None, "by-predicate": lambda t: t.startswith("aws:s3/")}
    diagnostics = [Diagnostic("keys", "mandatory", "urn:a::k1", "m", 0),
                   Diagnostic("keys", "advisory", "urn:a::k1", "m2", 0),
                   Diagnostic("whole-stack", "mandatory", "", "m", 0),
                   Diagnostic("unscoped", "advisory", "urn:a::b", "m", 0)]
    levels = {"keys-off": "disabled"}
    found = by_policy(tally(policies, levels, scopes, resources, diagnostics))
    assert (found["keys"].evaluated, found["keys"].passed, found["keys"].violations) == (2, 1, 2)
    assert (found["keys-off"].enforcement, found["keys-off"].evaluated, found["keys-off"].passed) == ("disabled", 0, 0)
    assert (found["whole-stack"].scope, found["whole-stack"].evaluated, found["whole-stack"].passed) == (STACK, 1, 0)
    assert (found["stack-ok"].evaluated, found["stack-ok"].passed) == (1, 1)
    assert (found["by-predicate"].evaluated, found["by-predicate"].passed) == (1, 1)
    # a policy whose scope cannot be read claims no passes
    assert (found["unscoped"].scope, found["unscoped"].evaluated, found["unscoped"].passed,
            found["unscoped"].failed) == (UNKNOWN, None, None, None)
