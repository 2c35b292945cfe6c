"""DR network settings: the DR region's VPC for the cross-region read replica and the DR site (components/dr_network.py)."""

from __future__ import annotations

import ipaddress

from pydantic import Field, model_validator

from .common import Cidr, LogRetentionDays, Model


class DrNetworkSettings(Model):
    """The DR region's small network: private subnets only, no internet or NAT gateway."""

    vpc_cidr: Cidr = Field(description="DR VPC range; must not overlap the primary VPC (future peering/VPN).")
    private_subnets: list[Cidr] = Field(
        min_length=2, max_length=6, description="One private subnet per DR-region AZ (the DB subnet group)."
    )
    flow_log_retention_days: LogRetentionDays = Field(
        365, description="Days the DR VPC's flow logs are kept."
    )

    @model_validator(mode="after")
    def _subnets_fit(self) -> DrNetworkSettings:
        vpc = ipaddress.IPv4Network(self.vpc_cidr)
        nets = [ipaddress.IPv4Network(s) for s in self.private_subnets]
        for s in nets:
            if not s.subnet_of(vpc):
                raise ValueError(f"privateSubnets: {s} is outside vpcCidr {vpc}")
        for i, a in enumerate(nets):
            for b in nets[i + 1 :]:
                if a.overlaps(b):
                    raise ValueError(f"privateSubnets: {a} overlaps {b}")
        return self
