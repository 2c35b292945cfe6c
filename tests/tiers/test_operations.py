"""The operations tier: the guide's alarms with their thresholds, periods and dimensions, the on-call alarms,
the encrypted topic they notify on alarm and on recovery, the dashboard, default tags, and bad config."""

from __future__ import annotations

import copy
import json
import re

import pytest

from components.failover_switch import SWITCH_NAMESPACE
from components.operations import subscription_key
from settings import ConfigError, build_settings
from tests.render import Render
from tests.test_settings import raw
from tests.tiers.ops_helpers import ALARM, TOPIC, alarms, by_physical_name, key_arn, statements
from tests.variants import RESPONSE_TIME_SECONDS

LB = "aws:lb/loadBalancer:LoadBalancer"
TG = "aws:lb/targetGroup:TargetGroup"


def topic(r: Render, region: str = "us-east-1") -> dict:
    suffix = "alarms" if region == "us-east-1" else "dr-alarms"
    return by_physical_name(r, TOPIC, f"elite-locadora-{r.stack}-{suffix}", region)


def target_group(r: Render, service: str) -> dict:
    return by_physical_name(r, TG, f"elite-locadora-{r.stack}-{service}")


# -- the guide's alarms ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["prod", "staging"])
@pytest.mark.parametrize("service", ["web", "api"])
def test_response_time_alarm_is_two_seconds_on_each_target_group(render, stack: str, service: str) -> None:
    r = render(stack)
    a = alarms(r)[f"{service}-response-time-high"]
    i, urn = a["inputs"], a["urn"]
    assert (i["namespace"], i["metricName"]) == ("AWS/ApplicationELB", "TargetResponseTime"), urn
    assert i["threshold"] == 2 and i["unit"] == "Seconds", (
        f"{urn}: TargetResponseTime is in seconds: the guide's 2000 means 2 (operations.alarms.responseTimeSeconds)"
    )
    assert (i["period"], i["evaluationPeriods"], i["comparisonOperator"]) == (
        300,
        2,
        "GreaterThanThreshold",
    ), urn
    alb = r.one(LB, "edge")
    assert i["dimensions"] == {
        "LoadBalancer": alb["outputs"]["arnSuffix"],
        "TargetGroup": target_group(r, service)["outputs"]["arnSuffix"],
    }, f"{urn}: dimensions must name the load balancer and the {service} target group"


def test_response_time_threshold_follows_the_setting_not_a_literal(staging_variant: Render) -> None:
    """The threshold is what operations.alarms.responseTimeSeconds says (the staging variant of tests/variants.py
    sets 1.5 s), on the web and the API target groups alike."""
    for name in ("api-response-time-high", "web-response-time-high"):
        assert alarms(staging_variant)[name]["inputs"]["threshold"] == RESPONSE_TIME_SECONDS, name


RDS = "aws:rds/instance:Instance"


def primary_db(r: Render) -> dict:
    [db] = [
        d for d in r.of_type(RDS) if d["region"] == "us-east-1" and not d["inputs"].get("replicateSourceDb")
    ]
    return db


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_database_connections_alarm_is_the_guides_on_the_primary(render, stack: str) -> None:
    r = render(stack)
    a = alarms(r)["db-connections-high"]
    i, urn = a["inputs"], a["urn"]
    assert (i["namespace"], i["metricName"], i["unit"]) == ("AWS/RDS", "DatabaseConnections", "Count"), urn
    assert (i["threshold"], i["period"], i["evaluationPeriods"]) == (80, 300, 3), (
        f"{urn}: the guide's 80 / 300 s / 3"
    )
    assert i["comparisonOperator"] == "GreaterThanThreshold", urn
    assert i["dimensions"] == {"DBInstanceIdentifier": primary_db(r)["outputs"]["identifier"]}, urn


SERVICE = "aws:ecs/service:Service"


