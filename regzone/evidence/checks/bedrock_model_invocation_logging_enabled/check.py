"""Bedrock model invocation logging in every scanned region: on, with text delivery, to S3 or CloudWatch Logs.
Whether the destination is the zone's audit storage is judged at preview (bedrock-invocation-logging)."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import ApiError


def judge(region_config, ctx):
    logging = region_config.get("logging")
    if isinstance(logging, ApiError):
        raise logging
    if not logging:
        return failed("model invocation logging is off")
    if logging.get("textDataDeliveryEnabled") is False:
        return failed("model invocation logging does not deliver text data")
    destinations = [name for name, key in (("S3", "s3Config"), ("CloudWatch Logs", "cloudWatchConfig"))
                    if (logging.get(key) or {}).get("bucketName" if key == "s3Config" else "logGroupName")]
    if not destinations:
        return failed("model invocation logging has no destination")
    return passed(f"model invocation logging delivers text data to {' and '.join(destinations)}")


def execute(ctx):
    return per_resource(ctx, "bedrock", "invocation_logging", judge, scoped=False)
