"""Which inputs of an AWS resource type name a KMS key, and where: the name forms, and per type the
key inputs its pulumi-aws schema declares (data/key_inputs.json, generated from the pinned SDK by
`make key-inputs`; tests/test_key_inputs.py fails when it is stale).

A policy that looks for key uses reads the schema's paths rather than every name at any depth: an
input outside the schema never reaches AWS (the bridge type-checks input names against the Pulumi
schema and maps only declared properties to the provider: pulumi/pulumi-terraform-bridge#1328, PR
#1800), and an unknown block can be judged by what the schema says it may hold.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

KEY_INPUTS_FILE = Path(__file__).resolve().parent / "data" / "key_inputs.json"

# Inputs that name a KMS key, in pulumi-aws's wire names (kmsKeyId, kmsKeyArn, kmsKey, kmsMasterKeyId,
# kmsKeyIdentifier, volumeKmsKeyId, kmsArn, cmkArn ...).
_KMS_KEY_INPUT = re.compile(r"(?i)(kms(master)?key(id|arn|identifier)?|kmsarn|cmkarn|kmsencryptionkey|"
                            r"encryptionkeyarn)$")
# Inputs named for any key (an API key, a signing key ...): a KMS key only when the value shows one.
_ANY_KEY_INPUT = frozenset({"keyArn", "keyId"})


def is_kms_key_input(name: str) -> bool:
    """An input whose name says it holds a KMS key."""
    return bool(_KMS_KEY_INPUT.search(name))


def is_key_input(name: str) -> bool:
    """An input whose name says it holds a KMS key, or a key of any kind (a KMS key when its value is one)."""
    return is_kms_key_input(name) or name in _ANY_KEY_INPUT


@lru_cache(maxsize=1)
def _key_inputs_by_type() -> dict[str, frozenset[str]]:
    types = json.loads(KEY_INPUTS_FILE.read_text(encoding="utf-8"))["types"]
    return {token: frozenset(paths) for token, paths in types.items()}


def schema_key_inputs(type_token: str) -> frozenset[str] | None:
    """The key inputs the pinned pulumi-aws declares for the type, as dot-separated wire names with
    lists transparent (`rootBlockDevice.kmsKeyId`); None for a type the pinned SDK does not have."""
    return _key_inputs_by_type().get(type_token)