@pytest.mark.parametrize("stack", ["prod", "staging"])
@pytest.mark.parametrize(
    "metric,key,threshold", [("CPUUtilization", "cpu", 80), ("MemoryUtilization", "memory", 85)]
)
def test_ecs_alarms_are_the_guides_per_service(
    render, stack: str, metric: str, key: str, threshold: int
) -> None:
    r = render(stack)
    cluster = r.one("aws:ecs/cluster:Cluster", "compute-cluster")["inputs"]["name"]
    services = {
        s["name"].removeprefix("compute-"): s["inputs"]["name"]
        for s in r.of_type(SERVICE)
        if s["name"].startswith("compute-")
    }
    assert set(services) == {"web", "api", "worker"}, f"stack {stack}: services {services}"
    for svc, service_name in services.items():
        a = alarms(r)[f"{svc}-{key}-high"]
        i, urn = a["inputs"], a["urn"]
        assert (i["namespace"], i["metricName"], i["statistic"], i["unit"]) == (
            "AWS/ECS",
            metric,
            "Average",
            "Percent",
        )
        assert (i["threshold"], i["period"], i["evaluationPeriods"]) == (threshold, 300, 2), (
            f"{urn}: the guide's {metric} > {threshold} for 2 x 300 s"
        )
        assert i["comparisonOperator"] == "GreaterThanThreshold", urn
        assert i["dimensions"] == {"ClusterName": cluster, "ServiceName": service_name}, (
            f"{urn}: must watch the {svc} service of cluster {cluster}"
        )


# -- on-call alarms ------------------------------------------------------------------------------------------------
def test_unhealthy_targets_alarm_per_target_group(prod: Render) -> None:
    for service in ("web", "api"):
        a = alarms(prod)[f"{service}-unhealthy-targets"]
        i = a["inputs"]
        assert i["metricName"] == "UnHealthyHostCount" and i["statistic"] == "Maximum", a["urn"]
        assert i["threshold"] == 0 and i["comparisonOperator"] == "GreaterThanThreshold", a["urn"]
        assert i["dimensions"]["TargetGroup"] == target_group(prod, service)["outputs"]["arnSuffix"], a["urn"]


def test_5xx_rate_alarm_divides_errors_by_requests_of_the_load_balancer(prod: Render) -> None:
    a = alarms(prod)["alb-5xx-rate-high"]
    queries = {q["id"]: q for q in a["inputs"]["metricQueries"]}
    [result] = [q for q in queries.values() if q.get("returnData")]
    assert "requests" in result["expression"] and "target5xx" in result["expression"], a["urn"]
    lb_suffix = prod.one(LB, "edge")["outputs"]["arnSuffix"]
    for qid, metric in (
        ("target5xx", "HTTPCode_Target_5XX_Count"),
        ("elb5xx", "HTTPCode_ELB_5XX_Count"),
        ("requests", "RequestCount"),
    ):
        m = queries[qid]["metric"]
        assert (m["metricName"], m["stat"], m["dimensions"]) == (
            metric,
            "Sum",
            {"LoadBalancer": lb_suffix},
        ), a["urn"]
    assert a["inputs"]["threshold"] == 5 and a["inputs"]["treatMissingData"] == "notBreaching", a["urn"]


def test_log_domain_alarms_watch_the_domain(prod: Render) -> None:
    domain = prod.one("aws:opensearch/domain:Domain")
    for key in (
        "search-cluster-red",
        "search-writes-blocked",
        "search-jvm-pressure-high",
        "search-free-storage-low",
    ):
        a = alarms(prod)[key]
        assert a["inputs"]["namespace"] == "AWS/ES", a["urn"]
        assert a["inputs"]["dimensions"] == {
            "DomainName": domain["inputs"]["domainName"],
            "ClientId": "123456789012",
        }, a["urn"]
    # FreeStorageSpace is in MiB: 25 % of the 100 GiB prod volume.
    assert alarms(prod)["search-free-storage-low"]["inputs"]["threshold"] == 100 * 1024 * 0.25


# -- notifications -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_every_alarm_notifies_its_regions_topic_on_alarm_and_on_recovery(render, stack: str) -> None:
    r = render(stack)
    assert r.of_type(ALARM), f"stack {stack}: no alarms"
    for a in r.of_type(ALARM):
        if a["inputs"].get("namespace") == SWITCH_NAMESPACE:
            # The failover switch (components/failover_switch.py) is an operator's decision, not a fault: its state
            # moves traffic, and tools/failover.py announces each move; it pages nobody.
            continue
        t = topic(r, a["region"])["outputs"]["arn"]
        assert a["inputs"]["alarmActions"] == [t], f"{a['urn']}: alarm_actions must be the alarm topic"
        assert a["inputs"]["okActions"] == [t], f"{a['urn']}: ok_actions must be the alarm topic (recovery)"
        assert a["inputs"]["actionsEnabled"] is True, a["urn"]


