"""The operations tier's pure builders, without a render: the dashboard's widgets for given names, and the alarm
rows for given settings (what fires when, what missing data means, which region's metrics a widget reads)."""

from __future__ import annotations

import json
import re

import pytest

from components import alarms
from components.dashboard import DashboardInputs, dashboard_body, with_alarm_widget
from settings.operations import AlarmSettings

INPUTS = DashboardInputs(
    region="us-east-1",
    dr_region="us-west-2",
    account="123456789012",
    load_balancer="app/lb/1",
    target_groups={"web": "targetgroup/web/1", "api": "targetgroup/api/2"},
    cluster="cluster",
    services={"web": "svc-web", "api": "svc-api", "worker": "svc-worker"},
    db_instance="db",
    db_replicas=["replica-1"],
    redis_nodes=["redis-001", "redis-002"],
    log_domain="logs",
    delivery_streams={"ecs": "stream-ecs", "waf": "stream-waf"},
    dr_replica="dr-replica",
)


def widgets(d: DashboardInputs) -> dict[str, dict]:
    return {w["properties"]["title"]: w for w in json.loads(dashboard_body(d))["widgets"]}


def dimension_values(widget: dict, name: str) -> list[str]:
    """The values of dimension `name` in the widget's metric rows that name it."""
    return [row[row.index(name) + 1] for row in widget["properties"]["metrics"] if name in row]


# -- dashboard --------------------------------------------------------------------------------------------------
def test_dashboard_rows_tile_the_grid_without_overlap() -> None:
    ws = json.loads(dashboard_body(INPUTS))["widgets"]
    cells = set()
    for w in ws:
        assert w["x"] + w["width"] <= 24, w["properties"]["title"]
        for x in range(w["x"], w["x"] + w["width"]):
            for y in range(w["y"], w["y"] + w["height"]):
                assert (x, y) not in cells, f"{w['properties']['title']} overlaps at {(x, y)}"
                cells.add((x, y))
    # Six rows: load balancer, services, database, cache, log domain, log delivery.
    assert sorted({w["y"] for w in ws}) == [0, 6, 12, 18, 24, 30]


def test_dashboard_without_cache_nodes_drops_the_cache_row_and_closes_the_gap() -> None:
    d = DashboardInputs(**{**INPUTS.__dict__, "redis_nodes": []})
    ws = widgets(d)
    assert not [t for t in ws if t.startswith("Redis")]
    assert ws["Log domain status"]["y"] == 18, "the log domain row moves up into the cache row's place"


def test_dashboard_service_widgets_select_every_service_of_the_cluster() -> None:
    ws = widgets(INPUTS)
    for title in ("ECS CPUUtilization (%)", "ECS MemoryUtilization (%)", "ECS running tasks"):
        assert dimension_values(ws[title], "ServiceName") == ["svc-web", "svc-api", "svc-worker"], title
        assert set(dimension_values(ws[title], "ClusterName")) == {"cluster"}, title
    # RunningTaskCount is published by Container Insights, not under AWS/ECS.
    assert {row[0] for row in ws["ECS running tasks"]["properties"]["metrics"]} == {"ECS/ContainerInsights"}


def test_dashboard_target_groups_are_read_with_their_load_balancer() -> None:
    ws = widgets(INPUTS)
    health = ws["Healthy / unhealthy targets"]
    assert dimension_values(health, "TargetGroup") == [
        "targetgroup/web/1",
        "targetgroup/web/1",
        "targetgroup/api/2",
        "targetgroup/api/2",
    ]
    assert set(dimension_values(health, "LoadBalancer")) == {"app/lb/1"}


def test_dr_replica_lag_is_read_in_the_dr_region_and_absent_without_one() -> None:
    ws = widgets(INPUTS)
    dr = ws["DR replica lag (s), us-west-2"]
    assert dr["properties"]["region"] == "us-west-2"
    assert dimension_values(dr, "DBInstanceIdentifier") == ["dr-replica"]
    assert all(w["properties"]["region"] == "us-east-1" for t, w in ws.items() if not t.startswith("DR "))
    none = widgets(DashboardInputs(**{**INPUTS.__dict__, "dr_replica": None}))
    assert not [t for t in none if t.startswith("DR ")]


def test_replica_lag_widget_falls_back_to_the_primary_without_in_region_replicas() -> None:
    with_replica = widgets(INPUTS)["Replica lag (s)"]
    assert dimension_values(with_replica, "DBInstanceIdentifier") == ["replica-1"]
    alone = widgets(DashboardInputs(**{**INPUTS.__dict__, "db_replicas": []}))["Replica lag (s)"]
    assert dimension_values(alone, "DBInstanceIdentifier") == ["db"]


def test_log_domain_metrics_carry_the_account_as_client_id() -> None:
    # AWS/ES metrics are published under DomainName + ClientId (the account): without it a widget shows nothing.
    ws = widgets(INPUTS)
    for title in ("Log domain free storage (MiB)", "Log domain indexing rate"):
        assert dimension_values(ws[title], "ClientId") == ["123456789012"], title


def test_alarm_widget_goes_on_top_sorted_and_capped_at_one_hundred() -> None:
    arns = [f"arn:aws:cloudwatch:us-east-1:1:alarm:a-{i:03d}" for i in reversed(range(120))]
    doc = json.loads(with_alarm_widget(dashboard_body(INPUTS), arns))
    top, rest = doc["widgets"][0], doc["widgets"][1:]
    assert (top["type"], top["y"], top["width"]) == ("alarm", 0, 24)
    assert top["properties"]["alarms"] == sorted(arns)[:100]
    assert min(w["y"] for w in rest) == top["height"], "the metric rows move down below the alarm row"


