"""The zone's private PKI (controls RAZ-PKI-*): a zone CA and service certificates for in-zone TLS.

Private keys live only in Pulumi's encrypted state and in Secrets Manager, encrypted with the
zone secrets key; they are never stack outputs. Leaf certificates are short-lived and renewed by
`pulumi up` once inside the renewal window (`early_renewal_hours`), so rotation is routine.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_tls as tls

# key_algorithm -> PrivateKey arguments. Only algorithms at or above the pack's minimum.
KEY_ALGORITHMS: dict[str, dict[str, object]] = {
    "ECDSA_P384": {"algorithm": "ECDSA", "ecdsa_curve": "P384"},
    "RSA_3072": {"algorithm": "RSA", "rsa_bits": 3072},
    "RSA_4096": {"algorithm": "RSA", "rsa_bits": 4096},
}
SECRET_RECOVERY_DAYS = 30


@dataclass
class ServiceCertificate:
    name: str
    dns_names: Sequence[str]


@dataclass
class ZonePkiArgs:
    zone_name: str
    secrets_key_arn: pulumi.Input[str]
    key_algorithm: str = "ECDSA_P384"
    ca_validity_days: int = 1825
    certificate_validity_days: int = 90
    renew_before_days: int = 30
    services: Sequence[ServiceCertificate] = field(default_factory=list)


class ZonePki(pulumi.ComponentResource):
    """Zone CA plus one certificate per service; `secret_arns[name]` hold key and chain."""

    ca_certificate_pem: pulumi.Output[str]
    secret_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: ZonePkiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:security:ZonePki", name, None, opts)
        if args.key_algorithm not in KEY_ALGORITHMS:
            raise ValueError(f"ZonePki {name}: key_algorithm {args.key_algorithm!r} is not allowed; "
                             f"valid: {list(KEY_ALGORITHMS)}")
        if not 0 < args.renew_before_days < args.certificate_validity_days < args.ca_validity_days:
            raise ValueError(f"ZonePki {name}: need 0 < renew_before_days < certificate_validity_days "
                             "< ca_validity_days")
        key_args = KEY_ALGORITHMS[args.key_algorithm]
        # Keys are the CA's and services' identity: losing or silently replacing one breaks trust.
        keep = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)

        ca_key = tls.PrivateKey(f"{name}-ca-key", **key_args, opts=keep)
        ca = tls.SelfSignedCert(
            f"{name}-ca",
            private_key_pem=ca_key.private_key_pem,
            is_ca_certificate=True,
            subject=tls.SelfSignedCertSubjectArgs(common_name=f"{args.zone_name} zone CA",
                                                  organization="regulated AI zone"),
            validity_period_hours=args.ca_validity_days * 24,
            early_renewal_hours=min(args.ca_validity_days // 5, 365) * 24,
            allowed_uses=["cert_signing", "crl_signing"],
            opts=pulumi.ResourceOptions(parent=self))
        self.ca_certificate_pem = ca.cert_pem
        self.secret_arns = {"ca": self._store(name, "ca", args, ca_key.private_key_pem, ca.cert_pem, ca.cert_pem)}

        for service in args.services:
            key = tls.PrivateKey(f"{name}-{service.name}-key", **key_args, opts=keep)
            request = tls.CertRequest(
                f"{name}-{service.name}-csr",
                private_key_pem=key.private_key_pem,
                subject=tls.CertRequestSubjectArgs(common_name=service.dns_names[0],
                                                   organization="regulated AI zone"),
                dns_names=list(service.dns_names),
                opts=pulumi.ResourceOptions(parent=self))
            cert = tls.LocallySignedCert(
                f"{name}-{service.name}-cert",
                cert_request_pem=request.cert_request_pem,
                ca_private_key_pem=ca_key.private_key_pem,
                ca_cert_pem=ca.cert_pem,
                validity_period_hours=args.certificate_validity_days * 24,
                early_renewal_hours=args.renew_before_days * 24,
                allowed_uses=["digital_signature", "key_encipherment", "server_auth"],
                opts=pulumi.ResourceOptions(parent=self))
            self.secret_arns[service.name] = self._store(name, service.name, args, key.private_key_pem,
                                                         cert.cert_pem, ca.cert_pem)

        self.register_outputs({"ca_certificate_pem": self.ca_certificate_pem, "secret_arns": self.secret_arns})

    def _store(self, name: str, entry: str, args: ZonePkiArgs, key_pem: pulumi.Output[str],
               cert_pem: pulumi.Output[str], ca_pem: pulumi.Output[str]) -> pulumi.Output[str]:
        """One Secrets Manager secret per key, encrypted with the zone secrets key (never AWS-managed)."""
        secret = aws.secretsmanager.Secret(
            f"{name}-{entry}-secret",
            name=f"regzone/{args.zone_name}/pki/{entry}",
            description=f"zone {args.zone_name} PKI: {entry} private key and certificate",
            kms_key_id=args.secrets_key_arn,
            recovery_window_in_days=SECRET_RECOVERY_DAYS,
            tags={"purpose": "pki"},
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True))
        aws.secretsmanager.SecretVersion(
            f"{name}-{entry}-secret-version",
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(pulumi.Output.json_dumps(
                {"private_key_pem": key_pem, "certificate_pem": cert_pem, "ca_certificate_pem": ca_pem})),
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True))
        return secret.arn