@pytest.mark.parametrize("region", ["us-east-1", "us-west-2"])
def test_topics_are_encrypted_with_the_logs_key_cloudwatch_may_use(prod: Render, region: str) -> None:
    t = topic(prod, region)
    logs_key = key_arn(prod, "logs", region)
    assert t["inputs"]["kmsMasterKeyId"] == logs_key, f"{t['urn']}: must use the logs key of {region}"
    [key] = [k for k in prod.of_type("aws:kms/key:Key") if k["outputs"]["arn"] == logs_key]
    services = [
        s["Principal"].get("Service")
        for s in statements(key["inputs"]["policy"])
        if isinstance(s.get("Principal"), dict)
    ]
    assert any("cloudwatch.amazonaws.com" in (sv if isinstance(sv, list) else [sv]) for sv in services), (
        f"{key['urn']}: the logs key policy must let cloudwatch.amazonaws.com publish to the encrypted topic"
    )
    [policy] = [
        p
        for p in prod.of_type("aws:sns/topicPolicy:TopicPolicy")
        if p["inputs"]["arn"] == t["outputs"]["arn"]
    ]
    st = statements(policy["inputs"]["policy"])
    publish = [
        s
        for s in st
        if s["Effect"] == "Allow" and s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    # This stack's alarms only (#15 item 5): the account and the alarms' name prefix, in the topic's region.
    assert publish and publish[0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{region}:123456789012:alarm:elite-locadora-prod-*"},
    }, policy["urn"]
    assert all(s.get("Principal") != "*" for s in st if s["Effect"] == "Allow"), (
        f"{policy['urn']}: open topic"
    )
    assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s) for s in st), policy["urn"]


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_subscriptions_come_from_config_on_both_topics(render, stack: str) -> None:
    r = render(stack)
    wanted = {(n["protocol"], n["endpoint"]) for n in _ops(stack)["notifications"]}
    for region in ("us-east-1", "us-west-2"):
        t = topic(r, region)["outputs"]["arn"]
        subs = {
            (s["inputs"]["protocol"], s["inputs"]["endpoint"])
            for s in r.of_type("aws:sns/topicSubscription:TopicSubscription")
            if s["inputs"]["topic"] == t
        }
        assert subs == wanted, (
            f"stack {stack}: {region} topic subscribers != elite-locadora:operations.notifications"
        )


def test_subscriptions_are_named_by_who_they_notify_not_by_position(prod: Render) -> None:
    """#14 item 17: reordering elite-locadora:operations.notifications never replaces a subscription."""
    for s in prod.of_type("aws:sns/topicSubscription:TopicSubscription"):
        i = s["inputs"]
        assert s["name"].endswith(f"-{subscription_key(i['protocol'], i['endpoint'])}"), s["urn"]
    names = {s["name"] for s in prod.of_type("aws:sns/topicSubscription:TopicSubscription")}
    assert names == {
        "operations-alarms-email-oncall@elitelocadora.com",
        "operations-dr-alarms-email-oncall@elitelocadora.com",
    }


def test_a_subscription_key_is_stable_and_never_carries_a_token_or_a_phone_number() -> None:
    url = "https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue"
    https = subscription_key("https", url)
    assert https.startswith("https-events.pagerduty.com-") and "0123456789abcdef" not in https, https
    assert https == subscription_key("https", url), "the same subscriber, the same name"
    assert https != subscription_key("https", url.replace("0123", "4567")), "two integrations, two names"
    sms = subscription_key("sms", "+5511999999999")
    assert "5511999999999" not in sms and sms.startswith("sms-"), sms
    assert subscription_key("email", "OnCall@EliteLocadora.com") == "email-oncall@elitelocadora.com"
    # A queue or function: its name, readable, and a digest of the whole ARN, so that the same name in another
    # account or region is another subscriber (no stack file subscribes one: the keys are checked here).
    queue = "arn:aws:sqs:us-east-1:123456789012:oncall-pager"
    sqs = subscription_key("sqs", queue)
    assert sqs.startswith("sqs-oncall-pager-") and "123456789012" not in sqs, sqs
    assert sqs != subscription_key("sqs", queue.replace("123456789012", "210987654321")), (
        "two accounts, two names"
    )
    function = subscription_key("lambda", "arn:aws:lambda:us-east-1:123456789012:function:page-oncall")
    assert function.startswith("lambda-page-oncall-") and "123456789012" not in function, function


