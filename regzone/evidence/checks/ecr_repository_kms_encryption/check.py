"""Images encrypted with a customer-managed key (Prowler has no check for this): KMS with no key,
or with the aws/ecr key, is AWS-managed."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.rules import customer_key_problem


def judge(repo, ctx):
    config = repo.get("encryptionConfiguration") or {}
    kind, key = config.get("encryptionType", "AES256"), config.get("kmsKey")
    if kind not in ("KMS", "KMS_DSSE"):
        return failed(f"encryption type is {kind}, not KMS")
    problem = customer_key_problem(ctx, repo.region, key, f"{kind} encryption")
    return failed(problem) if problem else passed(f"{kind} encryption with customer-managed key {key}")


def execute(ctx):
    return per_resource(ctx, "ecr", "repository", judge)
