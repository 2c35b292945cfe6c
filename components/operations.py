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

from components.context import RegionContext
from components.contract import ServedSite, WatchedData
from components.providers import GLOBAL_SERVICES_REGION
from settings.operations import OperationsSettings

from . import alarms
from .backup import Backups, BackupsArgs
from .dashboard import DashboardInputs, dashboard_body, with_alarm_widget
from .iam import document
from .logging import LogSearch, LogSearchArgs


@dataclass
class OperationsArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>`."""
    settings: OperationsSettings
    """The validated operations settings of the stack."""
    protect: bool
    """Protect the stateful resources (log domain, vaults, failed-records bucket)."""
    region: RegionContext
    """The primary region (dashboard widgets name it): its logs key encrypts the alarm topic, the log domain, the
    delivery streams and their bucket, its backups key the backup vault."""
    dr: RegionContext
    """The DR region: the DR alarm topic (DR logs key) and the backup copy vault (DR backups key)."""
    private_subnet_ids: pulumi.Input[list[str]]
    """Private subnets (one per AZ): the log domain and the delivery streams' interfaces live there."""
    search_sg_id: pulumi.Input[str]
    """Security group of the log domain and of the delivery streams that write to it."""
    # --- what the alarms and the dashboard watch ---
    site: ServedSite
    """The primary region's load balancer targets and ECS services (the `LoadBalancer`, `TargetGroup`,
    `ClusterName` and `ServiceName` dimensions)."""
    data: WatchedData
    """The data tier's instances, replicas and Redis nodes (alarm and dashboard dimensions, backup selection)."""
    task_count_metrics: bool = False
    """The clusters publish Container Insights metrics (RunningTaskCount): zero-task alarms are possible."""
    dr_site: ServedSite | None = None
    """The DR site's targets and services, when the stack has a DR site."""
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
        self._dr = pulumi.ResourceOptions(parent=self, provider=args.dr.provider)
        self._alarms: list[aws.cloudwatch.MetricAlarm] = []
        self.alarm_names = []

        topic = self._create_topic(f"{name}-alarms", args.region, self._child)
        dr_topic = self._create_topic(f"{name}-dr-alarms", args.dr, self._dr)
        self.alarm_topic_arn, self.dr_alarm_topic_arn = topic.arn, dr_topic.arn

        logs = LogSearch(
            f"{name}-logs",
            LogSearchArgs(
                name_prefix=args.name_prefix,
                settings=self._s.search,
                protect=args.protect,
                region=args.region,
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
                region=args.region,
                dr=args.dr,
                resource_arns=[args.data.db_instance_arn, *args.backup_resource_arns],
            ),
            opts=self._child,
        )
        self.backup_vault_arn, self.dr_backup_vault_arn = backups.vault_arn, backups.dr_vault_arn

        self._create_alarms(topic, dr_topic, logs)
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
    def _create_topic(self, name: str, region: RegionContext, opts: pulumi.ResourceOptions) -> aws.sns.Topic:
        """An SNS topic encrypted with the logs key (its key policy lets cloudwatch.amazonaws.com use it),
        publishable by CloudWatch alarms of this account only, over TLS only, with the configured subscribers."""
        suffix = "dr-alarms" if name.endswith("-dr-alarms") else "alarms"
        topic = aws.sns.Topic(
            name,
            name=f"{self._args.name_prefix}-{suffix}",
            display_name=f"Elite Locadora {self._args.name_prefix.rsplit('-', 1)[-1]} alarms",
            kms_master_key_id=region.keys.logs,
            opts=opts,
        )
        account = region.account_id
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
        if self._args.data.dr_replica_id is not None:
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
    def _create_alarms(self, topic: aws.sns.Topic, dr_topic: aws.sns.Topic, logs: LogSearch) -> None:
        """Every alarm, from the rows of components/alarms.py: what each watches and when it fires is decided
        there; here, which topic it notifies and which region it lives in."""
        a, args = self._s.alarms, self._args
        primary, dr = (topic, self._child), (dr_topic, self._dr)
        services, targets = args.site.services, args.site.targets
        for key, service in services.names.items():
            dims = {"ClusterName": services.cluster_name, "ServiceName": service}
            self._alarms_from(alarms.service_rows(a, key, dims, args.task_count_metrics), *primary)
        for key, target in targets.by_service().items():
            dims = {"LoadBalancer": targets.alb_arn_suffix, "TargetGroup": target.target_group_arn_suffix}
            self._alarms_from(alarms.target_group_rows(a, key, dims), *primary)
        self._alarms_from([alarms.error_rate_row(a, targets.alb_arn_suffix)], *primary)
        self._alarms_from(alarms.database_rows(a, args.data.db_instance_id), *primary)
        for i, replica in enumerate(args.data.db_replica_ids):
            self._alarms_from(alarms.replica_rows(a, f"db-replica-{i + 1}", replica), *primary)
        if args.data.dr_replica_id is not None:
            # CloudWatch alarms watch metrics of their own region: the DR replica's alarms live in the DR region,
            # where they still see the replica when the primary region is lost.
            self._alarms_from(alarms.replica_rows(a, "db-dr-replica", args.data.dr_replica_id), *dr)
        for i, member in enumerate(args.data.redis_member_cluster_ids):
            self._alarms_from(alarms.cache_rows(a, i + 1, member), *primary)
        search_dims = {"DomainName": logs.domain_name, "ClientId": args.region.account_id}
        self._alarms_from(alarms.search_rows(self._s.search.volume_size_gib, search_dims), *primary)
        for source, stream in logs.delivery_stream_names.items():
            self._alarms_from([alarms.delivery_row(source, stream)], *primary)
        if args.signed_zone_id is not None:
            self._create_dnssec_alarms(args.signed_zone_id, topic)
        if args.dr_site is not None and args.task_count_metrics:
            # These alarms and their topic live in the DR region, so they work while the primary region is lost.
            dr_services, dr_targets = args.dr_site.services, args.dr_site.targets.by_service()
            for key, service in dr_services.names.items():
                target = dr_targets.get(key)
                lb_dims = (
                    {
                        "LoadBalancer": args.dr_site.targets.alb_arn_suffix,
                        "TargetGroup": target.target_group_arn_suffix,
                    }
                    if target is not None
                    else None
                )
                svc_dims = {"ClusterName": dr_services.cluster_name, "ServiceName": service}
                self._alarms_from(alarms.dr_service_rows(a, key, svc_dims, lb_dims), *dr)

    def _create_dnssec_alarms(self, zone_id: pulumi.Input[str], topic: aws.sns.Topic) -> None:
        """Route 53 publishes the DNSSEC metrics in us-east-1 only (AWS/Route53, HostedZoneId; Route 53 developer
        guide, "Monitoring hosted zones using Amazon CloudWatch"), so the alarms live there, with the alarm topic."""
        if self._args.region.name != GLOBAL_SERVICES_REGION:
            # The alarm topic is in the primary region and an alarm notifies a topic of its own region.
            pulumi.log.warn(
                f"no DNSSEC alarms: Route 53 publishes them in {GLOBAL_SERVICES_REGION}, the alarm topic is in "
                f"{self._args.region.name}",
                resource=self,
            )
            return
        self._alarms_from(alarms.dnssec_rows(zone_id), topic, self._child)

    def _alarms_from(
        self, rows: list[alarms.AlarmRow], topic: aws.sns.Topic, opts: pulumi.ResourceOptions
    ) -> None:
        """One alarm per row, notifying `topic` when it fires and when it recovers."""
        for row in rows:
            alarm_name = f"{self._args.name_prefix}-{row.key}"
            alarm = aws.cloudwatch.MetricAlarm(
                f"{self._name}-{row.key}",
                name=alarm_name,
                alarm_description=row.description,
                namespace=row.namespace,
                metric_name=row.metric,
                dimensions=row.dimensions,
                statistic=row.statistic,
                period=row.period,
                unit=row.unit,
                metric_queries=row.metric_queries,
                threshold=row.threshold,
                comparison_operator=row.comparison,
                evaluation_periods=row.periods,
                treat_missing_data=row.missing,
                actions_enabled=True,
                alarm_actions=[topic.arn],
                ok_actions=[topic.arn],
                opts=opts,
            )
            if opts.provider is None:
                self._alarms.append(alarm)  # the dashboard's alarm widget shows the primary region's alarms
            self.alarm_names.append(alarm_name)

    # -- dashboard -------------------------------------------------------------------------------------------
    def _create_dashboard(self, logs: LogSearch) -> aws.cloudwatch.Dashboard:
        args = self._args
        services, targets = args.site.services, args.site.targets
        # from_input resolves the nested dicts and lists; the builder then gets plain values.
        resolved = pulumi.Output.from_input(
            {
                "account": args.region.account_id,
                "load_balancer": targets.alb_arn_suffix,
                "target_groups": {key: t.target_group_arn_suffix for key, t in targets.by_service().items()},
                "cluster": services.cluster_name,
                "services": dict(services.names),
                "db_instance": args.data.db_instance_id,
                "db_replicas": list(args.data.db_replica_ids),
                "redis_nodes": list(args.data.redis_member_cluster_ids),
                "log_domain": logs.domain_name,
                "delivery_streams": dict(logs.delivery_stream_names),
                "dr_replica": args.data.dr_replica_id,
            }
        )
        body = resolved.apply(
            lambda r: dashboard_body(DashboardInputs(region=args.region.name, dr_region=args.dr.name, **r))
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
    return document(
        [
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
        ]
    )
