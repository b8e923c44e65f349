"""The shipped AWS service names are those of the IAM linter and the AWS SDK (both maintained from
AWS's own service definitions), and service principals are judged against them."""
import gzip
import json
from pathlib import Path

import botocore
import parliament
import pytest

from regzone_core.policy.principals import service_linked_role, service_names, service_principal_problem

DATA = Path(__file__).resolve().parents[2] / "regzone_core" / "policy" / "data" / "services.json"


def _model_metadata(service_dir: Path) -> dict | None:
    versions = sorted(p for p in service_dir.iterdir() if p.is_dir())
    for name in ("service-2.json", "service-2.json.gz"):
        path = versions[-1] / name if versions else None
        if path is not None and path.exists():
            text = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
            return json.loads(text)["metadata"]
    return None


def current_names() -> list[str]:
    """Service prefixes of parliament's iam_definition.json, endpoint prefixes and signing names of
    botocore's service models: what `data/services.json` must hold (regenerate it from this)."""
    definitions = json.loads((Path(parliament.__file__).parent / "iam_definition.json").read_text())
    names = {s["prefix"] for s in definitions}
    for service_dir in (Path(botocore.__file__).parent / "data").iterdir():
        metadata = _model_metadata(service_dir) if service_dir.is_dir() else None
        names |= {metadata[k] for k in ("endpointPrefix", "signingName") if metadata and metadata.get(k)}
    return sorted(names)


def test_shipped_service_names_equal_the_maintained_sources():
    shipped = json.loads(DATA.read_text())["names"]
    assert shipped == current_names(), "regenerate regzone_core/policy/data/services.json from current_names()"
    assert service_names() == frozenset(shipped)


@pytest.mark.parametrize("principal", [
    "cloudtrail.amazonaws.com", "logs.eu-west-1.amazonaws.com", "delivery.logs.amazonaws.com",
    "logging.s3.amazonaws.com", "eks-nodegroup.amazonaws.com", "vpc-flow-logs.amazonaws.com", "ecr.amazonaws.com",
    "ec2.amazonaws.com.cn",
    "CloudTrail.amazonaws.com"])
def test_well_formed_service_principals(principal):
    assert service_principal_problem(principal) is None


@pytest.mark.parametrize("principal, problem", [
    ("cloudtrial.amazonaws.com", "cloudtrial"),
    ("logs.eu-west-1.amazonaws.co", "not an AWS service principal"),
    ("cloudtrail", "not an AWS service principal"),
    ("delivery.logz.amazonaws.com", "logz"),
    ("arn:aws:iam::111122223333:role/x", "not an AWS service principal"),
])
def test_malformed_service_principals(principal, problem):
    found = service_principal_problem(principal)
    assert found is not None and problem in found


def test_service_linked_role_arns():
    arn = "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    assert service_linked_role(arn) == ("autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling")
    assert service_linked_role("arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling") \
        is None
    assert service_linked_role("arn:aws:iam::111122223333:role/regzone-deployer") is None
