"""The record-signing key's fixed facts, shared by the key's component and policy
(components/record_key.py, components/kms_policy.py), the pack (kms-key-policy-separation accepts
the deployer's signing on a key of this purpose only) and the record store."""
PURPOSE = "deployment-records"                  # the key's `purpose` tag
ALIAS = "alias/{zone}/" + PURPOSE               # how `regzone record verify` finds a zone's key
KEY_SPEC = "ECC_NIST_P256"
ALGORITHM = "ECDSA_SHA_256"
MESSAGE_TYPE = "DIGEST"                         # KMS signs the record manifest's SHA-256 digest
SIGNER_ACTIONS = frozenset({"kms:Sign"})        # the deployer's one use of the key
