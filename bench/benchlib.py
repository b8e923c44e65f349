"""Shared by the benchmarks: generated stacks of N zones, process CPU time, machine facts.

Generated stacks derive from the dev reference stack so that they follow the config model as it
grows: every zone is the dev zone under a new name, with a disjoint CIDR, a region from
`allowed_regions` (alternating), and every data class allowed in it."""
from __future__ import annotations

import copy
import ipaddress
import os
import platform
import shutil
from pathlib import Path
from typing import Any

import yaml

from regzone.config.loader import parse_stack_config, read_stack_file
from regzone.paths import STACKS_DIR

TEMPLATE_STACK = STACKS_DIR / "Pulumi.dev.yaml"


def stack_name(zones: int) -> str:
    return f"bench-{zones}"


def generate_config(zones: int, template: Path = TEMPLATE_STACK) -> dict[str, Any]:
    config = read_stack_file(template)
    base = config["regzone:zones"][0]
    regions = list(config["regzone:allowed_regions"])
    prefix = ipaddress.ip_network(base.get("vpc_cidr", "10.40.0.0/16")).prefixlen
    cidrs = ipaddress.ip_network("10.0.0.0/8").subnets(new_prefix=prefix)
    generated = []
    for i in range(zones):
        zone = copy.deepcopy(base)
        zone["name"] = f"{base['name']}-{i:02d}"
        zone["vpc_cidr"] = str(next(cidrs))
        zone["region"] = regions[i % len(regions)]
        generated.append(zone)
    config["regzone:zones"] = generated
    names = [z["name"] for z in generated]
    for rule in config.get("regzone:data_class_policy", {}).values():
        rule["allowed_zones"] = names
    return config


def write_stack(workdir: Path, zones: int) -> str:
    """Write `Pulumi.bench-N.yaml` and a copy of the program into `workdir`; return the stack name."""
    config = generate_config(zones)
    name = stack_name(zones)
    path = workdir / f"Pulumi.{name}.yaml"
    path.write_text(yaml.safe_dump({"config": config}, sort_keys=False), encoding="utf-8")
    parse_stack_config(read_stack_file(path), str(path))  # a generator bug fails here, not mid-run
    if not (workdir / "__main__.py").exists():
        shutil.copy(STACKS_DIR / "__main__.py", workdir / "__main__.py")
    return name


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a running process: unlike wall time, this does
    not grow when other work on the machine competes for the CPUs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine() -> str:
    mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:")), 0)
    load = os.getloadavg()
    return (f"{os.cpu_count()} CPUs, {mem_kb / 1024 / 1024:.1f} GiB RAM, Python {platform.python_version()}, "
            f"{platform.platform()}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start")


__all__ = ["generate_config", "machine", "process_cpu", "stack_name", "write_stack"]
