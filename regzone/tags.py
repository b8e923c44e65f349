"""Tag keys every zone resource carries (provider default_tags), shared by components,
policies and the evidence collector so that `--zone` and required-tag checks agree."""
TAG_OWNER = "owner"
TAG_ZONE = "zone"
TAG_DATA_CLASS = "data-class"
TAG_ENVIRONMENT = "environment"
TAG_CHANGE_REF = "change-ref"
TAG_MANAGED_BY = "managed-by"
REQUIRED_TAGS = (TAG_OWNER, TAG_ZONE, TAG_DATA_CLASS, TAG_ENVIRONMENT, TAG_CHANGE_REF)
# The change reference of a stack that names no change (regzone:change_ref unset): no approval gate.
CHANGE_REF_UNSET = "unset"
DATA_CLASS_SEPARATOR = "+"
NO_DATA_CLASS = "none"


def data_class_tag(classes: list[str]) -> str:
    return DATA_CLASS_SEPARATOR.join(sorted(classes)) or NO_DATA_CLASS


def parse_data_class_tag(value: str) -> list[str]:
    return [] if value in ("", NO_DATA_CLASS) else value.split(DATA_CLASS_SEPARATOR)

# Network tier of a subnet or route table, so that stack policies know which subnets carry workloads.
TAG_TIER = "regzone:tier"
TIER_WORKLOAD = "workload"
TIER_FIREWALL = "firewall"
TIER_EGRESS = "egress"

# Buckets that hold audit evidence (besides those a trail or flow log delivers to): the evidence
# collector requires COMPLIANCE-mode Object Lock with the frameworks' retention on them.
TAG_AUDIT = "regzone:audit"
AUDIT_TRUE = "true"

# A data bucket's retention (data_class_policy retention_days), so that the evidence collector can
# hold its lifecycle to it: the number of days, or "none" for a class kept until deleted.
TAG_RETENTION_DAYS = "regzone:retention-days"
RETENTION_KEPT = "none"
