"""User data that makes a node a Nitro Enclaves parent: the Nitro Enclaves CLI and its allocator,
which reserves the enclaves' vCPUs and memory before the kubelet starts.

`EnclaveOptions.Enabled` on the launch template only allows enclaves; nothing runs one until the
allocator has taken CPUs and huge pages from the parent. On the EKS AL2023 AMIs:

- managed node group user data must be a MIME multi-part archive, which EKS merges with its own
  part (the NodeConfig that joins the cluster); it must not start or change the kubelet (EKS user
  guide, "Customize managed nodes with launch templates", Amazon EC2 user data);
- cloud-init runs the shell-script part, and `nodeadm-run.service` (which starts the kubelet) is
  ordered after `cloud-final.service` (awslabs/amazon-eks-ami,
  templates/al2023/runtime/rootfs/etc/systemd/system/nodeadm-run.service), so the reservation is
  in place before the kubelet reports the node's CPUs and the device plugin starts;
- the package `aws-nitro-enclaves-cli` provides `/etc/nitro_enclaves/allocator.yaml` (keys
  `memory_mib` and `cpu_count`) and `nitro-enclaves-allocator.service` (aws/aws-nitro-enclaves-cli,
  bootstrap/); dnf fetches it from the AL2023 repositories in S3, which the zone's S3 endpoint
  admits for zones with enclave nodes (components/vpc_endpoints.py).
"""
from __future__ import annotations

import base64

BOUNDARY = "==REGZONE-ENCLAVE=="
ALLOCATOR_CONFIG = "/etc/nitro_enclaves/allocator.yaml"
ALLOCATOR_SERVICE = "nitro-enclaves-allocator.service"


def allocator_script(*, cpu_count: int, memory_mib: int) -> str:
    """The shell script that installs the Nitro Enclaves CLI and starts the allocator."""
    return "\n".join([
        "#!/bin/bash",
        "set -euo pipefail",
        "dnf install -y aws-nitro-enclaves-cli",
        f"cat > {ALLOCATOR_CONFIG} <<'ALLOCATOR'",
        "---",
        f"memory_mib: {memory_mib}",
        f"cpu_count: {cpu_count}",
        "ALLOCATOR",
        f"systemctl enable --now {ALLOCATOR_SERVICE}",
        "",
    ])


def enclave_user_data(*, cpu_count: int, memory_mib: int) -> str:
    """The MIME multi-part user data (plain text) of a Nitro Enclaves node group's launch template."""
    return "\n".join([
        "MIME-Version: 1.0",
        f'Content-Type: multipart/mixed; boundary="{BOUNDARY}"',
        "",
        f"--{BOUNDARY}",
        'Content-Type: text/x-shellscript; charset="us-ascii"',
        "",
        allocator_script(cpu_count=cpu_count, memory_mib=memory_mib),
        f"--{BOUNDARY}--",
        "",
    ])


def encoded(user_data: str) -> str:
    """Launch templates take user data base64-encoded (EC2 RequestLaunchTemplateData.UserData)."""
    return base64.b64encode(user_data.encode("ascii")).decode("ascii")
