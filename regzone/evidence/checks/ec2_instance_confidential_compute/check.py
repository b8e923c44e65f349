"""Running instances of confidential node groups launched with their mode on: Nitro Enclaves
(`EnclaveOptions.Enabled`) or AMD SEV-SNP (`CpuOptions.AmdSevSnp` enabled, booted UEFI), as
DescribeInstances reports them (EC2 User Guide, "Check if an EC2 instance is enabled for AMD
SEV-SNP"). The launch template asking for it is not proof: an instance launched from another
template or version, or by hand with the group's tags, would not have it.

The mode an instance must have is its `regzone:confidential` tag (set by the node group's launch
template on every instance it launches); instances without the tag are not judged here."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import Status
from regzone.instance_types import TAG_CONFIDENTIAL

_UNREPORTED = "unreported"


def _problem(instance, mode: str) -> str | None:
    if mode == "nitro_enclaves":
        enabled = (instance.data.get("EnclaveOptions") or {}).get("Enabled")
        return None if enabled is True else f"EnclaveOptions.Enabled is {enabled!r}"
    if mode == "sev_snp":
        sev_snp = (instance.data.get("CpuOptions") or {}).get("AmdSevSnp")
        if sev_snp != "enabled":
            return f"CpuOptions.AmdSevSnp is {sev_snp or 'absent (disabled)'}"
        boot = instance.data.get("CurrentInstanceBootMode")
        if boot is None:
            return _UNREPORTED
        return None if boot == "uefi" else f"it booted {boot}, and SEV-SNP needs UEFI"
    return f"its {TAG_CONFIDENTIAL} tag is {mode!r}, which is no confidential mode (nitro_enclaves, sev_snp)"


def judge(instance, ctx):
    mode = instance.get("tags").get(TAG_CONFIDENTIAL)
    if mode is None or mode == "none":
        return None
    problem = _problem(instance, mode)
    state = (instance.data.get("State") or {}).get("Name", "unknown")
    if problem == _UNREPORTED:   # what cannot be read is never a PASS
        return Status.ERROR, (f"{state} instance of a sev_snp node group: DescribeInstances reported no "
                              "CurrentInstanceBootMode, so its UEFI boot cannot be verified")
    if problem:
        return failed(f"{state} instance of a {mode} node group without {mode}: {problem}")
    return passed(f"{state} instance launched with {mode}" + (" and booted UEFI" if mode == "sev_snp" else ""))


def execute(ctx):
    return per_resource(ctx, "instances", "instance", judge)
