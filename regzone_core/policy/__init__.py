"""Policy-document semantics: what an IAM-style document (identity, trust, KMS key, S3 bucket,
ECR repository or VPC endpoint policy) permits, for one request or for every request of a set.

- `document`: parse and normalise (`parse_policy`, `PolicyError`);
- `evaluation`: the decision for one concrete request (`evaluate`, `Request`, `Decision`);
- `conditions`, `symbolic`, `patterns`: condition operators and wildcards, concrete and over sets;
- `grants`: which callers each Allow admits once its conditions and the document's Denies count;
- `coverage`: whether a Deny catches every request of a set (`denies_all`, `RequestSet`);
- `catalogue`, `kms`: known actions, and KMS key administration versus use (and a caller's use);
- `lockout`: KMS's lockout safety check (may the deployer put a key policy again?);
- `principals`: service principals and service-linked roles AWS must be able to resolve;
- `verdicts`: the verdicts the pack and the evidence both give, worded once.

Preview policies and evidence checks call these, so that both reach the same verdict on the
same document. Sources are cited in each module; the governing one is the AWS IAM User Guide
("Policy evaluation logic", "IAM JSON policy element reference", "Condition operators",
"Conditions with multiple context keys or values", "Single-valued vs. multivalued context keys").
"""
from regzone_core.policy.coverage import RequestSet, denies_all, uncovered
from regzone_core.policy.document import Policy, PolicyError, Principal, Statement, parse_policy
from regzone_core.policy.evaluation import ANONYMOUS, Decision, Request, evaluate
from regzone_core.policy.grants import Grant, grants

__all__ = ["ANONYMOUS", "Decision", "Grant", "Policy", "PolicyError", "Principal", "Request", "RequestSet",
           "Statement", "denies_all", "evaluate", "grants", "parse_policy", "uncovered"]
