"""Network tier: the VPC over the region's AZs, its routes, endpoints, flow logs and security groups (the pieces
the DR VPC builds the same way come from components/network_builders.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionContext
from components.contract import API_PORT, HTTPS_PORT, MYSQL_PORT, REDIS_PORT, WEB_PORT, SiteNetwork
from components.network_builders import (
    ANYWHERE_V4,
    CLOUDFRONT_ORIGIN_FACING,
    flow_logs,
    internet_routes,
    private_route,
    security_groups,
    subnet,
    tcp_rule,
)
from settings.network import NetworkSettings


@dataclass
class NetworkArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>`."""
    settings: NetworkSettings
    """The validated network settings of the stack."""
    region: RegionContext
    """The primary region: its name names the endpoints' services, its logs key encrypts the flow-log group."""


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    vpc_cidr: pulumi.Output[str]
    availability_zones: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    public_subnet_ids: pulumi.Output[list[str]]
    private_route_table_ids: pulumi.Output[list[str]]
    site: SiteNetwork
    """The subnets and the serving tiers' security groups, as the edge, data and compute tiers take them."""
    search_sg_id: pulumi.Output[str]
    endpoints_sg_id: pulumi.Output[str]
    rotation_sg_id: pulumi.Output[str]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:network:Network", name, None, opts)
        self._name, self._args, s = name, args, args.settings
        self._child = pulumi.ResourceOptions(parent=self)

        # The region's AZ names come from AWS, never hard-coded letters; the first azCount are used.
        azs = aws.get_availability_zones_output(state="available", opts=pulumi.InvokeOptions(parent=self))
        self.availability_zones = azs.names.apply(lambda names: list(names[: s.az_count]))

        vpc = aws.ec2.Vpc(
            name,
            cidr_block=s.vpc_cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": f"{args.name_prefix}-vpc"},
            opts=self._child,
        )
        # The default security group admits all traffic between its members and all egress: adopt it with no rules
        # (the provider removes every rule it finds) so that nothing placed here without a group can talk to
        # anything (Security Hub EC2.2); the DR VPC does the same.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default", vpc_id=vpc.id, tags={"Name": f"{args.name_prefix}-default"}, opts=self._child
        )
        self.vpc_id, self.vpc_cidr = vpc.id, vpc.cidr_block
        public, private = self._create_subnets(vpc)
        private_tables = self._create_routes(vpc, public, private)
        self._create_flow_logs(vpc)
        groups = self._create_security_groups(vpc)
        self._create_endpoints(vpc, private, private_tables, groups["endpoints"])

        self.public_subnet_ids = pulumi.Output.all(*[sn.id for sn in public])
        self.private_subnet_ids = pulumi.Output.all(*[sn.id for sn in private])
        self.private_route_table_ids = pulumi.Output.all(*[t.id for t in private_tables])
        self.search_sg_id = groups["search"].id
        self.endpoints_sg_id = groups["endpoints"].id
        self.rotation_sg_id = groups["rotation"].id
        self.site = SiteNetwork(
            vpc_id=self.vpc_id,
            availability_zones=self.availability_zones,
            public_subnet_ids=self.public_subnet_ids,
            private_subnet_ids=self.private_subnet_ids,
            alb_sg_id=groups["alb"].id,
            web_sg_id=groups["web"].id,
            app_sg_id=groups["api"].id,
            db_sg_id=groups["db"].id,
            cache_sg_id=groups["cache"].id,
        )
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "vpc_cidr": self.vpc_cidr,
                "availability_zones": self.availability_zones,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
                "private_route_table_ids": self.private_route_table_ids,
                **{f"{key}_sg_id": sg.id for key, sg in groups.items()},
            }
        )

    # -- subnets and routes ----------------------------------------------------------------------------------
    def _create_subnets(self, vpc: aws.ec2.Vpc) -> tuple[list[aws.ec2.Subnet], list[aws.ec2.Subnet]]:
        s, prefix = self._args.settings, self._args.name_prefix
        public, private = [], []
        for i in range(s.az_count):
            az = self.availability_zones.apply(lambda names, i=i: names[i])
            public.append(subnet(self._name, prefix, "public", i, vpc, s.public_subnets[i], az, self._child))
            private.append(
                subnet(self._name, prefix, "private", i, vpc, s.private_subnets[i], az, self._child)
            )
        return public, private

    def _create_routes(
        self, vpc: aws.ec2.Vpc, public: list[aws.ec2.Subnet], private: list[aws.ec2.Subnet]
    ) -> list[aws.ec2.RouteTable]:
        s, prefix, n = self._args.settings, self._args.name_prefix, self._name
        nats = internet_routes(n, prefix, vpc, public, s.nat_gateways, self._child)

        vgw = None
        if s.vpn_gateway:
            vgw = aws.ec2.VpnGateway(
                f"{n}-vgw", vpc_id=vpc.id, tags={"Name": f"{prefix}-vgw"}, opts=self._child
            )

        tables = []
        for i, sn in enumerate(private):
            # One table per AZ so that each AZ leaves through its own NAT gateway when it has one (prod); with
            # fewer NAT gateways (staging) the AZs share them round-robin.
            table = private_route(n, prefix, vpc, i, sn, nats[i % len(nats)], self._child)
            if vgw is not None:
                aws.ec2.VpnGatewayRoutePropagation(
                    f"{n}-private-{i + 1}-vgw",
                    vpn_gateway_id=vgw.id,
                    route_table_id=table.id,
                    opts=self._child,
                )
            tables.append(table)
        return tables

    # -- flow logs -------------------------------------------------------------------------------------------
    def _create_flow_logs(self, vpc: aws.ec2.Vpc) -> None:
        flow_logs(
            self._name,
            self._args.name_prefix,
            vpc,
            retention_days=self._args.settings.flow_log_retention_days,
            logs_key_arn=self._args.region.keys.logs,
            account_id=self._args.region.account_id,
            what="this VPC's",
            opts=self._child,
        )

    # -- security groups -------------------------------------------------------------------------------------
    def _create_security_groups(self, vpc: aws.ec2.Vpc) -> dict[str, aws.ec2.SecurityGroup]:
        prefix, n = self._args.name_prefix, self._name
        purposes = {
            "alb": "Application Load Balancer: HTTPS from CloudFront's origin-facing servers only",
            "web": "Web (React/nginx) tasks: HTTP from the load balancer only",
            "api": "API (Laravel) and queue-worker tasks: port 8000 from the load balancer only",
            "db": "RDS MySQL: 3306 from the API and worker tasks only",
            "cache": "ElastiCache Redis: 6379 from the API and worker tasks only",
            "search": "OpenSearch log domain: HTTPS from the log shippers only",
            "endpoints": "Interface VPC endpoints: HTTPS from the tasks only",
            "rotation": "Secrets Manager rotation functions: MySQL to the database, HTTPS to the endpoints",
        }
        sg = security_groups(n, prefix, vpc, purposes, self._child)
        # The S3 gateway endpoint's prefix list: image layers come from S3 without crossing the NAT gateways.
        s3_prefix_list = aws.ec2.get_managed_prefix_list_output(
            name=f"com.amazonaws.{self._args.region.name}.s3",
            opts=pulumi.InvokeOptions(parent=self),
        ).id

        # CloudFront's origin-facing servers (CloudFront developer guide, "Use the CloudFront managed prefix list").
        # The list weighs 55 rules against the group's quota of 60, which is why the ALB takes HTTPS only.
        cloudfront_prefix_list = aws.ec2.get_managed_prefix_list_output(
            name=CLOUDFRONT_ORIGIN_FACING, opts=pulumi.InvokeOptions(parent=self)
        ).id

        def ingress(
            key: str,
            port: int,
            description: str,
            *,
            source: str | None = None,
            prefix_list: pulumi.Input[str] | None = None,
            label: str | None = None,
        ):
            tcp_rule(
                n,
                "in",
                key,
                sg[key],
                port,
                description,
                label or source,
                peer=sg[source] if source else None,
                prefix_list=prefix_list,
                opts=self._child,
            )

        def egress(
            key: str, port: int, description: str, *, cidr=None, target: str | None = None, prefix_list=None
        ):
            label = "internet" if cidr else ("s3" if prefix_list is not None else target)
            tcp_rule(
                n,
                "out",
                key,
                sg[key],
                port,
                description,
                label,
                peer=sg[target] if target else None,
                prefix_list=prefix_list,
                cidr=cidr,
                opts=self._child,
            )

        ingress(
            "alb",
            HTTPS_PORT,
            "HTTPS from CloudFront's origin-facing servers",
            prefix_list=cloudfront_prefix_list,
            label="cloudfront",
        )
        egress("alb", WEB_PORT, "to the web tasks", target="web")
        egress("alb", API_PORT, "to the API tasks", target="api")

        ingress("web", WEB_PORT, "HTTP from the load balancer", source="alb")
        egress("web", HTTPS_PORT, "AWS APIs through the interface endpoints", target="endpoints")
        egress(
            "web", HTTPS_PORT, "image layers from S3 through the gateway endpoint", prefix_list=s3_prefix_list
        )

        ingress("api", API_PORT, "HTTP from the load balancer", source="alb")
        egress("api", MYSQL_PORT, "MySQL", target="db")
        egress("api", REDIS_PORT, "Redis", target="cache")
        # Laravel calls third parties (Stripe, mail) over HTTPS through the NAT gateways; AWS APIs resolve to the
        # interface endpoints, which this rule also covers.
        egress("api", HTTPS_PORT, "HTTPS to AWS APIs and payment providers", cidr=ANYWHERE_V4)

        ingress("db", MYSQL_PORT, "MySQL from the API and worker tasks", source="api")
        # The database users' rotation functions change passwords in MySQL and write Secrets Manager (through its
        # interface endpoint): nothing else.
        ingress("db", MYSQL_PORT, "MySQL from the credential rotation functions", source="rotation")
        egress("rotation", MYSQL_PORT, "MySQL", target="db")
        if "secretsmanager" in self._args.settings.interface_endpoints:
            egress(
                "rotation", HTTPS_PORT, "Secrets Manager through its interface endpoint", target="endpoints"
            )
            ingress(
                "endpoints", HTTPS_PORT, "HTTPS from the credential rotation functions", source="rotation"
            )
        else:
            # No endpoint (a review stack saves its cost): Secrets Manager's public endpoint through the NAT.
            egress("rotation", HTTPS_PORT, "Secrets Manager through the NAT gateways", cidr=ANYWHERE_V4)
        ingress("cache", REDIS_PORT, "Redis from the API and worker tasks", source="api")
        ingress("search", HTTPS_PORT, "HTTPS from the log delivery streams in this group", source="search")
        egress("search", HTTPS_PORT, "log delivery streams to the domain", target="search")
        ingress("endpoints", HTTPS_PORT, "HTTPS from the web tasks", source="web")
        ingress("endpoints", HTTPS_PORT, "HTTPS from the API and worker tasks", source="api")
        return sg

    # -- endpoints -------------------------------------------------------------------------------------------
    def _create_endpoints(
        self,
        vpc: aws.ec2.Vpc,
        private: list[aws.ec2.Subnet],
        private_tables: list[aws.ec2.RouteTable],
        endpoints_sg: aws.ec2.SecurityGroup,
    ) -> None:
        s, prefix, n = self._args.settings, self._args.name_prefix, self._name
        region = self._args.region.name
        aws.ec2.VpcEndpoint(
            f"{n}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[t.id for t in private_tables],
            tags={"Name": f"{prefix}-s3"},
            opts=self._child,
        )
        for service in s.interface_endpoints:
            aws.ec2.VpcEndpoint(
                f"{n}-{service.replace('.', '-')}",
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[sn.id for sn in private],
                security_group_ids=[endpoints_sg.id],
                tags={"Name": f"{prefix}-{service}"},
                opts=self._child,
            )
