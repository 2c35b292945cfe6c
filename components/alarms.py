"""The operations tier's alarms as rows: what each watches (metric and dimensions, or a metric-math query), when
it fires (statistic, threshold, comparison, periods) and what missing data means. Pure: the rows come from the
settings and the watched resources' names, and `Operations` turns each into one `aws.cloudwatch.MetricAlarm`.

The guide's four alarms keep their thresholds, periods and evaluation counts; TargetResponseTime is measured in
seconds, so the guide's `Threshold: 2000` becomes 2 (docs/departures.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from settings.operations import AlarmSettings

GIB = 1024**3


@dataclass(frozen=True)
class AlarmRow:
    """One alarm. Either `metric` (with `namespace`, `dimensions`, `statistic`, `period`) or `metric_queries`."""

    key: str
    """Short name: the alarm is `<prefix>-<key>`, its resource `<component>-<key>`."""
    description: str
    threshold: float
    periods: int
    """Evaluation periods."""
    comparison: str = "GreaterThanThreshold"
    namespace: str | None = None
    metric: str | None = None
    dimensions: Mapping[str, pulumi.Input[str]] | None = None
    statistic: str | None = "Average"
    period: int | None = None
    unit: str | None = None
    missing: str = "missing"
    """treat_missing_data: `breaching` where silence means the thing is gone, `notBreaching` where it is normal."""
    metric_queries: Sequence[aws.cloudwatch.MetricAlarmMetricQueryArgs] | None = None


def _query(
    metric_id: str,
    namespace: str,
    name: str,
    dims: Mapping[str, pulumi.Input[str]],
    stat: str,
    period: int,
    **kw,
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=metric_id,
        metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
            namespace=namespace, metric_name=name, dimensions=dims, stat=stat, period=period, **kw
        ),
        return_data=False,
    )


def _none_left(
    a: AlarmSettings,
    key: str,
    description: str,
    namespace: str,
    metric: str,
    dims: Mapping[str, pulumi.Input[str]],
) -> AlarmRow:
    """A count (tasks running, healthy targets) at 0 for `unhealthy_evaluation_periods` minutes: an outage. Missing
    data breaches: a service or load balancer that stops reporting (or its region) is down, not quiet."""
    return AlarmRow(
        key,
        description,
        namespace=namespace,
        metric=metric,
        dimensions=dims,
        statistic="Minimum",
        threshold=1,
        comparison="LessThanThreshold",
        periods=a.unhealthy_evaluation_periods,
        period=60,
        unit="Count",
        missing="breaching",
    )


# -- ECS services -----------------------------------------------------------------------------------------------
def service_rows(
    a: AlarmSettings, key: str, dims: Mapping[str, pulumi.Input[str]], task_count_metrics: bool
) -> list[AlarmRow]:
    """The guide's HighCPUUtilization and HighMemoryUtilization, and no task running.

    RunningTaskCount is a Container Insights metric (ECS/ContainerInsights), published per service every minute
    while the cluster has Container Insights on (`task_count_metrics`). A service with no task, or a cluster (or
    region) that reports nothing at all, is an outage: missing data breaches, so silence cannot read as healthy."""
    rows = []
    if task_count_metrics:
        rows.append(
            _none_left(
                a,
                f"{key}-no-running-tasks",
                f"{key} service: no task running for {a.unhealthy_evaluation_periods} minute(s), or no report from "
                "its cluster at all (the service, its cluster or its region is down)",
                "ECS/ContainerInsights",
                "RunningTaskCount",
                dims,
            )
        )
    for metric, word, percent, guide in (
        ("CPUUtilization", "CPU", a.ecs_cpu_percent, "HighCPUUtilization"),
        ("MemoryUtilization", "memory", a.ecs_memory_percent, "HighMemoryUtilization"),
    ):
        rows.append(
            AlarmRow(
                f"{key}-{'cpu' if word == 'CPU' else word}-high",
                f"{key} service: average {word} above {percent:g}% for "
                f"{a.ecs_evaluation_periods} x {a.period_seconds}s (guide: {guide})",
                namespace="AWS/ECS",
                metric=metric,
                dimensions=dims,
                threshold=percent,
                periods=a.ecs_evaluation_periods,
                period=a.period_seconds,
                unit="Percent",
            )
        )
    return rows


# -- load balancer ----------------------------------------------------------------------------------------------
def no_healthy_targets_row(a: AlarmSettings, key: str, dims: Mapping[str, pulumi.Input[str]]) -> AlarmRow:
    """UnHealthyHostCount stays 0 when a target group has no targets at all, and the 5xx rate has nothing to
    divide when no request arrives: only HealthyHostCount below 1 sees an empty target group. Missing data
    breaches, so a load balancer (or region) that stops reporting is an outage, not a quiet night."""
    return _none_left(
        a,
        f"{key}-no-healthy-targets",
        f"{key} target group: no healthy target for {a.unhealthy_evaluation_periods} minute(s), or no report "
        "from its load balancer at all: every request to it fails",
        "AWS/ApplicationELB",
        "HealthyHostCount",
        dims,
    )


def target_group_rows(a: AlarmSettings, key: str, dims: Mapping[str, pulumi.Input[str]]) -> list[AlarmRow]:
    """The guide's APIResponseTime per target group, an unhealthy target, and no healthy target at all."""
    return [
        AlarmRow(
            f"{key}-response-time-high",
            f"{key} targets: average response time above {a.response_time_seconds:g} s for "
            f"{a.response_time_evaluation_periods} x {a.period_seconds}s (guide: APIResponseTime; "
            "TargetResponseTime is in seconds, the guide's 2000 meant 2 s)",
            namespace="AWS/ApplicationELB",
            metric="TargetResponseTime",
            dimensions=dims,
            threshold=a.response_time_seconds,
            periods=a.response_time_evaluation_periods,
            period=a.period_seconds,
            unit="Seconds",
        ),
        AlarmRow(
            f"{key}-unhealthy-targets",
            f"{key} target group reports an unhealthy target for {a.unhealthy_evaluation_periods} minute(s)",
            namespace="AWS/ApplicationELB",
            metric="UnHealthyHostCount",
            dimensions=dims,
            statistic="Maximum",
            threshold=0,
            periods=a.unhealthy_evaluation_periods,
            period=60,
            unit="Count",
        ),
        no_healthy_targets_row(a, key, dims),
    ]


