"""What a zone stack reads from the account baseline it builds on (`regzone:baseline_stack`), and
the checks that stop a zone in an account without a (matching) baseline at preview.

The baseline exports (baseline/__main__.py): `account_id`, `allowed_regions`, `management_trail_arn`
and `autoscaling_service_linked_role_arn`. A StackReference's outputs are known at preview, so each
failure below is raised by `pulumi preview`, before anything is created, with what to run first.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from regzone.config.model import StackConfig
from regzone.zone_stack import qualified_baseline_stack, stack_name

_KEYS = ("account_id", "allowed_regions", "management_trail_arn", "autoscaling_service_linked_role_arn")
DOCS = "docs/baseline.md"


class BaselineError(pulumi.RunError):
    """The account baseline is missing, not deployed, or does not govern this zone stack. A RunError,
    so that the CLI prints the message alone, without a stack trace."""


def _run_first(baseline: str) -> str:
    return f"run the account baseline first: `pulumi up -C baseline -s {baseline}` ({DOCS})"


@dataclass(frozen=True)
class BaselineOutputs:
    account_id: str
    allowed_regions: Sequence[str]
    management_trail_arn: str
    autoscaling_service_linked_role_arn: str | None

    @staticmethod
    def of(outputs: Mapping[str, Any], reference: str, baseline: str) -> "BaselineOutputs":
        missing = [key for key in _KEYS[:3] if not outputs.get(key)]
        if missing:
            raise BaselineError(f"the account baseline stack {reference} has no output {', '.join(missing)}: the "
                                f"account has no deployed baseline (regzone:baseline_stack = {baseline!r}); "
                                + _run_first(baseline))
        return BaselineOutputs(str(outputs["account_id"]), list(outputs["allowed_regions"]),
                               str(outputs["management_trail_arn"]),
                               outputs.get("autoscaling_service_linked_role_arn") or None)

    def check(self, stack: StackConfig, caller_account: str) -> "BaselineOutputs":
        """The baseline governs this stack's account, Regions and node groups."""
        baseline = stack_name(stack.baseline_stack)
        if caller_account != self.account_id:
            raise BaselineError(f"regzone:baseline_stack = {stack.baseline_stack!r} is the baseline of account "
                                f"{self.account_id}, but this stack deploys into account {caller_account}; valid: the "
                                "baseline of this account (each account runs its own; " + _run_first("<name>") + ")")
        regions = sorted({stack.zone_region(z) for z in stack.zones} |
                         {r for z in stack.zones if z.registry for r in z.registry.replication_regions})
        outside = [r for r in regions if r not in self.allowed_regions]
        if outside:
            raise BaselineError(f"the account baseline {baseline!r} does not govern {', '.join(outside)} (its Regions: "
                                f"{', '.join(self.allowed_regions)}), where this stack's zones or replicas live: add "
                                f"this stack to regzone-baseline:zone_stacks of baseline/Pulumi.{baseline}.yaml and "
                                f"update the baseline first: `pulumi up -C baseline -s {baseline}`")
        with_nodes = [z.name for z in stack.zones if z.cluster is not None and z.cluster.node_groups]
        if with_nodes and self.autoscaling_service_linked_role_arn is None:
            raise BaselineError(f"zone {with_nodes[0]} has node groups, whose volumes key names the EC2 Auto Scaling "
                                f"service-linked role, but the account baseline {baseline!r} exports none: add this "
                                f"stack to regzone-baseline:zone_stacks of baseline/Pulumi.{baseline}.yaml (it then "
                                f"creates or checks the role) and update the baseline first: "
                                f"`pulumi up -C baseline -s {baseline}`")
        return self


def account_baseline(stack: StackConfig, caller_account: pulumi.Input[str]) -> pulumi.Output[BaselineOutputs]:
    """The checked outputs of the stack's account baseline."""
    reference_name = qualified_baseline_stack(stack.baseline_stack, pulumi.get_organization())
    reference = pulumi.StackReference(reference_name)
    outputs = pulumi.Output.all(*[reference.get_output(key) for key in _KEYS]).apply(
        lambda values: dict(zip(_KEYS, values)))
    return pulumi.Output.all(outputs, caller_account).apply(
        lambda v: BaselineOutputs.of(v[0], reference_name, stack_name(stack.baseline_stack)).check(stack, v[1]))
