"""Operations tier: the alarm topic and its subscribers, the guide's alarms and the on-call ones, a dashboard;
it also builds the log search domain (components/logging.py) and the backups (components/backup.py).

The guide's four alarms keep their thresholds, periods and evaluation counts; TargetResponseTime is measured
in seconds, so the guide's `Threshold: 2000` becomes 2 (docs/departures.md). Every alarm notifies the encrypted
topic when it fires and when it recovers. Alarms watch one resource each, through the dimensions CloudWatch
publishes the metric under (ECS: cluster + service; RDS: instance; ALB: load balancer + target group;
ElastiCache: member cluster).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pulumi
import pulumi_aws as aws

from components.providers import GLOBAL_SERVICES_REGION
from settings.operations import OperationsSettings

from .backup import Backups, BackupsArgs
from .logging import LogSearch, LogSearchArgs

GIB = 1024**3


@dataclass
class OperationsArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>`."""
    settings: OperationsSettings
    """The validated operations settings of the stack."""
    protect: bool
    """Protect the stateful resources (log domain, vaults, failed-records bucket)."""
    region: str
    """Primary region (dashboard widgets name it)."""
    dr_region: str
    """DR region (replicated secrets, the DR alarm topic, the backup copy vault)."""
    dr_provider: aws.Provider
    """Provider of the DR region."""
    logs_key_arn: pulumi.Input[str]
    """KMS key (primary) for the alarm topic, the log domain, the delivery streams and their bucket."""
    dr_logs_key_arn: pulumi.Input[str]
    """KMS key (DR) for the DR alarm topic."""
    backups_key_arn: pulumi.Input[str]
    """KMS key (primary) of the backup vault."""
    dr_backups_key_arn: pulumi.Input[str]
    """KMS key (DR) of the copy vault."""
    private_subnet_ids: pulumi.Input[list[str]]
    """Private subnets (one per AZ): the log domain and the delivery streams' interfaces live there."""
    search_sg_id: pulumi.Input[str]
    """Security group of the log domain and of the delivery streams that write to it."""
    # --- what the alarms watch (each optional: a tier not yet wired contributes no alarms) ---
    alb_arn_suffix: pulumi.Input[str] | None = None
    """`app/<name>/<id>` of the load balancer (the `LoadBalancer` dimension)."""
    target_group_arn_suffixes: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """`targetgroup/<name>/<id>` per service key (web, api): the `TargetGroup` dimension."""
    cluster_name: pulumi.Input[str] | None = None
    """ECS cluster (the `ClusterName` dimension)."""
    service_names: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """ECS service name per key (web, api, worker): the `ServiceName` dimension."""
    task_count_metrics: bool = False
    """The clusters publish Container Insights metrics (RunningTaskCount): zero-task alarms are possible."""
    dr_alb_arn_suffix: pulumi.Input[str] | None = None
    """The DR site's load balancer (`app/<name>/<id>`), when the stack has a DR site."""
    dr_target_group_arn_suffixes: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """The DR site's target groups per service key (web, api)."""
    dr_cluster_name: pulumi.Input[str] | None = None
    """The DR site's ECS cluster."""
    dr_service_names: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """The DR site's ECS services per key (web, api, worker)."""
    db_instance_id: pulumi.Input[str] | None = None
    """Primary RDS instance identifier (`DBInstanceIdentifier`)."""
    db_instance_arn: pulumi.Input[str] | None = None
    """Primary RDS instance ARN (backup selection)."""
    db_replica_ids: Sequence[pulumi.Input[str]] = ()
    """In-region read replicas (ReplicaLag alarms in the primary region)."""
    dr_replica_id: pulumi.Input[str] | None = None
    """Cross-region replica identifier (its ReplicaLag alarm lives in the DR region)."""
    redis_member_cluster_ids: Sequence[pulumi.Input[str]] = ()
    """ElastiCache member clusters (`CacheClusterId`): metrics are published per node."""
    backup_resource_arns: Sequence[pulumi.Input[str]] = ()
    """Buckets (and anything else besides the database) AWS Backup protects."""
    log_sources: Mapping[str, Sequence[pulumi.Input[str]]] = field(default_factory=dict)
    """Log group names per source (ecs, waf, database) shipped to the log domain."""
    signed_zone_id: pulumi.Input[str] | None = None
    """The Route 53 zone the stack signs with DNSSEC (its signing alarms); None when it signs none."""


