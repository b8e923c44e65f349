"""Properties of policy evaluation that hold for every document, checked on generated ones, and
agreement between the symbolic answers (grants, Deny coverage) and concrete evaluation."""
from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regzone_core.policy import ANONYMOUS, Decision, Principal, Request, RequestSet, denies_all, evaluate, grants

ACCOUNT, OTHER, UNLISTED = "111122223333", "444455556666", "999988887777"
BUCKET = "arn:aws:s3:::b"
ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "kms:Decrypt", "kms:CreateGrant", "iam:PassRole"]
ACTION_PATTERNS = ACTIONS + ["s3:*", "s3:Get*", "kms:Create*", "*", "s3:?etObject", "kms:*Grant"]
RESOURCES = [BUCKET, f"{BUCKET}/k", f"{BUCKET}/dir/k", "arn:aws:s3:::other/k", "arn:aws:kms:us-east-1:111122223333:key/1"]
RESOURCE_PATTERNS = RESOURCES + ["*", f"{BUCKET}/*", "arn:aws:s3:::b*", "arn:aws:kms:*:111122223333:key/*"]
PRINCIPAL_ENTRIES = ["*", {"AWS": "*"}, {"AWS": ["*"]}, {"AWS": ACCOUNT}, {"AWS": f"arn:aws:iam::{OTHER}:root"},
                     {"AWS": f"arn:aws:iam::{ACCOUNT}:role/r"}, {"Service": "logs.amazonaws.com"}]
CALLERS = [ANONYMOUS, Principal("AWS", f"arn:aws:iam::{ACCOUNT}:role/r"), Principal("AWS", f"arn:aws:iam::{OTHER}:user/u"),
           Principal("AWS", f"arn:aws:iam::{UNLISTED}:role/x"), Principal("Service", "logs.amazonaws.com")]
OPERATORS = ["StringEquals", "StringNotEquals", "StringLike", "StringNotLike", "StringEqualsIgnoreCase",
             "StringEqualsIfExists", "StringNotEqualsIfExists", "StringLikeIfExists", "ForAnyValue:StringEquals",
             "ForAllValues:StringEquals", "ForAllValues:StringNotLike", "ForAnyValue:StringLike", "Bool", "Null",
             "ArnLike", "ArnNotLike"]
KEYS = ["aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:SourceAccount", "aws:SourceVpce", "aws:SecureTransport",
        "s3:prefix", "aws:PrincipalArn"]
VALUES = [ACCOUNT, OTHER, "*", "1111*", "9*", "o-1", "vpce-1", "true", "false", "home/*", "arn:aws:iam::*:role/x",
          f"arn:aws:iam::{ACCOUNT}:*"]
# Keys any caller's request may carry; the caller's identity keys are added to match the caller.
CONTEXT_VALUES = {"aws:SecureTransport": ["true", "false"], "aws:SourceVpce": ["vpce-1", "vpce-2"],
                  "s3:prefix": ["home/a", "x"]}

one_or_list = lambda items: st.one_of(st.sampled_from(items), st.lists(st.sampled_from(items), min_size=1, max_size=3))
conditions = st.dictionaries(st.sampled_from(OPERATORS), st.dictionaries(
    st.sampled_from(KEYS), one_or_list(VALUES), min_size=1, max_size=2), max_size=2)


@st.composite
def statements(draw, effect=None):
    statement = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"]))}
    statement["NotAction" if draw(st.booleans()) and draw(st.booleans()) else "Action"] = draw(one_or_list(ACTION_PATTERNS))
    statement["NotResource" if draw(st.integers(0, 5)) == 0 else "Resource"] = draw(one_or_list(RESOURCE_PATTERNS))
    statement["NotPrincipal" if draw(st.integers(0, 5)) == 0 else "Principal"] = draw(st.sampled_from(PRINCIPAL_ENTRIES))
    condition = draw(conditions)
    if condition:
        statement["Condition"] = condition
    return statement


def documents(min_size=1):
    return st.lists(statements(), min_size=min_size, max_size=4).map(lambda s: {"Version": "2012-10-17", "Statement": s})


@st.composite
def requests(draw):
    caller = draw(st.sampled_from(CALLERS))
    context = {key: draw(st.sampled_from(values)) for key, values in CONTEXT_VALUES.items() if draw(st.booleans())}
    context.update(draw(_identity_context(caller)))
    return Request(caller, draw(st.sampled_from(ACTIONS)), draw(st.sampled_from(RESOURCES)), context)


