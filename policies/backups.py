"""Backups and protection: data survives mistakes, deletions and replacements."""

from __future__ import annotations

from factories import resource_policy, stack_policy
from properties import UNKNOWN, get, items, truthy
from relations import bucket_keys, index_by_target, of_types, related
from resource_types import (
    BUCKET_VERSIONING,
    BUCKETS,
    RDS_ALL,
    RDS_CLUSTERS,
    RDS_INSTANCES,
    REPLICATION_GROUPS,
    SEARCH_DOMAINS,
)

STATEFUL = (
    RDS_ALL
    | REPLICATION_GROUPS
    | BUCKETS
    | SEARCH_DOMAINS
    | frozenset(
        {
            "aws:kms/key:Key",
            "aws:ecr/repository:Repository",
            "aws:backup/vault:Vault",
            "aws:dynamodb/table:Table",
            "aws:efs/fileSystem:FileSystem",
            "aws:ebs/volume:Volume",
            "aws:elasticache/cluster:Cluster",
            "aws:rds/clusterInstance:ClusterInstance",
        }
    )
)


def _rds_retention(props, cfg, args):
    if args.resource_type in RDS_INSTANCES and get(props, "replicateSourceDb"):
        args.not_applicable("read replicas take no automated backups of their own")
    days = get(props, "backupRetentionPeriod")
    if days is UNKNOWN:
        return
    if days is None or days < cfg["minDays"]:
        yield f"keeps automated backups {days if days is not None else 'the default 1 (instances) / 1 (clusters)'} day(s); set backupRetentionPeriod to at least {cfg['minDays']}"


def _deletion_protection(props, cfg, args):
    value = get(props, "deletionProtection")
    if value is not UNKNOWN and not truthy(value):
        yield "can be deleted by one API call; set deletionProtection: true"


def _final_snapshot(props, cfg, args):
    if args.resource_type in RDS_INSTANCES and get(props, "replicateSourceDb"):
        return
    skip, ident = get(props, "skipFinalSnapshot"), get(props, "finalSnapshotIdentifier")
    if skip is UNKNOWN or ident is UNKNOWN:
        return
    if truthy(skip):
        yield "deleting it skips the final snapshot; set skipFinalSnapshot: false and a finalSnapshotIdentifier"
    elif not ident:
        yield "has no finalSnapshotIdentifier, so deletion fails or loses data; set one"


def _cache_snapshots(props, cfg, args):
    days = get(props, "snapshotRetentionLimit", default=0)
    if days is not UNKNOWN and days < cfg["minDays"]:
        yield f"keeps {days} day(s) of snapshots; set snapshotRetentionLimit to at least {cfg['minDays']}"


def _bucket_versioning(resources, cfg):
    index, unknown = index_by_target(resources, BUCKET_VERSIONING, "bucket")
    for bucket in of_types(resources, BUCKETS):
        states = [
            get(c.props, "versioningConfiguration", "status") for c in related(index, bucket_keys(bucket))
        ]
        if truthy(get(bucket.props, "versioning", "enabled")):
            states.append("Enabled")
        if UNKNOWN in states or (unknown and not states):
            continue
        if "Enabled" not in states:
            yield bucket, "versioning is off; add an aws.s3.BucketVersioning with status Enabled"


def _backup_plan_retention(props, cfg, args):
    for rule in items(get(props, "rules")):
        name = get(rule, "ruleName", default="?")
        days = get(rule, "lifecycle", "deleteAfter")
        if days is UNKNOWN or days is None:
            continue
        if days < cfg["minDays"]:
            yield f"rule {name} deletes recovery points after {days} day(s); set lifecycle.deleteAfter ≥ {cfg['minDays']}"


def _dynamodb_pitr(props, cfg, args):
    enabled = get(props, "pointInTimeRecovery", "enabled")
    if enabled is not UNKNOWN and not truthy(enabled):
        yield "point-in-time recovery is off; set pointInTimeRecovery: {enabled: true}"


def _protected(props, cfg, args):
    if not (args.opts and args.opts.protect):
        yield "is stateful but not protected; create it with ResourceOptions(protect=True) (and retain_on_delete)"


MIN_DAYS = {"minDays": {"type": "integer", "minimum": 1, "maximum": 35, "default": 7}}

POLICIES = [
    resource_policy(
        "rds-backup-retention",
        "Checks that RDS instances and clusters keep automated backups at least minDays (RDS.11).",
        RDS_ALL,
        _rds_retention,
        control="RDS.11",
        severity="high",
        level="mandatory",
        config=MIN_DAYS,
        remediation="Set backupRetentionPeriod to at least minDays (the prod config asks 30).",
    ),
    resource_policy(
        "rds-deletion-protection",
        "Checks that RDS instances and clusters have deletion protection (RDS.8, RDS.7).",
        RDS_ALL,
        _deletion_protection,
        control="RDS.8",
        severity="medium",
        level="mandatory",
        remediation="Set deletionProtection: true.",
    ),
    resource_policy(
        "rds-final-snapshot",
        "Checks that deleting an RDS instance or cluster keeps a final snapshot.",
        RDS_INSTANCES | RDS_CLUSTERS,
        _final_snapshot,
        severity="medium",
        level="mandatory",
        remediation="Set skipFinalSnapshot: false and finalSnapshotIdentifier.",
    ),
    resource_policy(
        "elasticache-snapshot-retention",
        "Checks that Redis keeps daily snapshots at least minDays (ElastiCache.1).",
        REPLICATION_GROUPS,
        _cache_snapshots,
        control="ElastiCache.1",
        severity="medium",
        level="mandatory",
        config={"minDays": {"type": "integer", "minimum": 1, "maximum": 35, "default": 1}},
        remediation="Set snapshotRetentionLimit (and a snapshotWindow).",
    ),
    stack_policy(
        "s3-bucket-versioning",
        "Checks that every bucket has versioning enabled (S3.14).",
        _bucket_versioning,
        control="S3.14",
        severity="medium",
        level="mandatory",
        remediation="Add an aws.s3.BucketVersioning with versioningConfiguration.status Enabled.",
    ),
    resource_policy(
        "backup-plan-retention",
        "Checks that AWS Backup rules keep recovery points at least minDays.",
        frozenset({"aws:backup/plan:Plan"}),
        _backup_plan_retention,
        severity="medium",
        level="mandatory",
        config={"minDays": {"type": "integer", "minimum": 1, "default": 7}},
        remediation="Set each rule's lifecycle.deleteAfter to at least minDays.",
    ),
    resource_policy(
        "dynamodb-point-in-time-recovery",
        "Checks that DynamoDB tables have point-in-time recovery (DynamoDB.2).",
        frozenset({"aws:dynamodb/table:Table"}),
        _dynamodb_pitr,
        control="DynamoDB.2",
        severity="medium",
        level="mandatory",
        remediation="Set pointInTimeRecovery {enabled: true} on every table.",
    ),
    resource_policy(
        "stateful-resources-protected",
        "Checks that stateful resources (databases, caches, buckets, keys, "
        "repositories, vaults, search domains) are protected from deletion and replacement.",
        STATEFUL,
        _protected,
        severity="high",
        level="advisory",
        remediation="Pass ResourceOptions(protect=True, retain_on_delete=True) in prod; the prod pack config makes "
        "this mandatory.",
    ),
]
