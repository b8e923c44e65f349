"""RAZ-PKI-005..007 over the analyzer protocol: intermediate CAs do not serve TLS; Private CA and ACM keys are
strong; Private CA certificates have bounded validity; unknowns and unreadable values are reported."""
import datetime

import pytest

from analyzer_helpers import resource, violations

LOCAL = "tls:index/locallySignedCert:LocallySignedCert"
SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert"
PCA = "aws:acmpca/certificateAuthority:CertificateAuthority"
PCA_CERT = "aws:acmpca/certificate:Certificate"
ACM = "aws:acm/certificate:Certificate"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
INTERMEDIATE = {"isCaCertificate": True, "validityPeriodHours": 1825 * 24, "allowedUses": ["cert_signing", "crl_signing"]}


def test_an_intermediate_ca_that_signs_only_passes(pack):
    assert violations(pack, "pki-ca-certificate-not-for-tls", resource(LOCAL, INTERMEDIATE, name="ica")) == []
    leaf = {"validityPeriodHours": 90 * 24, "allowedUses": ["server_auth"]}
    assert violations(pack, "pki-ca-certificate-not-for-tls", resource(LOCAL, leaf, name="leaf")) == []


@pytest.mark.parametrize("use", ["server_auth", "client_auth", "any_extended"])
def test_an_intermediate_ca_usable_for_tls_fires(pack, use):
    found = violations(pack, "pki-ca-certificate-not-for-tls",
                       resource(LOCAL, {**INTERMEDIATE, "allowedUses": ["cert_signing", use]}, name="ica"))
    assert found and use in found[0].message and "RAZ-PKI-005" in found[0].message


def test_the_zone_ca_with_any_extended_use_fires(pack):
    """any_extended admits server authentication: the self-signed zone CA may not have it either."""
    found = violations(pack, "pki-self-signed-only-zone-ca",
                       resource(SELF_SIGNED, {**INTERMEDIATE, "allowedUses": ["cert_signing", "any_extended"]}, name="ca"))
    assert found and "any_extended" in found[0].message


def pca(algorithm):
    return resource(PCA, {"type": "SUBORDINATE", "certificateAuthorityConfiguration": {
        "keyAlgorithm": algorithm, "signingAlgorithm": "SHA384WITHECDSA", "subject": {"commonName": "zone"}}}, name="ca")


@pytest.mark.parametrize("algorithm", ["EC_secp384r1", "EC_secp521r1", "RSA_3072", "RSA_4096"])
def test_strong_private_ca_and_acm_keys_pass(pack, algorithm):
    assert violations(pack, "private-ca-key-strength", pca(algorithm)) == []
    assert violations(pack, "private-ca-key-strength", resource(ACM, {"domainName": "a.zone.internal",
                                                                     "keyAlgorithm": algorithm})) == []


@pytest.mark.parametrize("algorithm", ["RSA_2048", "EC_prime256v1"])
def test_weak_private_ca_keys_fire(pack, algorithm):
    found = violations(pack, "private-ca-key-strength", pca(algorithm))
    assert found and algorithm in found[0].message and "RAZ-PKI-006" in found[0].message


def test_acm_default_key_is_weak_and_imported_certificates_are_not_judged(pack):
    found = violations(pack, "private-ca-key-strength", resource(ACM, {"domainName": "a.zone.internal"}))
    assert found and "RSA_2048" in found[0].message
    imported = {"certificateBody": "-----BEGIN CERTIFICATE-----", "privateKey": "-----BEGIN PRIVATE KEY-----"}
    assert violations(pack, "private-ca-key-strength", resource(ACM, imported)) == []


def test_unknown_private_ca_key_is_reported(pack):
    found = violations(pack, "private-ca-key-strength", pca(UNKNOWN))
    assert found and "cannot be verified" in found[0].message


def issued(validity_type, value, template="arn:aws:acm-pca:::template/EndEntityCertificate/V1"):
    return resource(PCA_CERT, {"certificateAuthorityArn": "arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/x",
                               "certificateSigningRequest": "csr", "signingAlgorithm": "SHA384WITHECDSA",
                               "templateArn": template, "validity": {"type": validity_type, "value": value}},
                    name="cert")


def _in_days(days):
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)


ROOT = "arn:aws:acm-pca:::template/RootCACertificate/V1"
SUBORDINATE = "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1"


@pytest.mark.parametrize("certificate", [
    lambda: issued("DAYS", "397"), lambda: issued("MONTHS", "12"), lambda: issued("YEARS", "10", ROOT),
    lambda: issued("YEARS", "9", SUBORDINATE), lambda: issued("ABSOLUTE", str(int(_in_days(300).timestamp()))),
    lambda: issued("END_DATE", _in_days(300).strftime("%Y%m%d%H%M%S")),
])
def test_bounded_validity_passes(pack, certificate):
    assert violations(pack, "private-ca-certificate-validity", certificate()) == []


@pytest.mark.parametrize("certificate, expected", [
    (lambda: issued("DAYS", "398"), "limit for a leaf"), (lambda: issued("YEARS", "2"), "limit for a leaf"),
    (lambda: issued("MONTHS", "13"), "limit for a leaf"), (lambda: issued("YEARS", "11", ROOT), "limit for a CA"),
    (lambda: issued("ABSOLUTE", str(int(_in_days(800).timestamp()))), "limit for a leaf"),
    (lambda: issued("END_DATE", _in_days(800).strftime("%Y%m%d%H%M%S")), "limit for a leaf"),
    (lambda: issued("END_DATE", "next year"), "a date YYYYMMDDHHMMSS"),
    (lambda: issued("WEEKS", "4"), "one of DAYS"),
])
def test_long_or_unreadable_validity_fires(pack, certificate, expected):
    found = violations(pack, "private-ca-certificate-validity", certificate())
    assert found and expected in found[0].message, found


def test_unknown_validity_is_reported(pack):
    found = violations(pack, "private-ca-certificate-validity", issued("DAYS", UNKNOWN))
    assert found and "cannot be verified" in found[0].message