def error_rate_row(a: AlarmSettings, alb_arn_suffix: pulumi.Input[str]) -> AlarmRow:
    """5xx answers (the targets' and the load balancer's own) as a share of requests: metric math, since
    CloudWatch has no such metric. Silent when no request arrives."""
    lb = {"LoadBalancer": alb_arn_suffix}

    def count(metric_id: str, metric_name: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
        return _query(metric_id, "AWS/ApplicationELB", metric_name, lb, "Sum", a.period_seconds, unit="Count")

    return AlarmRow(
        "alb-5xx-rate-high",
        f"More than {a.server_error_percent:g}% of requests answered 5xx (targets and load balancer) "
        f"for 2 x {a.period_seconds}s. Silent when no request arrives (a quiet night, or a load balancer "
        "that is gone): the no-healthy-targets alarms see that",
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


# -- database ---------------------------------------------------------------------------------------------------
def database_rows(a: AlarmSettings, db_instance_id: pulumi.Input[str]) -> list[AlarmRow]:
    """The guide's DatabaseConnections, and free storage running out."""
    dims = {"DBInstanceIdentifier": db_instance_id}
    return [
        AlarmRow(
            "db-connections-high",
            f"Database: average connections above {a.db_connections} for {a.db_evaluation_periods} x "
            f"{a.period_seconds}s (guide: DatabaseConnections)",
            namespace="AWS/RDS",
            metric="DatabaseConnections",
            dimensions=dims,
            threshold=a.db_connections,
            periods=a.db_evaluation_periods,
            period=a.period_seconds,
            unit="Count",
        ),
        AlarmRow(
            "db-free-storage-low",
            f"Database: free storage below {a.db_free_storage_gib:g} GiB",
            namespace="AWS/RDS",
            metric="FreeStorageSpace",
            dimensions=dims,
            statistic="Minimum",
            threshold=a.db_free_storage_gib * GIB,
            comparison="LessThanThreshold",
            periods=1,
            period=a.period_seconds,
            unit="Bytes",
        ),
    ]


def replica_rows(a: AlarmSettings, key: str, replica_id: pulumi.Input[str]) -> list[AlarmRow]:
    """A replica lagging, and a replica not replicating at all.

    RDS reports ReplicaLag -1 when replication is not active (MySQL and MariaDB: Seconds_Behind_Master is NULL),
    which a lag-above-threshold alarm never sees. A replica that reports nothing is not known to replicate
    either: missing data breaches. It fires after a promotion too, which is a change on-call should hear of."""
    dims = {"DBInstanceIdentifier": replica_id}
    return [
        AlarmRow(
            f"{key}-lag-high",
            f"Read replica lags its source by more than {a.replica_lag_seconds:g} s for 3 x 60s",
            namespace="AWS/RDS",
            metric="ReplicaLag",
            dimensions=dims,
            statistic="Maximum",
            threshold=a.replica_lag_seconds,
            periods=3,
            period=60,
            unit="Seconds",
        ),
        AlarmRow(
            f"{key}-replication-broken",
            "Read replica is not replicating (ReplicaLag -1, or no ReplicaLag reported) for 5 x 60s: the DR copy "
            "of the database is falling behind without bound",
            namespace="AWS/RDS",
            metric="ReplicaLag",
            dimensions=dims,
            statistic="Minimum",
            threshold=0,
            comparison="LessThanThreshold",
            periods=5,
            period=60,
            unit="Seconds",
            missing="breaching",
        ),
    ]


# -- cache ------------------------------------------------------------------------------------------------------
def cache_rows(a: AlarmSettings, number: int, member_cluster_id: pulumi.Input[str]) -> list[AlarmRow]:
    """Per Redis node (ElastiCache publishes per member cluster): engine CPU, memory, evictions, each over 300 s
    periods."""
    n = f"redis-{number:03d}"
    table = (
        # key, metric, statistic, threshold, periods, unit, what the description says
        (
            "engine-cpu-high",
            "EngineCPUUtilization",
            "Average",
            a.redis_cpu_percent,
            3,
            "Percent",
            f"engine CPU above {a.redis_cpu_percent:g}% for 3 x 300s",
        ),
        (
            "memory-high",
            "DatabaseMemoryUsagePercentage",
            "Average",
            a.redis_memory_percent,
            3,
            "Percent",
            f"memory used above {a.redis_memory_percent:g}% for 3 x 300s",
        ),
        (
            "evictions-high",
            "Evictions",
            "Sum",
            a.redis_evictions,
            2,
            "Count",
            f"more than {a.redis_evictions} evictions per 300s (cache too small)",
        ),
    )
    return [
        AlarmRow(
            f"{n}-{key}",
            f"Redis node {number}: {text}",
            namespace="AWS/ElastiCache",
            metric=metric,
            dimensions={"CacheClusterId": member_cluster_id},
            statistic=statistic,
            threshold=threshold,
            periods=periods,
            period=300,
            unit=unit,
        )
        for key, metric, statistic, threshold, periods, unit, text in table
    ]


# -- log domain -------------------------------------------------------------------------------------------------
def search_rows(volume_size_gib: float, dims: Mapping[str, pulumi.Input[str]]) -> list[AlarmRow]:
    """OpenSearch Service's recommended alarms: red cluster, blocked writes, JVM pressure, low free storage."""
    rows = [
        AlarmRow(
            key,
            f"Log domain: {text} for 1 minute",
            namespace="AWS/ES",
            metric=metric,
            dimensions=dims,
            statistic="Maximum",
            threshold=1,
            comparison="GreaterThanOrEqualToThreshold",
            periods=1,
            period=60,
        )
        for key, metric, text in (
            ("search-cluster-red", "ClusterStatus.red", "a primary shard is unassigned (cluster red)"),
            ("search-writes-blocked", "ClusterIndexWritesBlocked", "the domain refuses writes"),
        )
    ]
    return [
        *rows,
        AlarmRow(
            "search-jvm-pressure-high",
            "Log domain: JVM memory pressure at or above 95% for 3 x 60s (requests start being rejected)",
            namespace="AWS/ES",
            metric="JVMMemoryPressure",
            dimensions=dims,
            statistic="Maximum",
            threshold=95,
            comparison="GreaterThanOrEqualToThreshold",
            periods=3,
            period=60,
        ),
        AlarmRow(
            "search-free-storage-low",
            "Log domain: a node has under 25% of its volume free",
            namespace="AWS/ES",
            metric="FreeStorageSpace",
            dimensions=dims,
            statistic="Minimum",
            # FreeStorageSpace is in MiB for OpenSearch Service, per node.
            threshold=volume_size_gib * 1024 * 0.25,
            comparison="LessThanOrEqualToThreshold",
            periods=1,
            period=60,
            unit="Megabytes",
        ),
    ]


def delivery_row(source: str, stream_name: pulumi.Input[str]) -> AlarmRow:
    """A delivery stream that indexes under 99% of its records; silent while no record arrives."""
    return AlarmRow(
        f"logs-{source}-delivery-failing",
        f"Log delivery ({source}): under 99% of records indexed for 3 x 300s; the rest are in the "
        "failed-records bucket (check the domain's role mapping and free storage)",
        namespace="AWS/Firehose",
        metric="DeliveryToAmazonOpenSearchService.Success",
        dimensions={"DeliveryStreamName": stream_name},
        statistic="Average",
        threshold=0.99,
        comparison="LessThanThreshold",
        periods=3,
        period=300,
        missing="notBreaching",
    )


# -- DNS --------------------------------------------------------------------------------------------------------
def dnssec_rows(zone_id: pulumi.Input[str]) -> list[AlarmRow]:
    """A signed zone that Route 53 cannot sign, or whose key-signing key needs action (its KMS key disabled or
    its policy changed), soon answers SERVFAIL to every validating resolver: the site disappears for them."""
    return [
        AlarmRow(
            key,
            description,
            namespace="AWS/Route53",
            metric=metric,
            dimensions={"HostedZoneId": zone_id},
            statistic="Maximum",
            threshold=0,
            periods=1,
            period=300,
        )
        for key, metric, description in (
            ("dnssec-internal-failure", "DNSSECInternalFailure", "Route 53 cannot sign the zone (DNSSEC)"),
            (
                "dnssec-ksk-needs-action",
                "DNSSECKeySigningKeysNeedingAction",
                "A DNSSEC key-signing key needs action: check its KMS key (enabled, policy) before resolution fails",
            ),
        )
    ]


# -- DR site ----------------------------------------------------------------------------------------------------
def dr_service_rows(
    a: AlarmSettings,
    key: str,
    service_dims: Mapping[str, pulumi.Input[str]],
    target_group_dims: Mapping[str, pulumi.Input[str]] | None,
) -> list[AlarmRow]:
    """The DR site runs at zero tasks until a failover scales it up (pilot light), so an empty target group and a
    service without tasks are its normal state. What must page is a DR service asked to run (DesiredTaskCount
    above 0) with no task running, or with nothing healthy behind its target group (`target_group_dims`, when the
    service has one): a failover that did not take. Missing data does not breach: a pilot-light site at zero may
    report nothing, which is its normal state."""

    def asked_but(what_id: str, label: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
        return aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="failing",
            expression=f"IF(FILL(desired, 0) > 0 AND FILL({what_id}, 0) < 1, 1, 0)",
            label=label,
            return_data=True,
        )

    desired = _query("desired", "ECS/ContainerInsights", "DesiredTaskCount", service_dims, "Maximum", 60)
    checks = [
        (
            "no-running-tasks",
            f"DR {key} service: asked to run (failed over) but no task running for "
            f"{a.unhealthy_evaluation_periods} minute(s)",
            asked_but("running", "desired > 0 and none running"),
            _query("running", "ECS/ContainerInsights", "RunningTaskCount", service_dims, "Minimum", 60),
        )
    ]
    if target_group_dims is not None:
        checks.append(
            (
                "no-healthy-targets",
                f"DR {key} target group: its service is asked to run (failed over) but no target is healthy for "
                f"{a.unhealthy_evaluation_periods} minute(s)",
                asked_but("healthy", "desired > 0 and none healthy"),
                _query("healthy", "AWS/ApplicationELB", "HealthyHostCount", target_group_dims, "Minimum", 60),
            )
        )
    return [
        AlarmRow(
            f"dr-{key}-{what}",
            description,
            statistic=None,
            metric_queries=[expression, desired, watched],
            threshold=1,
            comparison="GreaterThanOrEqualToThreshold",
            periods=a.unhealthy_evaluation_periods,
            missing="notBreaching",
        )
        for what, description, expression, watched in checks
    ]
