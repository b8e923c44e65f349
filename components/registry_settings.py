"""Registry-wide ECR settings (controls RAZ-ECR-002, RAZ-ECR-005): account singletons, owned once.

ECR has one scanning configuration and one replication configuration per account and region; a
second writer overwrites the first and destroying either resets it (ECR API reference,
PutRegistryScanningConfiguration / PutReplicationConfiguration replace the whole configuration).
So they are not created per zone: the account baseline (baseline/, components/account_baseline.py)
creates at most one of each per region, merging the rules of every zone of the zone stacks it
governs; each zone registry checks the live scanning configuration at deploy time.

Replication copies only images pushed after a rule exists, into repositories ECR creates with the
creation template for the zone's prefix (the zone's RestrictedRegistry). After adding a region to a
zone's `registry.replication_regions`, run the zone stack (its template) before the baseline (the rule).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

# ECR quotas: a replication configuration holds at most 10 rules, a rule at most 25 destinations
# and 100 repository filters (ECR user guide, "Amazon ECR service quotas").
MAX_REPLICATION_RULES = 10
MAX_SCANNING_FILTERS = 100


@dataclass
class ZoneRegistrySettings:
    """What the registry settings need of one zone's registry."""

    zone_name: str
    region: str
    replication_regions: Sequence[str] = ()


@dataclass
class RegistrySettingsArgs:
    account_id: pulumi.Input[str]
    zones: Sequence[ZoneRegistrySettings]
    # The zones' repository creation templates: replication starts only once they exist, so that
    # no replica is created with ECR's defaults (MUTABLE, AES256, no policy).
    creation_templates: Sequence[pulumi.Resource] = ()


def scanning_filters(zones: Sequence[ZoneRegistrySettings]) -> dict[str, list[str]]:
    """{region: WILDCARD filters}: every region holding a zone's repositories or their replicas
    scans them continuously."""
    filters: dict[str, set[str]] = {}
    for zone in zones:
        for region in (zone.region, *zone.replication_regions):
            filters.setdefault(region, set()).add(f"{zone.zone_name}/*")
    return {region: sorted(f) for region, f in sorted(filters.items())}


def replication_rules(zones: Sequence[ZoneRegistrySettings]) -> dict[str, list[ZoneRegistrySettings]]:
    """{source region: the zones that replicate from it}, one rule per zone."""
    rules: dict[str, list[ZoneRegistrySettings]] = {}
    for zone in zones:
        if zone.replication_regions:
            rules.setdefault(zone.region, []).append(zone)
    return dict(sorted(rules.items()))


class RegistrySettings(pulumi.ComponentResource):
    """One scanning configuration per region with zone repositories, one replication configuration
    per region zones replicate from."""

    scanning: dict[str, aws.ecr.RegistryScanningConfiguration]
    replication: dict[str, aws.ecr.ReplicationConfiguration]

    def __init__(self, name: str, args: RegistrySettingsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:registry:RegistrySettings", name, None, opts)
        names = [z.zone_name for z in args.zones]
        if len(set(names)) != len(names):
            raise ValueError(f"RegistrySettings {name}: zone names repeat: {names}")
        rules = replication_rules(args.zones)
        crowded = {region: len(zones) for region, zones in rules.items() if len(zones) > MAX_REPLICATION_RULES}
        if crowded:
            raise ValueError(f"RegistrySettings {name}: ECR allows {MAX_REPLICATION_RULES} replication rules per "
                             f"region; zones replicating from {crowded} exceed it")
        child = pulumi.ResourceOptions(parent=self)
        self.scanning = {}
        for region, filters in scanning_filters(args.zones).items():
            if len(filters) > MAX_SCANNING_FILTERS:
                raise ValueError(f"RegistrySettings {name}: {len(filters)} zones in {region} exceed ECR's "
                                 f"{MAX_SCANNING_FILTERS} filters per scanning rule")
            self.scanning[region] = aws.ecr.RegistryScanningConfiguration(
                f"{name}-scanning-{region}", region=region, scan_type="ENHANCED",
                rules=[aws.ecr.RegistryScanningConfigurationRuleArgs(
                    scan_frequency="CONTINUOUS_SCAN",
                    repository_filters=[aws.ecr.RegistryScanningConfigurationRuleRepositoryFilterArgs(
                        filter=f, filter_type="WILDCARD") for f in filters])],
                opts=child)
        self.replication = {}
        for region, zones in rules.items():
            self.replication[region] = aws.ecr.ReplicationConfiguration(
                f"{name}-replication-{region}", region=region,
                replication_configuration=aws.ecr.ReplicationConfigurationReplicationConfigurationArgs(rules=[
                    aws.ecr.ReplicationConfigurationReplicationConfigurationRuleArgs(
                        destinations=[aws.ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArgs(
                            region=destination, registry_id=args.account_id)
                            for destination in zone.replication_regions],
                        repository_filters=[
                            aws.ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArgs(
                                filter=f"{zone.zone_name}/", filter_type="PREFIX_MATCH")])
                    for zone in zones]),
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.creation_templates)))
        self.register_outputs({"scanning_regions": sorted(self.scanning),
                               "replication_regions": sorted(self.replication)})
