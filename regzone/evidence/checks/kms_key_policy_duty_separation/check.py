"""Key policies of customer-managed keys give administration and use to different principals.

`duty_conflicts` judges a policy document by what its Allow statements permit (wildcards and
NotAction expanded against the actions that matter), not by their shape, so it can move onto a
shared policy-semantics module unchanged. Conservative: conditions are taken as met and Deny
statements as absent, so a policy can only be judged separated when its allows already are. The
account root in both roles fails too: the key policy then delegates both duties to IAM and
separates nothing (AWS KMS Developer Guide, "Default key policy")."""
from fnmatch import fnmatchcase

from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.rules import as_list, statements

# Actions that change who may do what with the key, or whether it exists.
ADMINISTRATION = ("kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:DisableKey",
                  "kms:EnableKey", "kms:DisableKeyRotation", "kms:ImportKeyMaterial", "kms:DeleteImportedKeyMaterial",
                  "kms:UpdatePrimaryRegion")
# Actions that use the key for data; a grant hands out use.
USE = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
       "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext",
       "kms:Sign", "kms:GenerateMac", "kms:DeriveSharedSecret", "kms:CreateGrant")


def _allowed(statement, actions):
    """The given actions this Allow statement permits (IAM action matching is case-insensitive)."""
    def matches(action, patterns):
        return any(fnmatchcase(action.lower(), str(p).lower()) for p in patterns)
    if "NotAction" in statement:
        return [a for a in actions if not matches(a, as_list(statement["NotAction"]))]
    return [a for a in actions if matches(a, as_list(statement.get("Action")))]


def _principals(statement):
    if "NotPrincipal" in statement or statement.get("Principal") == "*":
        return ["*"]
    principal = statement.get("Principal")
    return [str(p) for p in as_list(principal.get("AWS"))] if isinstance(principal, dict) else []


def duty_conflicts(policy):
    """Principals that may both administer and use the key, with one action of each."""
    administers, uses = {}, {}
    for statement in statements(policy):
        if statement.get("Effect") != "Allow":
            continue
        for principal in _principals(statement):
            for found, actions in ((administers, ADMINISTRATION), (uses, USE)):
                allowed = _allowed(statement, actions)
                if allowed:
                    found.setdefault(principal, allowed[0])
    return [f"{p} may both administer ({administers[p]}) and use ({uses[p]}) the key"
            for p in sorted(administers.keys() & uses.keys())]


def judge(key, ctx):
    if key.get("metadata").get("KeyManager") != "CUSTOMER":
        return None
    conflicts = duty_conflicts(key.get("policy"))
    if conflicts:
        return failed("; ".join(conflicts))
    return passed("key policy gives administration and use to different principals")


def execute(ctx):
    return per_resource(ctx, "kms", "key", judge)
