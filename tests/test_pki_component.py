"""The zone PKI in the dev stack under mocks: CA and service certificate inputs, keys only in
Secrets Manager under the zone secrets key; PKI config errors name the key."""
import pytest

from regzone.config import ConfigError, parse_stack_config
from regzone.config.loader import read_stack_file
from regzone.paths import STACKS_DIR
from regzone.preview.recorder import record_program


@pytest.fixture(scope="module")
def dev():
    return record_program(STACKS_DIR, "dev", read_stack_file(STACKS_DIR / "Pulumi.dev.yaml"))


def of_type(recording, type_token):
    return {r.name: r for r in recording.resources if r.type == type_token}


def test_ca_is_p384_self_signed_ca_and_protected(dev):
    keys = of_type(dev, "tls:index/privateKey:PrivateKey")
    assert set(keys) == {"dev-ai-pki-ca-key", "dev-ai-pki-model-gateway-key"}
    for key in keys.values():
        assert key.inputs["algorithm"] == "ECDSA" and key.inputs["ecdsaCurve"] == "P384"
        assert key.protect and key.retain_on_delete
        assert key.parent.endswith("regzone:security:ZonePki::dev-ai-pki")
    (ca,) = of_type(dev, "tls:index/selfSignedCert:SelfSignedCert").values()
    assert ca.inputs["isCaCertificate"] is True
    assert ca.inputs["validityPeriodHours"] == 1825 * 24
    assert ca.inputs["allowedUses"] == ["cert_signing", "crl_signing"]


def test_service_certificate_is_short_lived_and_renews(dev):
    cert = of_type(dev, "tls:index/locallySignedCert:LocallySignedCert")["dev-ai-pki-model-gateway-cert"]
    assert cert.inputs["validityPeriodHours"] == 90 * 24
    assert cert.inputs["earlyRenewalHours"] == 30 * 24
    assert "server_auth" in cert.inputs["allowedUses"] and "cert_signing" not in cert.inputs["allowedUses"]
    csr = of_type(dev, "tls:index/certRequest:CertRequest")["dev-ai-pki-model-gateway-csr"]
    assert csr.inputs["dnsNames"] == ["model-gateway.dev-ai.internal"]


def test_private_keys_stored_with_zone_secrets_key(dev):
    secrets = of_type(dev, "aws:secretsmanager/secret:Secret")
    assert set(secrets) == {"dev-ai-pki-ca-secret", "dev-ai-pki-model-gateway-secret"}
    secrets_key = of_type(dev, "aws:kms/key:Key")["dev-ai-keys-secrets"]
    for secret in secrets.values():
        assert secret.inputs["kmsKeyId"].endswith(":key/dev-ai-keys-secrets")
        assert secret.protect and secret.retain_on_delete
        assert secrets_key.urn in secret.property_dependencies["kmsKeyId"]
    assert of_type(dev, "aws:secretsmanager/secret:Secret")["dev-ai-pki-ca-secret"].inputs["name"] == \
        "regzone/dev-ai/pki/ca"


@pytest.mark.parametrize("change, key, expected", [
    ({"renew_before_days": 90}, "pki.renew_before_days = 90", "shorter than certificate_validity_days"),
    ({"certificate_validity_days": 500}, "pki.certificate_validity_days = 500", "less than or equal to 397"),
    ({"key_algorithm": "RSA_2048"}, "pki.key_algorithm = 'RSA_2048'", "ECDSA_P384"),
])
def test_pki_config_errors_name_the_key(dev_config, change, key, expected):
    dev_config["regzone:zones"][0]["pki"].update(change)
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(dev_config, "stacks/Pulumi.dev.yaml")
    assert f"regzone:zones[0].{key}" in str(raised.value) and expected in str(raised.value)
