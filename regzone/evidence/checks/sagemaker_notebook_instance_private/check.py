"""Notebook instances without direct internet access, without root access, in a subnet and under a
customer-managed key (DescribeNotebookInstance: DirectInternetAccess, RootAccess, SubnetId, KmsKeyId)."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import ApiError


def judge(notebook, ctx):
    description = notebook.get("description")
    if isinstance(description, ApiError):
        raise description
    problems = [f"{field} {description.get(field, 'unset')}" for field in ("DirectInternetAccess", "RootAccess")
                if description.get(field) != "Disabled"]
    if not description.get("SubnetId"):
        problems.append("no subnet (SageMaker's own network)")
    if not description.get("KmsKeyId"):
        problems.append("volume under the AWS managed key (no KmsKeyId)")
    if problems:
        return failed("; ".join(problems))
    return passed("no direct internet access, no root access, in a VPC subnet, volume under a customer key")


def execute(ctx):
    return per_resource(ctx, "sagemaker", "notebook_instance", judge)
