"""may_allow: whether some request of a caller, with some context keys fixed and the rest its own
choice, is allowed. Allows count when their conditions can hold, Denies only when theirs must."""
import pytest

from regzone_core.policy import Principal, evaluate, Request, Decision
from regzone_core.policy.possible import may_allow
from regzone_core.policy.symbolic import ABSENT, FREE, Fresh, Lit

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/regzone/z/workloads/w"
KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/k"
IMAGE = "ab" * 48
ATTESTED = "kms:recipientattestation:imagesha384"


def allow(condition=None, principal=None, action="kms:Decrypt"):
    statement = {"Effect": "Allow", "Principal": principal or {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                 "Action": action, "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return statement


def deny_without_attestation():
    return {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
            "Condition": {"Null": {"kms:RecipientAttestation:ImageSha384": "true"}}}


def values(attestation, **fixed):
    table = {"aws:principalarn": Lit((ROLE,)), **fixed}
    return lambda key: attestation if key == ATTESTED else table.get(key, FREE)


def may(statements, attestation, action="kms:Decrypt", caller=ROLE):
    return may_allow({"Statement": statements}, Principal("AWS", caller), action, KEY, values(attestation))


PINNED = {"StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": IMAGE}}


@pytest.mark.parametrize("statements, attestation, expected", [
    ([allow(PINNED)], Lit((IMAGE,)), True),                       # the named image
    ([allow(PINNED)], Lit((IMAGE.upper(),)), True),               # IgnoreCase
    ([allow(PINNED)], ABSENT, False),                             # no attestation document
    ([allow(PINNED)], Fresh("measurement"), False),               # any other image
    ([allow({"StringLike": {"kms:RecipientAttestation:ImageSha384": "*"}})], Fresh("measurement"), True),
    ([allow({"StringEqualsIgnoreCaseIfExists": {"kms:RecipientAttestation:ImageSha384": IMAGE}})], ABSENT, True),
    ([allow()], ABSENT, True),                                    # unconditioned
    ([allow(), deny_without_attestation()], ABSENT, False),       # the Deny catches every such request
    ([allow(), deny_without_attestation()], Fresh("measurement"), True),
])
def test_attestation_questions(statements, attestation, expected):
    assert may(statements, attestation) is expected


def test_the_caller_must_match_the_principal_and_its_conditions():
    on_path = allow({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/regzone/z/workloads/*"}})
    assert may([on_path], ABSENT)
    other = f"arn:aws:iam::{ACCOUNT}:role/other"
    assert not may_allow({"Statement": [on_path]}, Principal("AWS", other), "kms:Decrypt", KEY,
                         lambda key: Lit((other,)) if key == "aws:principalarn" else FREE)
    assert not may([allow(principal={"AWS": "arn:aws:iam::444455556666:root"})], ABSENT)


def test_action_and_resource_must_match():
    assert not may([allow(action="kms:Encrypt")], ABSENT)
    statement = {**allow(), "Resource": "arn:aws:kms:eu-west-1:111122223333:key/other"}
    assert not may([statement], ABSENT)


def test_a_deny_that_need_not_apply_does_not_count():
    """A Deny narrowed by a key the caller chooses (here the encryption context) does not catch every request."""
    narrow = {"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
              "Condition": {"StringEquals": {"kms:EncryptionContext:purpose": "x"}}}
    assert may([allow(), narrow], ABSENT)


def test_agrees_with_evaluate_on_concrete_requests():
    """With every key the document tests fixed to one value, may_allow is evaluate."""
    document = {"Statement": [allow(PINNED), deny_without_attestation()]}
    for image in (IMAGE, "cd" * 48):
        concrete = evaluate(document, Request(Principal("AWS", ROLE), "kms:Decrypt", KEY,
                                              {"kms:RecipientAttestation:ImageSha384": image}))
        symbolic = may_allow(document, Principal("AWS", ROLE), "kms:Decrypt", KEY,
                             lambda key, image=image: Lit((image,)) if key == ATTESTED else ABSENT)
        assert symbolic is (concrete is Decision.ALLOW)
