"""Data tier settings: RDS MySQL with read replicas (one cross-region) and ElastiCache Redis.

The guide's Database Infrastructure section gives the prod values; where it is dated (MySQL 8.0.35, db.r5,
Redis 7.0) the allowed values below are the current ones and docs/departures.md says why.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from .common import (
    SIZES,
    CacheNodeType,
    DailyWindow,
    DbInstanceClass,
    LogRetentionDays,
    Model,
    WeeklyWindow,
    daily_overlaps_weekly,
)
from .dr_network import DrNetworkSettings

# RDS for MySQL major version → DB parameter group family. 8.0 left RDS standard support on 2026-07-31
# (Extended Support is billed per vCPU-hour) and its minor 8.0.35 is deprecated: 8.4 is the LTS line.
# A major version alone lets RDS pick the current default minor and upgrade minors in the maintenance window.
MYSQL_ENGINE_FAMILIES = {"8.4": "mysql8.4"}
# ElastiCache Redis OSS version → cache parameter group family (7.1 is 7.0-compatible and the newest Redis OSS).
REDIS_ENGINE_FAMILIES = {"7.0": "redis7", "7.1": "redis7"}
# Performance Insights keeps 7 days (free tier), month × 31 for 1-23 months, or 731 days (RDS API).
PERFORMANCE_INSIGHTS_RETENTION = (7, *(31 * m for m in range(1, 24)), 731)

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# RDS DB snapshot identifiers (1-255 letters, digits, hyphens; a letter first; no double or trailing hyphen;
# automated ones read "rds:<instance>-<date>"), or a snapshot ARN (a shared or another region's copy).
_SNAPSHOT = re.compile(
    r"^(arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:snapshot:)?(rds:)?[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-)$"
)
# Names RDS for MySQL reserves or MySQL refuses as the master user.
_RESERVED_USERS = frozenset({"rdsadmin", "rdsrepladmin", "rdsproxyadmin", "root", "mysql", "admin_rds"})
# What AWS's alternating-users rotation function (SecretsManagerRDSMySQLRotationMultiUser) appends to the
# application user's name for its second user.
CLONE_SUFFIX = "_clone"
# Privileges on the application schema only (no global privilege, no other schema, no GRANT OPTION): the
# Laravel application's reads and writes plus what its migrations need.
APP_PRIVILEGES = (
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "ALTER",
    "DROP",
    "INDEX",
    "REFERENCES",
    "CREATE TEMPORARY TABLES",
    "LOCK TABLES",
)
AppPrivilege = Literal[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "ALTER",
    "DROP",
    "INDEX",
    "REFERENCES",
    "CREATE TEMPORARY TABLES",
    "LOCK TABLES",
    "EXECUTE",
    "CREATE VIEW",
    "SHOW VIEW",
    "TRIGGER",
]
# A stable key for a replica: its logical name and DB identifier derive from it, never from its list position.
_REPLICA_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")


def _database_name(value: str) -> str:
    if not _IDENT.match(value) or len(value) > 64:
        raise ValueError(
            "must start with a letter and hold 1-64 letters, digits or underscores (RDS for MySQL)"
        )
    return value


def _master_username(value: str) -> str:
    if not _IDENT.match(value) or len(value) > 16:
        raise ValueError(
            "must start with a letter and hold 1-16 letters, digits or underscores (RDS for MySQL)"
        )
    if value.lower() in _RESERVED_USERS:
        raise ValueError(f"is reserved by RDS for MySQL ({', '.join(sorted(_RESERVED_USERS))})")
    return value


def _app_username(value: str) -> str:
    # The alternating-users rotation clones the user as `<name>_clone`; MySQL 8 user names hold 32 characters.
    if not _IDENT.match(value) or len(value) > 32 - len(CLONE_SUFFIX):
        raise ValueError(
            f"must start with a letter and hold 1-{32 - len(CLONE_SUFFIX)} letters, digits or underscores "
            f"(MySQL allows 32 and the rotation adds {CLONE_SUFFIX!r})"
        )
    if value.lower() in _RESERVED_USERS:
        raise ValueError(f"is reserved by RDS for MySQL ({', '.join(sorted(_RESERVED_USERS))})")
    return value


def _pi_retention(value: int) -> int:
    if value not in PERFORMANCE_INSIGHTS_RETENTION:
        raise ValueError("must be 7, a number of months × 31 (31, 62, ... 713) or 731 days (RDS API)")
    return value


def _snapshot_identifier(value: str) -> str:
    if not _SNAPSHOT.match(value):
        raise ValueError(
            "must be a DB snapshot identifier (a letter, then letters, digits, single hyphens; manual or rds: "
            "automated) or a DB snapshot ARN (arn:aws:rds:<region>:<account>:snapshot:<id>)"
        )
    return value


DatabaseName = Annotated[str, AfterValidator(_database_name)]
SnapshotIdentifier = Annotated[str, AfterValidator(_snapshot_identifier)]
MasterUsername = Annotated[str, AfterValidator(_master_username)]
AppUsername = Annotated[str, AfterValidator(_app_username)]
PerformanceInsightsRetention = Annotated[int, AfterValidator(_pi_retention)]


def size_index(instance_class: str) -> int:
    """Position of a `db.<family>.<size>` / `cache.<family>.<size>` class's size in the size ladder."""
    return SIZES.index(instance_class.rsplit(".", 1)[-1])


