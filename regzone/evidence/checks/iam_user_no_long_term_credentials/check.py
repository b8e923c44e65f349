"""No IAM user holds an access key, a console password, an SSH public key or a signing
certificate, and (for the whole account, without --zone) the root has no access keys or signing
certificates."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import ApiError, Result, Status

_ROOT_CREDENTIALS = {"AccountAccessKeysPresent": "access keys", "AccountSigningCertificatesPresent": "signing certificates"}


def judge(user, ctx):
    held = [f"{'active' if k.get('Status') == 'Active' else 'inactive'} access key {k.get('AccessKeyId')}"
            for k in user.get("access_keys")]
    if user.get("login_profile"):
        held.append("a console password (login profile)")
    held += [f"SSH public key {k.get('SSHPublicKeyId')}" for k in user.get("ssh_keys")]
    held += [f"signing certificate {c.get('CertificateId')}" for c in user.get("certificates")]
    if held:
        return failed(f"long-term credentials: {', '.join(held)}")
    return passed("no access key, console password, SSH public key or signing certificate")


def _root(ctx):
    arn = f"arn:{ctx.partition}:iam::{ctx.account}:root"
    try:
        summary = ctx.inventory("iam_credentials", "global").fact("account_summary")
    except ApiError as error:
        return Result(arn, "global", Status.ERROR, str(error))
    held = [what for key, what in _ROOT_CREDENTIALS.items() if summary.get(key)]
    if any(key not in summary for key in _ROOT_CREDENTIALS):
        return Result(arn, "global", Status.ERROR, "iam:GetAccountSummary did not say whether the root has keys")
    if held:
        return Result(arn, "global", Status.FAIL, f"the account root has {' and '.join(held)}")
    return Result(arn, "global", Status.PASS, "the account root has no access keys or signing certificates")


def execute(ctx):
    yield from per_resource(ctx, "iam_credentials", "user", judge)
    if ctx.zone is None:
        yield _root(ctx)