@st.composite
def _identity_context(draw, caller: Principal) -> dict:
    """The keys AWS adds for the caller (AWS global condition context keys)."""
    if caller.kind == "AWS":
        account = caller.value.split(":")[4]
        context = {"aws:PrincipalAccount": account, "kms:CallerAccount": account, "aws:PrincipalArn": caller.value}
        if draw(st.booleans()):
            context["aws:PrincipalOrgID"] = draw(st.sampled_from(["o-1", "o-2"]))
        return context
    if caller.kind == "Service" and draw(st.booleans()):
        return {"aws:SourceAccount": draw(st.sampled_from([ACCOUNT, OTHER, UNLISTED]))}
    return {}


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(documents(), statements(effect="Allow"), requests())
def test_adding_an_allow_never_denies_what_was_allowed(document, allow, request_):
    if evaluate(document, request_) is Decision.ALLOW:
        assert evaluate({**document, "Statement": [*document["Statement"], allow]}, request_) is Decision.ALLOW


@SETTINGS
@given(documents(), statements(effect="Deny"), requests())
def test_adding_a_deny_never_allows_what_was_denied(document, deny, request_):
    if evaluate(document, request_) is not Decision.ALLOW:
        assert evaluate({**document, "Statement": [*document["Statement"], deny]}, request_) is not Decision.ALLOW


@SETTINGS
@given(documents(), requests(), st.randoms(use_true_random=False))
def test_statement_order_does_not_matter(document, request_, rng):
    shuffled = list(document["Statement"])
    rng.shuffle(shuffled)
    assert evaluate({**document, "Statement": shuffled}, request_) is evaluate(document, request_)


@SETTINGS
@given(statements(), requests())
def test_single_statement_object_reads_as_a_list(statement, request_):
    assert evaluate({"Statement": statement}, request_) is evaluate({"Statement": [statement]}, request_)


def _recase(document: dict, rng: random.Random) -> dict:
    def flip(text: str) -> str:
        return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)
    statements_ = []
    for statement in document["Statement"]:
        statement = dict(statement)
        for element in ("Action", "NotAction"):
            if element in statement:
                value = statement[element]
                statement[element] = [flip(a) for a in value] if isinstance(value, list) else flip(value)
        if "Condition" in statement:
            statement["Condition"] = {op: {flip(k): v for k, v in keys.items()} for op, keys in statement["Condition"].items()}
        statements_.append(statement)
    return {**document, "Statement": statements_}


@SETTINGS
@given(documents(), requests(), st.randoms(use_true_random=False))
def test_case_of_actions_and_condition_keys_does_not_matter(document, request_, rng):
    assert evaluate(_recase(document, rng), request_) is evaluate(document, request_)


@SETTINGS
@given(statements(), requests(), st.integers(1, 5))
def test_splitting_an_action_list_does_not_change_decisions(statement, request_, cut):
    element = "Action" if "Action" in statement else None
    if element is None or not isinstance(statement["Action"], list) or len(statement["Action"]) < 2:
        statement = {k: v for k, v in statement.items() if k != "NotAction"}
        statement["Action"] = ["s3:GetObject", "kms:Decrypt", "s3:Put*"]
    actions = statement["Action"]
    cut = min(cut, len(actions) - 1)
    split = [{**statement, "Action": actions[:cut]}, {**statement, "Action": actions[cut:]}]
    assert evaluate({"Statement": split}, request_) is evaluate({"Statement": [statement]}, request_)


TLS_SET = RequestSet(("s3:*",), (BUCKET, f"{BUCKET}/*"), {"aws:SecureTransport": "false"})


@SETTINGS
@given(documents(), requests(), st.sampled_from(["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteBucket"]),
       st.sampled_from([BUCKET, f"{BUCKET}/k", f"{BUCKET}/dir/k"]))
def test_a_covering_deny_denies_every_concrete_request_of_the_set(document, request_, action, resource):
    if denies_all(document, TLS_SET):
        plain = Request(request_.principal, action, resource, {**request_.context, "aws:SecureTransport": "false"})
        assert evaluate(document, plain) is Decision.EXPLICIT_DENY


@SETTINGS
@given(documents(), requests())
def test_a_caller_no_grant_admits_is_never_allowed(document, request_):
    """grants() over-approximates: a request that a resource policy allows is one of its grants."""
    if evaluate(document, request_) is not Decision.ALLOW:
        return
    found = grants(document)
    caller = request_.principal
    if caller is ANONYMOUS:
        assert any(g.anonymous for g in found)
    elif caller.kind == "AWS":
        account = caller.value.split(":")[4]
        assert any(g.any_account or account in g.accounts or g.bounded_by for g in found), found
