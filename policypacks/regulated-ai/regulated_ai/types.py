"""Type tokens policies match, including the deprecated V2 aliases pulumi-aws 7 still accepts."""
KMS_KEY = "aws:kms/key:Key"