# -- alarm rows -------------------------------------------------------------------------------------------------
A = AlarmSettings()


def by_key(rows: list[alarms.AlarmRow]) -> dict[str, alarms.AlarmRow]:
    out = {r.key: r for r in rows}
    assert len(out) == len(rows), "alarm keys must be unique: they name the alarms and their resources"
    return out


def test_zero_task_alarm_exists_only_with_container_insights_and_breaches_on_silence() -> None:
    dims = {"ClusterName": "c", "ServiceName": "s"}
    assert "web-no-running-tasks" not in by_key(alarms.service_rows(A, "web", dims, task_count_metrics=False))
    row = by_key(alarms.service_rows(A, "web", dims, task_count_metrics=True))["web-no-running-tasks"]
    assert (row.namespace, row.metric, row.statistic) == (
        "ECS/ContainerInsights",
        "RunningTaskCount",
        "Minimum",
    )
    assert (row.threshold, row.comparison, row.missing) == (1, "LessThanThreshold", "breaching")


def test_guide_alarms_take_thresholds_and_periods_from_settings() -> None:
    a = AlarmSettings(ecs_cpu_percent=70, response_time_seconds=1.5, period_seconds=60, db_connections=120)
    svc = by_key(alarms.service_rows(a, "api", {"ClusterName": "c", "ServiceName": "s"}, False))
    assert (svc["api-cpu-high"].threshold, svc["api-cpu-high"].period) == (70, 60)
    assert svc["api-memory-high"].threshold == a.ecs_memory_percent
    rt = by_key(alarms.target_group_rows(a, "api", {"LoadBalancer": "lb", "TargetGroup": "tg"}))[
        "api-response-time-high"
    ]
    # TargetResponseTime is in seconds: the guide's 2000 (ms) is a threshold of 2, here the setting's 1.5.
    assert (rt.metric, rt.threshold, rt.unit, rt.period) == ("TargetResponseTime", 1.5, "Seconds", 60)
    db = by_key(alarms.database_rows(a, "db"))
    assert db["db-connections-high"].threshold == 120
    assert db["db-free-storage-low"].threshold == A.db_free_storage_gib * 1024**3
    assert db["db-free-storage-low"].comparison == "LessThanThreshold"


def test_empty_target_group_is_seen_by_healthy_host_count_only() -> None:
    rows = by_key(alarms.target_group_rows(A, "web", {"LoadBalancer": "lb", "TargetGroup": "tg"}))
    empty = rows["web-no-healthy-targets"]
    assert (empty.metric, empty.comparison, empty.threshold, empty.missing) == (
        "HealthyHostCount",
        "LessThanThreshold",
        1,
        "breaching",
    )
    assert rows["web-unhealthy-targets"].missing == "missing"


def test_replication_broken_sees_minus_one_and_silence() -> None:
    rows = by_key(alarms.replica_rows(A, "db-dr-replica", "r"))
    broken = rows["db-dr-replica-replication-broken"]
    assert (broken.statistic, broken.threshold, broken.comparison, broken.missing) == (
        "Minimum",
        0,
        "LessThanThreshold",
        "breaching",
    )
    assert rows["db-dr-replica-lag-high"].threshold == A.replica_lag_seconds


def _query_ids_and_variables(row: alarms.AlarmRow) -> tuple[set[str], set[str], int]:
    ids = {q.id for q in row.metric_queries if q.expression is None}
    [expr] = [q for q in row.metric_queries if q.expression is not None]
    functions = {"FILL", "IF", "AND"}
    variables = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", expr.expression)) - functions
    returned = sum(1 for q in row.metric_queries if q.return_data)
    return ids, variables, returned


def test_error_rate_expression_reads_only_the_queries_it_defines() -> None:
    row = alarms.error_rate_row(A, "app/lb/1")
    ids, variables, returned = _query_ids_and_variables(row)
    assert variables == ids == {"target5xx", "elb5xx", "requests"}
    assert returned == 1, "an alarm on metric math returns exactly one series"
    assert (row.statistic, row.period, row.missing) == (None, None, "notBreaching")


@pytest.mark.parametrize("with_target_group", [True, False])
def test_dr_site_alarms_fire_only_when_asked_to_run(with_target_group: bool) -> None:
    tg = {"LoadBalancer": "app/dr/1", "TargetGroup": "targetgroup/web/1"} if with_target_group else None
    rows = by_key(alarms.dr_service_rows(A, "web", {"ClusterName": "dr", "ServiceName": "web"}, tg))
    expected = {"dr-web-no-running-tasks"} | ({"dr-web-no-healthy-targets"} if with_target_group else set())
    assert set(rows) == expected
    for row in rows.values():
        ids, variables, returned = _query_ids_and_variables(row)
        assert "desired" in variables and variables == ids, row.key
        assert returned == 1, row.key
        # A pilot-light site at zero tasks reports nothing: that must not page.
        assert row.missing == "notBreaching", row.key


def test_cache_and_search_rows_name_each_node_and_scale_storage_with_the_volume() -> None:
    cache = by_key(alarms.cache_rows(A, 2, "redis-002"))
    assert set(cache) == {"redis-002-engine-cpu-high", "redis-002-memory-high", "redis-002-evictions-high"}
    assert cache["redis-002-evictions-high"].statistic == "Sum"
    search = by_key(alarms.search_rows(100, {"DomainName": "d", "ClientId": "1"}))
    # FreeStorageSpace is in MiB: a quarter of a 100 GiB volume.
    assert search["search-free-storage-low"].threshold == 25 * 1024
    assert search["search-cluster-red"].comparison == "GreaterThanOrEqualToThreshold"
