"""Buckets holding a data class expire it by lifecycle: current objects after the class's retention
(tag regzone:retention-days, set by DataBuckets; "none" for a class kept until deleted) and, when
versioned, noncurrent versions too, so that expired and erased data does not linger as old versions.

Only Enabled rules that apply to every object count: no filter, an empty filter or an empty prefix
(AWS S3 User Guide, "Lifecycle configuration elements"); a rule limited to a prefix, tags or object
sizes leaves the rest of the bucket unexpired."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import absent_means
from regzone.evidence.rules import is_audit_tagged
from regzone.tags import RETENTION_KEPT, TAG_DATA_CLASS, TAG_RETENTION_DAYS, parse_data_class_tag


def _whole_bucket(rule):
    # Prefix (deprecated) and Filter are optional: absent, the rule applies to every object (AWS S3
    # User Guide, "Lifecycle configuration elements").
    if rule.get("Status") != "Enabled" or absent_means(rule, "Prefix", "", "no prefix: every object"):
        return False
    scope = absent_means(rule, "Filter", None, "no filter: every object") or {}
    narrowing = {k: v for k, v in scope.items() if v not in ("", None)}
    return not narrowing


def _smallest(rules, action, key):
    days = [(r.get(action) or {}).get(key) for r in rules]
    return min((d for d in days if isinstance(d, int)), default=None)


def judge(bucket, ctx):
    tags = bucket.get("tags")
    classes = parse_data_class_tag(tags.get(TAG_DATA_CLASS, ""))
    if not classes or is_audit_tagged(tags):
        return None   # no data class, or audit evidence (its own checks keep it)
    what, declared = f"data class {'+'.join(classes)}", tags.get(TAG_RETENTION_DAYS)
    if declared not in (None, RETENTION_KEPT) and not declared.isdigit():
        return failed(f"{what}: {TAG_RETENTION_DAYS}={declared!r} is neither a number of days nor {RETENTION_KEPT!r}")
    rules = [r for r in bucket.get("lifecycle") if _whole_bucket(r)]
    expire = _smallest(rules, "Expiration", "Days")
    noncurrent = _smallest(rules, "NoncurrentVersionExpiration", "NoncurrentDays")
    problems = []
    if declared != RETENTION_KEPT and expire is None:
        problems.append("no Enabled lifecycle rule for the whole bucket expires current objects")
    elif declared not in (None, RETENTION_KEPT) and expire > int(declared):
        problems.append(f"current objects expire after {expire} days, later than the retention of {declared} days")
    if bucket.get("versioning") != "Disabled" and noncurrent is None:
        problems.append("versioned, but no Enabled lifecycle rule for the whole bucket expires noncurrent versions")
    if problems:
        return failed(f"{what}: {'; '.join(problems)}")
    current = (f"kept until deleted ({TAG_RETENTION_DAYS}={RETENTION_KEPT})" if declared == RETENTION_KEPT
               else f"current objects expire after {expire} days")
    return passed(f"{what}: {current}" + (f", noncurrent versions after {noncurrent} days" if noncurrent else ""))


def execute(ctx):
    return per_resource(ctx, "s3", "bucket", judge)
