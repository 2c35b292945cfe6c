"""The operations dashboard's body, built from plain values (no Pulumi here), so a test can read the widgets a
given stack gets without rendering one.

One row per tier (load balancer, services, database, cache, log domain, log delivery), three 8-wide widgets a
row, and an alarm-status row on top once the alarms' ARNs are known (`with_alarm_widget`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 8, 6
"""A metric widget's size: three to a row on CloudWatch's 24-column grid."""
ALARM_ROW_HEIGHT = 4
MAX_ALARMS = 100
"""An alarm-status widget lists at most 100 alarms (CloudWatch dashboard body structure, `alarms`)."""


@dataclass(frozen=True)
class DashboardInputs:
    """The names and ids the dashboard's widgets select metrics by, resolved."""

    region: str
    """Primary region: every widget but the DR replica's reads it."""
    dr_region: str
    """DR region: the cross-region replica's widget reads it."""
    account: str
    """Account id: the `ClientId` dimension of the log domain's metrics."""
    load_balancer: str
    """`app/<name>/<id>` of the load balancer (`LoadBalancer`)."""
    target_groups: Mapping[str, str]
    """`targetgroup/<name>/<id>` per service key (`TargetGroup`)."""
    cluster: str
    """ECS cluster (`ClusterName`)."""
    services: Mapping[str, str]
    """ECS service name per service key (`ServiceName`)."""
    db_instance: str
    """Primary RDS instance identifier (`DBInstanceIdentifier`)."""
    db_replicas: Sequence[str]
    """In-region read replicas."""
    redis_nodes: Sequence[str]
    """ElastiCache member clusters (`CacheClusterId`)."""
    log_domain: str
    """OpenSearch domain name (`DomainName`)."""
    delivery_streams: Mapping[str, str]
    """Firehose delivery stream per log source (`DeliveryStreamName`)."""
    dr_replica: str | None = None
    """Cross-region replica identifier, when the stack has one."""


def _metric_widget(title: str, region: str, metrics: list, x: int, y: int) -> dict:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": WIDTH,
        "height": HEIGHT,
        "properties": {"title": title, "region": region, "metrics": metrics, "view": "timeSeries"},
    }


def _load_balancer_row(d: DashboardInputs, y: int) -> list[dict]:
    lb, tgs = d.load_balancer, d.target_groups
    return [
        _metric_widget(
            "Requests and 5xx",
            d.region,
            [
                ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", lb, {"stat": "Sum"}],
                # "." repeats the previous row's namespace or dimension (dashboard body structure).
                [".", "HTTPCode_Target_5XX_Count", ".", ".", {"stat": "Sum"}],
                [".", "HTTPCode_ELB_5XX_Count", ".", ".", {"stat": "Sum"}],
            ],
            0,
            y,
        ),
        _metric_widget(
            "Target response time (s), p95",
            d.region,
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
            WIDTH,
            y,
        ),
        _metric_widget(
            "Healthy / unhealthy targets",
            d.region,
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
            2 * WIDTH,
            y,
        ),
    ]


def _services_row(d: DashboardInputs, y: int) -> list[dict]:
    def per_service(namespace: str, metric: str) -> list:
        return [
            [namespace, metric, "ClusterName", d.cluster, "ServiceName", svc, {"label": key}]
            for key, svc in d.services.items()
        ]

    return [
        _metric_widget("ECS CPUUtilization (%)", d.region, per_service("AWS/ECS", "CPUUtilization"), 0, y),
        _metric_widget(
            "ECS MemoryUtilization (%)", d.region, per_service("AWS/ECS", "MemoryUtilization"), WIDTH, y
        ),
        # RunningTaskCount is a Container Insights metric, not an AWS/ECS one.
        _metric_widget(
            "ECS running tasks",
            d.region,
            per_service("ECS/ContainerInsights", "RunningTaskCount"),
            2 * WIDTH,
            y,
        ),
    ]


