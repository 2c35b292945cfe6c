"""Network tier settings: the VPC and its subnets (the guide's terraform-aws-modules/vpc block)."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, model_validator

from .common import Cidr, LogRetentionDays, Model

# What the Fargate tasks call at start and at run time: image pulls (ecr.api, ecr.dkr; layers come from S3
# through the gateway endpoint), awslogs, and the SSM parameters and Secrets Manager secrets they inject.
DEFAULT_INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "logs", "ssm", "secretsmanager")
InterfaceEndpoint = Literal[
    "ecr.api",
    "ecr.dkr",
    "logs",
    "ssm",
    "ssmmessages",
    "secretsmanager",
    "kms",
    "sts",
    "monitoring",
    "sns",
    "elasticloadbalancing",
    "ecs",
    "ecs-agent",
    "ecs-telemetry",
    "firehose",
]


class NetworkSettings(Model):
    vpc_cidr: Cidr = Field(description="VPC IPv4 range; the guide: 10.0.0.0/16.")
    az_count: int = Field(3, ge=2, le=6, description="How many of the region's AZs the VPC spans.")
    private_subnets: list[Cidr] = Field(description="One private subnet per AZ (tasks, databases, caches).")
    public_subnets: list[Cidr] = Field(description="One public subnet per AZ (load balancer, NAT gateways).")
    nat_gateways: int = Field(ge=1, le=6, description="NAT gateways: one per AZ in prod, fewer in staging.")
    vpn_gateway: bool = Field(
        True, description="Attach a virtual private gateway (the guide: enable_vpn_gateway)."
    )
    flow_log_retention_days: LogRetentionDays = Field(365, description="Days VPC flow logs are kept.")
    interface_endpoints: list[InterfaceEndpoint] = Field(
        default_factory=lambda: list(DEFAULT_INTERFACE_ENDPOINTS),
        description="AWS services reached through interface endpoints instead of the NAT gateways.",
    )

    @model_validator(mode="after")
    def _subnets_fit(self) -> NetworkSettings:
        vpc = ipaddress.IPv4Network(self.vpc_cidr)
        for key, subnets in (
            ("privateSubnets", self.private_subnets),
            ("publicSubnets", self.public_subnets),
        ):
            if len(subnets) != self.az_count:
                raise ValueError(
                    f"{key}: {len(subnets)} subnets for azCount={self.az_count}; give one subnet per AZ"
                )
            for s in subnets:
                if not ipaddress.IPv4Network(s).subnet_of(vpc):
                    raise ValueError(f"{key}: subnet {s} is outside the VPC range {self.vpc_cidr}")
        every = [ipaddress.IPv4Network(s) for s in self.private_subnets + self.public_subnets]
        for i, a in enumerate(every):
            for b in every[i + 1 :]:
                if a.overlaps(b):
                    raise ValueError(f"subnets {a} and {b} overlap; each subnet needs its own range")
        if self.nat_gateways > self.az_count:
            raise ValueError(
                f"natGateways={self.nat_gateways} exceeds azCount={self.az_count}; at most one per AZ"
            )
        return self
