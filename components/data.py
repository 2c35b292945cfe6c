"""Data tier: RDS MySQL (Multi-AZ primary, in-region and cross-region read replicas) and ElastiCache Redis.

Secrets never pass through config or outputs in clear. RDS cannot create a read replica of a MySQL source whose
master password it manages in Secrets Manager (`manage_master_user_password`; RDS user guide, "Limitations for
Secrets Manager integration"), so the master password is generated at deploy time (`random.RandomPassword`)
into a Secrets Manager secret of ours (secrets key, replicated to the DR region), rotated by the stack's own
rotation function (components/rotation_function/). The application has its own least-privilege user in a
second secret, rotated alternating users (the previous user stays valid for a whole rotation period, so running
tasks keep working until they roll). The Redis AUTH token is generated at deploy time, stored in a
replicated secret and rotated with ElastiCache's ROTATE strategy (`cache.authTokenVersion`). Consumers get the
secrets' ARNs. The DR replica lives in a small network of its own in the DR region (components/dr_network.py);
docs/data.md is the failover runbook.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.context import RegionContext
from components.contract import MYSQL_PORT, Cache, Database, JobQueue, SiteNetwork, WatchedData
from components.dr_network import DrNetwork, DrNetworkArgs
from settings.data import DataSettings
from settings.dr_site import DrSettings

from .data_cache import RedisPlacement, redis_auth_secret, redis_replication_group
from .data_credentials import generated_password, replica_secret_arn, rotation_functions, user_secrets
from .data_queue import job_queues
from .iam import service_trust

# RDS for MySQL log types exported to CloudWatch Logs (the guide: error and slow query logs).
DB_LOG_EXPORTS = ("error", "slowquery")
# The RSA 2048 CA (valid to 2061) that signs the server certificates clients verify with TLS.
DB_CA_CERT = "rds-ca-rsa2048-g1"
# At the end of a major version's standard support, upgrade rather than be billed for RDS Extended Support.
DB_LIFECYCLE = "open-source-rds-extended-support-disabled"
REDIS_DESCRIPTION = "Elite Locadora Redis Cluster"
ENHANCED_MONITORING_POLICY = "policy/service-role/AmazonRDSEnhancedMonitoringRole"


@dataclass
class DataArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>`."""
    settings: DataSettings
    """The validated data settings of the stack."""
    protect: bool
    """Protect the databases, cache and their secrets from deletion and replacement, and retain them (prod)."""
    network: SiteNetwork
    """The primary VPC (network tier): the DB and cache subnet groups span its private subnets, the replica goes to
    its second AZ, the database and the cache take its `db` and `cache` security groups."""
    rotation_sg_id: pulumi.Input[str]
    """Security group of the rotation functions (network tier): MySQL to the database, HTTPS to the endpoints."""
    region: RegionContext
    """The primary region: the rotation functions call its Secrets Manager endpoint; its keys encrypt database
    storage, Performance Insights and the cache (data), the exported logs (logs), the secrets (secrets)."""
    dr: RegionContext
    """The DR region: the DR network, the cross-region replica (its storage under the DR data key, its logs under
    the DR logs key) and the replicas of the database and Redis secrets (DR secrets key)."""
    dr_site: DrSettings | None = None
    """The DR site (settings/dr_site.py): its network pieces join the DR VPC, the primary's automated backups are
    replicated to the DR region, and when `failedOver` the DR replica is rendered promoted (the writer)."""


