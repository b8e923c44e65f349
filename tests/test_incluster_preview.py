"""The in-cluster program against the real zone program: the zone stack exports what the
in-cluster program reads, and `regzone preview --program incluster` answers the StackReference with
the recorded zone stack."""
import fnmatch
import json
import subprocess  # nosec B404
import sys

import pytest

from regzone.config.loader import read_stack_file
from regzone.paths import REPO_ROOT, STACKS_DIR
from regzone.preview.recorder import record_program


@pytest.mark.slow
def test_zone_stack_exports_what_incluster_reads():
    outputs = record_program(STACKS_DIR, "dev", read_stack_file(STACKS_DIR / "Pulumi.dev.yaml")).outputs
    assert {"name", "arn", "endpoint", "certificate_authority"} <= set(outputs["clusters"]["dev-ai"])
    assert outputs["zones"]["dev-ai"]["key_arns"]["data"].startswith("arn:aws:kms:")


@pytest.mark.slow
def test_zone_data_key_serves_exactly_the_incluster_workload_roles():
    """Pod Identity roles are created by the in-cluster program after the zone keys: the data key
    admits roles on the zone's workload path through S3, and each role's policy narrows that to
    its own buckets and the exported data key."""
    zone = record_program(STACKS_DIR, "dev", read_stack_file(STACKS_DIR / "Pulumi.dev.yaml"))
    (data_key,) = [r for r in zone.resources if r.type == "aws:kms/key:Key" and r.name.endswith("-data")]
    (workloads,) = [s for s in json.loads(data_key.inputs["policy"])["Statement"]
                    if s["Sid"] == "ZoneWorkloadRolesThroughS3"]
    pattern = workloads["Condition"]["ArnLike"]["aws:PrincipalArn"]
    incluster = record_program(REPO_ROOT / "incluster", "dev", read_stack_file(REPO_ROOT / "incluster" / "Pulumi.dev.yaml"),
                               project="regzone-incluster", stack_outputs={"organization/regzone/dev": zone.outputs})
    roles = [r for r in incluster.resources if r.type == "aws:iam/role:Role" and "Pod Identity" in r.inputs["description"]]
    arns = [f"arn:aws:iam::111122223333:role{r.inputs['path']}{r.name}" for r in roles]
    assert roles and all(fnmatch.fnmatchcase(arn, pattern) for arn in arns)
    assert not fnmatch.fnmatchcase("arn:aws:iam::111122223333:role/dev-ai-eks-node-role", pattern)
    exported = zone.outputs["zones"]["dev-ai"]
    for policy in (r for r in incluster.resources if r.type == "aws:iam/rolePolicy:RolePolicy"):
        (key_use,) = [s for s in json.loads(policy.inputs["policy"])["Statement"] if s["Sid"] == "DataKeyThroughS3"]
        assert key_use["Resource"] == [exported["key_arns"]["data"]]
        assert set(key_use["Condition"]["StringEquals"]["kms:EncryptionContext:aws:s3:arn"]) <= \
            set(exported["data_bucket_arns"].values())


@pytest.mark.slow
@pytest.mark.parametrize("stack", ["dev", "gdpr-eu", "hipaa", "pci"])
def test_regzone_preview_of_incluster_program(tmp_path, stack):
    """`regzone preview --program incluster` of every reference zone: the zone stack is recorded first
    and answers the reference, and the pack judges the stack as the in-cluster program (a regulated
    zone's in-cluster stack was refused for lacking the zone program's trail and VPC)."""
    out = tmp_path / "incluster.json"
    done = subprocess.run([sys.executable, "-m", "regzone.cli", "preview", "--program", "incluster", "--stack", stack,
                           "--format", "json", "--output", str(out)], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=300)  # nosec B603
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    namespace = next(r for r in report["resources"] if r["type"] == "kubernetes:core/v1:Namespace")
    assert namespace["urn"].startswith(f"urn:pulumi:{stack}::regzone-incluster::")
    assert [v for v in report["violations"] if v["enforcement"] == "mandatory"] == []


def test_pack_config_of_the_incluster_program_judges_it_as_such(tmp_path):
    """README: `regzone pack-config --program . --stack <s>` in incluster/ derives the zone stack's
    settings with `program: incluster`; for the zone program, `program: zone`."""
    configs = {}
    for program in ("incluster", "stacks"):
        out = tmp_path / f"{program}.json"
        done = subprocess.run([sys.executable, "-m", "regzone.cli", "pack-config", "--program", ".", "--stack", "hipaa",
                               "--output", str(out)], cwd=REPO_ROOT / program, capture_output=True, text=True,
                              timeout=120)  # nosec B603
        assert done.returncode == 0, done.stderr
        configs[program] = json.loads(out.read_text())["zone-data-class-requirements"]
    assert configs["incluster"]["program"] == "incluster" and configs["stacks"]["program"] == "zone"
    assert configs["incluster"]["zones"] == configs["stacks"]["zones"]
