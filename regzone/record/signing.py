"""The record-signing key's fixed facts, shared by the key's component and policy
(components/record_key.py, components/kms_policy.py), the pack (kms-key-policy-separation accepts
the deployer's signing on a key of this purpose only) and the record store."""
PURPOSE = "deployment-records"                  # the key's `purpose` tag
ALIAS = "alias/{zone}/" + PURPOSE               # how `regzone record verify` finds a zone's key
# ECC_NIST_P256 (secp256r1) keys sign with ECDSA_SHA_256 only (AWS KMS developer guide, "Asymmetric
# key specs", ECC key specs for signing and verification).
KEY_SPEC = "ECC_NIST_P256"
ALGORITHM = "ECDSA_SHA_256"
# KMS signs the record manifest's SHA-256 digest as given: with DIGEST the message must be as long
# as the algorithm's hash (32 bytes for a *_SHA_256 algorithm), and Verify must use DIGEST as well, or
# a digest hashed twice fails to verify (AWS KMS API reference, Sign and Verify, "MessageType").
MESSAGE_TYPE = "DIGEST"
SIGNER_ACTIONS = frozenset({"kms:Sign"})        # the deployer's one use of the key
