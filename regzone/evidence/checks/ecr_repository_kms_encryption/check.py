"""Images encrypted with a customer-managed key (Prowler has no check for this)."""
from regzone.evidence.checks import failed, passed, per_resource


def judge(repo, ctx):
    config = repo.get("encryptionConfiguration") or {}
    kind, key = config.get("encryptionType", "AES256"), config.get("kmsKey")
    if kind not in ("KMS", "KMS_DSSE"):
        return failed(f"encryption type is {kind}, not KMS")
    if not key:
        return failed(f"{kind} encryption with the AWS-managed aws/ecr key, not a customer-managed key")
    return passed(f"{kind} encryption with {key}")


def execute(ctx):
    return per_resource(ctx, "ecr", "repository", judge)
