"""The deployment record: what one deployment of a stack put in the account, under which controls,
kept write-once in each zone's audit bucket and signed with the zone's record-signing key.

One JSON document per deployment and zone (docs/deployment-record.md):
- `state`: the stack's resources as `pulumi stack export` writes them, secrets redacted;
- `settings`: the settings of each resource type that a record keeps and drift compares;
- `document`: the OpenLineage run event with the change, the preventive evidence and the
  inventory as run facets (`facets`), its canonical form and per-field digests;
- `store`: signing (KMS Sign), writing (S3 Object Lock, COMPLIANCE), reading and verifying;
- `command`: `regzone record` and `regzone record verify`.
"""
