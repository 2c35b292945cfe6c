"""EC2 and VPC: VPCs, subnets, security groups and their rules, gateways, routes, endpoints, flow logs."""

from __future__ import annotations

from tools.mocks.context import Builder, Ctx, digest, opaque


def _ec2(prefix: str, kind: str) -> Builder:
    def build(c: Ctx) -> tuple[str, dict]:
        rid = f"{prefix}-{digest(c.seed)}"
        return rid, {"arn": c.arn("ec2", f"{kind}/{rid}"), "ownerId": c.acct}

    return build


def _vpc(c: Ctx) -> tuple[str, dict]:
    rid = f"vpc-{digest(c.seed)}"
    return rid, {
        "arn": c.arn("ec2", f"vpc/{rid}"),
        "ownerId": c.acct,
        "mainRouteTableId": f"rtb-{digest(c.seed, 'main')}",
        "defaultSecurityGroupId": f"sg-{digest(c.seed, 'default')}",
        "defaultNetworkAclId": f"acl-{digest(c.seed, 'acl')}",
    }


def _eip(c: Ctx) -> tuple[str, dict]:
    rid = f"eipalloc-{digest(c.seed)}"
    n = int(digest(c.seed, n=4), 16)
    return rid, {
        "allocationId": rid,
        "publicIp": f"203.0.{n % 250}.{(n >> 8) % 250 + 1}",
        "domain": "vpc",
        "arn": c.arn("ec2", f"elastic-ip/{rid}"),
    }


def _vpc_endpoint(c: Ctx) -> tuple[str, dict]:
    rid = f"vpce-{digest(c.seed)}"
    service = str(c.inputs.get("serviceName", ""))
    dns = [
        {
            "dnsName": f"{rid}.{service.rsplit('.', 1)[-1]}.{c.region}.vpce.amazonaws.com",
            "hostedZoneId": "Z7HUB22UULQXV",
        }
    ]
    return rid, {
        "arn": c.arn("ec2", f"vpc-endpoint/{rid}"),
        "dnsEntries": dns,
        "ownerId": c.acct,
        "prefixListId": f"pl-{digest(c.seed, n=8)}" if c.inputs.get("vpcEndpointType") == "Gateway" else None,
    }


# Type token → builder; security group rules live in both pulumi-aws's ec2 and vpc modules.
BUILDERS: dict[str, Builder] = {
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/subnet:Subnet": _ec2("subnet", "subnet"),
    "aws:ec2/securityGroup:SecurityGroup": _ec2("sg", "security-group"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _ec2("sgr", "security-group-rule"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _ec2("sgr", "security-group-rule"),
    "aws:ec2/securityGroupRule:SecurityGroupRule": opaque("sgrule-"),
    "aws:ec2/internetGateway:InternetGateway": _ec2("igw", "internet-gateway"),
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway": _ec2(
        "eigw", "egress-only-internet-gateway"
    ),
    "aws:ec2/natGateway:NatGateway": _ec2("nat", "natgateway"),
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/routeTable:RouteTable": _ec2("rtb", "route-table"),
    "aws:ec2/route:Route": opaque("r-rtb-"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": opaque("rtbassoc-"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:ec2/vpnGateway:VpnGateway": _ec2("vgw", "vpn-gateway"),
    "aws:ec2/vpnGatewayAttachment:VpnGatewayAttachment": opaque("vpn-attachment-"),
    "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation": opaque("vgw-prop-"),
    "aws:ec2/flowLog:FlowLog": _ec2("fl", "vpc-flow-log"),
    "aws:ec2/networkAcl:NetworkAcl": _ec2("acl", "network-acl"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _ec2("sg", "security-group"),
}
