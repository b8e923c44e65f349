"""The zone PKI at preview (controls RAZ-PKI-*): key strength, one self-signed CA, bounded validity,
private keys in Secrets Manager under the zone's own key.

Limits are the catalog controls' (P-384/RSA-3072, leaf <= 397 days as public CAs, CA <= 10 years);
the pack settings (regulated_ai/settings.py) have no PKI keys yet, so they are constants here.
"""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.framework import ResourceView, StackView, resource_policy, stack_policy
from regulated_ai.types import (SECRETSMANAGER_SECRET, SSM_PARAMETER, TLS_LOCALLY_SIGNED_CERT, TLS_PRIVATE_KEY,
                                TLS_SELF_SIGNED_CERT)
from regulated_ai.values import is_unknown, reference, reference_at, values_at

MIN_RSA_BITS = 3072
ALLOWED_ECDSA_CURVES = ("P384", "P521")
MAX_LEAF_VALIDITY_HOURS = 397 * 24
MAX_CA_VALIDITY_HOURS = 3650 * 24
# Uses that let a certificate authenticate a TLS server or client; `any_extended` (anyExtendedKeyUsage)
# admits them all (RFC 5280 4.2.1.12).
_TLS_USES = {"server_auth", "client_auth", "any_extended"}


@resource_policy(
    "pki-private-key-strength",
    description="TLS private keys must be ECDSA P-384/P-521 or RSA >= 3072 bits.",
    controls=["RAZ-PKI-001"], types=[TLS_PRIVATE_KEY])
def private_key_strength(key: ResourceView) -> Iterator[str]:
    algorithm = key.known("algorithm")
    if algorithm == "RSA":
        bits = key.number("rsaBits", 2048)  # the provider's default
        if bits < MIN_RSA_BITS:
            yield f"TLS key '{key.name}' is RSA {bits:g} bits; use at least {MIN_RSA_BITS} or ECDSA P384."
    elif algorithm == "ECDSA":
        curve = key.known("ecdsaCurve", "P224")  # the provider's default
        if curve not in ALLOWED_ECDSA_CURVES:
            yield f"TLS key '{key.name}' uses curve {curve}; use one of {', '.join(ALLOWED_ECDSA_CURVES)}."
    else:
        yield (f"TLS key '{key.name}' uses algorithm {algorithm!r}; the zone allows ECDSA "
               f"({'/'.join(ALLOWED_ECDSA_CURVES)}) or RSA >= {MIN_RSA_BITS}.")


@resource_policy(
    "pki-self-signed-only-zone-ca",
    description="The only self-signed certificate is the zone CA (a CA that signs and serves nothing).",
    controls=["RAZ-PKI-002"], types=[TLS_SELF_SIGNED_CERT])
def self_signed_only_zone_ca(cert: ResourceView) -> Iterator[str]:
    if cert.flag("isCaCertificate", False) is not True:
        yield (f"self-signed certificate '{cert.name}' is not a CA: service certificates must be issued "
               "by the zone CA (tls.LocallySignedCert via ZonePki).")
    uses = set(cert.known("allowedUses", []) or [])
    if uses & _TLS_USES:
        yield (f"self-signed certificate '{cert.name}' allows {sorted(uses & _TLS_USES)}: the zone CA must "
               "only sign certificates, never serve TLS itself.")


@resource_policy(
    "pki-ca-certificate-not-for-tls",
    description="A CA certificate issued by the zone CA (an intermediate) signs certificates only: it allows no TLS "
                "server or client authentication.",
    controls=["RAZ-PKI-005"], types=[TLS_LOCALLY_SIGNED_CERT])
def ca_certificate_not_for_tls(cert: ResourceView) -> Iterator[str]:
    if cert.flag("isCaCertificate", False) is not True:
        return
    uses = set(cert.known("allowedUses", []) or [])
    if uses & _TLS_USES:
        yield (f"CA certificate '{cert.name}' allows {sorted(uses & _TLS_USES)}: a CA whose key also serves TLS "
               "exposes the signing key on every endpoint that uses it. Issue a separate leaf certificate; "
               "give the CA cert_signing and crl_signing only.")