def test_a_subscriber_listed_twice_is_refused_naming_the_key() -> None:
    cfg = copy.deepcopy(raw("staging"))
    ops = cfg["elite-locadora:operations"]
    ops["notifications"] = [
        *ops["notifications"],
        {"protocol": "email", "endpoint": ops["notifications"][0]["endpoint"].upper()},
    ]
    with pytest.raises(ConfigError, match=r"elite-locadora:operations\.notifications.*listed twice"):
        build_settings(cfg, "elite-locadora", "staging")


# -- dashboard -------------------------------------------------------------------------------------------------------
def test_dashboard_shows_each_tiers_figures_and_every_primary_alarm(prod: Render) -> None:
    d = prod.one("aws:cloudwatch/dashboard:Dashboard")
    body = json.loads(d["inputs"]["dashboardBody"])
    assert d["inputs"]["dashboardName"] == "elite-locadora-prod-overview"
    [alarm_widget] = [w for w in body["widgets"] if w["type"] == "alarm"]
    primary = {a["outputs"]["arn"] for a in prod.of_type(ALARM) if a["region"] == "us-east-1"}
    assert set(alarm_widget["properties"]["alarms"]) == primary, (
        f"{d['urn']}: the alarm widget must list every alarm"
    )
    text = json.dumps(body)
    assert prod.one(LB, "edge")["outputs"]["arnSuffix"] in text, f"{d['urn']}: no load balancer figures"
    assert prod.one("aws:opensearch/domain:Domain")["inputs"]["domainName"] in text, (
        f"{d['urn']}: no log domain"
    )
    dr_replica = [x for x in prod.of_type(RDS) if x["region"] == "us-west-2"][0]["outputs"]["identifier"]
    for w in body["widgets"]:
        if w["type"] == "metric":
            in_dr = dr_replica in json.dumps(w["properties"]["metrics"])
            assert w["properties"]["region"] == ("us-west-2" if in_dr else "us-east-1"), (
                f"{d['urn']}: widget {w['properties']['title']} must name the region of its metrics"
            )
    assert any(w["properties"].get("region") == "us-west-2" for w in body["widgets"]), (
        f"{d['urn']}: no DR replica lag"
    )


# -- default tags ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_every_taggable_resource_gets_the_default_tags_through_its_provider(render, stack: str) -> None:
    r = render(stack)
    expected = {"Project": "Elite Locadora", "Environment": stack, "ManagedBy": "Pulumi"}
    providers = {p["urn"]: p for p in r.of_type("pulumi:providers:aws")}
    for p in providers.values():
        assert json.loads(p["inputs"]["defaultTags"])["tags"] == expected, f"{p['urn']}: defaultTags"
    taggable = [
        x for x in r.resources if x["type"].startswith("aws:") and "tagsAll" in (x.get("outputs") or {})
    ]
    assert len(taggable) > 50, f"stack {stack}: expected the tiers' taggable resources, found {len(taggable)}"
    for x in taggable:
        assert x["provider"] in providers, f"{x['urn']}: not created through an explicit aws provider"
        tags = x["outputs"]["tagsAll"]
        assert {k: tags.get(k) for k in expected} == expected, f"{x['urn']}: tagsAll lacks the default tags"


def test_policy_pack_passes_both_stacks(prod: Render, staging: Render) -> None:
    for r in (prod, staging):
        assert not r.mandatory(), (
            f"stack {r.stack}: mandatory violations {[(v['policy'], v['urn']) for v in r.mandatory()]}"
        )


# -- config validation ---------------------------------------------------------------------------------------------
def _ops(stack: str) -> dict:
    return copy.deepcopy(raw(stack)["elite-locadora:operations"])


def _build(stack: str, change) -> None:
    cfg = raw(stack)
    ops = _ops(stack)
    change(ops)
    cfg["elite-locadora:operations"] = ops
    build_settings(cfg, "elite-locadora", stack)


