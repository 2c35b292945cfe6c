"""The network tier, as the guide's VPC block specifies it (prod) and right-sized for staging."""

from __future__ import annotations

import pytest

from tests.render import Render
from tests.tiers import primary_site

SUBNET = "aws:ec2/subnet:Subnet"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG = "aws:ec2/securityGroup:SecurityGroup"


# The primary region's network: the DR site's is specified in tests/tiers/test_dr_site.py.
render, prod, staging = primary_site.FIXTURES


def sg_ids(r: Render) -> dict[str, str]:
    """Security group purpose (alb, web, api, db, ...) → its id."""
    return {
        g["inputs"]["name"].rsplit("-", 1)[-1]: g["id"]
        for g in r.of_type(SG)
        if g["name"].startswith("network-")
    }


def test_vpc_is_the_guides_range_with_dns(prod: Render) -> None:
    vpc = prod.one("aws:ec2/vpc:Vpc", "network")
    assert vpc["inputs"]["cidrBlock"] == "10.0.0.0/16", vpc["urn"]
    assert vpc["inputs"]["enableDnsHostnames"] and vpc["inputs"]["enableDnsSupport"], vpc["urn"]
    assert vpc["inputs"]["tags"]["Name"] == "elite-locadora-prod-vpc"


def test_subnets_are_the_guides_over_three_azs_of_the_region(prod: Render) -> None:
    subnets = {s["name"]: s["inputs"] for s in prod.of_type(SUBNET) if s["name"].startswith("network-")}
    assert [subnets[f"network-private-{i}"]["cidrBlock"] for i in (1, 2, 3)] == [
        "10.0.1.0/24",
        "10.0.2.0/24",
        "10.0.3.0/24",
    ]
    assert [subnets[f"network-public-{i}"]["cidrBlock"] for i in (1, 2, 3)] == [
        "10.0.101.0/24",
        "10.0.102.0/24",
        "10.0.103.0/24",
    ]
    azs = {s["availabilityZone"] for s in subnets.values()}
    assert azs == {"us-east-1a", "us-east-1b", "us-east-1c"}, "AZs come from the region's list (first three)"
    vpc_id = prod.one("aws:ec2/vpc:Vpc", "network")["id"]
    assert all(s["vpcId"] == vpc_id for s in subnets.values())


@pytest.mark.parametrize("stack,nats", [("prod", 3), ("staging", 1)])
def test_nat_gateways_per_az_in_prod_one_in_staging(render, stack: str, nats: int) -> None:
    r: Render = render(stack)
    gateways = r.of_type("aws:ec2/natGateway:NatGateway")
    assert len(gateways) == nats, f"stack {stack}: network.natGateways"
    public_ids = {s["id"] for s in r.of_type(SUBNET) if s["inputs"]["tags"]["Tier"] == "public"}
    assert all(g["inputs"]["subnetId"] in public_ids for g in gateways), "NAT gateways live in public subnets"
    routes = [x for x in r.of_type("aws:ec2/route:Route") if x["inputs"].get("natGatewayId")]
    assert len(routes) == 3, f"stack {stack}: every private AZ routes to the internet through a NAT gateway"
    assert {x["inputs"]["natGatewayId"] for x in routes} == {g["id"] for g in gateways}


def test_public_subnets_route_through_the_internet_gateway(prod: Render) -> None:
    igw = prod.one("aws:ec2/internetGateway:InternetGateway")
    [route] = [x for x in prod.of_type("aws:ec2/route:Route") if x["inputs"].get("gatewayId")]
    assert (
        route["inputs"]["gatewayId"] == igw["id"] and route["inputs"]["destinationCidrBlock"] == "0.0.0.0/0"
    )


def test_vpn_gateway_is_attached_and_propagates_to_private_tables(prod: Render) -> None:
    vgw = prod.one("aws:ec2/vpnGateway:VpnGateway")
    assert vgw["inputs"]["vpcId"] == prod.one("aws:ec2/vpc:Vpc", "network")["id"]
    assert len(prod.of_type("aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation")) == 3


