"""Key policies of customer-managed keys give administration and use to different principals.

Judged by what the Allow statements permit (regzone_core.policy.kms: wildcards and NotAction
expanded against the KMS action catalogue), not by their shape. Conservative: conditions are taken
as met and Deny statements as absent, so a policy can only be judged separated when its allows
already are. The account root in both roles fails too: the key policy then delegates both duties
to IAM and separates nothing (AWS KMS Developer Guide, "Default key policy"). The deployer
(`--deployer-role-arn`) may use a key exactly as AWS does as the caller for the key's purpose (its
`purpose` tag; every purpose when the tags were not read), as the preview judges it."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import ApiError, absent_means
from regzone.key_caller_permissions import deployer_caller_use
from regzone_core.policy.verdicts import duty_conflicts


def _purpose(key):
    try:
        tags = key.get("tags")
    except (ApiError, KeyError):   # tags are read only for --zone scans
        return None
    # No purpose tag: judged for every purpose (the preview's rule), the strictest reading.
    return absent_means(tags, "purpose", None, "untagged: every purpose") if isinstance(tags, dict) else None


def judge(key, ctx):
    if key.get("metadata").get("KeyManager") != "CUSTOMER":
        return None
    conflicts = duty_conflicts(key.get("policy") or {"Statement": []},
                               caller_use=deployer_caller_use(ctx.deployer_role_arn, _purpose(key)))
    if conflicts:
        return failed("; ".join(conflicts))
    return passed("key policy gives administration and use to different principals")


def execute(ctx):
    return per_resource(ctx, "kms", "key", judge)
