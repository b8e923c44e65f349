"""AWS Private CA and ACM certificates meet the zone PKI's key strength and validity (controls RAZ-PKI-006,
RAZ-PKI-007): the limits of RAZ-PKI-001/003 (regulated_ai/policies/pki.py) applied to the AWS siblings of
the tls provider's keys and certificates.

Key algorithms: a Private CA's `certificateAuthorityConfiguration.keyAlgorithm` (required) and an ACM
certificate's `keyAlgorithm`, RSA_2048 when unset (ACM RequestCertificate API reference, KeyAlgorithm).
Validity: an issued certificate's `validity` (`type` DAYS, MONTHS, YEARS, ABSOLUTE in Unix seconds or
END_DATE as YYYYMMDDHHMMSS; ACM PCA IssueCertificate API reference, Validity); it is a CA certificate when
its `templateArn` is a CA template (RootCACertificate, SubordinateCACertificate_PathLen*; ACM PCA
"Understanding certificate templates"), otherwise EndEntityCertificate/V1 applies. For the 397-day
leaf limit, months and years count at their longest (31 and 366 days) and absolute dates from now; a
CA certificate's YEARS or MONTHS are compared with ten years in those units.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterator

from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.policies.pki import MAX_CA_VALIDITY_HOURS, MAX_LEAF_VALIDITY_HOURS
from regulated_ai.types import ACM_CERTIFICATE, ACMPCA_CERTIFICATE, ACMPCA_CERTIFICATE_AUTHORITY
from regulated_ai.values import InvalidValue, as_number

# RSA >= 3072 bits or ECDSA P-384/P-521, as RAZ-PKI-001.
STRONG_KEY_ALGORITHMS = ("RSA_3072", "RSA_4096", "EC_secp384r1", "EC_secp521r1")
ACM_DEFAULT_KEY_ALGORITHM = "RSA_2048"
_DAYS_PER = {"DAYS": 1, "MONTHS": 31, "YEARS": 366}
_CA_TEMPLATES = ("RootCACertificate", "SubordinateCACertificate")
MAX_CA_YEARS = MAX_CA_VALIDITY_HOURS // 24 // 365


@resource_policy(
    "private-ca-key-strength",
    description="AWS Private CA keys and ACM certificate keys are RSA >= 3072 bits or ECDSA P-384/P-521.",
    controls=["RAZ-PKI-006"], types=[ACMPCA_CERTIFICATE_AUTHORITY, ACM_CERTIFICATE])
def private_ca_key_strength(resource: ResourceView) -> Iterator[str]:
    if resource.type == ACMPCA_CERTIFICATE_AUTHORITY:
        algorithm = resource.known("certificateAuthorityConfiguration.keyAlgorithm")
        what = f"Private CA '{resource.name}'"
    else:
        if resource.reference("certificateBody") or resource.reference("privateKey"):
            return  # an imported certificate: its key was made elsewhere, its algorithm is not an input
        algorithm = resource.known("keyAlgorithm", ACM_DEFAULT_KEY_ALGORITHM)
        what = f"ACM certificate '{resource.name}'"
    if algorithm not in STRONG_KEY_ALGORITHMS:
        yield (f"{what} uses key algorithm {algorithm!r}; the zone allows {', '.join(STRONG_KEY_ALGORITHMS)} "
               "(RSA >= 3072 bits or ECDSA P-384/P-521).")


def _validity_days(kind: object, value: object, now: datetime.datetime) -> float:
    """How many days the certificate is valid, months and years at their longest."""
    if kind == "END_DATE":
        try:
            end = datetime.datetime.strptime(str(value), "%Y%m%d%H%M%S").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            raise InvalidValue("validity.value", value, "a date YYYYMMDDHHMMSS") from None
        return (end - now).total_seconds() / 86400
    number = as_number(value, "validity.value")
    if number is None:
        raise InvalidValue("validity.value", value, "a number")
    if kind == "ABSOLUTE":
        return (number - now.timestamp()) / 86400
    if kind not in _DAYS_PER:
        raise InvalidValue("validity.type", kind, "one of DAYS, MONTHS, YEARS, ABSOLUTE, END_DATE")
    return number * _DAYS_PER[kind]


def _exceeds(kind: object, value: object, is_ca: bool, now: datetime.datetime) -> bool:
    """Whether the validity is beyond the limit. The CA limit is ten years, so a CA certificate's
    validity in YEARS or MONTHS is compared in those units (ten calendar years are more than 3650 days)."""
    if is_ca and kind in ("YEARS", "MONTHS"):
        number = as_number(value, "validity.value")
        if number is None:
            raise InvalidValue("validity.value", value, "a number")
        return number > (MAX_CA_YEARS if kind == "YEARS" else MAX_CA_YEARS * 12)
    limit_days = (MAX_CA_VALIDITY_HOURS if is_ca else MAX_LEAF_VALIDITY_HOURS) / 24
    return _validity_days(kind, value, now) > limit_days


@resource_policy(
    "private-ca-certificate-validity",
    description="Certificates issued by AWS Private CA are valid <= 397 days, CA certificates <= 10 years.",
    controls=["RAZ-PKI-007"], types=[ACMPCA_CERTIFICATE])
def private_ca_certificate_validity(cert: ResourceView) -> Iterator[str]:
    template = str(cert.known("templateArn", "") or "")
    is_ca = any(f"template/{name}" in template for name in _CA_TEMPLATES)
    kind, value = cert.known("validity.type"), cert.known("validity.value")
    if _exceeds(kind, value, is_ca, datetime.datetime.now(datetime.timezone.utc)):
        limit = f"{MAX_CA_YEARS} years" if is_ca else f"{MAX_LEAF_VALIDITY_HOURS // 24} days"
        yield (f"certificate '{cert.name}' is valid for {value} {kind}; the limit for a {'CA' if is_ca else 'leaf'} "
               f"certificate is {limit}.")
