"""The DR network without a DR site: what a stack with the cross-region replica (data.database.drReplica,
data.drNetwork) but no `elite-locadora:dr` gets in the DR region. Every stack file has a DR site today, so no
render builds this; the settings allow it outside prod (settings/__init__.py)."""

from __future__ import annotations

import pytest

from components.contract import MYSQL_PORT
from components.dr_network import DrNetwork, DrNetworkArgs
from settings.dr_network import DrNetworkSettings
from tests.components.alone import DR, Built, build, region

SUBNETS = ["10.1.1.0/24", "10.1.2.0/24", "10.1.3.0/24"]
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG = "aws:ec2/securityGroup:SecurityGroup"


@pytest.fixture(scope="module")
def replica_only() -> Built[DrNetwork]:
    def construct() -> DrNetwork:
        return DrNetwork(
            "data-dr-network",
            DrNetworkArgs(
                name_prefix="elite-locadora-staging",
                settings=DrNetworkSettings(vpc_cidr="10.1.0.0/16", private_subnets=SUBNETS),
                region=region(DR, "dr"),
            ),
        )

    return build(construct, stack="staging")


def test_without_a_site_nothing_reaches_the_internet_or_comes_from_it(replica_only: Built[DrNetwork]) -> None:
    """RDS replicates over AWS's network, so the replica's VPC needs no route out: no internet or NAT gateway, no
    public subnet, no route table beyond the VPC's main one, no rule naming an address range."""
    built = replica_only
    types = {r.type for r in built.resources}
    for token in (
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/eip:Eip",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/route:Route",
    ):
        assert token not in types, f"DR VPC without a DR site: {token} created"
    subnets = built.of_type("aws:ec2/subnet:Subnet")
    assert sorted(s.inputs["cidrBlock"] for s in subnets) == SUBNETS, (
        "one private subnet per configured range"
    )
    assert all(s.inputs["tags"]["Tier"] == "private" for s in subnets), [s.name for s in subnets]
    assert not any(s.inputs.get("mapPublicIpOnLaunch") for s in subnets)
    rules = built.of_type(INGRESS) + built.of_type(EGRESS)
    assert rules and not [r.name for r in rules if "cidrIpv4" in r.inputs or "prefixListId" in r.inputs], (
        "every rule names a security group, none an address range or prefix list"
    )
    assert replica_only.component.site is None, "no SiteNetwork for a DR site to build on"


def test_only_the_dr_application_group_reaches_the_replica_and_only_on_mysql(
    replica_only: Built[DrNetwork],
) -> None:
    built = replica_only
    groups = {g.id: g.inputs["name"].rsplit("-", 1)[-1] for g in built.of_type(SG)}
    assert sorted(groups.values()) == ["app", "db"], (
        "the replica's group and the DR tasks' group, no site groups"
    )
    rules = sorted(
        (
            r.type == INGRESS,
            groups[r.inputs["securityGroupId"]],
            groups[r.inputs["referencedSecurityGroupId"]],
        )
        + (r.inputs["fromPort"], r.inputs["toPort"], r.inputs["ipProtocol"])
        for r in built.of_type(INGRESS) + built.of_type(EGRESS)
    )
    assert rules == [
        (False, "app", "db", MYSQL_PORT, MYSQL_PORT, "tcp"),
        (True, "db", "app", MYSQL_PORT, MYSQL_PORT, "tcp"),
    ]


def test_subnets_span_distinct_azs_of_the_dr_region_through_its_provider(
    replica_only: Built[DrNetwork],
) -> None:
    """The DB subnet group needs subnets in at least two AZs; every resource goes through the DR region's provider
    (nothing lands in the provider-less default region)."""
    built = replica_only
    azs = [s.inputs["availabilityZone"] for s in built.of_type("aws:ec2/subnet:Subnet")]
    assert len(set(azs)) == len(SUBNETS) and all(az.startswith(DR) for az in azs), azs
    stray = [r.name for r in built.custom if not r.provider or "::dr::" not in r.provider]
    assert not stray, f"created without the DR provider: {stray}"
    [azs_read] = [args for token, args in built.invokes if token.endswith("getAvailabilityZones")]
    assert azs_read["state"] == "available", "AZs named by AWS, available ones only"


def test_every_connection_attempt_is_logged_under_the_dr_logs_key(replica_only: Built[DrNetwork]) -> None:
    built = replica_only
    flow = built.one("aws:ec2/flowLog:FlowLog")
    assert flow.inputs["trafficType"] == "ALL" and flow.inputs["vpcId"] == built.one("aws:ec2/vpc:Vpc").id
    group = built.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["kmsKeyId"] == f"arn:aws:kms:{DR}:123456789012:key/logs-{DR}", (
        "the DR region's logs key"
    )
