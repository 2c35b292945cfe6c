"""The Redis builder: one region's ElastiCache replication group with its subnet group, parameter group and slow
log, as the primary's data tier and the DR site (components/dr_site.py) both run it."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionContext
from components.contract import REDIS_PORT
from settings.data import CacheSettings

# Cache and sessions only (jobs are on SQS): evicting the least recently used key is what a cache wants; idle
# clients are dropped after 5 minutes and probed every minute. The DR site's Redis uses the same parameters.
REDIS_PARAMETERS = {"maxmemory-policy": "allkeys-lru", "timeout": "300", "tcp-keepalive": "60"}


@dataclass(frozen=True)
class RedisPlacement:
    """Where and how big one region's Redis replication group is."""

    network: str
    """The VPC's name in descriptions (`primary`, `DR`)."""
    title: str
    """The group's kind in descriptions (`Redis`, `DR Redis`)."""
    description: str
    """The replication group's description."""
    node_type: str
    nodes: int
    """Nodes, one per AZ round-robin, primary first."""
    availability_zones: pulumi.Input[list[str]]
    subnet_ids: pulumi.Input[list[str]]
    security_group_id: pulumi.Input[str]


def redis_replication_group(
    name: str,
    prefix: str,
    c: CacheSettings,
    where: RedisPlacement,
    *,
    data_key_arn: pulumi.Input[str],
    logs_key_arn: pulumi.Input[str],
    auth_token: pulumi.Input[str],
    auth_token_update_strategy: str | None,
    opts: pulumi.ResourceOptions,
    stateful: pulumi.ResourceOptions,
) -> aws.elasticache.ReplicationGroup:
    """Redis for cache and sessions in one region, as the primary and the DR site both run it (`<prefix>-redis`):
    Multi-AZ with automatic failover, TLS required with an AUTH token, encrypted at rest with the data key, the
    shared parameters (REDIS_PARAMETERS), snapshots, a final snapshot, and its slow log in a log group
    encrypted with the logs key."""
    group_id = f"{prefix}-redis"
    subnet_group = aws.elasticache.SubnetGroup(
        f"{name}-redis",
        name=group_id,
        description=f"Private subnets of the {where.network} VPC, one per AZ",
        subnet_ids=where.subnet_ids,
        opts=opts,
    )
    parameter_group = aws.elasticache.ParameterGroup(
        f"{name}-redis",
        name=f"{prefix}-{c.parameter_group_family}",
        family=c.parameter_group_family,
        description=f"Elite Locadora {where.title} {c.engine_version}: LRU eviction, idle timeout, keepalive",
        parameters=[
            aws.elasticache.ParameterGroupParameterArgs(name=k, value=v) for k, v in REDIS_PARAMETERS.items()
        ],
        opts=opts,
    )
    slow_log = aws.cloudwatch.LogGroup(
        f"{name}-redis-slow-log",
        name=f"/aws/elasticache/{group_id}/slow-log",
        retention_in_days=c.log_retention_days,
        kms_key_id=logs_key_arn,
        opts=opts,
    )
    azs, nodes = pulumi.Output.from_input(where.availability_zones), where.nodes
    return aws.elasticache.ReplicationGroup(
        f"{name}-redis",
        replication_group_id=group_id,
        description=where.description,
        engine="redis",
        engine_version=c.engine_version,
        node_type=where.node_type,
        num_cache_clusters=nodes,
        # One node per AZ, primary first: the replicas sit in the other AZs.
        preferred_cache_cluster_azs=azs.apply(lambda z: [z[i % len(z)] for i in range(nodes)]),
        automatic_failover_enabled=True,
        multi_az_enabled=True,
        port=REDIS_PORT,
        parameter_group_name=parameter_group.name,
        subnet_group_name=subnet_group.name,
        security_group_ids=[where.security_group_id],
        at_rest_encryption_enabled=True,
        kms_key_id=data_key_arn,
        transit_encryption_enabled=True,
        transit_encryption_mode="required",
        auth_token=auth_token,
        auth_token_update_strategy=auth_token_update_strategy,
        auto_minor_version_upgrade=True,
        snapshot_retention_limit=c.snapshot_retention_days,
        snapshot_window=c.snapshot_window,
        maintenance_window=c.maintenance_window,
        final_snapshot_identifier=f"{group_id}-final",
        log_delivery_configurations=[
            aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                destination=slow_log.name,
                destination_type="cloudwatch-logs",
                log_format="json",
                log_type="slow-log",
            )
        ],
        tags={"Name": group_id},
        opts=stateful,
    )


def redis_auth_secret(
    name: str,
    prefix: str,
    c: CacheSettings,
    group: aws.elasticache.ReplicationGroup,
    token: pulumi.Input[str],
    *,
    region: RegionContext,
    dr: RegionContext,
    protect: bool,
    stateful: pulumi.ResourceOptions,
) -> tuple[aws.secretsmanager.Secret, aws.secretsmanager.SecretVersion]:
    """The primary's AUTH token (`token`), with where to use it, in a KMS-encrypted secret replicated to the DR
    region (`<prefix>-redis-auth`); `stateful` carries the tier's parent and protection."""
    secret = aws.secretsmanager.Secret(
        f"{name}-redis-auth",
        name=f"{prefix}-redis-auth",
        description="AUTH token of the Redis replication group (TLS required), with its endpoint",
        kms_key_id=region.keys.secrets,
        replicas=[aws.secretsmanager.SecretReplicaArgs(region=dr.name, kms_key_id=dr.keys.secrets)],
        recovery_window_in_days=30 if protect else 7,
        opts=stateful,
    )
    version = aws.secretsmanager.SecretVersion(
        f"{name}-redis-auth",
        secret_id=secret.id,
        # Write-only with a version: a new authTokenVersion updates this resource in place (a new version of
        # the secret becomes current), never replaces it, so no deploy has to delete a version's labels.
        secret_string_wo_version=c.auth_token_version,
        secret_string_wo=pulumi.Output.secret(
            pulumi.Output.json_dumps(
                {
                    "authToken": token,
                    "host": group.primary_endpoint_address,
                    "readerHost": group.reader_endpoint_address,
                    "port": REDIS_PORT,
                    "tls": True,
                }
            )
        ),
        # Written after ElastiCache accepts the new token; tasks read this exact version (compute pins its id),
        # so a rotation registers new task definitions and rolls the services in the same deploy.
        opts=pulumi.ResourceOptions(parent=stateful.parent, depends_on=[group]),
    )
    return secret, version