class Operations(pulumi.ComponentResource):
    alarm_topic_arn: pulumi.Output[str]
    dr_alarm_topic_arn: pulumi.Output[str]
    dashboard_name: pulumi.Output[str]
    search_domain_endpoint: pulumi.Output[str]
    search_domain_arn: pulumi.Output[str]
    backup_vault_arn: pulumi.Output[str]
    dr_backup_vault_arn: pulumi.Output[str]
    alarm_names: list[str]

    def __init__(self, name: str, args: OperationsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:operations:Operations", name, None, opts)
        self._name, self._args, self._s = name, args, args.settings
        self._child = pulumi.ResourceOptions(parent=self)
        self._dr = pulumi.ResourceOptions(parent=self, provider=args.dr_provider)
        self._alarms: list[aws.cloudwatch.MetricAlarm] = []
        self.alarm_names = []

        topic = self._create_topic(f"{name}-alarms", args.logs_key_arn, self._child)
        dr_topic = self._create_topic(f"{name}-dr-alarms", args.dr_logs_key_arn, self._dr)
        self.alarm_topic_arn, self.dr_alarm_topic_arn = topic.arn, dr_topic.arn

        logs = LogSearch(
            f"{name}-logs",
            LogSearchArgs(
                name_prefix=args.name_prefix,
                settings=self._s.search,
                protect=args.protect,
                logs_key_arn=args.logs_key_arn,
                private_subnet_ids=args.private_subnet_ids,
                search_sg_id=args.search_sg_id,
                log_sources=args.log_sources,
            ),
            opts=self._child,
        )
        self.search_domain_endpoint, self.search_domain_arn = logs.domain_endpoint, logs.domain_arn

        backups = Backups(
            f"{name}-backup",
            BackupsArgs(
                name_prefix=args.name_prefix,
                settings=self._s.backup,
                protect=args.protect,
                backups_key_arn=args.backups_key_arn,
                dr_backups_key_arn=args.dr_backups_key_arn,
                dr_provider=args.dr_provider,
                resource_arns=[
                    a for a in [args.db_instance_arn, *args.backup_resource_arns] if a is not None
                ],
            ),
            opts=self._child,
        )
        self.backup_vault_arn, self.dr_backup_vault_arn = backups.vault_arn, backups.dr_vault_arn

        self._create_service_alarms(topic)
        self._create_load_balancer_alarms(topic)
        self._create_database_alarms(topic, dr_topic)
        self._create_cache_alarms(topic)
        self._create_search_alarms(topic, logs)
        self._create_dnssec_alarms(topic)
        self._create_dr_site_alarms(dr_topic)
        self._create_event_notifications(topic, dr_topic)
        dashboard = self._create_dashboard(logs)
        self.dashboard_name = dashboard.dashboard_name

        self.register_outputs(
            {
                "alarm_topic_arn": self.alarm_topic_arn,
                "dr_alarm_topic_arn": self.dr_alarm_topic_arn,
                "dashboard_name": self.dashboard_name,
                "search_domain_endpoint": self.search_domain_endpoint,
                "search_domain_arn": self.search_domain_arn,
                "backup_vault_arn": self.backup_vault_arn,
                "dr_backup_vault_arn": self.dr_backup_vault_arn,
            }
        )

    # -- notifications ---------------------------------------------------------------------------------------
    def _create_topic(
        self, name: str, key_arn: pulumi.Input[str], opts: pulumi.ResourceOptions
    ) -> aws.sns.Topic:
        """An SNS topic encrypted with the logs key (its key policy lets cloudwatch.amazonaws.com use it),
        publishable by CloudWatch alarms of this account only, over TLS only, with the configured subscribers."""
        suffix = "dr-alarms" if name.endswith("-dr-alarms") else "alarms"
        topic = aws.sns.Topic(
            name,
            name=f"{self._args.name_prefix}-{suffix}",
            display_name=f"Elite Locadora {self._args.name_prefix.rsplit('-', 1)[-1]} alarms",
            kms_master_key_id=key_arn,
            opts=opts,
        )
        invoke = pulumi.InvokeOptions(parent=self, provider=opts.provider)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        aws.sns.TopicPolicy(
            f"{name}-policy",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, account).apply(
                lambda a: topic_policy(a[0], a[1], self._args.name_prefix)
            ),
            opts=opts,
        )
        for i, sub in enumerate(self._s.notifications):
            # Keyed by who is notified, not by list position (#14 item 17): reordering or removing one subscriber
            # never replaces another (a replaced email subscription must be confirmed again). The alias is the
            # positional name the subscription had before, so existing stacks keep theirs.
            aws.sns.TopicSubscription(
                f"{name}-{subscription_key(sub.protocol, sub.endpoint)}",
                topic=topic.arn,
                protocol=sub.protocol,
                endpoint=sub.endpoint,
                opts=pulumi.ResourceOptions.merge(
                    opts,
                    pulumi.ResourceOptions(aliases=[pulumi.Alias(name=f"{name}-{sub.protocol}-{i + 1}")]),
                ),
            )
        return topic

    # -- events --------------------------------------------------------------------------------------------
    def _create_event_notifications(self, topic: aws.sns.Topic, dr_topic: aws.sns.Topic) -> None:
        """What no metric alarm shows: a release the circuit breaker rolled back (`pulumi up` still succeeds),
        a failed or aborted backup or DR copy, a database failover or failure. EventBridge publishes them to the
        alarm topic (the topic policy and the logs key let events.amazonaws.com of this account do so)."""
        patterns = {
            "ecs-deployment-failed": (
                "An ECS deployment failed and the circuit breaker rolled it back",
                {
                    "source": ["aws.ecs"],
                    "detail-type": ["ECS Deployment State Change"],
                    "detail": {"eventName": ["SERVICE_DEPLOYMENT_FAILED"]},
                },
            ),
            "backup-job-failed": (
                "An AWS Backup job or its copy to the DR region failed",
                {
                    "source": ["aws.backup"],
                    "detail-type": ["Backup Job State Change", "Copy Job State Change"],
                    "detail": {"state": ["FAILED", "ABORTED", "EXPIRED"]},
                },
            ),
            "database-event": (
                "The database failed over, failed, or is running out of storage",
                {
                    "source": ["aws.rds"],
                    "detail-type": ["RDS DB Instance Event"],
                    "detail": {"EventCategories": ["failover", "failure", "low storage"]},
                },
            ),
        }
        for key, (description, pattern) in patterns.items():
            self._event_rule(key, description, pattern, topic, self._child)
        if self._args.dr_replica_id is not None:
            # RDS sends an instance's events to EventBridge in the instance's region: the DR replica's notices
            # (replication stopped or terminated, failure, promotion) reach on-call through the DR topic, which
            # does not depend on the primary region.
            self._event_rule(
                "dr-database-event",
                "The DR replica stopped or lost replication, failed, or is running out of storage",
                {
                    "source": ["aws.rds"],
                    "detail-type": ["RDS DB Instance Event"],
                    "detail": {"EventCategories": ["read replica", "failover", "failure", "low storage"]},
                },
                dr_topic,
                self._dr,
            )

    def _event_rule(
        self, key: str, description: str, pattern: dict, topic: aws.sns.Topic, opts: pulumi.ResourceOptions
    ) -> None:
        rule = aws.cloudwatch.EventRule(
            f"{self._name}-{key}",
            name=f"{self._args.name_prefix}-{key}",
            description=description,
            event_pattern=json.dumps(pattern),
            opts=opts,
        )
        aws.cloudwatch.EventTarget(f"{self._name}-{key}", rule=rule.name, arn=topic.arn, opts=opts)

    # -- alarms ----------------------------------------------------------------------------------------------
    def _alarm(
        self,
        key: str,
        description: str,
        topic: aws.sns.Topic,
        *,
        namespace: str | None = None,
        metric: str | None = None,
        dimensions: Mapping[str, pulumi.Input[str]] | None = None,
        statistic: str | None = "Average",
        threshold: float,
        comparison: str = "GreaterThanThreshold",
        periods: int,
        period: int | None = None,
        unit: str | None = None,
        metric_queries: list | None = None,
        missing: str = "missing",
        opts: pulumi.ResourceOptions | None = None,
    ) -> aws.cloudwatch.MetricAlarm:
        alarm_name = f"{self._args.name_prefix}-{key}"
        alarm = aws.cloudwatch.MetricAlarm(
            f"{self._name}-{key}",
            name=alarm_name,
            alarm_description=description,
            namespace=namespace,
            metric_name=metric,
            dimensions=dimensions,
            statistic=statistic if metric_queries is None else None,
            period=(period or self._s.alarms.period_seconds) if metric_queries is None else None,
            unit=unit,
            metric_queries=metric_queries,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=periods,
            treat_missing_data=missing,
            actions_enabled=True,
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            opts=opts or self._child,
        )
        if opts is None or opts.provider is None:
            self._alarms.append(alarm)  # the dashboard's alarm widget shows the primary region's alarms
        self.alarm_names.append(alarm_name)
        return alarm

    def _create_service_alarms(self, topic: aws.sns.Topic) -> None:
        """The guide's HighCPUUtilization and HighMemoryUtilization, per ECS service; and no task running."""
        a, args = self._s.alarms, self._args
        if args.cluster_name is None:
            return
        for key, service in args.service_names.items():
            dims = {"ClusterName": args.cluster_name, "ServiceName": service}
            if args.task_count_metrics:
                self._no_running_tasks_alarm(key, dims, topic, self._child)
            self._alarm(
                f"{key}-cpu-high",
                f"{key} service: average CPU above {a.ecs_cpu_percent:g}% for "
                f"{a.ecs_evaluation_periods} x {a.period_seconds}s (guide: HighCPUUtilization)",
                topic,
                namespace="AWS/ECS",
                metric="CPUUtilization",
                dimensions=dims,
                threshold=a.ecs_cpu_percent,
                periods=a.ecs_evaluation_periods,
                unit="Percent",
            )
            self._alarm(
                f"{key}-memory-high",
                f"{key} service: average memory above {a.ecs_memory_percent:g}% for "
                f"{a.ecs_evaluation_periods} x {a.period_seconds}s (guide: HighMemoryUtilization)",
                topic,
                namespace="AWS/ECS",
                metric="MemoryUtilization",
                dimensions=dims,
                threshold=a.ecs_memory_percent,
                periods=a.ecs_evaluation_periods,
                unit="Percent",
            )

    def _no_running_tasks_alarm(
        self,
        key: str,
        dims: Mapping[str, pulumi.Input[str]],
        topic: aws.sns.Topic,
        opts: pulumi.ResourceOptions,
    ) -> None:
        """RunningTaskCount is a Container Insights metric (ECS/ContainerInsights), published per service every
        minute while the cluster has Container Insights on. A service with no task, or a cluster (or region)
        that reports nothing at all, is an outage: missing data breaches, so silence cannot read as healthy."""
        a = self._s.alarms
        self._alarm(
            f"{key}-no-running-tasks",
            f"{key} service: no task running for {a.unhealthy_evaluation_periods} minute(s), or no report from "
            "its cluster at all (the service, its cluster or its region is down)",
            topic,
            namespace="ECS/ContainerInsights",
            metric="RunningTaskCount",
            dimensions=dims,
            statistic="Minimum",
            threshold=1,
            comparison="LessThanThreshold",
            periods=a.unhealthy_evaluation_periods,
            period=60,
            unit="Count",
            missing="breaching",
            opts=opts,
        )

    def _no_healthy_targets_alarm(
        self,
        key: str,
        dims: Mapping[str, pulumi.Input[str]],
        topic: aws.sns.Topic,
        opts: pulumi.ResourceOptions,
    ) -> None:
        """UnHealthyHostCount stays 0 when a target group has no targets at all, and the 5xx rate has nothing to
        divide when no request arrives: only HealthyHostCount below 1 sees an empty target group. Missing data
        breaches, so a load balancer (or region) that stops reporting is an outage, not a quiet night."""
        a = self._s.alarms
        self._alarm(
            f"{key}-no-healthy-targets",
            f"{key} target group: no healthy target for {a.unhealthy_evaluation_periods} minute(s), or no report "
            "from its load balancer at all: every request to it fails",
            topic,
            namespace="AWS/ApplicationELB",
            metric="HealthyHostCount",
            dimensions=dims,
            statistic="Minimum",
            threshold=1,
            comparison="LessThanThreshold",
            periods=a.unhealthy_evaluation_periods,
            period=60,
            unit="Count",
            missing="breaching",
            opts=opts,
        )

    def _create_dr_site_alarms(self, dr_topic: aws.sns.Topic) -> None:
        """The DR site runs at zero tasks until a failover scales it up (pilot light), so an empty target group
        and a service without tasks are its normal state. What must page is a DR service asked to run
        (DesiredTaskCount above 0) with no task running, or with nothing healthy behind its target group: a
        failover that did not take. These alarms and their topic live in the DR region, so they work while the
        primary region is lost."""
        args, a = self._args, self._s.alarms
        if args.dr_cluster_name is None or not args.task_count_metrics:
            return

        def metric(metric_id, namespace, name, dims, stat):
            return aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=metric_id,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace=namespace, metric_name=name, dimensions=dims, stat=stat, period=60
                ),
                return_data=False,
            )

        def asked_but(what_id: str, label: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
            return aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="failing",
                expression=f"IF(FILL(desired, 0) > 0 AND FILL({what_id}, 0) < 1, 1, 0)",
                label=label,
                return_data=True,
            )

        for key, service in args.dr_service_names.items():
            svc = {"ClusterName": args.dr_cluster_name, "ServiceName": service}
            desired = metric("desired", "ECS/ContainerInsights", "DesiredTaskCount", svc, "Maximum")
            self._alarm(
                f"dr-{key}-no-running-tasks",
                f"DR {key} service: asked to run (failed over) but no task running for "
                f"{a.unhealthy_evaluation_periods} minute(s)",
                dr_topic,
                statistic=None,
                metric_queries=[
                    asked_but("running", "desired > 0 and none running"),
                    desired,
                    metric("running", "ECS/ContainerInsights", "RunningTaskCount", svc, "Minimum"),
                ],
                threshold=1,
                comparison="GreaterThanOrEqualToThreshold",
                periods=a.unhealthy_evaluation_periods,
                missing="notBreaching",  # a pilot-light site at zero may report nothing: that is its normal state
                opts=self._dr,
            )
            tg = args.dr_target_group_arn_suffixes.get(key)
            if tg is None or args.dr_alb_arn_suffix is None:
                continue
            self._alarm(
                f"dr-{key}-no-healthy-targets",
                f"DR {key} target group: its service is asked to run (failed over) but no target is healthy for "
                f"{a.unhealthy_evaluation_periods} minute(s)",
                dr_topic,
                statistic=None,
                metric_queries=[
                    asked_but("healthy", "desired > 0 and none healthy"),
                    desired,
                    metric(
                        "healthy",
                        "AWS/ApplicationELB",
                        "HealthyHostCount",
                        {"LoadBalancer": args.dr_alb_arn_suffix, "TargetGroup": tg},
                        "Minimum",
                    ),
                ],
                threshold=1,
                comparison="GreaterThanOrEqualToThreshold",
                periods=a.unhealthy_evaluation_periods,
                missing="notBreaching",
                opts=self._dr,
            )

    def _create_load_balancer_alarms(self, topic: aws.sns.Topic) -> None:
        a, args = self._s.alarms, self._args
        if args.alb_arn_suffix is None:
            return
        for key, tg in args.target_group_arn_suffixes.items():
            dims = {"LoadBalancer": args.alb_arn_suffix, "TargetGroup": tg}
            self._alarm(
                f"{key}-response-time-high",
                f"{key} targets: average response time above {a.response_time_seconds:g} s for "
                f"{a.response_time_evaluation_periods} x {a.period_seconds}s (guide: APIResponseTime; "
                "TargetResponseTime is in seconds, the guide's 2000 meant 2 s)",
                topic,
                namespace="AWS/ApplicationELB",
                metric="TargetResponseTime",
                dimensions=dims,
                threshold=a.response_time_seconds,
                periods=a.response_time_evaluation_periods,
                unit="Seconds",
            )
            self._alarm(
                f"{key}-unhealthy-targets",
                f"{key} target group reports an unhealthy target for {a.unhealthy_evaluation_periods} minute(s)",
                topic,
                namespace="AWS/ApplicationELB",
                metric="UnHealthyHostCount",
                dimensions=dims,
                statistic="Maximum",
                threshold=0,
                periods=a.unhealthy_evaluation_periods,
                period=60,
                unit="Count",
            )
            self._no_healthy_targets_alarm(key, dims, topic, self._child)

        def count(metric_id: str, metric_name: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
            return aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=metric_id,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace="AWS/ApplicationELB",
                    metric_name=metric_name,
                    dimensions={"LoadBalancer": args.alb_arn_suffix},
                    stat="Sum",
                    period=a.period_seconds,
                    unit="Count",
                ),
                return_data=False,
            )

        self._alarm(
            "alb-5xx-rate-high",
            f"More than {a.server_error_percent:g}% of requests answered 5xx (targets and load balancer) "
            f"for 2 x {a.period_seconds}s. Silent when no request arrives (a quiet night, or a load balancer "
            "that is gone): the no-healthy-targets alarms see that",
            topic,
            statistic=None,
            metric_queries=[
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="rate",
                    expression="100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests",
                    label="5xx responses, % of requests",
                    return_data=True,
                ),
                count("target5xx", "HTTPCode_Target_5XX_Count"),
                count("elb5xx", "HTTPCode_ELB_5XX_Count"),
                count("requests", "RequestCount"),
            ],
            threshold=a.server_error_percent,
            periods=2,
            missing="notBreaching",
        )

    def _create_database_alarms(self, topic: aws.sns.Topic, dr_topic: aws.sns.Topic) -> None:
        a, args = self._s.alarms, self._args
        if args.db_instance_id is None:
            return
        dims = {"DBInstanceIdentifier": args.db_instance_id}
        self._alarm(
            "db-connections-high",
            f"Database: average connections above {a.db_connections} for {a.db_evaluation_periods} x "
            f"{a.period_seconds}s (guide: DatabaseConnections)",
            topic,
            namespace="AWS/RDS",
            metric="DatabaseConnections",
            dimensions=dims,
            threshold=a.db_connections,
            periods=a.db_evaluation_periods,
            unit="Count",
        )
        self._alarm(
            "db-free-storage-low",
            f"Database: free storage below {a.db_free_storage_gib:g} GiB",
            topic,
            namespace="AWS/RDS",
            metric="FreeStorageSpace",
            dimensions=dims,
            statistic="Minimum",
            threshold=a.db_free_storage_gib * GIB,
            comparison="LessThanThreshold",
            periods=1,
            unit="Bytes",
        )
        for i, replica in enumerate(args.db_replica_ids):
            self._replica_lag_alarm(f"db-replica-{i + 1}-lag-high", replica, topic, self._child)
            self._replication_broken_alarm(
                f"db-replica-{i + 1}-replication-broken", replica, topic, self._child
            )
        if args.dr_replica_id is not None:
            # CloudWatch alarms watch metrics of their own region: the DR replica's alarms live in the DR region,
            # where they still see the replica when the primary region is lost.
            self._replica_lag_alarm("db-dr-replica-lag-high", args.dr_replica_id, dr_topic, self._dr)
            self._replication_broken_alarm(
                "db-dr-replica-replication-broken", args.dr_replica_id, dr_topic, self._dr
            )

    def _replica_lag_alarm(
        self, key: str, replica: pulumi.Input[str], topic: aws.sns.Topic, opts: pulumi.ResourceOptions
    ) -> None:
        a = self._s.alarms
        self._alarm(
            key,
            f"Read replica lags its source by more than {a.replica_lag_seconds:g} s for 3 x 60s",
            topic,
            namespace="AWS/RDS",
            metric="ReplicaLag",
            dimensions={"DBInstanceIdentifier": replica},
            statistic="Maximum",
            threshold=a.replica_lag_seconds,
            periods=3,
            period=60,
            unit="Seconds",
            opts=opts,
        )

    def _replication_broken_alarm(
        self, key: str, replica: pulumi.Input[str], topic: aws.sns.Topic, opts: pulumi.ResourceOptions
    ) -> None:
        """RDS reports ReplicaLag -1 when replication is not active (MySQL and MariaDB: Seconds_Behind_Master is
        NULL), which a lag-above-threshold alarm never sees. A replica that reports nothing is not known to
        replicate either: missing data breaches. It fires after a promotion too, which is a change on-call
        should hear of."""
        self._alarm(
            key,
            "Read replica is not replicating (ReplicaLag -1, or no ReplicaLag reported) for 5 x 60s: the DR copy "
            "of the database is falling behind without bound",
            topic,
            namespace="AWS/RDS",
            metric="ReplicaLag",
            dimensions={"DBInstanceIdentifier": replica},
            statistic="Minimum",
            threshold=0,
            comparison="LessThanThreshold",
            periods=5,
            period=60,
            unit="Seconds",
            missing="breaching",
            opts=opts,
        )

    def _create_cache_alarms(self, topic: aws.sns.Topic) -> None:
        a = self._s.alarms
        for i, member in enumerate(self._args.redis_member_cluster_ids):
            dims = {"CacheClusterId": member}
            n = f"redis-{i + 1:03d}"
            self._alarm(
                f"{n}-engine-cpu-high",
                f"Redis node {i + 1}: engine CPU above {a.redis_cpu_percent:g}% for 3 x 300s",
                topic,
                namespace="AWS/ElastiCache",
                metric="EngineCPUUtilization",
                dimensions=dims,
                threshold=a.redis_cpu_percent,
                periods=3,
                period=300,
                unit="Percent",
            )
            self._alarm(
                f"{n}-memory-high",
                f"Redis node {i + 1}: memory used above {a.redis_memory_percent:g}% for 3 x 300s",
                topic,
                namespace="AWS/ElastiCache",
                metric="DatabaseMemoryUsagePercentage",
                dimensions=dims,
                threshold=a.redis_memory_percent,
                periods=3,
                period=300,
                unit="Percent",
            )
            self._alarm(
                f"{n}-evictions-high",
                f"Redis node {i + 1}: more than {a.redis_evictions} evictions per 300s (cache too small)",
                topic,
                namespace="AWS/ElastiCache",
                metric="Evictions",
                dimensions=dims,
                statistic="Sum",
                threshold=a.redis_evictions,
                periods=2,
                period=300,
                unit="Count",
            )

    def _create_dnssec_alarms(self, topic: aws.sns.Topic) -> None:
        """A signed zone that Route 53 cannot sign, or whose key-signing key needs action (its KMS key disabled or
        its policy changed), soon answers SERVFAIL to every validating resolver: the site disappears for them.
        Route 53 publishes these metrics in us-east-1 only (AWS/Route53, HostedZoneId; Route 53 developer guide,
        "Monitoring hosted zones using Amazon CloudWatch"), so the alarms live there, with the alarm topic."""
        a = self._args
        if a.signed_zone_id is None:
            return
        if a.region != GLOBAL_SERVICES_REGION:
            # The alarm topic is in the primary region and an alarm notifies a topic of its own region.
            pulumi.log.warn(
                f"no DNSSEC alarms: Route 53 publishes them in {GLOBAL_SERVICES_REGION}, the alarm topic is in "
                f"{a.region}",
                resource=self,
            )
            return
        for key, metric, description in (
            ("dnssec-internal-failure", "DNSSECInternalFailure", "Route 53 cannot sign the zone (DNSSEC)"),
            (
                "dnssec-ksk-needs-action",
                "DNSSECKeySigningKeysNeedingAction",
                "A DNSSEC key-signing key needs action: check its KMS key (enabled, policy) before resolution fails",
            ),
        ):
            self._alarm(
                key,
                description,
                topic,
                namespace="AWS/Route53",
                metric=metric,
                dimensions={"HostedZoneId": a.signed_zone_id},
                statistic="Maximum",
                threshold=0,
                periods=1,
                period=300,
            )

    def _create_search_alarms(self, topic: aws.sns.Topic, logs: LogSearch) -> None:
        """OpenSearch Service's recommended alarms: red cluster, blocked writes, JVM pressure, low free storage."""
        s = self._s.search
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self)).account_id
        dims = {"DomainName": logs.domain_name, "ClientId": account}
        for key, metric, text in (
            ("search-cluster-red", "ClusterStatus.red", "a primary shard is unassigned (cluster red)"),
            ("search-writes-blocked", "ClusterIndexWritesBlocked", "the domain refuses writes"),
        ):
            self._alarm(
                key,
                f"Log domain: {text} for 1 minute",
                topic,
                namespace="AWS/ES",
                metric=metric,
                dimensions=dims,
                statistic="Maximum",
                threshold=1,
                comparison="GreaterThanOrEqualToThreshold",
                periods=1,
                period=60,
            )
        self._alarm(
            "search-jvm-pressure-high",
            "Log domain: JVM memory pressure at or above 95% for 3 x 60s (requests start being rejected)",
            topic,
            namespace="AWS/ES",
            metric="JVMMemoryPressure",
            dimensions=dims,
            statistic="Maximum",
            threshold=95,
            comparison="GreaterThanOrEqualToThreshold",
            periods=3,
            period=60,
        )
        self._alarm(
            "search-free-storage-low",
            "Log domain: a node has under 25% of its volume free",
            topic,
            namespace="AWS/ES",
            metric="FreeStorageSpace",
            dimensions=dims,
            statistic="Minimum",
            threshold=s.volume_size_gib * 1024 * 0.25,
            comparison="LessThanOrEqualToThreshold",
            periods=1,
            period=60,
            unit="Megabytes",
        )

        for source, stream in logs.delivery_stream_names.items():
            self._alarm(
                f"logs-{source}-delivery-failing",
                f"Log delivery ({source}): under 99% of records indexed for 3 x 300s; the rest are in the "
                "failed-records bucket (check the domain's role mapping and free storage)",
                topic,
                namespace="AWS/Firehose",
                metric="DeliveryToAmazonOpenSearchService.Success",
                dimensions={"DeliveryStreamName": stream},
                statistic="Average",
                threshold=0.99,
                comparison="LessThanThreshold",
                periods=3,
                period=300,
                missing="notBreaching",
            )

    # -- dashboard -------------------------------------------------------------------------------------------
    def _create_dashboard(self, logs: LogSearch) -> aws.cloudwatch.Dashboard:
        args, region = self._args, self._args.region
        refs: dict[str, pulumi.Input[str]] = {"domain": logs.domain_name}
        if args.alb_arn_suffix is not None:
            refs["alb"] = args.alb_arn_suffix
            refs.update({f"tg:{k}": v for k, v in args.target_group_arn_suffixes.items()})
        if args.cluster_name is not None:
            refs["cluster"] = args.cluster_name
            refs.update({f"svc:{k}": v for k, v in args.service_names.items()})
        if args.db_instance_id is not None:
            refs["db"] = args.db_instance_id
        refs.update({f"replica:{i}": r for i, r in enumerate(args.db_replica_ids)})
        refs.update({f"redis:{i}": r for i, r in enumerate(args.redis_member_cluster_ids)})
        refs.update({f"stream:{k}": v for k, v in logs.delivery_stream_names.items()})
        if args.dr_replica_id is not None:
            refs["dr_replica"] = args.dr_replica_id
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self)).account_id
        keys = list(refs)
        body = pulumi.Output.all(account, *[pulumi.Output.from_input(v) for v in refs.values()]).apply(
            lambda vals: dashboard_body(
                region, vals[0], dict(zip(keys, vals[1:], strict=True)), args.dr_region
            )
        )
        alarms_body = pulumi.Output.all(body, *[al.arn for al in self._alarms]).apply(
            lambda vals: with_alarm_widget(vals[0], list(vals[1:]))
        )
        return aws.cloudwatch.Dashboard(
            f"{self._name}-dashboard",
            dashboard_name=f"{args.name_prefix}-overview",
            dashboard_body=alarms_body,
            opts=self._child,
        )