class ReplicaSettings(Model):
    instance_class: DbInstanceClass = Field(description="Replica instance class; the guide: db.r5.large.")


class NamedReplicaSettings(ReplicaSettings):
    name: str = Field(
        pattern=_REPLICA_NAME.pattern,
        description="Stable key of the replica (`replica-1`): its logical name and identifier "
        "`<prefix>-mysql-<name>` derive from it, so reordering the list replaces nothing.",
    )


class DatabaseSettings(Model):
    engine_version: Literal["8.4"] = Field(
        description="RDS for MySQL major version (minors upgrade automatically); the guide pins 8.0.35."
    )
    instance_class: DbInstanceClass = Field(description="Primary instance class; the guide: db.r5.xlarge.")
    allocated_storage: int = Field(ge=20, le=65536, description="GiB of gp3 storage; the guide: 100.")
    max_allocated_storage: int | None = Field(
        None, le=65536, description="Storage autoscaling ceiling in GiB (unset: no autoscaling)."
    )
    multi_az: bool = Field(description="Standby in a second AZ; required in prod.")
    database_name: DatabaseName = Field(
        "elite_locadora", description="Schema created at launch (DB_DATABASE)."
    )
    username: MasterUsername = Field(
        "elite_admin",
        description="Master user; its password is generated at deploy time into a Secrets Manager secret that "
        "a rotation function rotates (never the application's user).",
    )
    app_username: AppUsername = Field(
        "elite_app",
        description="The application's own user (DB_USERNAME); rotation alternates it with `<name>_clone`.",
    )
    app_privileges: list[AppPrivilege] = Field(
        default_factory=lambda: list(APP_PRIVILEGES),
        min_length=1,
        description="Privileges of the application user on the application schema only.",
    )
    rotation_days: int = Field(
        30,
        ge=1,
        le=365,
        description="Days between rotations of the master and the application user's passwords.",
    )
    backup_retention_days: int = Field(
        ge=1, le=35, description="Automated backup retention (AWS allows 0-35; we need 1+)."
    )
    backup_window: DailyWindow = Field(description="Daily UTC backup window; the guide: 03:00-04:00.")
    maintenance_window: WeeklyWindow = Field(
        description="Weekly UTC maintenance window; must not overlap backups."
    )
    max_connections: int = Field(
        1000, ge=10, le=100000, description="Parameter max_connections; the guide: 1000."
    )
    long_query_time_seconds: float = Field(
        2, ge=0, le=31536000, description="Parameter long_query_time (slow-query threshold); the guide: 2."
    )
    performance_insights_retention_days: PerformanceInsightsRetention = Field(
        7, description="Performance Insights retention: 7 (free), months × 31, or 731."
    )
    monitoring_interval_seconds: Literal[1, 5, 10, 15, 30, 60] = Field(
        60, description="Enhanced Monitoring granularity; the guide: 60."
    )
    log_retention_days: LogRetentionDays = Field(
        365, description="Days the exported error and slow-query logs are kept in CloudWatch Logs."
    )
    replicas: list[NamedReplicaSettings] = Field(
        default_factory=list,
        max_length=5,
        description="In-region read replicas, the first in the region's second AZ; the guide: one db.r5.large.",
    )
    dr_replica: ReplicaSettings | None = Field(
        None, description="Cross-region read replica in the DR region; the guide: db.r5.large in us-west-2."
    )
    restore_from_snapshot: SnapshotIdentifier | None = Field(
        None,
        description=(
            "Take over instead of starting empty: create the primary from this DB snapshot (ID or ARN), a MySQL "
            "8.4 snapshot of the old database copied under the stack's data key (docs/migration.md § Database). "
            "Read when the instance is created: set on an existing stack it replaces the database (the provider's "
            "rule); removing it afterwards changes nothing."
        ),
    )

    @property
    def parameter_group_family(self) -> str:
        return MYSQL_ENGINE_FAMILIES[self.engine_version]

    @model_validator(mode="after")
    def _consistent(self) -> DatabaseSettings:
        if daily_overlaps_weekly(self.backup_window, self.maintenance_window):
            raise ValueError(
                f"maintenanceWindow: {self.maintenance_window} overlaps backupWindow {self.backup_window}; "
                "AWS requires them not to overlap"
            )
        if (
            self.max_allocated_storage is not None
            and self.max_allocated_storage * 10 < self.allocated_storage * 11
        ):
            raise ValueError(
                f"maxAllocatedStorage: {self.max_allocated_storage} GiB must be at least 10% above "
                f"allocatedStorage ({self.allocated_storage} GiB), or unset to turn autoscaling off"
            )
        # A replica replays every write of the primary and may be promoted to take its load: at most one size
        # below the primary (the guide: xlarge primary, large replicas).
        floor = size_index(self.instance_class) - 1
        allowed = ", ".join(SIZES[max(floor, 0) :])
        names = [r.name for r in self.replicas]
        if len(set(names)) != len(names):
            raise ValueError(f"replicas: names must be unique, got {names}")
        if self.app_username == self.username:
            raise ValueError(
                f"appUsername: {self.app_username!r} is the master user; the application needs its own user"
            )
        named = [(f"replicas: replica {r.name} instanceClass", r) for r in self.replicas]
        if self.dr_replica:
            named.append(("drReplica.instanceClass:", self.dr_replica))
        for key, replica in named:
            if size_index(replica.instance_class) < floor:
                raise ValueError(
                    f"{key} {replica.instance_class} is smaller than allowed for a replica of "
                    f"{self.instance_class}; use at most one size smaller (size one of {allowed})"
                )
        return self