def _database_row(d: DashboardInputs, y: int) -> list[dict]:
    db = d.db_instance
    # Without an in-region replica the lag widget plots the primary's ReplicaLag rather than no metric at all,
    # so the row keeps its three widgets on every stack.
    lag_of = d.db_replicas or [db]
    return [
        _metric_widget(
            "Database CPU (%) and connections",
            d.region,
            [
                ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", db],
                [".", "DatabaseConnections", ".", ".", {"yAxis": "right"}],
            ],
            0,
            y,
        ),
        _metric_widget(
            "Database free storage (bytes)",
            d.region,
            [["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", db, {"stat": "Minimum"}]],
            WIDTH,
            y,
        ),
        _metric_widget(
            "Replica lag (s)",
            d.region,
            [["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", r, {"stat": "Maximum"}] for r in lag_of],
            2 * WIDTH,
            y,
        ),
    ]


REDIS_METRICS = (
    ("EngineCPUUtilization", "Average"),
    ("DatabaseMemoryUsagePercentage", "Average"),
    ("Evictions", "Sum"),
)
"""The cache row: what its alarms watch, with the statistic each alarm uses."""


def _cache_row(d: DashboardInputs, y: int) -> list[dict]:
    return [
        _metric_widget(
            f"Redis {metric}",
            d.region,
            [["AWS/ElastiCache", metric, "CacheClusterId", n, {"stat": stat}] for n in d.redis_nodes],
            WIDTH * i,
            y,
        )
        for i, (metric, stat) in enumerate(REDIS_METRICS)
    ]


def _log_domain_row(d: DashboardInputs, y: int) -> list[dict]:
    def domain(metric: str, stat: str) -> list:
        return ["AWS/ES", metric, "DomainName", d.log_domain, "ClientId", d.account, {"stat": stat}]

    return [
        _metric_widget(
            "Log domain status",
            d.region,
            [
                domain("ClusterStatus.green", "Maximum"),
                [".", "ClusterStatus.yellow", ".", ".", ".", ".", {"stat": "Maximum"}],
                [".", "ClusterStatus.red", ".", ".", ".", ".", {"stat": "Maximum"}],
            ],
            0,
            y,
        ),
        _metric_widget(
            "Log domain free storage (MiB)", d.region, [domain("FreeStorageSpace", "Minimum")], WIDTH, y
        ),
        _metric_widget(
            "Log domain indexing rate", d.region, [domain("IndexingRate", "Average")], 2 * WIDTH, y
        ),
    ]


def _delivery_row(d: DashboardInputs, y: int) -> list[dict]:
    widgets = [
        _metric_widget(
            "Log delivery: share of records indexed",
            d.region,
            [
                [
                    "AWS/Firehose",
                    "DeliveryToAmazonOpenSearchService.Success",
                    "DeliveryStreamName",
                    name,
                    {"label": key},
                ]
                for key, name in d.delivery_streams.items()
            ],
            0,
            y,
        )
    ]
    if d.dr_replica is not None:
        # A widget may show another region's metrics: the cross-region replica lives in the DR region.
        widgets.append(
            _metric_widget(
                f"DR replica lag (s), {d.dr_region}",
                d.dr_region,
                [["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", d.dr_replica, {"stat": "Maximum"}]],
                WIDTH,
                y,
            )
        )
    return widgets


def dashboard_body(d: DashboardInputs) -> str:
    """The main figures of each tier, one row per tier: load balancer, services, database, cache (when the
    stack has nodes), log domain, log delivery."""
    rows = [_load_balancer_row, _services_row, _database_row]
    if d.redis_nodes:
        rows.append(_cache_row)
    rows += [_log_domain_row, _delivery_row]
    widgets = [w for y, row in enumerate(rows) for w in row(d, y * HEIGHT)]
    return json.dumps({"widgets": widgets}, sort_keys=True)


def with_alarm_widget(body: str, alarm_arns: list[str]) -> str:
    """Put an alarm-status row on top: every alarm of the tier at a glance."""
    doc = json.loads(body)
    for w in doc["widgets"]:
        w["y"] += ALARM_ROW_HEIGHT
    doc["widgets"].insert(
        0,
        {
            "type": "alarm",
            "x": 0,
            "y": 0,
            "width": 24,
            "height": ALARM_ROW_HEIGHT,
            "properties": {"title": "Alarms", "alarms": sorted(alarm_arns)[:MAX_ALARMS]},
        },
    )
    return json.dumps(doc, sort_keys=True)
