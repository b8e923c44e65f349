"""Every EBS volume of the latest and default versions encrypted with a customer-managed key. A
mapping with no KmsKeyId, and any volume that EBS encryption by default encrypts (the AMI's root
volume when a version has no mapping), uses the region's default EBS key, which is the AWS-managed
aws/ebs key unless the account set its own (ec2:GetEbsDefaultKmsKeyId)."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.rules import customer_key_problem
from regzone.evidence.rules import template_versions as _versions


def judge(template, ctx):
    inventory = ctx.inventory("launch_templates", template.region)
    by_default = inventory.fact("ebs_encryption_by_default")

    def key_problem(key, what):
        key = key or inventory.fact("ebs_default_kms_key")   # read only when a volume relies on it
        return customer_key_problem(ctx, template.region, key, what)

    bad = []
    for version in _versions(template):
        number = version["VersionNumber"]
        mappings = [m for m in version.get("LaunchTemplateData", {}).get("BlockDeviceMappings") or [] if "Ebs" in m]
        if not mappings:
            if not by_default:
                bad.append(f"version {number} has no EBS mapping (root volume from the AMI, unencrypted by default)")
            elif problem := key_problem(None, f"version {number} root volume (encryption by default)"):
                bad.append(problem)
        for mapping in mappings:
            ebs, where = mapping["Ebs"], f"version {number} {mapping.get('DeviceName')}"
            if ebs.get("Encrypted") is not True and not by_default:
                bad.append(f"{where} unencrypted")
            elif problem := key_problem(ebs.get("KmsKeyId"), where):
                bad.append(problem)
    return failed("; ".join(bad)) if bad else passed(
        "every EBS volume of the latest and default versions is encrypted with a customer-managed key")


def execute(ctx):
    return per_resource(ctx, "launch_templates", "launch_template", judge)
