"""PKI policies over the analyzer protocol: the ZonePki shapes pass; weak keys, self-signed leaves,
long validity, foreign issuers and AWS-managed secret keys fire; unknowns are reported."""
import pytest

from analyzer_helpers import resource, stack_violations, violations

KEY = "tls:index/privateKey:PrivateKey"
SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert"
LOCAL = "tls:index/locallySignedCert:LocallySignedCert"
SECRET = "aws:secretsmanager/secret:Secret"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
CA = {"isCaCertificate": True, "validityPeriodHours": 1825 * 24, "allowedUses": ["cert_signing", "crl_signing"]}
LEAF = {"validityPeriodHours": 90 * 24, "earlyRenewalHours": 30 * 24,
        "allowedUses": ["digital_signature", "key_encipherment", "server_auth"]}


@pytest.mark.parametrize("props", [{"algorithm": "ECDSA", "ecdsaCurve": "P384"},
                                   {"algorithm": "ECDSA", "ecdsaCurve": "P521"},
                                   {"algorithm": "RSA", "rsaBits": 3072}, {"algorithm": "RSA", "rsaBits": 4096}])
def test_strong_keys_pass(pack, props):
    assert violations(pack, "pki-private-key-strength", resource(KEY, props, name="k")) == []


@pytest.mark.parametrize("props, expected", [
    ({"algorithm": "RSA", "rsaBits": 2048}, "RSA 2048"),
    ({"algorithm": "RSA"}, "RSA 2048"),
    ({"algorithm": "ECDSA", "ecdsaCurve": "P256"}, "curve P256"),
    ({"algorithm": "ECDSA"}, "curve P224"),
    ({"algorithm": "ED25519"}, "'ED25519'"),
])
def test_weak_keys_fire(pack, props, expected):
    found = violations(pack, "pki-private-key-strength", resource(KEY, props, name="k"))
    assert len(found) == 1 and expected in found[0].message and "RAZ-PKI-001" in found[0].message


def test_unknown_key_size_is_reported(pack):
    found = violations(pack, "pki-private-key-strength", resource(KEY, {"algorithm": "RSA", "rsaBits": UNKNOWN}))
    assert found and "cannot be verified at preview" in found[0].message


def test_zone_ca_and_leaf_pass(pack):
    for policy in ("pki-self-signed-only-zone-ca", "pki-certificate-validity"):
        assert violations(pack, policy, resource(SELF_SIGNED, CA, name="ca")) == []
    assert violations(pack, "pki-certificate-validity", resource(LOCAL, LEAF, name="leaf")) == []


@pytest.mark.parametrize("props, expected", [
    ({**CA, "isCaCertificate": False}, "is not a CA"),
    ({**CA, "allowedUses": ["cert_signing", "server_auth"]}, "never serve TLS"),
])
def test_self_signed_outside_zone_ca_fires(pack, props, expected):
    found = violations(pack, "pki-self-signed-only-zone-ca", resource(SELF_SIGNED, props, name="ss"))
    assert len(found) == 1 and expected in found[0].message


@pytest.mark.parametrize("type_token, props, expected", [
    (LOCAL, {**LEAF, "validityPeriodHours": 398 * 24}, "limit for a leaf"),
    (LOCAL, {**LEAF, "earlyRenewalHours": 0}, "never renews early"),
    (SELF_SIGNED, {**CA, "validityPeriodHours": 20 * 365 * 24}, "limit for a CA"),
])
def test_validity_beyond_policy_fires(pack, type_token, props, expected):
    found = violations(pack, "pki-certificate-validity", resource(type_token, props, name="c"))
    assert len(found) == 1 and expected in found[0].message


def _chain(ca_props):
    ca = resource(SELF_SIGNED, ca_props, name="zone-ca")
    leaf = resource(LOCAL, {**LEAF, "caCertPem": "-----BEGIN CERTIFICATE-----"}, name="leaf",
                    dependencies=(ca.urn,), property_dependencies={"caCertPem": [ca.urn]})
    return [ca, leaf]


def test_leaf_issued_by_zone_ca_passes(pack):
    assert stack_violations(pack, "pki-certificate-issued-by-zone-ca", _chain(CA)) == []


def test_leaf_issued_by_non_ca_or_literal_fires(pack):
    found = stack_violations(pack, "pki-certificate-issued-by-zone-ca", _chain({**CA, "isCaCertificate": False}))
    assert len(found) == 1 and found[0].urn.endswith("::leaf")
    literal = resource(LOCAL, {**LEAF, "caCertPem": "-----BEGIN CERTIFICATE-----"}, name="literal")
    assert stack_violations(pack, "pki-certificate-issued-by-zone-ca", [literal])


@pytest.mark.parametrize("props, fires", [
    ({"name": "regzone/dev-ai/pki/ca", "kmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/zone-secrets"}, False),
    ({"name": "regzone/dev-ai/pki/ca", "kmsKeyId": UNKNOWN}, False),  # a reference to the zone key being created
    ({"name": "regzone/dev-ai/pki/ca"}, True),
    ({"name": "regzone/dev-ai/pki/ca", "kmsKeyId": "alias/aws/secretsmanager"}, True),
])
def test_secret_uses_zone_key(pack, props, fires):
    found = violations(pack, "secretsmanager-secret-zone-key", resource(SECRET, props, name="s"))
    assert bool(found) is fires


PARAMETER = "aws:ssm/parameter:Parameter"
ZONE_KEY = "arn:aws:kms:eu-west-1:111122223333:key/secrets"


def test_secret_replica_under_the_aws_managed_key_fires(pack):
    replicated = resource(SECRET, {"kmsKeyId": ZONE_KEY, "replicas": [
        {"region": "eu-central-1", "kmsKeyId": "arn:aws:kms:eu-central-1:111122223333:key/secrets"},
        {"region": "eu-north-1"}]})
    found = violations(pack, "secretsmanager-secret-zone-key", replicated)
    assert len(found) == 1 and "replica 1 (eu-north-1)" in found[0].message


@pytest.mark.parametrize("props, fires", [
    ({"type": "SecureString", "value": "x"}, True),
    ({"type": "SecureString", "value": "x", "keyId": "alias/aws/ssm"}, True),
    ({"type": "SecureString", "value": "x", "keyId": ZONE_KEY}, False),
    ({"type": "String", "value": "not secret"}, False),
])
def test_secure_string_parameters_use_the_zone_key(pack, props, fires):
    assert bool(violations(pack, "secretsmanager-secret-zone-key", resource(PARAMETER, props))) is fires


@pytest.mark.parametrize("bits, fires", [("4096", False), ("2048", True)])
def test_rsa_bits_read_as_the_provider_reads_numbers(pack, bits, fires):
    key = resource("tls:index/privateKey:PrivateKey", {"algorithm": "RSA", "rsaBits": bits})
    assert bool(violations(pack, "pki-private-key-strength", key)) is fires
