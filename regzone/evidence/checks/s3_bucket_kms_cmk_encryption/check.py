"""Default encryption must use a customer-managed key: AWS-managed keys cannot be revoked or scoped."""
from regzone.evidence.checks import failed, passed, per_resource

_KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


def _key_manager(key_ref, bucket, ctx):
    """CUSTOMER or AWS for a key id, key ARN, alias name or alias ARN; None if not in this account/region."""
    inventory = ctx.inventory("kms", bucket.region)
    if ":alias/" in key_ref or key_ref.startswith("alias/"):
        alias = "alias/" + key_ref.split("alias/", 1)[1]
        if alias.startswith("alias/aws/"):
            return "AWS"
        key_ref = inventory.fact("aliases").get(alias) or key_ref
    key_id = key_ref.rsplit("/", 1)[-1]
    for key in inventory.of("key"):
        if key.id.rsplit("/", 1)[-1] == key_id:
            return key.get("metadata").get("KeyManager")
    return None


def judge(bucket, ctx):
    rules = bucket.get("encryption")
    defaults = [r.get("ApplyServerSideEncryptionByDefault") or {} for r in rules]
    if not defaults:
        return failed("no default encryption configuration")
    for default in defaults:
        algorithm, key_ref = default.get("SSEAlgorithm"), default.get("KMSMasterKeyID")
        if algorithm not in _KMS_ALGORITHMS:
            return failed(f"default encryption is {algorithm}, not SSE-KMS with a customer-managed key")
        if not key_ref:
            return failed("SSE-KMS without KMSMasterKeyID uses the AWS-managed aws/s3 key")
        manager = _key_manager(key_ref, bucket, ctx)
        if manager == "AWS":
            return failed(f"default encryption uses the AWS-managed key {key_ref}")
        if manager is None and not _other_account(key_ref, ctx.account):
            return failed(f"default encryption key {key_ref} does not exist in {bucket.region}")
    return passed(f"SSE-KMS with customer-managed key {key_ref}")


def _other_account(key_ref, account):
    """A key ARN of another account: AWS-managed keys never are, so it is customer-managed."""
    parts = key_ref.split(":")
    return key_ref.startswith("arn:") and len(parts) > 4 and parts[4] != account


def execute(ctx):
    return per_resource(ctx, "s3", "bucket", judge)