@pytest.mark.parametrize(
    "stack,change,key,words",
    [
        (
            "prod",
            lambda o: o["alarms"].update(responseTimeSeconds=2000),
            "operations.alarms.responseTimeSeconds",
            "seconds",
        ),
        (
            "prod",
            lambda o: o["alarms"].update(periodSeconds=45),
            "operations.alarms.periodSeconds",
            "multiple of 60",
        ),
        (
            "prod",
            lambda o: o["alarms"].update(ecsCpuPercent=120),
            "operations.alarms.ecsCpuPercent",
            "less than or equal to 100",
        ),
        ("prod", lambda o: o.update(notifications=[]), "operations.notifications", "at least 1"),
        (
            "prod",
            lambda o: o["search"].update(auditLogRetentionDays=90),
            "operations.search.auditLogRetentionDays",
            "at least a year",
        ),
        (
            "staging",
            lambda o: o["notifications"].append({"protocol": "email", "endpoint": "not-an-address"}),
            "operations.notifications[1].endpoint",
            "e-mail address",
        ),
        (
            "staging",
            lambda o: o["notifications"].append(
                {"protocol": "https", "endpoint": "http://hooks.example.com/x"}
            ),
            "operations.notifications[1].endpoint",
            "https://",
        ),
        (
            "prod",
            lambda o: o["search"].update(instanceCount=4),
            "operations.search.instanceCount",
            "multiple of availabilityZones",
        ),
        (
            "prod",
            lambda o: o["search"].update(instanceType="t2.small.search"),
            "operations.search.instanceType",
            "families:",
        ),
        # Sizes that do not exist (r6g stops at 12xlarge), types with instance storage only (no EBS volume), and
        # volumes outside the type's gp3 quota: AWS refuses each at create time (OpenSearch quotas).
        (
            "prod",
            lambda o: o["search"].update(instanceType="r6g.24xlarge.search"),
            "operations.search.instanceType",
            "r6g offers r6g.12xlarge.search",
        ),
        (
            "prod",
            lambda o: o["search"].update(instanceType="i3.large.search"),
            "operations.search.instanceType",
            "gp3 EBS",
        ),
        (
            "prod",
            lambda o: o["search"].update(dedicatedMasterType="m6g.16xlarge.search"),
            "operations.search.dedicatedMasterType",
            "m6g offers",
        ),
        (
            "prod",
            lambda o: o["search"].update(instanceType="r6g.large.search", volumeSizeGib=3000),
            "operations.search.volumeSizeGib",
            "10 to 2048 GiB",
        ),
        (
            "staging",
            lambda o: o["search"].update(instanceType="or1.medium.search", volumeSizeGib=10),
            "operations.search.volumeSizeGib",
            "20 to 768 GiB",
        ),
        ("prod", lambda o: o["search"].pop("dedicatedMasterType"), "operations.search", "dedicated masters"),
        (
            "prod",
            lambda o: o["search"].update(availabilityZones=1, instanceCount=3),
            "operations.search",
            "zone awareness",
        ),
        ("prod", lambda o: o["backup"].update(copyToDr=False), "operations.backup.copyToDr", "DR region"),
        (
            "staging",
            lambda o: o["backup"].update(window="03:00-03:30"),
            "operations.backup.window",
            "at least 60 minutes",
        ),
        (
            "staging",
            lambda o: o["backup"].update(completionWindowMinutes=100),
            "operations.backup.completionWindowMinutes",
            "greater than or equal to 120",
        ),
        (
            "staging",
            lambda o: o["backup"].update(window="25:00-26:00"),
            "operations.backup.window",
            "hh24:mi",
        ),
        (
            "prod",
            lambda o: o.update(jwtSecretLength=16),
            "operations.jwtSecretLength",
            "greater than or equal to 32",
        ),
    ],
)
def test_bad_operations_config_is_refused_naming_the_key(stack, change, key, words) -> None:
    with pytest.raises(ConfigError, match=rf"stack .{stack}.*elite-locadora:{re.escape(key)}\b"):
        _build(stack, change)
    try:
        _build(stack, change)
    except ConfigError as exc:
        assert words in str(exc), f"message for {key} should say '{words}': {exc}"


def test_database_storage_and_replica_lag_alarms_watch_each_instance_in_its_region(prod: Render) -> None:
    a = alarms(prod)
    db = primary_db(prod)
    free = a["db-free-storage-low"]["inputs"]
    assert free["dimensions"] == {"DBInstanceIdentifier": db["outputs"]["identifier"]}
    assert (free["threshold"], free["comparisonOperator"], free["unit"]) == (
        10 * 1024**3,
        "LessThanThreshold",
        "Bytes",
    )
    replicas = [d for d in prod.of_type(RDS) if d["inputs"].get("replicateSourceDb")]
    assert replicas, "prod has read replicas"
    watched = {}
    for key, alarm in a.items():
        if key.endswith("-lag-high"):
            assert alarm["inputs"]["metricName"] == "ReplicaLag" and alarm["inputs"]["threshold"] == 300, (
                alarm["urn"]
            )
            watched[alarm["inputs"]["dimensions"]["DBInstanceIdentifier"]] = alarm["region"]
    assert watched == {d["outputs"]["identifier"]: d["region"] for d in replicas}, (
        "one ReplicaLag alarm per replica, in the replica's region (CloudWatch alarms are regional)"
    )


