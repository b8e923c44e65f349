"""Nitro Enclaves attestation measurements as AWS KMS compares them.

KMS releases a key to an enclave when the signed attestation document in the request's `Recipient`
parameter carries the measurements its key policy names (condition keys
kms:RecipientAttestation:ImageSha384 and kms:RecipientAttestation:PCR<n>, AWS KMS developer guide,
"Condition keys for Nitro Enclaves"). The config, the policy pack and the evidence checks read
measurements through this module, so that all three accept the same values.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from components.iam_documents import workload_role_path
from regzone_core.policy import Principal, parse_policy
from regzone_core.policy.document import ALLOW
from regzone_core.policy.evaluation import account_of
from regzone_core.policy.possible import ValuesOf, may_allow
from regzone_core.policy.symbolic import ABSENT, FREE, Fresh, Lit, Values

CONDITION_PREFIX = "kms:RecipientAttestation:"
IMAGE_KEY = f"{CONDITION_PREFIX}ImageSha384"
# Nitro Enclaves' PCRs other than PCR0 (ImageSha384): 1 kernel and bootstrap, 2 application, 3 the
# parent instance's IAM role, 4 the parent instance, 8 the image's signing certificate (Nitro
# Enclaves user guide, "Where to get an enclave's measurements").
NITRO_PCRS = ("PCR1", "PCR2", "PCR3", "PCR4", "PCR8")
_SHA384_HEX = re.compile(r"^[0-9a-fA-F]{96}$")


def measurement_problem(value: object) -> str | None:
    """Why `value` cannot pin an enclave, or None: a SHA-384 digest in hex, not the all-zero
    measurements that every debug-mode enclave reports."""
    if not isinstance(value, str) or not _SHA384_HEX.match(value):
        return ("is not a SHA-384 measurement; valid: 96 hexadecimal characters, as `nitro-cli build-enclave` and "
                "`nitro-cli describe-eif` print them")
    if set(value) == {"0"}:
        return ("is all zeros, the measurement of every debug-mode enclave (whose memory and console the parent can "
                "read); valid: the measurement of the production enclave image")
    return None


def is_attestation_key(key: str) -> bool:
    return key.lower().startswith(CONDITION_PREFIX.lower())


# --- judging a key policy -------------------------------------------------------------------

# What a zone's workload role may ask of the enclave key, from inside an attested enclave.
RELEASE_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
# What would give the workload role plaintext, or a way to it, outside an enclave.
WORKLOAD_PLAINTEXT_ACTIONS = ("kms:CreateGrant", "kms:Decrypt", "kms:DeriveSharedSecret", "kms:GenerateDataKey",
                              "kms:GenerateDataKeyPair", "kms:ReEncryptFrom")
# What would decrypt the enclave key's ciphertexts outside an enclave, whoever asks: Decrypt, or
# re-encrypting them under another key, or granting use (grants cannot require attestation).
DECRYPT_ACTIONS = ("kms:CreateGrant", "kms:Decrypt", "kms:ReEncryptFrom")


def named_measurements(policy) -> dict[str, set[str]]:
    """Attestation condition key (lower case) -> the values the document's Allow statements accept."""
    named: dict[str, set[str]] = {}
    for statement in parse_policy(policy).statements:
        for condition in statement.conditions if statement.effect == ALLOW else ():
            if is_attestation_key(condition.key):
                named.setdefault(condition.key, set()).update(v.lower() for v in condition.values)
    return named


def attested_release_problems(policy, *, zone: str, account: str, partition: str = "aws",
                              expected: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Why `policy` (an enclave key's) does not release data keys to `zone`'s workload roles only
    inside attested enclaves, with `expected` measurements when given (condition key -> values).

    Judged by what the document permits (regzone_core.policy.possible): a representative role on the
    zone's workload path may decrypt with the measurements the policy names, but not without an
    attestation document nor with measurements it does not name; no principal the policy names, and
    no other principal of the account, decrypts without attestation."""
    document = parse_policy(policy)
    named = named_measurements(document)
    problems = [f"{key} value {value[:16]}... {problem}" for key, values in sorted(named.items())
                for value in sorted(values) if (problem := measurement_problem(value))]
    key_arn = f"arn:{partition}:kms:*:{account}:key/*"
    workload = f"arn:{partition}:iam::{account}:role{workload_role_path(zone)}attested-workload"

    def allows(arn: str, action: str, attestation: ValuesOf) -> bool:
        """The principal `arn` asks for `action`; its attestation keys hold `attestation(key)`, its
        identity keys are its own, every other key is its choice."""
        own = account_of(arn) or account
        fixed: dict[str, Values] = {"aws:principalarn": Lit((arn,)), "aws:principalaccount": Lit((own,)),
                                    "kms:calleraccount": Lit((own,))}

        def values(key: str) -> Values:
            return attestation(key) if is_attestation_key(key) else fixed.get(key, FREE)
        return may_allow(document, Principal("AWS", arn), action, key_arn, values)

    problems += [f"the zone's workload roles may call {action} without an attestation document"
                 for action in WORKLOAD_PLAINTEXT_ACTIONS if allows(workload, action, lambda key: ABSENT)]
    problems += [f"an enclave whose measurements the policy does not name (any image) may call {action}"
                 for action in RELEASE_ACTIONS if allows(workload, action, lambda key: Fresh("measurement"))]
    first = {key: Lit((sorted(values)[0],)) for key, values in named.items()}
    if not named or not allows(workload, "kms:Decrypt", lambda key: first.get(key, FREE)):
        problems.append(f"no statement lets the zone's workload roles (IAM path {workload_role_path(zone)}) decrypt "
                        "from an attested enclave: Allow kms:Decrypt under kms:RecipientAttestation conditions")
    # Everyone the document names, and one principal of the account it does not name.
    others = sorted({p.value for statement in document.statements for p in statement.principals or ()
                     if p.kind == "AWS" and p.value.startswith("arn:") and not p.value.endswith(":root")}
                    | {f"arn:{partition}:iam::{account}:role/any-other-principal"})
    problems += [f"{principal} may call {action} without an attestation document"
                 for principal in others for action in DECRYPT_ACTIONS if allows(principal, action, lambda key: ABSENT)]
    if expected is not None:
        wanted = {key.lower(): {v.lower() for v in values} for key, values in expected.items()}
        if named != wanted:
            problems.append(f"the policy accepts measurements {_shown(named)}, the zone config {_shown(wanted)}")
    return problems


def _shown(measurements: dict[str, set[str]]) -> str:
    return "{" + "; ".join(f"{key}: {', '.join(v[:12] + '...' for v in sorted(values))}"
                           for key, values in sorted(measurements.items())) + "}" if measurements else "none"