class CacheSettings(Model):
    engine_version: Literal["7.0", "7.1"] = Field(
        description="ElastiCache Redis OSS version (parameter group family redis7); the guide: 7.0."
    )
    node_type: CacheNodeType = Field(description="ElastiCache node type; the guide: cache.r6g.large.")
    num_cache_clusters: int = Field(
        ge=2, le=6, description="Nodes: one primary and 1-5 replicas across AZs; the guide: 3."
    )
    snapshot_retention_days: int = Field(ge=1, le=35, description="Daily snapshot retention; the guide: 7.")
    snapshot_window: DailyWindow = Field(description="Daily UTC snapshot window; the guide: 03:00-05:00.")
    maintenance_window: WeeklyWindow = Field(
        description="Weekly UTC maintenance window; the guide: sun:05:00-sun:06:00."
    )
    log_retention_days: LogRetentionDays = Field(
        365, description="Days the slow log is kept in CloudWatch Logs."
    )
    auth_token_version: int = Field(
        1,
        ge=1,
        description="Generation of the AUTH token: raise it by one to rotate the token (ElastiCache keeps the "
        "previous one valid until the next rotation, and the API and worker roll to the new one in the same "
        "deploy).",
    )

    @property
    def parameter_group_family(self) -> str:
        return REDIS_ENGINE_FAMILIES[self.engine_version]

    @model_validator(mode="after")
    def _windows_apart(self) -> CacheSettings:
        if daily_overlaps_weekly(self.snapshot_window, self.maintenance_window):
            raise ValueError(
                f"maintenanceWindow: {self.maintenance_window} overlaps snapshotWindow {self.snapshot_window}; "
                "ElastiCache requires them not to overlap"
            )
        return self


class QueueSettings(Model):
    """Laravel's job queue on SQS (Redis evicts keys under memory pressure; a queue must not lose jobs)."""

    visibility_timeout_seconds: int = Field(
        300,
        ge=30,
        le=43200,
        description="How long a received job stays invisible; longer than the worker's --timeout (240 s).",
    )
    max_receive_count: int = Field(
        5,
        ge=4,
        le=1000,
        description="Receives before SQS moves a job to the dead-letter queue; above the worker's --tries (3).",
    )
    retention_days: int = Field(
        14, ge=1, le=14, description="Days SQS keeps an unprocessed job (and a dead letter); SQS allows 1-14."
    )


class DataSettings(Model):
    database: DatabaseSettings
    cache: CacheSettings
    queue: QueueSettings = Field(default_factory=QueueSettings)
    dr_network: DrNetworkSettings | None = Field(
        None, description="The DR region's network for the cross-region replica (required with drReplica)."
    )

    @model_validator(mode="after")
    def _dr_network_with_dr_replica(self) -> DataSettings:
        if self.database.dr_replica is not None and self.dr_network is None:
            raise ValueError(
                "drNetwork: database.drReplica needs a network in the DR region; set drNetwork.vpcCidr and "
                "drNetwork.privateSubnets"
            )
        return self