@resource_policy(
    "pki-certificate-validity",
    description="Leaf certificates are valid <= 397 days and renew early; CA certificates <= 10 years.",
    controls=["RAZ-PKI-003"], types=[TLS_SELF_SIGNED_CERT, TLS_LOCALLY_SIGNED_CERT])
def certificate_validity(cert: ResourceView) -> Iterator[str]:
    hours = cert.number("validityPeriodHours")
    is_ca = cert.type == TLS_SELF_SIGNED_CERT or cert.flag("isCaCertificate", False) is True
    limit = MAX_CA_VALIDITY_HOURS if is_ca else MAX_LEAF_VALIDITY_HOURS
    if hours is None or hours > limit:
        yield (f"certificate '{cert.name}' is valid for {hours if hours is None else f'{hours:g}'} hours; the limit "
               f"for a {'CA' if is_ca else 'leaf'} certificate is {limit} hours ({limit // 24} days).")
    if not is_ca and not cert.number("earlyRenewalHours", 0):
        yield f"certificate '{cert.name}' never renews early: set earlyRenewalHours (pki.renew_before_days)."


@stack_policy(
    "pki-certificate-issued-by-zone-ca",
    description="Locally signed certificates must be issued by a self-signed zone CA in the same stack.",
    controls=["RAZ-PKI-002"], types=[TLS_LOCALLY_SIGNED_CERT])
def certificate_issued_by_zone_ca(stack: StackView) -> Iterator[tuple[str, str]]:
    for cert in stack.of_type(TLS_LOCALLY_SIGNED_CERT):
        issuers = cert.property_dependencies.get("caCertPem", [])
        if not any(i.type == TLS_SELF_SIGNED_CERT and i.flag("isCaCertificate", False) is True for i in issuers):
            yield cert.urn, (f"certificate '{cert.name}' is not issued by the zone CA: its caCertPem must come "
                             "from the zone's CA certificate (ZonePki), not a literal or another issuer.")


def _aws_managed(key, service: str) -> bool:
    # An unknown key is the output of a resource this deployment creates, and none creates an
    # AWS-managed key (one per account and service, alias/aws/<service>): it is a reference to a
    # customer key, whose callers key-caller-permissions judges through the dependency.
    if is_unknown(key):
        return False
    return key is None or (isinstance(key, str) and (key == "" or key.endswith(f"alias/aws/{service}")))


@resource_policy(
    "secretsmanager-secret-zone-key",
    description="Secrets Manager secrets, their replicas in other regions, and SecureString SSM parameters must be "
                "encrypted with a customer-managed zone key.",
    controls=["RAZ-PKI-004"], types=[SECRETSMANAGER_SECRET, SSM_PARAMETER])
def secret_zone_key(secret: ResourceView) -> Iterator[str]:
    if secret.type == SSM_PARAMETER:
        # Only SecureString parameters are encrypted; KMS uses alias/aws/ssm unless keyId names a key.
        if secret.known("type", None) == "SecureString" and _aws_managed(secret.reference("keyId"), "ssm"):
            yield (f"SSM parameter '{secret.name}' is a SecureString under the AWS-managed key: set keyId to the "
                   "zone secrets key, or keep the secret in Secrets Manager.")
        return
    if _aws_managed(secret.reference("kmsKeyId"), "secretsmanager"):
        yield (f"secret '{secret.name}' uses the AWS-managed key; set kmsKeyId to the zone secrets key "
               "(keys.key_arns['secrets']).")
    # Each replica is encrypted in its region with its own kmsKeyId, aws/secretsmanager unless set.
    for where, replica in values_at(secret.props, "replicas"):
        for index, entry in enumerate(replica if isinstance(replica, list) else [replica]):
            key = reference_at(entry, "kmsKeyId") if isinstance(entry, dict) else reference(entry)
            if _aws_managed(key, "secretsmanager"):
                region = reference(entry.get("region")) if isinstance(entry, dict) else "?"
                yield (f"secret '{secret.name}' replica {index} ({region}) uses the AWS-managed key: set its kmsKeyId "
                       "to the zone secrets key of that region.")
