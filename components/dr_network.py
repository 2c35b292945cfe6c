"""The DR region's network: where the cross-region read replica lives, and the DR site that serves after a failover.

Private subnets over the DR region's AZs (names from AWS, never hard-coded letters). Replication from the primary
region does not need a route: RDS carries it over AWS's network. `dr-db` (the replica) admits MySQL only from
`dr-app`, the group of the API and worker tasks of the DR site (docs/dr-runbook.md); nothing else reaches it.

With a DR site (`elite-locadora:dr`), the same VPC also gets what the site needs before any incident: public
subnets with an internet gateway for its load balancer, NAT gateways for the tasks (images, logs, payment
providers), and the site's security groups (`dr-alb` from CloudFront's origin-facing servers only, `dr-web`,
`dr-app`, `dr-cache`), as in the primary VPC (components/network.py).
"""

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
from settings.dr_network import DrNetworkSettings
from settings.dr_site import DrSettings


@dataclass
class DrNetworkArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>`."""
    settings: DrNetworkSettings
    """The validated DR network settings (VPC range, one private subnet per AZ)."""
    region: RegionContext
    """The disaster-recovery region: every resource here is created through its provider; its logs key encrypts
    the DR VPC's flow-log group."""
    site: DrSettings | None = None
    """The DR site's settings (public subnets, NAT gateways); None: the replica's private network only."""


class DrNetwork(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    availability_zones: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    db_sg_id: pulumi.Output[str]
    app_sg_id: pulumi.Output[str]
    site: SiteNetwork | None
    """The DR site's network (public subnets for its load balancer and NAT gateways, its security groups); None
    without a site (the replica's private network only)."""

    def __init__(self, name: str, args: DrNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:data:DrNetwork", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self, provider=args.region.provider)
        s, prefix = args.settings, f"{args.name_prefix}-dr"

        azs = aws.get_availability_zones_output(
            state="available", opts=pulumi.InvokeOptions(parent=self, provider=args.region.provider)
        )
        count = len(s.private_subnets)
        self.availability_zones = azs.names.apply(lambda names: list(names[:count]))

        vpc = aws.ec2.Vpc(
            name,
            cidr_block=s.vpc_cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": f"{prefix}-vpc"},
            opts=self._child,
        )
        # The default security group admits all traffic between its members: strip its rules so that nothing
        # placed in this VPC without a group can talk to anything (Security Hub EC2.2).
        aws.ec2.DefaultSecurityGroup(
            name, vpc_id=vpc.id, tags={"Name": f"{prefix}-default"}, opts=self._child
        )
        subnets = self._create_subnets(vpc, prefix)
        self._create_flow_logs(vpc, prefix)
        db_sg, app_sg = self._create_security_groups(vpc, prefix)

        self.vpc_id = vpc.id
        self.private_subnet_ids = pulumi.Output.all(*[sn.id for sn in subnets])
        self.db_sg_id, self.app_sg_id = db_sg.id, app_sg.id
        self.site = None
        if args.site is not None:
            public = self._create_site_routes(vpc, subnets, prefix, args.site)
            site_sgs = self._create_site_security_groups(vpc, prefix, app_sg)
            self.site = SiteNetwork(
                vpc_id=self.vpc_id,
                availability_zones=self.availability_zones,
                public_subnet_ids=pulumi.Output.all(*[sn.id for sn in public]),
                private_subnet_ids=self.private_subnet_ids,
                alb_sg_id=site_sgs["alb"].id,
                web_sg_id=site_sgs["web"].id,
                app_sg_id=app_sg.id,
                db_sg_id=db_sg.id,
                cache_sg_id=site_sgs["cache"].id,
            )
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "availability_zones": self.availability_zones,
                "private_subnet_ids": self.private_subnet_ids,
                "db_sg_id": self.db_sg_id,
                "app_sg_id": self.app_sg_id,
                **(
                    {
                        "public_subnet_ids": self.site.public_subnet_ids,
                        "alb_sg_id": self.site.alb_sg_id,
                        "web_sg_id": self.site.web_sg_id,
                        "cache_sg_id": self.site.cache_sg_id,
                    }
                    if self.site is not None
                    else {}
                ),
            }
        )

    def _create_subnets(self, vpc: aws.ec2.Vpc, prefix: str) -> list[aws.ec2.Subnet]:
        return [
            subnet(self._name, prefix, "private", i, vpc, cidr, self._az(i), self._child)
            for i, cidr in enumerate(self._args.settings.private_subnets)
        ]

    def _az(self, i: int) -> pulumi.Output[str]:
        return self.availability_zones.apply(lambda names: names[i])

    def _create_flow_logs(self, vpc: aws.ec2.Vpc, prefix: str) -> None:
        """Every connection attempt to the replica's network is recorded, as in the primary VPC."""
        flow_logs(
            self._name,
            prefix,
            vpc,
            retention_days=self._args.settings.flow_log_retention_days,
            logs_key_arn=self._args.region.keys.logs,
            account_id=self._args.region.account_id,
            what="the DR VPC's",
            opts=self._child,
        )

    def _create_security_groups(
        self, vpc: aws.ec2.Vpc, prefix: str
    ) -> tuple[aws.ec2.SecurityGroup, aws.ec2.SecurityGroup]:
        n = self._name
        sg = security_groups(
            n,
            prefix,
            vpc,
            {
                "db": "DR read replica: MySQL from the DR application group only",
                "app": "Application tasks started in the DR region at failover: MySQL to the replica",
            },
            self._child,
        )
        db, app = sg["db"], sg["app"]
        tcp_rule(
            n,
            "in",
            "db",
            db,
            MYSQL_PORT,
            "MySQL from the DR application tasks",
            "app",
            peer=app,
            opts=self._child,
        )
        tcp_rule(n, "out", "app", app, MYSQL_PORT, "MySQL to the DR replica", "db", peer=db, opts=self._child)
        return db, app

    # -- the DR site: public subnets, internet and NAT gateways, its security groups ---------------------------
    def _create_site_routes(
        self, vpc: aws.ec2.Vpc, private: list[aws.ec2.Subnet], prefix: str, site: DrSettings
    ) -> list[aws.ec2.Subnet]:
        n = self._name
        public = [
            subnet(n, prefix, "public", i, vpc, cidr, self._az(i), self._child)
            for i, cidr in enumerate(site.public_subnets)
        ]
        nats = internet_routes(n, prefix, vpc, public, site.nat_gateways, self._child)
        for i, sn in enumerate(private):
            # The private subnets had no route out (the replica needs none); the site's tasks leave through the NAT
            # gateways, round-robin over the AZs when there are fewer gateways than AZs (a pilot light saves on them).
            private_route(n, prefix, vpc, i, sn, nats[i % len(nats)], self._child)
        return public

    def _create_site_security_groups(
        self, vpc: aws.ec2.Vpc, prefix: str, app: aws.ec2.SecurityGroup
    ) -> dict[str, aws.ec2.SecurityGroup]:
        """The primary VPC's rules (components/network.py) for the DR site; `dr-app` is the API's group. Without
        interface endpoints here, AWS APIs are reached through the NAT gateways over HTTPS."""
        n = self._name
        purposes = {
            "alb": "DR load balancer: HTTPS from CloudFront's origin-facing servers only",
            "web": "DR web (React/nginx) tasks: HTTP from the DR load balancer only",
            "cache": "DR ElastiCache Redis: 6379 from the DR API and worker tasks only",
        }
        sg = security_groups(n, prefix, vpc, purposes, self._child)
        sg["app"] = app
        cloudfront = aws.ec2.get_managed_prefix_list_output(
            name=CLOUDFRONT_ORIGIN_FACING,
            opts=pulumi.InvokeOptions(parent=self, provider=self._args.region.provider),
        ).id

        def rule(direction: str, key: str, port: int, description: str, *, other=None, cidr=None, label=None):
            tcp_rule(
                n,
                direction,
                key,
                sg[key],
                port,
                description,
                label or other,
                peer=sg.get(other),
                prefix_list=cloudfront if other == "cloudfront" else None,
                cidr=cidr,
                opts=self._child,
            )

        rule("in", "alb", HTTPS_PORT, "HTTPS from CloudFront's origin-facing servers", other="cloudfront")
        rule("out", "alb", WEB_PORT, "to the DR web tasks", other="web")
        rule("out", "alb", API_PORT, "to the DR API tasks", other="app")
        rule("in", "web", WEB_PORT, "HTTP from the DR load balancer", other="alb")
        rule(
            "out",
            "web",
            HTTPS_PORT,
            "images and logs through the NAT gateways",
            cidr=ANYWHERE_V4,
            label="internet",
        )
        rule("in", "app", API_PORT, "HTTP from the DR load balancer", other="alb")
        rule("out", "app", REDIS_PORT, "Redis", other="cache")
        # Laravel calls third parties (Stripe, mail) and AWS APIs over HTTPS through the NAT gateways.
        rule(
            "out",
            "app",
            HTTPS_PORT,
            "HTTPS to AWS APIs and payment providers",
            cidr=ANYWHERE_V4,
            label="internet",
        )
        rule("in", "cache", REDIS_PORT, "Redis from the DR API and worker tasks", other="app")
        return sg
