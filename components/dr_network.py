"""The DR region's small network: where the cross-region read replica lives until it is promoted.

Private subnets only, over the DR region's AZs (names from AWS, never hard-coded letters): no internet gateway,
no NAT gateway, nothing public. Replication from the primary region does not need a route: RDS carries it over
AWS's network. Two security groups: `dr-db` (the replica) admits MySQL only from `dr-app`, the group that the
application tasks started in this region during a failover join (docs/data.md); nothing else reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.contract import MYSQL_PORT
from components.network import flow_logs
from settings.data import DrNetworkSettings


@dataclass
class DrNetworkArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>`."""
    settings: DrNetworkSettings
    """The validated DR network settings (VPC range, one private subnet per AZ)."""
    provider: aws.Provider
    """Provider of the disaster-recovery region; every resource here is created through it."""
    logs_key_arn: pulumi.Input[str]
    """KMS key of the DR region that encrypts the DR VPC's flow-log group."""


class DrNetwork(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    availability_zones: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    db_sg_id: pulumi.Output[str]
    app_sg_id: pulumi.Output[str]

    def __init__(self, name: str, args: DrNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:data:DrNetwork", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        s, prefix = args.settings, f"{args.name_prefix}-dr"

        azs = aws.get_availability_zones_output(
            state="available", opts=pulumi.InvokeOptions(parent=self, provider=args.provider)
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
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "availability_zones": self.availability_zones,
                "private_subnet_ids": self.private_subnet_ids,
                "db_sg_id": self.db_sg_id,
                "app_sg_id": self.app_sg_id,
            }
        )

    def _create_subnets(self, vpc: aws.ec2.Vpc, prefix: str) -> list[aws.ec2.Subnet]:
        return [
            aws.ec2.Subnet(
                f"{self._name}-private-{i + 1}",
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=self.availability_zones.apply(lambda names, i=i: names[i]),
                tags={"Name": f"{prefix}-private-{i + 1}", "Tier": "private"},
                opts=self._child,
            )
            for i, cidr in enumerate(self._args.settings.private_subnets)
        ]

    def _create_flow_logs(self, vpc: aws.ec2.Vpc, prefix: str) -> None:
        """Every connection attempt to the replica's network is recorded, as in the primary VPC."""
        flow_logs(
            self,
            self._name,
            prefix,
            vpc,
            retention_days=self._args.settings.flow_log_retention_days,
            logs_key_arn=self._args.logs_key_arn,
            what="the DR VPC's",
            opts=self._child,
        )

    def _create_security_groups(
        self, vpc: aws.ec2.Vpc, prefix: str
    ) -> tuple[aws.ec2.SecurityGroup, aws.ec2.SecurityGroup]:
        n = self._name
        db = aws.ec2.SecurityGroup(
            f"{n}-db",
            name=f"{prefix}-db",
            description="DR read replica: MySQL from the DR application group only",
            vpc_id=vpc.id,
            tags={"Name": f"{prefix}-db"},
            opts=self._child,
        )
        app = aws.ec2.SecurityGroup(
            f"{n}-app",
            name=f"{prefix}-app",
            description="Application tasks started in the DR region at failover: MySQL to the replica",
            vpc_id=vpc.id,
            tags={"Name": f"{prefix}-app"},
            opts=self._child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{n}-db-in-{MYSQL_PORT}-app",
            security_group_id=db.id,
            ip_protocol="tcp",
            from_port=MYSQL_PORT,
            to_port=MYSQL_PORT,
            referenced_security_group_id=app.id,
            description="MySQL from the DR application tasks",
            opts=self._child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{n}-app-out-{MYSQL_PORT}-db",
            security_group_id=app.id,
            ip_protocol="tcp",
            from_port=MYSQL_PORT,
            to_port=MYSQL_PORT,
            referenced_security_group_id=db.id,
            description="MySQL to the DR replica",
            opts=self._child,
        )
        return db, app