def test_redis_alarms_watch_every_member_cluster(prod: Render) -> None:
    group = prod.one("aws:elasticache/replicationGroup:ReplicationGroup", "data-redis")
    members = set(group["outputs"]["memberClusters"])
    assert len(members) == group["inputs"]["numCacheClusters"]
    for metric, threshold in (
        ("EngineCPUUtilization", 80),
        ("DatabaseMemoryUsagePercentage", 80),
        ("Evictions", 1000),
    ):
        found = [x for x in prod.of_type(ALARM) if x["inputs"].get("metricName") == metric]
        assert {x["inputs"]["dimensions"]["CacheClusterId"] for x in found} == members, (
            f"{metric}: one alarm per node"
        )
        assert all(
            x["inputs"]["namespace"] == "AWS/ElastiCache" and x["inputs"]["threshold"] == threshold
            for x in found
        )


def test_log_delivery_alarm_per_stream(prod: Render) -> None:
    streams = {
        x["inputs"]["name"] for x in prod.of_type("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream")
    }
    found = [x for x in prod.of_type(ALARM) if x["inputs"].get("namespace") == "AWS/Firehose"]
    assert {x["inputs"]["dimensions"]["DeliveryStreamName"] for x in found} == streams, (
        "one alarm per delivery stream"
    )
    for x in found:
        i = x["inputs"]
        assert i["metricName"] == "DeliveryToAmazonOpenSearchService.Success", x["urn"]
        assert (i["threshold"], i["comparisonOperator"], i["treatMissingData"]) == (
            0.99,
            "LessThanThreshold",
            "notBreaching",
        )


# -- what sees a total outage (issue #17): silence is an outage, and the DR region hears it ---------------------
def _alarm_in(r: Render, key: str, region: str) -> dict:
    a = alarms(r)[key]
    assert a["region"] == region, (
        f"{a['urn']}: expected in {region} (CloudWatch alarms watch their own region)"
    )
    assert a["inputs"]["alarmActions"] == [topic(r, region)["outputs"]["arn"]], a["urn"]
    return a


@pytest.mark.parametrize("stack", ["prod", "staging"])
@pytest.mark.parametrize("service", ["web", "api"])
def test_a_target_group_with_no_healthy_target_or_no_report_pages(render, stack: str, service: str) -> None:
    """UnHealthyHostCount is 0 when a group has no targets at all, and the 5xx rate has nothing to divide when
    no request arrives: HealthyHostCount below 1, with missing data breaching, is what sees an empty group or
    a load balancer that stopped reporting."""
    r = render(stack)
    i = _alarm_in(r, f"{service}-no-healthy-targets", "us-east-1")["inputs"]
    assert (i["namespace"], i["metricName"], i["statistic"]) == (
        "AWS/ApplicationELB",
        "HealthyHostCount",
        "Minimum",
    )
    assert (i["threshold"], i["comparisonOperator"], i["treatMissingData"]) == (
        1,
        "LessThanThreshold",
        "breaching",
    )
    assert i["dimensions"] == {
        "LoadBalancer": r.one(LB, "edge")["outputs"]["arnSuffix"],
        "TargetGroup": target_group(r, service)["outputs"]["arnSuffix"],
    }
    assert alarms(r)["alb-5xx-rate-high"]["inputs"]["treatMissingData"] == "notBreaching", (
        "a quiet night must not page: silence is the healthy-hosts alarms' to judge"
    )


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_a_service_with_no_running_task_or_no_report_pages(render, stack: str) -> None:
    """RunningTaskCount is a Container Insights metric: both stacks turn Container Insights on, and every
    service (the worker too, which no load balancer watches) has an alarm that breaches on silence."""
    r = render(stack)
    cluster = r.one("aws:ecs/cluster:Cluster", "compute-cluster")
    settings = {s["name"]: s["value"] for s in cluster["inputs"]["settings"]}
    assert settings["containerInsights"] != "disabled", (
        f"{cluster['urn']}: RunningTaskCount needs Container Insights"
    )
    services = {
        s["name"].removeprefix("compute-"): s["inputs"]["name"]
        for s in r.of_type(SERVICE)
        if s["region"] == "us-east-1"
    }
    for svc, service_name in services.items():
        i = _alarm_in(r, f"{svc}-no-running-tasks", "us-east-1")["inputs"]
        assert (i["namespace"], i["metricName"], i["statistic"]) == (
            "ECS/ContainerInsights",
            "RunningTaskCount",
            "Minimum",
        ), svc
        assert (i["threshold"], i["comparisonOperator"], i["treatMissingData"]) == (
            1,
            "LessThanThreshold",
            "breaching",
        ), svc
        assert i["dimensions"] == {"ClusterName": cluster["inputs"]["name"], "ServiceName": service_name}, svc


