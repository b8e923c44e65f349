"""What a real account checks before it accepts the zone keys and the policies that name principals:
the deployer can manage every key (KMS lockout check), every named principal exists, the caller is
the deployer, and the volumes key names the Auto Scaling service-linked role of the account baseline."""
import json

import pytest
import yaml

from regzone.paths import STACKS_DIR
from regzone.preview.mocks import ZoneMocks
from regzone.preview.recorder import ProgramError, record_program
from regzone.preview.references import baseline_outputs

pytestmark = pytest.mark.slow  # each test records a zone program under mocks (seconds)

DEPLOYER = "arn:aws:iam::111122223333:role/regzone-deployer"
SESSION = "arn:aws:sts::111122223333:assumed-role/regzone-deployer/ci"
AUTOSCALING = ("arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/"
               "AWSServiceRoleForAutoScaling")
KEY = "aws:kms/key:Key"


def stack_config(name):
    return yaml.safe_load((STACKS_DIR / f"Pulumi.{name}.yaml").read_text())["config"]


class CapturingMocks(ZoneMocks):
    """Remembers what reached the engine, so a failed program shows what it registered first."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.registered = []

    def new_resource(self, args):
        self.registered.append((args.typ, args.name, json.dumps(args.inputs)))
        return super().new_resource(args)


@pytest.fixture(scope="module")
def hipaa():
    return record_program(STACKS_DIR, "hipaa", stack_config("hipaa"))


def key_policies(recording):
    return {k.inputs["tags"]["purpose"]: json.loads(k.inputs["policy"])["Statement"]
            for k in recording.resources if k.type == KEY}


def deployer_statements(statements):
    return [s for s in statements if isinstance(s["Principal"], dict) and DEPLOYER in s["Principal"].get("AWS", [])]


def test_deployer_can_change_every_key_policy_again(hipaa):
    """KMS's lockout safety check: the policy must let the caller call PutKeyPolicy later. The hipaa
    stack names key administrators, so without a deployer statement no key could be created."""
    policies = key_policies(hipaa)
    assert set(policies) == {"data", "audit", "artifacts", "secrets", "volumes", "enclave", "deployment-records"}
    for purpose, statements in policies.items():
        unconditioned = [s for s in deployer_statements(statements) if "Condition" not in s]
        assert any("kms:PutKeyPolicy" in s["Action"] for s in unconditioned), purpose


def test_deployer_never_deletes_disables_or_uses_directly(hipaa):
    for purpose, statements in key_policies(hipaa).items():
        for statement in deployer_statements(statements):
            actions = statement["Action"]
            assert not [a for a in actions if a.startswith(("kms:ScheduleKeyDeletion", "kms:Disable", "kms:Cancel"))]
            if "Condition" not in statement:
                assert not [a for a in actions if a in ("kms:Encrypt", "kms:Decrypt", "kms:CreateGrant", "kms:Sign")
                            or a.startswith(("kms:GenerateDataKey", "kms:ReEncrypt"))], purpose
            elif purpose == "deployment-records":  # signing record digests is its one use of this key
                assert actions == ["kms:Sign"] and statement["Condition"]["StringEquals"]["kms:MessageType"] == "DIGEST"
            else:
                assert statement["Condition"]["StringEquals"]["kms:ViaService"].endswith(".us-east-2.amazonaws.com")


def test_deployer_uses_the_secrets_key_only_for_the_zone_secrets(hipaa):
    statements = {s["Sid"]: s for s in deployer_statements(key_policies(hipaa)["secrets"])}
    through = statements["DeployerThroughSecretsmanager"]
    assert sorted(through["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert through["Condition"]["StringLike"] == {
        "kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:us-east-2:111122223333:secret:regzone/clinical-ai/*"}
    assert sorted(statements["DeployerThroughEks"]["Action"]) == ["kms:CreateGrant", "kms:DescribeKey"]


def test_the_volumes_key_names_the_baselines_autoscaling_role(hipaa):
    """The role is the account baseline's (test_baseline_program.py): the zone creates none and its
    volumes key names the ARN the baseline exports."""
    assert not [r for r in hipaa.resources if r.type == "aws:iam/serviceLinkedRole:ServiceLinkedRole"]
    (volumes,) = [k for k in hipaa.resources if k.type == KEY and k.name.endswith("-volumes")]
    assert AUTOSCALING in volumes.inputs["policy"]
    for other in (k for k in hipaa.resources if k.type == KEY and not k.name.endswith("-volumes")):
        assert AUTOSCALING not in other.inputs["policy"]


def assert_fails_before_keys(config, stack, mocks, *expected):
    with pytest.raises(ProgramError) as raised:
        record_program(STACKS_DIR, stack, config, mocks=mocks)
    for text in expected:
        assert text in str(raised.value)
    assert not [name for typ, name, _ in mocks.registered if typ == KEY]
    return mocks.registered


@pytest.mark.parametrize("where, arn", [
    ("regzone:zones[0].key_administrators[0]", "arn:aws:iam::111122223333:role/clinical-ai-key-admin"),
    ("regzone:zones[0].key_users[0]", "arn:aws:iam::111122223333:role/clinical-ai-workloads"),
    ("regzone:zones[0].cluster.admin_role_arns[0]", "arn:aws:iam::111122223333:role/clinical-ai-platform-admin"),
    ("regzone:zones[0].registry.promotion_role_arn", "arn:aws:iam::111122223333:role/clinical-ai-artifact-promotion"),
])
def test_missing_principal_fails_before_anything_names_it(where, arn):
    mocks = CapturingMocks("us-east-2", caller_arn=SESSION, absent_principals=frozenset({arn}))
    registered = assert_fails_before_keys(stack_config("hipaa"), "hipaa", mocks, where, arn, "does not exist")
    assert not [name for _, name, inputs in registered if arn in inputs]


@pytest.mark.parametrize("caller, expected", [
    ("arn:aws:sts::111122223333:assumed-role/platform-admin/alice", "not a session of regzone:deployer_role_arn"),
    ("arn:aws:iam::111122223333:user/alice", "not a session of regzone:deployer_role_arn"),
    ("arn:aws:sts::444455556666:assumed-role/regzone-deployer/ci", "deploys into account 444455556666"),
])
def test_deploying_as_another_identity_fails_before_the_keys(caller, expected):
    mocks = CapturingMocks("us-east-2", caller_arn=caller)
    assert_fails_before_keys(stack_config("hipaa"), "hipaa", mocks, expected, "lockout safety check")


def test_offline_preview_deploys_as_the_stack_deployer_in_its_account(dev_config):
    """A stack of a real account previews offline: the stand-in caller is a session of its deployer
    (and the account's baseline is that account's)."""
    text = json.dumps(dev_config).replace("111122223333", "444455556666")
    baseline = json.loads(json.dumps(baseline_outputs("dev", "test")).replace("111122223333", "444455556666"))
    recording = record_program(STACKS_DIR, "dev", json.loads(text), stack_outputs=baseline)
    policies = [k.inputs["policy"] for k in recording.resources if k.type == KEY]
    assert policies and all("arn:aws:iam::444455556666:role/regzone-deployer" in p for p in policies)


def test_a_principal_iam_does_not_list_is_refused_naming_the_config_key():
    """components.principal_checks: the deploy-time check behind RAZ-DEP-003 for configured principals."""
    from components.principal_checks import PrincipalCheckError, require_listed
    arn = "arn:aws:iam::111122223333:role/missing"
    assert require_listed(arn, [arn], "regzone:zones[0].key_users[0]") == arn
    with pytest.raises(PrincipalCheckError, match=r"regzone:zones\[0\]\.key_users\[0\]: IAM role .* does not exist"):
        require_listed(arn, ["arn:aws:iam::111122223333:role/other"], "regzone:zones[0].key_users[0]")