def subscription_key(protocol: str, endpoint: str) -> str:
    """A subscriber's stable logical name: the address for e-mail; for the others, what they are plus a digest of
    the endpoint, since an HTTPS URL can carry a token (a paging service's key) and a phone number is personal data,
    neither of which belongs in a URN."""
    if protocol in ("email", "email-json"):
        return f"{protocol}-{endpoint.lower()}"
    digest = hashlib.sha256(endpoint.encode()).hexdigest()[:12]
    if protocol == "https":
        return f"https-{urlsplit(endpoint).hostname}-{digest}"
    if protocol in ("sqs", "lambda"):
        return f"{protocol}-{endpoint.rsplit(':', 1)[-1]}-{digest}"
    return f"{protocol}-{digest}"


def topic_policy(topic_arn: str, account_id: str, name_prefix: str) -> str:
    """CloudWatch alarms and EventBridge rules of this stack publish (aws:SourceArn on their names, which all start
    with the stack's prefix: in an account shared with another environment, its alarms and rules cannot publish
    here), the account manages the topic, and nothing publishes in clear."""
    _, partition, _, region = topic_arn.split(":")[:4]
    alarms = f"arn:{partition}:cloudwatch:{region}:{account_id}:alarm:{name_prefix}-*"
    rules = f"arn:{partition}:events:{region}:{account_id}:rule/{name_prefix}-*"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "CloudWatchAlarmsOfThisStackPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account_id},
                        "ArnLike": {"aws:SourceArn": alarms},
                    },
                },
                {
                    # The topic policy takes aws:SourceArn for EventBridge (the rule's ARN: EventBridge user guide,
                    # "Amazon SNS permissions"); the key policy is another matter (components/keys.py).
                    "Sid": "EventBridgeRulesOfThisStackPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account_id},
                        "ArnLike": {"aws:SourceArn": rules},
                    },
                },
                {
                    "Sid": "AccountManagesTopic",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                    "Action": [
                        "sns:GetTopicAttributes",
                        "sns:SetTopicAttributes",
                        "sns:Subscribe",
                        "sns:ListSubscriptionsByTopic",
                        "sns:Publish",
                    ],
                    "Resource": topic_arn,
                },
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        }
    )


