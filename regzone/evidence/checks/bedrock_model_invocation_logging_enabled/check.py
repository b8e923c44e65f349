"""Bedrock model invocation logging in every scanned region: on, with text delivery, to S3 or CloudWatch Logs.
Whether the destination is the zone's audit storage is judged at preview (bedrock-invocation-logging)."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import ApiError, absent_means

# LoggingConfig (Bedrock API reference): s3Config and cloudWatchConfig are each optional, and each names
# its destination (bucketName, logGroupName: required within it).
_DESTINATIONS = (("S3", "s3Config", "bucketName"), ("CloudWatch Logs", "cloudWatchConfig", "logGroupName"))


def judge(region_config, ctx):
    logging = region_config.get("logging")
    if isinstance(logging, ApiError):
        raise logging
    if not logging:
        return failed("model invocation logging is off")
    if logging.get("textDataDeliveryEnabled") is False:
        return failed("model invocation logging does not deliver text data")
    destinations = [name for name, key, field in _DESTINATIONS
                    if (absent_means(logging, key, None, "LoggingConfig: an absent destination is none")
                        or {}).get(field)]
    if not destinations:
        return failed("model invocation logging has no destination")
    return passed(f"model invocation logging delivers text data to {' and '.join(destinations)}")


def execute(ctx):
    return per_resource(ctx, "bedrock", "invocation_logging", judge, scoped=False)