class Data(pulumi.ComponentResource):
    db_instance_id: pulumi.Output[str]
    db_instance_arn: pulumi.Output[str]
    db_master_secret_arn: pulumi.Output[str]
    db_app_secret_arn: pulumi.Output[str]
    db_replica_ids: list[pulumi.Output[str]]
    db_replicas: dict[str, pulumi.Output[str]]
    db_log_group_names: list[pulumi.Output[str]]
    dr_replica_id: pulumi.Output[str] | None
    dr_replica_arn: pulumi.Output[str] | None
    dr_replica_address: pulumi.Output[str] | None
    dr_network: DrNetwork | None
    """The DR VPC's component (subnets and the DR site's security groups as its typed outputs); None without DR."""
    dr_backup_replication_arn: pulumi.Output[str] | None
    """ARN of the primary's automated backups replicated to the DR region (point-in-time restore there)."""
    redis_replication_group_id: pulumi.Output[str]
    redis_member_cluster_ids: list[pulumi.Output[str]]
    jobs_queue_name: pulumi.Output[str]
    jobs_dead_letter_queue_name: pulumi.Output[str]
    database: Database
    """The primary database as the application connects to it."""
    dr_database: Database | None
    """The cross-region replica as the DR site connects to it (the replica of the application user's secret); None
    without one."""
    cache: Cache
    """The Redis replication group and its AUTH token's secret, as the application connects to it."""
    queue: JobQueue
    """The SQS job queue (its dead-letter queue is jobs_dead_letter_queue_name)."""

    def __init__(self, name: str, args: DataArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:data:Data", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self._dr_child = pulumi.ResourceOptions(parent=self, provider=args.dr.provider)
        # Losing these loses data: protected from deletion/replacement, and kept if removed from the program.
        self._stateful = pulumi.ResourceOptions(
            parent=self, protect=args.protect, retain_on_delete=args.protect
        )
        self._dr_stateful = pulumi.ResourceOptions.merge(
            self._stateful, pulumi.ResourceOptions(provider=args.dr.provider)
        )

        monitoring_role = self._create_monitoring_role()
        # The database users' credentials (components/data_credentials.py): the master password seeds the
        # primary, the users' secrets need its address, their rotation functions the secrets.
        master_password = generated_password(name, "mysql-master-password", self._stateful)
        primary = self._create_primary(monitoring_role, master_password)
        master_secret, app_secret = user_secrets(
            name,
            args.name_prefix,
            args.settings.database,
            primary,
            master_password,
            region=args.region,
            dr=args.dr,
            protect=args.protect,
            stateful=self._stateful,
        )
        self.db_app_secret_arn = app_secret.arn
        rotation_functions(
            name,
            args.name_prefix,
            master_secret,
            app_secret,
            db=args.settings.database,
            region=args.region,
            subnet_ids=args.network.private_subnet_ids,
            security_group_id=args.rotation_sg_id,
            parent=self,
        )
        replicas = self._create_replicas(primary, monitoring_role)
        dr_replica = self._create_dr_replica(primary, monitoring_role)
        self._replicate_backups(primary)
        self._create_cache()
        self._create_queue()

        self.db_instance_id, self.db_instance_arn = primary.identifier, primary.arn
        self.db_master_secret_arn = master_secret.arn
        self.db_replicas = {key: r.identifier for key, r in replicas.items()}
        self.db_replica_ids = list(self.db_replicas.values())
        self.dr_replica_id = dr_replica.identifier if dr_replica else None
        self.dr_replica_arn = dr_replica.arn if dr_replica else None
        self.dr_replica_address = dr_replica.address if dr_replica else None
        self.database = Database(primary.address, primary.port, primary.db_name, self.db_app_secret_arn)
        self.dr_database = None
        if dr_replica is not None:
            self.dr_database = Database(
                dr_replica.address,
                primary.port,
                primary.db_name,
                self.db_app_secret_arn.apply(
                    lambda arn: replica_secret_arn(arn, args.region.name, args.dr.name)
                ),
            )
        self.watched = WatchedData(
            self.db_instance_id,
            self.db_instance_arn,
            self.db_replica_ids,
            self.dr_replica_id,
            self.redis_member_cluster_ids,
        )
        self.register_outputs(
            {
                "db_instance_id": self.db_instance_id,
                "db_instance_arn": self.db_instance_arn,
                "db_master_secret_arn": self.db_master_secret_arn,
                "db_app_secret_arn": self.db_app_secret_arn,
                "db_replica_ids": self.db_replica_ids,
                "db_replicas": self.db_replicas,
                "db_log_group_names": self.db_log_group_names,
                "dr_replica_id": self.dr_replica_id,
                "dr_replica_arn": self.dr_replica_arn,
                "dr_replica_address": self.dr_replica_address,
                "dr_backup_replication_arn": self.dr_backup_replication_arn,
                "redis_replication_group_id": self.redis_replication_group_id,
                "redis_member_cluster_ids": self.redis_member_cluster_ids,
                "jobs_queue_name": self.jobs_queue_name,
                "jobs_dead_letter_queue_name": self.jobs_dead_letter_queue_name,
                **{
                    f"database_{f}": getattr(self.database, f)
                    for f in ("address", "port", "name", "app_secret_arn")
                },
                **{f"cache_{f}": getattr(self.cache, f) for f in ("endpoint", "port", "auth_secret_arn")},
                "queue_arn": self.queue.arn,
                "queue_url": self.queue.url,
            }
        )

    # -- shared pieces ---------------------------------------------------------------------------------------
    def _create_monitoring_role(self) -> aws.iam.Role:
        """Enhanced Monitoring publishes OS metrics through this role; IAM is global, so the DR replica uses it too."""
        n, prefix = self._name, self._args.name_prefix
        account, partition = self._args.region.account_id, self._args.region.partition
        role = aws.iam.Role(
            f"{n}-rds-monitoring",
            name=f"{prefix}-rds-monitoring",
            description="Lets RDS Enhanced Monitoring publish OS metrics of this stack's MySQL instances.",
            assume_role_policy=account.apply(
                lambda acct: service_trust("monitoring.rds.amazonaws.com", acct)
            ),
            opts=self._child,
        )
        # RDS checks the monitoring role when an instance is created: every instance waits for this attachment.
        self._monitoring_grant = aws.iam.RolePolicyAttachment(
            f"{n}-rds-monitoring",
            role=role.name,
            policy_arn=partition.apply(lambda p: f"arn:{p}:iam::aws:{ENHANCED_MONITORING_POLICY}"),
            opts=self._child,
        )
        return role

    def _db_parameter_group(self, suffix: str, opts: pulumi.ResourceOptions) -> aws.rds.ParameterGroup:
        """The guide's parameters plus TLS-only connections; one per region (parameter groups are regional)."""
        db, prefix = self._args.settings.database, self._args.name_prefix
        parameters: dict[str, Any] = {
            # RDS formula syntax: three quarters of the instance class's memory, in bytes.
            "innodb_buffer_pool_size": ("{DBInstanceClassMemory*3/4}", "pending-reboot"),
            "max_connections": (db.max_connections, "immediate"),
            "slow_query_log": (1, "immediate"),
            "long_query_time": (f"{db.long_query_time_seconds:g}", "immediate"),
            "log_queries_not_using_indexes": (1, "immediate"),
            # The slow query log reaches CloudWatch Logs only when written to a file.
            "log_output": ("FILE", "immediate"),
            "require_secure_transport": (1, "immediate"),
        }
        return aws.rds.ParameterGroup(
            f"{self._name}-mysql{suffix}",
            name=f"{prefix}{suffix}-{db.parameter_group_family.replace('.', '-')}",
            family=db.parameter_group_family,
            description=f"Elite Locadora MySQL {db.engine_version}: guide parameters, TLS required",
            parameters=[
                aws.rds.ParameterGroupParameterArgs(name=k, value=str(v), apply_method=m)
                for k, (v, m) in parameters.items()
            ],
            opts=opts,
        )

    def _db_log_groups(
        self, logical: str, identifier: str, key_arn: pulumi.Input[str], opts: pulumi.ResourceOptions
    ) -> list[aws.cloudwatch.LogGroup]:
        """Created before the instance so that RDS writes into encrypted groups with a retention, not its own."""
        db = self._args.settings.database
        return [
            aws.cloudwatch.LogGroup(
                f"{logical}-{kind}",
                name=f"/aws/rds/instance/{identifier}/{kind}",
                retention_in_days=db.log_retention_days,
                kms_key_id=key_arn,
                opts=opts,
            )
            for kind in DB_LOG_EXPORTS
        ]

    def _instance_common(self, monitoring_role: aws.iam.Role, pi_key: pulumi.Input[str]) -> dict[str, Any]:
        """What every MySQL instance of the stack shares, primary and replicas alike."""
        db = self._args.settings.database
        return {
            "storage_type": "gp3",
            "max_allocated_storage": db.max_allocated_storage,
            "publicly_accessible": False,
            "port": MYSQL_PORT,
            "ca_cert_identifier": DB_CA_CERT,
            "auto_minor_version_upgrade": True,
            "maintenance_window": db.maintenance_window,
            "copy_tags_to_snapshot": True,
            "deletion_protection": True,
            "performance_insights_enabled": True,
            "performance_insights_kms_key_id": pi_key,
            "performance_insights_retention_period": db.performance_insights_retention_days,
            "monitoring_interval": db.monitoring_interval_seconds,
            "monitoring_role_arn": monitoring_role.arn,
            "enabled_cloudwatch_logs_exports": list(DB_LOG_EXPORTS),
        }

    # -- RDS MySQL -------------------------------------------------------------------------------------------
    def _create_primary(
        self, monitoring_role: aws.iam.Role, master_password: random.RandomPassword
    ) -> aws.rds.Instance:
        a, db, n = self._args, self._args.settings.database, self._name
        identifier = f"{a.name_prefix}-mysql"
        subnet_group = aws.rds.SubnetGroup(
            f"{n}-mysql",
            name=f"{a.name_prefix}-mysql",
            description="Private subnets of the primary VPC, one per AZ",
            subnet_ids=a.network.private_subnet_ids,
            opts=self._child,
        )
        self._parameter_group = self._db_parameter_group("", self._child)
        logs = self._db_log_groups(f"{n}-mysql", identifier, a.region.keys.logs, self._child)
        self.db_log_group_names = [g.name for g in logs]
        return aws.rds.Instance(
            f"{n}-mysql",
            identifier=identifier,
            engine="mysql",
            engine_version=db.engine_version,
            engine_lifecycle_support=DB_LIFECYCLE,
            allow_major_version_upgrade=False,
            instance_class=db.instance_class,
            allocated_storage=db.allocated_storage,
            storage_encrypted=True,
            kms_key_id=a.region.keys.data,
            multi_az=db.multi_az,
            db_name=db.database_name,
            username=db.username,
            # Taking over the old database (docs/migration.md): RDS restores the snapshot's data and users.
            snapshot_identifier=db.restore_from_snapshot,
            # Not `manage_master_user_password`: RDS refuses read replicas of a MySQL source whose password it
            # manages. The generated password seeds the instance (after a restore, it replaces the snapshot's
            # master password); the rotation function owns it afterwards.
            password=master_password.result,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[a.network.db_sg_id],
            parameter_group_name=self._parameter_group.name,
            backup_retention_period=db.backup_retention_days,
            backup_window=db.backup_window,
            delete_automated_backups=False,
            skip_final_snapshot=False,
            final_snapshot_identifier=f"{identifier}-final",
            tags={"Name": identifier, "Role": "primary"},
            **self._instance_common(monitoring_role, a.region.keys.data),
            opts=pulumi.ResourceOptions.merge(
                self._stateful,
                # A later deploy must never set the master password back over a rotated one.
                pulumi.ResourceOptions(
                    depends_on=[*logs, self._monitoring_grant], ignore_changes=["password"]
                ),
            ),
        )

    def _create_replicas(
        self, primary: aws.rds.Instance, monitoring_role: aws.iam.Role
    ) -> dict[str, aws.rds.Instance]:
        """In-region read replicas, keyed by their configured names (never their list position: reordering the
        list must not replace a database). The first in the VPC's second AZ (the guide: us-east-1b), then round
        the AZs. The AZ is fixed at creation (changing it replaces the instance), so a later reordering that
        would pick another AZ is ignored rather than applied."""
        a, n = self._args, self._name
        azs = pulumi.Output.from_input(a.network.availability_zones)
        replicas = {}
        for i, replica in enumerate(a.settings.database.replicas):
            identifier = f"{a.name_prefix}-mysql-{replica.name}"
            logs = self._db_log_groups(
                f"{n}-mysql-{replica.name}", identifier, a.region.keys.logs, self._child
            )
            replicas[replica.name] = aws.rds.Instance(
                f"{n}-mysql-{replica.name}",
                identifier=identifier,
                # Same region: the source's identifier; storage encryption and key come from the source.
                replicate_source_db=primary.identifier,
                instance_class=replica.instance_class,
                availability_zone=azs.apply(lambda z, i=i: z[(i + 1) % len(z)]),
                vpc_security_group_ids=[a.network.db_sg_id],
                parameter_group_name=self._parameter_group.name,
                # A replica takes no final snapshot (RDS refuses one); the primary's backups cover its data.
                skip_final_snapshot=True,
                tags={"Name": identifier, "Role": "read-replica"},
                **self._instance_common(monitoring_role, a.region.keys.data),
                opts=pulumi.ResourceOptions.merge(
                    self._stateful,
                    pulumi.ResourceOptions(
                        depends_on=[*logs, self._monitoring_grant], ignore_changes=["availabilityZone"]
                    ),
                ),
            )
        return replicas

    def _create_dr_replica(
        self, primary: aws.rds.Instance, monitoring_role: aws.iam.Role
    ) -> aws.rds.Instance | None:
        """The cross-region replica in the DR region, in its own small network, encrypted with that region's key."""
        a, s, n = self._args, self._args.settings, self._name
        self.dr_network = None
        if s.database.dr_replica is None or s.dr_network is None:
            return None
        network = DrNetwork(
            f"{n}-dr-network",
            DrNetworkArgs(
                name_prefix=a.name_prefix,
                settings=s.dr_network,
                region=a.dr,
                site=a.dr_site,
            ),
            opts=self._dr_child,
        )
        self.dr_network = network
        # After a failover (tools/failover.py promoted it) the DR instance is a standalone writer: no source, Multi-AZ
        # like the primary was. Rendering it so makes a later `pulumi up` match what the failover did; from a replica,
        # dropping the source is the provider's promotion (a DR-region call), never a replacement.
        promoted = a.dr_site is not None and a.dr_site.failed_over
        subnet_group = aws.rds.SubnetGroup(
            f"{n}-mysql-dr",
            name=f"{a.name_prefix}-mysql-dr",
            description=f"Private subnets of the DR VPC in {a.dr.name}, one per AZ",
            subnet_ids=network.private_subnet_ids,
            opts=self._dr_child,
        )
        parameter_group = self._db_parameter_group("-dr", self._dr_child)
        identifier = f"{a.name_prefix}-mysql-dr"
        logs = self._db_log_groups(f"{n}-mysql-dr", identifier, a.dr.keys.logs, self._dr_child)
        return aws.rds.Instance(
            f"{n}-mysql-dr",
            identifier=identifier,
            # Cross-region: the source's ARN, and a key of this region (a KMS key never leaves its region).
            replicate_source_db=None if promoted else primary.arn,
            multi_az=s.database.multi_az if promoted else None,
            instance_class=s.database.dr_replica.instance_class,
            storage_encrypted=True,
            kms_key_id=a.dr.keys.data,
            # RDS refuses an AZ with Multi-AZ; the promoted instance's AZ is RDS's choice (its current one).
            availability_zone=None if promoted else network.availability_zones.apply(lambda z: z[0]),
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[network.db_sg_id],
            parameter_group_name=parameter_group.name,
            # Backups of its own from day one, so that a promoted replica is recoverable at once.
            backup_retention_period=s.database.backup_retention_days,
            backup_window=s.database.backup_window,
            delete_automated_backups=False,
            # A replica takes no final snapshot (RDS refuses one); the writer it becomes keeps one, as the primary.
            skip_final_snapshot=not promoted,
            final_snapshot_identifier=f"{identifier}-final" if promoted else None,
            tags={"Name": identifier, "Role": "primary" if promoted else "dr-replica"},
            **self._instance_common(monitoring_role, a.dr.keys.data),
            opts=pulumi.ResourceOptions.merge(
                self._dr_stateful, pulumi.ResourceOptions(depends_on=[*logs, self._monitoring_grant])
            ),
        )

    def _replicate_backups(self, primary: aws.rds.Instance) -> None:
        """The primary's automated backups (snapshots and transaction logs) copied to the DR region as they are
        made: point-in-time restore there even if the replica replayed a mistake or broke. Created in the DR region
        (the API's destination), encrypted with the DR data key: an encrypted source's backups need a key of the
        destination region (RDS user guide, "Replicating automated backups to another AWS Region")."""
        a = self._args
        self.dr_backup_replication_arn = None
        if a.dr_site is None:
            return
        replication = aws.rds.InstanceAutomatedBackupsReplication(
            f"{self._name}-mysql-backups-dr",
            source_db_instance_arn=primary.arn,
            kms_key_id=a.dr.keys.data,
            retention_period=a.dr_site.backup_replication_retention_days,
            opts=self._dr_stateful,
        )
        self.dr_backup_replication_arn = replication.id

    # -- the job queue (SQS) --------------------------------------------------------------------------------
    def _create_queue(self) -> None:
        """Laravel's `sqs` queue: nothing evicts a message (Redis with allkeys-lru would drop payment and mail
        jobs under memory pressure). Encrypted with the data key; a job received max_receive_count times without
        being deleted (a worker crashed on it) goes to the dead-letter queue, which operations alarms on."""
        a = self._args
        queue, dead = job_queues(
            self._name, a.name_prefix, a.settings.queue, a.region.keys.data, self._stateful
        )
        self.queue = JobQueue(queue.arn, queue.url, a.region.keys.data)
        self.jobs_queue_name = queue.name
        self.jobs_dead_letter_queue_name = dead.name

    # -- ElastiCache Redis -----------------------------------------------------------------------------------
    def _create_cache(self) -> None:
        a, c, n = self._args, self._args.settings.cache, self._name
        # ElastiCache accepts 16-128 printable characters without @, " or /: letters and digits are safe. A new
        # `cache.authTokenVersion` generates a new token (the keeper replaces this resource): that is the rotation,
        # so this one value is deliberately not protected (docs/data.md, "Rotating the Redis AUTH token").
        token = random.RandomPassword(
            f"{n}-redis-auth",
            length=64,
            special=False,
            keepers={"version": str(c.auth_token_version)},
            opts=self._child,
        )
        group = redis_replication_group(
            n,
            a.name_prefix,
            c,
            RedisPlacement(
                network="primary",
                title="Redis",
                description=REDIS_DESCRIPTION,
                node_type=c.node_type,
                nodes=c.num_cache_clusters,
                availability_zones=a.network.availability_zones,
                subnet_ids=a.network.private_subnet_ids,
                security_group_id=a.network.cache_sg_id,
            ),
            data_key_arn=a.region.keys.data,
            logs_key_arn=a.region.keys.logs,
            auth_token=token.result,
            # ROTATE adds the new token and keeps the previous one valid (ElastiCache keeps the two most recent),
            # so tasks still holding the old token keep working while they roll to the new one.
            auth_token_update_strategy="ROTATE",
            opts=self._child,
            stateful=self._stateful,
        )
        secret, version = redis_auth_secret(
            n,
            a.name_prefix,
            c,
            group,
            token.result,
            region=a.region,
            dr=a.dr,
            protect=a.protect,
            stateful=self._stateful,
        )
        self.cache = Cache(group.primary_endpoint_address, group.port, secret.arn, version.version_id)
        self.redis_replication_group_id = group.replication_group_id
        # One id per node (CacheClusterId, the dimension of the per-node metrics), primary first.
        self.redis_member_cluster_ids = [
            group.member_clusters.apply(lambda ids, i=i: ids[i]) for i in range(c.num_cache_clusters)
        ]
