"""The network builders both VPCs use: the primary site's (components/network.py) and the DR region's
(components/dr_network.py). Each creates one piece (security groups and their rules, subnets, the routes out,
flow logs) under the options it is given, so the two VPCs are built, named and logged the same way."""

from __future__ import annotations

from typing import Literal

import pulumi
import pulumi_aws as aws

from .iam import document, service_trust

ANYWHERE_V4 = "0.0.0.0/0"
CLOUDFRONT_ORIGIN_FACING = "com.amazonaws.global.cloudfront.origin-facing"


# -- security groups ---------------------------------------------------------------------------------------------
def security_groups(
    name: str, prefix: str, vpc: aws.ec2.Vpc, purposes: dict[str, str], opts: pulumi.ResourceOptions
) -> dict[str, aws.ec2.SecurityGroup]:
    """One group per key of `purposes` (`<prefix>-<key>`, described by its value), with no rule: the rules are
    separate resources (`tcp_rule`), so each one is added or removed on its own."""
    return {
        key: aws.ec2.SecurityGroup(
            f"{name}-{key}",
            name=f"{prefix}-{key}",
            description=text,
            vpc_id=vpc.id,
            tags={"Name": f"{prefix}-{key}"},
            opts=opts,
        )
        for key, text in purposes.items()
    }


def tcp_rule(
    name: str,
    direction: Literal["in", "out"],
    key: str,
    group: aws.ec2.SecurityGroup,
    port: int,
    description: str,
    label: str,
    *,
    peer: aws.ec2.SecurityGroup | None = None,
    prefix_list: pulumi.Input[str] | None = None,
    cidr: str | None = None,
    opts: pulumi.ResourceOptions,
) -> None:
    """One TCP port into (`in`) or out of (`out`) `group` (the group `key`), from or to exactly one of: a peer
    group, a managed prefix list, a CIDR. Named `<name>-<key>-<direction>-<port>-<label>`: the label says who the
    other side is, so a rule keeps its name when others are added."""
    rule = aws.vpc.SecurityGroupIngressRule if direction == "in" else aws.vpc.SecurityGroupEgressRule
    rule(
        f"{name}-{key}-{direction}-{port}-{label}",
        security_group_id=group.id,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        referenced_security_group_id=peer.id if peer is not None else None,
        prefix_list_id=prefix_list,
        cidr_ipv4=cidr,
        description=description,
        opts=opts,
    )


# -- subnets and routes ------------------------------------------------------------------------------------------
def subnet(
    name: str,
    prefix: str,
    tier: str,
    i: int,
    vpc: aws.ec2.Vpc,
    cidr: str,
    az: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> aws.ec2.Subnet:
    """The `i`-th subnet of a tier (`public` or `private`), `<name>-<tier>-<i+1>`, tagged with its tier."""
    return aws.ec2.Subnet(
        f"{name}-{tier}-{i + 1}",
        vpc_id=vpc.id,
        cidr_block=cidr,
        availability_zone=az,
        # Nothing in a public subnet needs an address of its own: the load balancer and NAT gateways bring theirs.
        map_public_ip_on_launch=False if tier == "public" else None,
        tags={"Name": f"{prefix}-{tier}-{i + 1}", "Tier": tier},
        opts=opts,
    )


def internet_routes(
    name: str,
    prefix: str,
    vpc: aws.ec2.Vpc,
    public: list[aws.ec2.Subnet],
    nat_gateways: int,
    opts: pulumi.ResourceOptions,
) -> list[aws.ec2.NatGateway]:
    """The way out: an internet gateway, one public route table for every public subnet, and `nat_gateways` NAT
    gateways (one per public subnet from the first) for the private subnets' routes (`private_route`)."""
    igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={"Name": f"{prefix}-igw"}, opts=opts)
    public_table = aws.ec2.RouteTable(
        f"{name}-public", vpc_id=vpc.id, tags={"Name": f"{prefix}-public"}, opts=opts
    )
    aws.ec2.Route(
        f"{name}-public-default",
        route_table_id=public_table.id,
        destination_cidr_block=ANYWHERE_V4,
        gateway_id=igw.id,
        opts=opts,
    )
    for i, sn in enumerate(public):
        aws.ec2.RouteTableAssociation(
            f"{name}-public-{i + 1}", subnet_id=sn.id, route_table_id=public_table.id, opts=opts
        )
    nats = []
    for i in range(nat_gateways):
        eip = aws.ec2.Eip(
            f"{name}-nat-{i + 1}", domain="vpc", tags={"Name": f"{prefix}-nat-{i + 1}"}, opts=opts
        )
        nats.append(
            aws.ec2.NatGateway(
                f"{name}-nat-{i + 1}",
                allocation_id=eip.allocation_id,
                subnet_id=public[i].id,
                tags={"Name": f"{prefix}-nat-{i + 1}"},
                # A public NAT gateway needs its VPC's internet gateway attached first (the dependency AWS documents
                # for CloudFormation's DependsOn, "gateway attachment").
                opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[igw])),
            )
        )
    return nats


