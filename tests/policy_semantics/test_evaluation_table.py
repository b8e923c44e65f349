"""Decisions with known answers: examples from the AWS documentation (page cited per example),
and the edge cases of condition operators that shape-based checks got wrong."""
import pytest

from regzone_core.policy import ANONYMOUS, Decision, Principal, Request, evaluate

ALLOW, DENY, NONE = Decision.ALLOW, Decision.EXPLICIT_DENY, Decision.IMPLICIT_DENY
IAM_GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
ALICE = Principal("AWS", "arn:aws:iam::111122223333:user/alice")
BOB = Principal("AWS", "arn:aws:iam::444455556666:user/Bob")
CAROL = Principal("AWS", "arn:aws:iam::444455556666:user/Carol")


def doc(*statements, version="2012-10-17"):
    return {"Version": version, "Statement": list(statements)}


# IAM User Guide, reference_policies_elements_condition_operators.html, "String condition operators" example.
TAG_ADMIN = doc({"Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "arn:aws:iam::111122223333:user/*",
                 "Condition": {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}})
# Same page, "...IfExists condition operators" example (instance types).
IF_EXISTS = doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
                 "Condition": {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}})
# reference_policies_condition_examples-multi-valued-context-keys.html, "Deny a single policy condition value".
DENY_TAG_KEYS = doc({"Effect": "Deny", "Action": ["iam:Tag*", "iam:UnTag*"], "Resource": ["*"],
                     "Condition": {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}})
# Same page, ForAnyValue example ("Allow ... when any tag key is one of").
ANY_TAG_KEYS = doc({"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
                    "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "webserver"]}}})
# reference_policies_examples_aws_deny-ip.html: deny everything from outside two ranges, unless via an AWS service.
DENY_IP = doc({"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {
    "NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}, "Bool": {"aws:ViaAWSService": "false"}}})
# reference_policies_examples_aws-dates.html: allow only between two dates.
DATES = doc({"Effect": "Allow", "Action": "service-prefix:action-name", "Resource": "*", "Condition": {
    "DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
    "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}}})
# reference_policies_elements_notaction.html: everything except IAM.
NOT_IAM = doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
# reference_policies_elements_notprincipal.html: deny everyone but Bob (and his account) on a bucket.
NOT_PRINCIPAL = doc({"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::444455556666:user/Bob",
                                                                "arn:aws:iam::444455556666:root"]},
                     "Action": "s3:*", "Resource": ["arn:aws:s3:::BUCKETNAME", "arn:aws:s3:::BUCKETNAME/*"]},
                    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::BUCKETNAME/*"})
# reference_policies_elements_notresource.html: deny everything but the Payroll folder.
NOT_RESOURCE = doc({"Effect": "Deny", "Action": "s3:*", "NotResource": [
    "arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]})
# reference_policies_variables.html: each user lists only their own prefix.
VARIABLES = doc({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket",
                 "Condition": {"StringLike": {"s3:prefix": ["${aws:username}/*"]}}})
# reference_policies_elements_condition_operators.html, "Amazon Resource Name (ARN) condition operators".
ARN_SOURCE = doc({"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "SQS:SendMessage",
                  "Resource": "arn:aws:sqs:us-east-1:123456789012:QUEUE-ID",
                  "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:TOPIC-ID"}}})
# Same page, "Condition operator to check existence of condition keys" (Null).
NULL = doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
            "Condition": {"Null": {"aws:TokenIssueTime": "false"}}})
NULL_ODD = doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*", "Condition": {"Null": {"aws:TokenIssueTime": "yes"}}})
# AmazonS3 userguide security-best-practices.html: enforce encryption of data in transit.
TLS_ONLY = doc({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket", "arn:aws:s3:::amzn-s3-demo-bucket/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
# kms developerguide key-policy-default.html: the account root gets kms:* and delegates to IAM.
KMS_DEFAULT = doc({"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                   "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"})

BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"

CASES = [
    # (document, request, decision, source page)
    (TAG_ADMIN, Request(ALICE, "iam:CreateAccessKey", "arn:aws:iam::111122223333:user/bob",
                        {"aws:PrincipalTag/job-category": "iamuser-admin"}), ALLOW, "condition_operators"),
    (TAG_ADMIN, Request(ALICE, "iam:CreateAccessKey", "arn:aws:iam::111122223333:user/bob"), NONE,
     "condition_operators: key absent, condition false"),
    (TAG_ADMIN, Request(ALICE, "iam:createaccesskey", "arn:aws:iam::111122223333:user/bob",
                        {"AWS:PRINCIPALTAG/JOB-CATEGORY": "iamuser-admin"}), ALLOW, "actions and keys ignore case"),
    (TAG_ADMIN, Request(ALICE, "iam:CreateAccessKey", "arn:aws:iam::111122223333:user/bob",
                        {"aws:PrincipalTag/job-category": "IAMUSER-ADMIN"}), NONE, "StringEquals is case-sensitive"),
    (IF_EXISTS, Request(ALICE, "ec2:RunInstances", "*", {"ec2:InstanceType": "t2.micro"}), ALLOW, "IfExists present"),
    (IF_EXISTS, Request(ALICE, "ec2:RunInstances", "*", {"ec2:InstanceType": "m5.large"}), NONE, "IfExists mismatch"),
    (IF_EXISTS, Request(ALICE, "ec2:DescribeInstances", "*"), ALLOW, "IfExists absent key: true"),
    (DENY_TAG_KEYS, Request(ALICE, "iam:TagUser", "*", {"aws:TagKeys": ["key1:legal"]}), NONE, "multi-valued table 1"),
    (DENY_TAG_KEYS, Request(ALICE, "iam:TagUser", "*", {"aws:TagKeys": ["key1:hr", "key1:personnel"]}), NONE,
     "multi-valued table 2"),
    (DENY_TAG_KEYS, Request(ALICE, "iam:TagUser", "*", {"aws:TagKeys": ["key2:audit"]}), DENY, "multi-valued table 3"),
    (DENY_TAG_KEYS, Request(ALICE, "iam:TagUser", "*"), DENY, "multi-valued table 4: ForAllValues true when absent"),
    (ANY_TAG_KEYS, Request(ALICE, "ec2:CreateTags", "*", {"aws:TagKeys": ["environment", "costcenter"]}), ALLOW,
     "ForAnyValue: one value matches"),
    (ANY_TAG_KEYS, Request(ALICE, "ec2:CreateTags", "*", {"aws:TagKeys": ["costcenter"]}), NONE, "ForAnyValue: none"),
    (ANY_TAG_KEYS, Request(ALICE, "ec2:CreateTags", "*"), NONE, "ForAnyValue: false when absent"),
    (DENY_IP, Request(ALICE, "s3:GetObject", "*", {"aws:SourceIp": "198.51.100.7", "aws:ViaAWSService": False}), DENY,
     "deny-ip: outside both ranges"),
    (DENY_IP, Request(ALICE, "s3:GetObject", "*", {"aws:SourceIp": "203.0.113.9", "aws:ViaAWSService": False}), NONE,
     "deny-ip: inside a range"),
    (DENY_IP, Request(ALICE, "s3:GetObject", "*", {"aws:SourceIp": "198.51.100.7", "aws:ViaAWSService": True}), NONE,
     "deny-ip: through an AWS service"),
    (DATES, Request(ALICE, "service-prefix:action-name", "*", {"aws:CurrentTime": "2020-05-01T12:00:00Z"}), ALLOW,
     "dates: inside"),
    (DATES, Request(ALICE, "service-prefix:action-name", "*", {"aws:CurrentTime": "2021-01-01T00:00:00Z"}), NONE,
     "dates: after"),
    (DATES, Request(ALICE, "service-prefix:action-name", "*", {"aws:CurrentTime": "1588334400"}), ALLOW,
     "dates: epoch seconds"),
    (NOT_IAM, Request(ALICE, "s3:GetObject", "*"), ALLOW, "NotAction: other service"),
    (NOT_IAM, Request(ALICE, "iam:CreateUser", "*"), NONE, "NotAction: listed service"),
    (NOT_PRINCIPAL, Request(BOB, "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x"), ALLOW, "NotPrincipal: Bob is not denied"),
    (NOT_PRINCIPAL, Request(CAROL, "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x"), DENY,
     "NotPrincipal: an account listed by its root ARN is not every principal of it"),
    (NOT_PRINCIPAL, Request(ANONYMOUS, "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x"), DENY, "NotPrincipal: anonymous"),
    (NOT_RESOURCE, Request(ALICE, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/jan.csv"), NONE, "NotResource: inside"),
    (NOT_RESOURCE, Request(ALICE, "s3:GetObject", "arn:aws:s3:::HRBucket/Other/x"), DENY, "NotResource: outside"),
    (VARIABLES, Request(ALICE, "s3:ListBucket", "arn:aws:s3:::amzn-s3-demo-bucket",
                        {"aws:username": "alice", "s3:prefix": "alice/docs"}), ALLOW, "variables: own prefix"),
    (VARIABLES, Request(ALICE, "s3:ListBucket", "arn:aws:s3:::amzn-s3-demo-bucket",
                        {"aws:username": "alice", "s3:prefix": "bob/docs"}), NONE, "variables: other prefix"),
    (VARIABLES, Request(ALICE, "s3:ListBucket", "arn:aws:s3:::amzn-s3-demo-bucket", {"s3:prefix": "alice/docs"}), NONE,
     "variables: absent variable matches nothing"),
    ({**VARIABLES, "Version": "2008-10-17"}, Request(ALICE, "s3:ListBucket", "arn:aws:s3:::amzn-s3-demo-bucket",
                                                     {"aws:username": "alice", "s3:prefix": "alice/docs"}), NONE,
     "variables: literal text before version 2012-10-17"),
    (ARN_SOURCE, Request(Principal("AWS", "arn:aws:iam::123456789012:role/sns"), "sqs:SendMessage",
                         "arn:aws:sqs:us-east-1:123456789012:QUEUE-ID",
                         {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:TOPIC-ID"}), ALLOW,
     "ArnEquals, account principal covers its roles"),
    (ARN_SOURCE, Request(Principal("AWS", "arn:aws:iam::123456789012:role/sns"), "sqs:SendMessage",
                         "arn:aws:sqs:us-east-1:123456789012:QUEUE-ID",
                         {"aws:SourceArn": "arn:aws:sns:us-east-1:999999999999:TOPIC-ID"}), NONE, "ArnEquals mismatch"),
    (ARN_SOURCE, Request(BOB, "sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:QUEUE-ID",
                         {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:TOPIC-ID"}), NONE, "other account"),
    (NULL, Request(ALICE, "ec2:RunInstances", "*", {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}), ALLOW, "Null false"),
    (NULL, Request(ALICE, "ec2:RunInstances", "*"), NONE, "Null false, key absent"),
    (NULL_ODD, Request(ALICE, "ec2:RunInstances", "*", {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}), NONE,
     "Null with a value other than true/false matches nothing"),
    (TLS_ONLY, Request(ANONYMOUS, "s3:GetObject", f"{BUCKET}/k", {"aws:SecureTransport": "false"}), DENY, "TLS deny"),
    (TLS_ONLY, Request(ALICE, "s3:PutObject", f"{BUCKET}/k", {"aws:SecureTransport": "true"}), NONE, "TLS request"),
    (TLS_ONLY, Request(ALICE, "s3:ListBucket", BUCKET, {"aws:SecureTransport": False}), DENY, "TLS deny, bucket"),
    (KMS_DEFAULT, Request(ALICE, "kms:Decrypt", "*"), ALLOW, "root principal covers the account"),
    (KMS_DEFAULT, Request(BOB, "kms:Decrypt", "*"), NONE, "root principal of another account"),
    (KMS_DEFAULT, Request(Principal("AWS", "arn:aws:sts::111122223333:assumed-role/ops/session"), "kms:Decrypt", "*"),
     ALLOW, "root principal covers role sessions"),
    # Negated operators with the key absent are true; IfExists variants too (condition_operators page).
    (doc({"Effect": "Deny", "Action": "*", "Resource": "*",
          "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}}), Request(ALICE, "s3:GetObject", "*"), DENY,
     "negated operator, key absent: true"),
    (doc({"Effect": "Deny", "Action": "*", "Resource": "*",
          "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}}),
     Request(ALICE, "s3:GetObject", "*", {"aws:PrincipalOrgID": "o-1"}), NONE, "negated IfExists, key matches"),
    (doc({"Effect": "Allow", "Action": "*", "Resource": "*",
          "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}}),
     Request(ALICE, "s3:GetObject", "*", {"aws:RequestedRegion": "eu-west-1"}), NONE, "NOR over negated values"),
    (doc({"Effect": "Allow", "Action": "*", "Resource": "*",
          "Condition": {"StringEqualsIgnoreCase": {"aws:RequestTag/env": "Prod"}}}),
     Request(ALICE, "ec2:CreateTags", "*", {"aws:RequestTag/env": "PROD"}), ALLOW, "IgnoreCase"),
    (doc({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringLike": {"s3:prefix": "home/${*}/x"}}}),
     Request(ALICE, "s3:ListBucket", "*", {"s3:prefix": "home/*/x"}), ALLOW, "${*} is a literal asterisk"),
    (doc({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringLike": {"s3:prefix": "home/${*}/x"}}}),
     Request(ALICE, "s3:ListBucket", "*", {"s3:prefix": "home/a/x"}), NONE, "${*} is not a wildcard"),
    (doc({"Effect": "Allow", "Action": "kms:Create*", "Resource": "*"}), Request(ALICE, "kms:CreateGrant", "*"), ALLOW,
     "action wildcard includes CreateGrant"),
    (doc({"Effect": "Allow", "Action": "s3:Get?bject", "Resource": "*"}), Request(ALICE, "s3:GetObject", "*"), ALLOW,
     "? matches one character"),
    (doc({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}),
     Request(ALICE, "s3:ListBucket", "arn:aws:s3:::b"), NONE, "bucket/* does not cover the bucket"),
    (doc({"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "kms:Decrypt", "Resource": "*"}),
     Request(ALICE, "kms:Decrypt", "*"), NONE, "service principal does not match an IAM user"),
    (doc({"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "kms:Decrypt", "Resource": "*"}),
     Request(Principal("Service", "logs.amazonaws.com"), "kms:Decrypt", "*"), ALLOW, "service principal"),
    (doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "*"}),
     Request(ANONYMOUS, "s3:GetObject", "*"), ALLOW, '{"AWS": "*"} includes anonymous callers'),
    (doc({"Effect": "Allow", "Action": "*", "Resource": "*",
          "Condition": {"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}}),
     Request(ALICE, "s3:GetObject", "*", {"aws:SourceIp": "2001:db8::1"}), ALLOW, "IPv6 range"),
    (doc({"Effect": "Allow", "Action": "*", "Resource": "*",
          "Condition": {"NumericLessThanEquals": {"s3:max-keys": "10"}}}),
     Request(ALICE, "s3:ListBucket", "*", {"s3:max-keys": "11"}), NONE, "numeric"),
]


@pytest.mark.parametrize("document, request_, decision, source", CASES, ids=[c[3] for c in CASES])
def test_known_decisions(document, request_, decision, source):
    assert evaluate(document, request_) is decision, source
