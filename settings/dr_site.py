"""Disaster-recovery settings: the pilot light in the DR region and whether the stack runs failed over.

The strategy (AWS whitepaper "Disaster Recovery of Workloads on AWS", pilot light) and why it meets the stated
RTO (4 hours) and RPO (minutes) are in docs/dr-runbook.md. The DR site reuses the DR network of the data tier
(`data.drNetwork`, where the cross-region replica lives) and adds what serves traffic there: public subnets for
its load balancer and NAT gateway, the load balancer with its own certificate and WAF, an ECS cluster whose
services run no task until a failover, a Redis cache, a job queue, and the replicated automated backups.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, model_validator

from .common import CacheNodeType, Cidr, Model

# RDS keeps replicated automated backups 1-35 days (the source's own backup retention range).
MAX_BACKUP_RETENTION_DAYS = 35


class DrSettings(Model):
    """`elite-locadora:dr`: the DR site in `drRegion` and the failover switch."""

    strategy: Literal["pilot-light"] = Field(
        "pilot-light",
        description="AWS DR strategy: pilot-light (data live and replicated, serving tiers deployed with no task "
        "running until the failover scales them up). Warm standby would run tasks against a read-only replica.",
    )
    failed_over: bool = Field(
        False,
        description="The stack as it is after a failover (tools/failover.py has run): the DR database promoted and "
        "the writer, the DR services at full size, the old primary's services fenced at zero tasks.",
    )
    public_subnets: list[Cidr] = Field(
        min_length=2,
        max_length=6,
        description="Public subnets of the DR VPC, one per AZ (the DR load balancer and NAT gateway), inside "
        "data.drNetwork.vpcCidr.",
    )
    nat_gateways: int = Field(
        1,
        ge=1,
        le=6,
        description="NAT gateways of the DR VPC (the tasks pull images and call payment providers through them).",
    )
    cache_node_type: CacheNodeType = Field(description="Node type of the DR region's Redis.")
    cache_nodes: int = Field(
        2, ge=2, le=6, description="Redis nodes in the DR region (primary and replicas, automatic failover)."
    )
    backup_replication_retention_days: int = Field(
        7,
        ge=1,
        le=MAX_BACKUP_RETENTION_DAYS,
        description="Days RDS keeps the primary's automated backups replicated to the DR region (point-in-time "
        "restore there).",
    )

    @model_validator(mode="after")
    def _subnets_distinct(self) -> DrSettings:
        nets = [ipaddress.IPv4Network(s) for s in self.public_subnets]
        for i, a in enumerate(nets):
            for b in nets[i + 1 :]:
                if a.overlaps(b):
                    raise ValueError(f"publicSubnets: {a} overlaps {b}")
        if self.nat_gateways > len(self.public_subnets):
            raise ValueError(
                f"natGateways: {self.nat_gateways} exceeds the {len(self.public_subnets)} public subnets "
                "(one NAT gateway per public subnet at most)"
            )
        return self