def test_broken_replication_pages_from_each_replicas_own_region(prod: Render) -> None:
    """RDS reports ReplicaLag -1 when replication is not active (RDS User Guide, monitoring MySQL read
    replicas), which the lag-above-300-s alarms never see; the DR replica's alarm lives in us-west-2 and
    notifies the DR topic, so it still pages when us-east-1 is gone."""
    replicas = [d for d in prod.of_type(RDS) if d["inputs"].get("replicateSourceDb")]
    assert {d["region"] for d in replicas} == {"us-east-1", "us-west-2"}, (
        "prod replicates in and out of region"
    )
    broken = {
        a["inputs"]["dimensions"]["DBInstanceIdentifier"]: a
        for key, a in alarms(prod).items()
        if key.endswith("-replication-broken")
    }
    assert set(broken) == {d["outputs"]["identifier"] for d in replicas}, "one per replica"
    for d in replicas:
        a = broken[d["outputs"]["identifier"]]
        i = a["inputs"]
        assert a["region"] == d["region"], f"{a['urn']}: must live in the replica's region"
        assert i["alarmActions"] == [topic(prod, d["region"])["outputs"]["arn"]], a["urn"]
        assert (i["metricName"], i["statistic"], i["threshold"], i["comparisonOperator"]) == (
            "ReplicaLag",
            "Minimum",
            0,
            "LessThanThreshold",
        ), f"{a['urn']}: -1 is below 0; any real lag is not"
        assert i["treatMissingData"] == "breaching", (
            f"{a['urn']}: a replica that reports nothing is not replicating"
        )


def test_the_dr_topic_and_its_subscribers_live_in_the_dr_region_with_a_dr_key(prod: Render) -> None:
    t = topic(prod, "us-west-2")
    assert t["inputs"]["kmsMasterKeyId"] == key_arn(prod, "logs", "us-west-2")
    subs = [
        s for s in prod.of_type("aws:sns/topicSubscription:TopicSubscription") if s["region"] == "us-west-2"
    ]
    assert subs and {s["inputs"]["topic"] for s in subs} == {t["outputs"]["arn"]}, (
        "on-call subscribes in us-west-2"
    )


def test_the_dr_replicas_own_events_reach_the_dr_topic(prod: Render) -> None:
    """RDS sends an instance's events to EventBridge in the instance's region: the DR replica's (replication
    stopped or terminated, failure) go to a rule in us-west-2 that publishes to the DR topic."""
    [rule] = [
        x
        for x in prod.of_type("aws:cloudwatch/eventRule:EventRule")
        if x["inputs"]["name"] == "elite-locadora-prod-dr-database-event"
    ]
    assert rule["region"] == "us-west-2", rule["urn"]
    pattern = json.loads(rule["inputs"]["eventPattern"])
    assert pattern["source"] == ["aws.rds"] and "read replica" in pattern["detail"]["EventCategories"], rule[
        "urn"
    ]
    [target] = [
        t
        for t in prod.of_type("aws:cloudwatch/eventTarget:EventTarget")
        if t["inputs"]["rule"] == rule["outputs"]["name"]
    ]
    assert (
        target["region"] == "us-west-2"
        and target["inputs"]["arn"] == topic(prod, "us-west-2")["outputs"]["arn"]
    )


