"""The floor for bench/policy_overhead.py: what the SDK costs with policies that do nothing."""
from pulumi_policy import (EnforcementLevel, PolicyPack, ReportViolation, ResourceValidationArgs,
                           ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy)


def _no_resource_check(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Reads nothing, reports nothing."""


def _no_stack_check(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Reads nothing, reports nothing."""


PolicyPack(
    name="bench-floor",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(name="no-op-resource", description="Does nothing.", validate=_no_resource_check),
        StackValidationPolicy(name="no-op-stack", description="Does nothing.", validate=_no_stack_check),
    ],
)
