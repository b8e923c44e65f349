"""Digest files make tampering with delivered log files detectable."""
from regzone.evidence.checks import failed, passed, per_resource


def judge(trail, ctx):
    return passed("log file validation is on") if trail.get("LogFileValidationEnabled") else failed("log file validation is off")


def execute(ctx):
    return per_resource(ctx, "cloudtrail", "trail", judge)
