"""Default encryption must use a customer-managed key: AWS-managed keys cannot be revoked or scoped."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.rules import customer_key_problem

_KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


def judge(bucket, ctx):
    rules = bucket.get("encryption")
    defaults = [r.get("ApplyServerSideEncryptionByDefault") or {} for r in rules]
    if not defaults:
        return failed("no default encryption configuration")
    for default in defaults:
        algorithm, key_ref = default.get("SSEAlgorithm"), default.get("KMSMasterKeyID")
        if algorithm not in _KMS_ALGORITHMS:
            return failed(f"default encryption is {algorithm}, not SSE-KMS with a customer-managed key")
        problem = customer_key_problem(ctx, bucket.region, key_ref, "SSE-KMS default encryption")
        if problem:
            return failed(problem.replace("the service's AWS-managed key", "the AWS-managed aws/s3 key"))
    return passed(f"SSE-KMS with customer-managed key {key_ref}")


def execute(ctx):
    return per_resource(ctx, "s3", "bucket", judge)