def _metric_widget(title: str, region: str, metrics: list, x: int, y: int, **extra) -> dict:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 8,
        "height": 6,
        "properties": {"title": title, "region": region, "metrics": metrics, "view": "timeSeries", **extra},
    }


def dashboard_body(region: str, account: str, refs: dict[str, str], dr_region: str) -> str:
    """The main figures of each tier, one row per tier: load balancer, services, database, cache, logs."""
    widgets: list[dict] = []
    y = 0
    if "alb" in refs:
        tgs = {k[3:]: v for k, v in refs.items() if k.startswith("tg:")}
        lb = refs["alb"]
        widgets += [
            _metric_widget(
                "Requests and 5xx",
                region,
                [
                    ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", lb, {"stat": "Sum"}],
                    [".", "HTTPCode_Target_5XX_Count", ".", ".", {"stat": "Sum"}],
                    [".", "HTTPCode_ELB_5XX_Count", ".", ".", {"stat": "Sum"}],
                ],
                0,
                y,
            ),
            _metric_widget(
                "Target response time (s), p95",
                region,
                [
                    [
                        "AWS/ApplicationELB",
                        "TargetResponseTime",
                        "LoadBalancer",
                        lb,
                        "TargetGroup",
                        tg,
                        {"stat": "p95", "label": key},
                    ]
                    for key, tg in tgs.items()
                ],
                8,
                y,
            ),
            _metric_widget(
                "Healthy / unhealthy targets",
                region,
                [
                    [
                        "AWS/ApplicationELB",
                        m,
                        "TargetGroup",
                        tg,
                        "LoadBalancer",
                        lb,
                        {"stat": "Maximum", "label": f"{key} {m}"},
                    ]
                    for key, tg in tgs.items()
                    for m in ("HealthyHostCount", "UnHealthyHostCount")
                ],
                16,
                y,
            ),
        ]
        y += 6
    if "cluster" in refs:
        svcs = {k[4:]: v for k, v in refs.items() if k.startswith("svc:")}
        for i, metric in enumerate(("CPUUtilization", "MemoryUtilization")):
            widgets.append(
                _metric_widget(
                    f"ECS {metric} (%)",
                    region,
                    [
                        [
                            "AWS/ECS",
                            metric,
                            "ClusterName",
                            refs["cluster"],
                            "ServiceName",
                            svc,
                            {"label": key},
                        ]
                        for key, svc in svcs.items()
                    ],
                    8 * i,
                    y,
                )
            )
        widgets.append(
            _metric_widget(
                "ECS running tasks",
                region,
                [
                    [
                        "ECS/ContainerInsights",
                        "RunningTaskCount",
                        "ClusterName",
                        refs["cluster"],
                        "ServiceName",
                        svc,
                        {"label": key},
                    ]
                    for key, svc in svcs.items()
                ],
                16,
                y,
            )
        )
        y += 6
    if "db" in refs:
        db = refs["db"]
        replicas = [v for k, v in refs.items() if k.startswith("replica:")]
        widgets += [
            _metric_widget(
                "Database CPU (%) and connections",
                region,
                [
                    ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", db],
                    [".", "DatabaseConnections", ".", ".", {"yAxis": "right"}],
                ],
                0,
                y,
            ),
            _metric_widget(
                "Database free storage (bytes)",
                region,
                [["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", db, {"stat": "Minimum"}]],
                8,
                y,
            ),
            _metric_widget(
                "Replica lag (s)",
                region,
                [["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", r, {"stat": "Maximum"}] for r in replicas]
                or [["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", db, {"stat": "Maximum"}]],
                16,
                y,
            ),
        ]
        y += 6
    nodes = [v for k, v in refs.items() if k.startswith("redis:")]
    if nodes:
        for i, (metric, stat) in enumerate(
            (
                ("EngineCPUUtilization", "Average"),
                ("DatabaseMemoryUsagePercentage", "Average"),
                ("Evictions", "Sum"),
            )
        ):
            widgets.append(
                _metric_widget(
                    f"Redis {metric}",
                    region,
                    [["AWS/ElastiCache", metric, "CacheClusterId", n, {"stat": stat}] for n in nodes],
                    8 * i,
                    y,
                )
            )
        y += 6
    domain = refs["domain"]
    widgets += [
        _metric_widget(
            "Log domain status",
            region,
            [
                [
                    "AWS/ES",
                    "ClusterStatus.green",
                    "DomainName",
                    domain,
                    "ClientId",
                    account,
                    {"stat": "Maximum"},
                ],
                [".", "ClusterStatus.yellow", ".", ".", ".", ".", {"stat": "Maximum"}],
                [".", "ClusterStatus.red", ".", ".", ".", ".", {"stat": "Maximum"}],
            ],
            0,
            y,
        ),
        _metric_widget(
            "Log domain free storage (MiB)",
            region,
            [["AWS/ES", "FreeStorageSpace", "DomainName", domain, "ClientId", account, {"stat": "Minimum"}]],
            8,
            y,
        ),
        _metric_widget(
            "Log domain indexing rate",
            region,
            [["AWS/ES", "IndexingRate", "DomainName", domain, "ClientId", account, {"stat": "Average"}]],
            16,
            y,
        ),
    ]
    y += 6
    streams = {k[7:]: v for k, v in refs.items() if k.startswith("stream:")}
    widgets.append(
        _metric_widget(
            "Log delivery: share of records indexed",
            region,
            [
                [
                    "AWS/Firehose",
                    "DeliveryToAmazonOpenSearchService.Success",
                    "DeliveryStreamName",
                    name,
                    {"label": key},
                ]
                for key, name in streams.items()
            ],
            0,
            y,
        )
    )
    if "dr_replica" in refs:
        # A widget may show another region's metrics: the cross-region replica lives in the DR region.
        widgets.append(
            _metric_widget(
                f"DR replica lag (s), {dr_region}",
                dr_region,
                [["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", refs["dr_replica"], {"stat": "Maximum"}]],
                8,
                y,
            )
        )
    return json.dumps({"widgets": widgets}, sort_keys=True)


def with_alarm_widget(body: str, alarm_arns: list[str]) -> str:
    """Put an alarm-status row on top: every alarm of the tier at a glance."""
    doc = json.loads(body)
    for w in doc["widgets"]:
        w["y"] += 4
    doc["widgets"].insert(
        0,
        {
            "type": "alarm",
            "x": 0,
            "y": 0,
            "width": 24,
            "height": 4,
            "properties": {"title": "Alarms", "alarms": sorted(alarm_arns)[:100]},
        },
    )
    return json.dumps(doc, sort_keys=True)
