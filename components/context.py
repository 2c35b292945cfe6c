"""Where a tier builds: one region's provider, name, account, partition and keys, looked up once (#18).

Every tier needs the same few facts about the region it builds in (ARNs name the partition and the account, some
names the region) and, where it holds data, that region's KMS keys. They are gathered here once per provider and
passed in as one bundle, so no tier looks its account up again or takes five loose fields for one region.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.providers import Providers


@dataclass(frozen=True)
class RegionKeys:
    """ARNs of one region's keys; every tier encrypts with these unless its key policy must name its own resources."""

    data: pulumi.Output[str]
    logs: pulumi.Output[str]
    secrets: pulumi.Output[str]
    backups: pulumi.Output[str]


@dataclass(frozen=True)
class Region:
    """One region of the stack's account, as its provider sees it."""

    provider: aws.Provider
    """The explicit provider of the region (components/providers.py): everything built here uses it."""
    name: str
    """The region's code (`us-east-1`), from the stack's settings: names and ARNs built here use it."""
    account_id: pulumi.Output[str]
    """The account the provider's credentials act in (pinned by the provider's `allowed_account_ids`)."""
    partition: pulumi.Output[str]
    """The partition (`aws`), the second field of every ARN."""
    dns_suffix: pulumi.Output[str]
    """The partition's DNS suffix (`amazonaws.com`), for service endpoints and registry hosts."""

    def arn(self, service: str, resource: str, *, regional: bool = True) -> pulumi.Output[str]:
        """`arn:<partition>:<service>:<region>:<account>:<resource>` (a global service's ARN has no region)."""
        region = self.name if regional else ""
        return pulumi.Output.concat(
            "arn:", self.partition, f":{service}:{region}:", self.account_id, f":{resource}"
        )


@dataclass(frozen=True)
class RegionContext(Region):
    """A region that holds data: the region's facts and its customer-managed keys."""

    keys: RegionKeys
    """The region's KMS keys by purpose (components/keys.py)."""


@dataclass(frozen=True)
class Regions:
    """The stack's regions before their keys exist (the keys' policies need the account and partition)."""

    primary: Region
    """The stack's primary region (`aws:region`)."""
    dr: Region
    """The disaster-recovery region."""
    global_services: Region
    """us-east-1, where CloudFront takes its certificate and WAF, and Route 53 its DNSSEC key and query logs."""


def look_up_region(provider: aws.Provider, name: str) -> Region:
    """The account and partition as this provider's credentials see them (one look-up per provider)."""
    invoke = pulumi.InvokeOutputOptions(provider=provider)
    account_id = aws.get_caller_identity_output(opts=invoke).account_id
    partition = aws.get_partition_output(opts=invoke)
    return Region(provider, name, account_id, partition.partition, partition.dns_suffix)


def look_up_regions(providers: Providers, region: str, dr_region: str, global_region: str) -> Regions:
    primary = look_up_region(providers.primary, region)
    # The global-services provider is the primary one when the stack lives in us-east-1: one look-up then.
    global_services = (
        primary
        if providers.us_east_1 is providers.primary
        else look_up_region(providers.us_east_1, global_region)
    )
    return Regions(
        primary=primary, dr=look_up_region(providers.dr, dr_region), global_services=global_services
    )


def with_keys(region: Region, keys: RegionKeys) -> RegionContext:
    return RegionContext(
        provider=region.provider,
        name=region.name,
        account_id=region.account_id,
        partition=region.partition,
        dns_suffix=region.dns_suffix,
        keys=keys,
    )