def private_route(
    name: str,
    prefix: str,
    vpc: aws.ec2.Vpc,
    i: int,
    sn: aws.ec2.Subnet,
    nat: aws.ec2.NatGateway,
    opts: pulumi.ResourceOptions,
) -> aws.ec2.RouteTable:
    """The `i`-th private subnet's own route table, its default route through `nat`."""
    table = aws.ec2.RouteTable(
        f"{name}-private-{i + 1}",
        vpc_id=vpc.id,
        tags={"Name": f"{prefix}-private-{i + 1}"},
        opts=opts,
    )
    aws.ec2.Route(
        f"{name}-private-{i + 1}-default",
        route_table_id=table.id,
        destination_cidr_block=ANYWHERE_V4,
        nat_gateway_id=nat.id,
        opts=opts,
    )
    aws.ec2.RouteTableAssociation(
        f"{name}-private-{i + 1}", subnet_id=sn.id, route_table_id=table.id, opts=opts
    )
    return table


# -- flow logs ---------------------------------------------------------------------------------------------------
def flow_logs(
    name: str,
    prefix: str,
    vpc: aws.ec2.Vpc,
    *,
    retention_days: int,
    logs_key_arn: pulumi.Input[str],
    account_id: pulumi.Input[str],
    what: str,
    opts: pulumi.ResourceOptions,
) -> None:
    """Flow logs of every connection attempt in `vpc` (ALL traffic, 60 s) to a KMS-encrypted log group with
    retention, written through a role only VPC Flow Logs of this account may assume, scoped to that group."""
    group = aws.cloudwatch.LogGroup(
        f"{name}-flow-logs",
        name=f"/aws/vpc/flow-logs/{prefix}",
        retention_in_days=retention_days,
        kms_key_id=logs_key_arn,
        opts=opts,
    )
    account = pulumi.Output.from_input(account_id)
    role = aws.iam.Role(
        f"{name}-flow-logs",
        name=f"{prefix}-vpc-flow-logs",
        description=f"Lets VPC Flow Logs write {what} flow log group.",
        assume_role_policy=account.apply(lambda acct: service_trust("vpc-flow-logs.amazonaws.com", acct)),
        opts=opts,
    )
    policy = aws.iam.RolePolicy(
        f"{name}-flow-logs",
        role=role.id,
        policy=group.arn.apply(
            lambda arn: document(
                [
                    {
                        "Effect": "Allow",
                        "Action": [
                            "logs:CreateLogStream",
                            "logs:PutLogEvents",
                            "logs:DescribeLogGroups",
                            "logs:DescribeLogStreams",
                        ],
                        "Resource": [arn, f"{arn}:*"],
                    }
                ]
            )
        ),
        opts=opts,
    )
    aws.ec2.FlowLog(
        f"{name}-flow-logs",
        vpc_id=vpc.id,
        traffic_type="ALL",
        log_destination_type="cloud-watch-logs",
        log_destination=group.arn,
        iam_role_arn=role.arn,
        max_aggregation_interval=60,
        tags={"Name": f"{prefix}-flow-logs"},
        # VPC Flow Logs checks the role's permissions when the flow log is created.
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[policy])),
    )