@pytest.mark.parametrize("region", ["us-east-1", "us-west-2"])
def test_eventbridge_may_use_each_logs_key_without_conditions_aws_does_not_support(
    prod: Render, region: str
) -> None:
    """EventBridge publishes failed backups and copies, rollbacks and failovers to the encrypted topics. AWS
    does not support aws:SourceAccount or aws:SourceArn in the key policy for EventBridge-to-encrypted-topic
    delivery (SNS Developer Guide, key management): with them every event is dropped. The pack's
    kms-eventbridge-grant-without-source-conditions keeps it from coming back (tests/policies)."""
    logs_key = key_arn(prod, "logs", region)
    [key] = [k for k in prod.of_type("aws:kms/key:Key") if k["outputs"]["arn"] == logs_key]
    grants = [
        s
        for s in statements(key["inputs"]["policy"])
        if isinstance(s.get("Principal"), dict)
        and "events.amazonaws.com" in json.dumps(s["Principal"].get("Service"))
    ]
    assert len(grants) == 1, f"{key['urn']}: one statement lets EventBridge use the key"
    [grant] = grants
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(grant["Action"]), key["urn"]
    assert (
        "aws:sourceaccount" not in json.dumps(grant).lower()
        and "aws:sourcearn" not in json.dumps(grant).lower()
    ), f"{key['urn']}: {grant}"


def test_every_search_instance_type_the_settings_accept_is_a_real_instance() -> None:
    """The table is written from AWS's quota page; each type but OpenSearch's own OR families is an EC2 instance
    type that exists (pulumi_aws.ec2.InstanceType), so a typo or an invented size cannot hide in it."""
    from settings.common import EC2_INSTANCE_TYPES
    from settings.logging import SEARCH_INSTANCE_TYPES

    for name, largest in SEARCH_INSTANCE_TYPES.items():
        family = name.split(".", 1)[0]
        assert name.endswith(".search") and largest >= 100, name
        if family not in ("or1", "or2"):
            assert name.removesuffix(".search") in EC2_INSTANCE_TYPES, f"{name}: no such EC2 instance type"


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_a_failover_that_does_not_take_pages_from_the_dr_region(render, stack: str) -> None:
    """The DR site runs no task until a failover (pilot light), so its alarms judge only a service asked to run
    (DesiredTaskCount above 0): no task running, or nothing healthy behind its target group, pages on-call
    through the DR topic, from the DR region, with the primary region gone."""
    r = render(stack)
    dr_topic = topic(r, "us-west-2")["outputs"]["arn"]
    services = {s["inputs"]["name"] for s in r.of_type(SERVICE) if s["region"] == "us-west-2"}
    [cluster] = [c for c in r.of_type("aws:ecs/cluster:Cluster") if c["region"] == "us-west-2"]
    [lb] = [x for x in r.of_type(LB) if x["region"] == "us-west-2"]
    groups = {t["outputs"]["arnSuffix"] for t in r.of_type(TG) if t["region"] == "us-west-2"}
    assert services and groups, f"stack {stack}: expected a DR site"
    tasks, healthy = {}, {}
    for key, a in alarms(r).items():
        if not key.startswith("dr-") or not key.endswith(("-no-running-tasks", "-no-healthy-targets")):
            continue
        i = a["inputs"]
        assert a["region"] == "us-west-2" and i["alarmActions"] == [dr_topic], a["urn"]
        assert i["treatMissingData"] == "notBreaching", f"{a['urn']}: a site at zero may report nothing"
        queries = {q["id"]: q for q in i["metricQueries"]}
        [result] = [q for q in queries.values() if q.get("returnData")]
        assert "desired, 0) > 0" in result["expression"], f"{a['urn']}: judges only a service asked to run"
        desired = queries["desired"]["metric"]
        assert (desired["namespace"], desired["metricName"]) == ("ECS/ContainerInsights", "DesiredTaskCount")
        assert desired["dimensions"]["ClusterName"] == cluster["inputs"]["name"], a["urn"]
        if key.endswith("-no-running-tasks"):
            assert queries["running"]["metric"]["metricName"] == "RunningTaskCount", a["urn"]
            tasks[desired["dimensions"]["ServiceName"]] = a
        else:
            m = queries["healthy"]["metric"]
            assert (m["metricName"], m["dimensions"]["LoadBalancer"]) == (
                "HealthyHostCount",
                lb["outputs"]["arnSuffix"],
            ), a["urn"]
            healthy[m["dimensions"]["TargetGroup"]] = a
    assert set(tasks) == services, f"stack {stack}: one no-running-tasks alarm per DR service"
    assert set(healthy) == groups, f"stack {stack}: one no-healthy-targets alarm per DR target group"