@pytest.mark.parametrize("stack,days", [("prod", 365), ("staging", 30)])
def test_flow_logs_go_to_an_encrypted_log_group_with_retention(render, stack: str, days: int) -> None:
    r: Render = render(stack)
    flow = r.one("aws:ec2/flowLog:FlowLog", "network-flow-logs")
    group = r.one("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs")
    assert (
        flow["inputs"]["logDestination"] == group["outputs"]["arn"] and flow["inputs"]["trafficType"] == "ALL"
    )
    assert group["inputs"]["retentionInDays"] == days, f"stack {stack}: network.flowLogRetentionDays"
    logs_key = r.one("aws:kms/key:Key", "keys-primary-logs")
    assert group["inputs"]["kmsKeyId"] == logs_key["outputs"]["arn"], (
        "flow logs are encrypted with the logs key"
    )


def test_endpoints_keep_aws_api_traffic_off_the_nat(prod: Render) -> None:
    endpoints = {
        e["inputs"]["serviceName"]: e["inputs"] for e in prod.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    }
    assert endpoints["com.amazonaws.us-east-1.s3"]["vpcEndpointType"] == "Gateway"
    for svc in ("ecr.api", "ecr.dkr", "logs", "ssm", "secretsmanager"):
        e = endpoints[f"com.amazonaws.us-east-1.{svc}"]
        assert e["vpcEndpointType"] == "Interface" and e["privateDnsEnabled"], svc
        assert e["securityGroupIds"] == [sg_ids(prod)["endpoints"]], svc
        assert len(e["subnetIds"]) == 3, f"{svc}: one ENI per AZ"


def test_security_groups_are_least_privilege(prod: Render) -> None:
    ids = sg_ids(prod)
    name = {v: k for k, v in ids.items()}
    ingress = {
        (
            name[r["inputs"]["securityGroupId"]],
            r["inputs"]["fromPort"],
            r["inputs"].get("cidrIpv4")
            or (
                "cloudfront"
                if "prefixListId" in r["inputs"]
                else name[r["inputs"]["referencedSecurityGroupId"]]
            ),
        )
        for r in prod.of_type(INGRESS)
        if r["name"].startswith("network-")
    }
    assert ingress == {
        ("alb", 443, "cloudfront"),
        ("web", 80, "alb"),
        ("api", 8000, "alb"),
        ("db", 3306, "api"),
        ("db", 3306, "rotation"),
        ("cache", 6379, "api"),
        ("search", 443, "search"),
        ("endpoints", 443, "web"),
        ("endpoints", 443, "api"),
        ("endpoints", 443, "rotation"),
    }
    for rule in prod.of_type(INGRESS, EGRESS):
        i = rule["inputs"]
        if not rule["name"].startswith("network-"):
            continue
        assert i["fromPort"] == i["toPort"] and i["ipProtocol"] == "tcp", f"{rule['urn']}: one port, tcp"
        assert "cidrIpv6" not in i, f"{rule['urn']}: nothing open to ::/0"
        if i.get("cidrIpv4") == "0.0.0.0/0" and rule["type"] == INGRESS:
            assert name[i["securityGroupId"]] == "alb", (
                f"{rule['urn']}: only the ALB takes traffic from the internet"
            )
    db_egress = [
        r for r in prod.of_type(EGRESS) if r["inputs"]["securityGroupId"] in (ids["db"], ids["cache"])
    ]
    assert db_egress == [], "databases and caches initiate nothing"


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_every_vpcs_default_security_group_is_adopted_with_no_rules(render, stack: str) -> None:
    """The default group admits all traffic between its members: each VPC's is adopted and left empty (EC2.2)."""
    r = render(stack)
    defaults = r.of_type("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    for vpc in r.of_type("aws:ec2/vpc:Vpc"):
        mine = [d for d in defaults if d["inputs"]["vpcId"] == vpc["id"]]
        assert len(mine) == 1, (
            f"stack {stack}: {vpc['urn']} needs one aws.ec2.DefaultSecurityGroup, has {len(mine)}"
        )
        [d] = mine
        assert d["region"] == vpc["region"], f"{d['urn']}: adopted through the VPC's regional provider"
        assert not d["inputs"].get("ingress") and not d["inputs"].get("egress"), (
            f"{d['urn']}: must have no rules"
        )
