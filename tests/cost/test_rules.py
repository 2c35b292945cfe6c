"""Each pricing rule's arithmetic on small fixture renders, under round test prices (tests/cost/conftest.py)."""

from __future__ import annotations

import pytest

from tests.cost.conftest import HOURS, TEST_PRICES, TIER, line, render, resource, urn

RDS = "aws:rds/instance:Instance"
SERVICE = "aws:ecs/service:Service"
TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"


def test_rds_multi_az_doubles_instance_hours_and_storage(price) -> None:
    single = resource(
        RDS, "single", {"engine": "mysql", "instanceClass": "db.r7g.xlarge", "allocatedStorage": 100}
    )
    multi = resource(
        RDS,
        "multi",
        {"engine": "mysql", "instanceClass": "db.r7g.xlarge", "allocatedStorage": 100, "multiAz": True},
    )
    est = price(render(single, multi))
    assert line(est, "single").monthly == pytest.approx(0.4 * HOURS + 100 * 0.1), line(est, "single").basis
    assert line(est, "multi").monthly == pytest.approx(2 * (0.4 * HOURS + 100 * 0.1)), line(
        est, "multi"
    ).basis
    assert "× 2 (Multi-AZ)" in line(est, "multi").basis


def test_gp3_iops_above_the_baseline_are_billed(price) -> None:
    db = resource(
        RDS, "db", {"engine": "mysql", "instanceClass": "db.r7g.large", "allocatedStorage": 100, "iops": 5000}
    )
    est = price(render(db))
    assert line(est, "db").monthly == pytest.approx(0.2 * HOURS + 100 * 0.1 + 2000 * 0.02)


def test_cross_region_replica_is_priced_in_its_own_region_plus_transfer(price) -> None:
    primary = resource(
        RDS,
        "primary",
        {
            "engine": "mysql",
            "instanceClass": "db.r7g.large",
            "allocatedStorage": 50,
            "arn": "arn:aws:rds:us-east-1:123456789012:db:primary",
        },
    )
    replica = resource(
        RDS,
        "dr",
        {
            "instanceClass": "db.r7g.large",
            "replicateSourceDb": "arn:aws:rds:us-east-1:123456789012:db:primary",
        },
        region="us-west-2",
    )
    est = price(render(primary, replica), {"dbReplicationGbPerMonth": 40})
    # us-west-2's test prices (0.3/h, 0.2/GB) — not us-east-1's — and storage inherited from the source.
    assert line(est, "dr").monthly == pytest.approx(0.3 * HOURS + 50 * 0.2 + 40 * 0.02), line(est, "dr").basis
    assert line(est, "primary").monthly == pytest.approx(0.2 * HOURS + 50 * 0.1)
    assert "us-west-2" in line(est, "dr").basis


def test_cache_node_count_multiplies_node_hours(price) -> None:
    group = resource(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "redis",
        {"nodeType": "cache.r6g.large", "numCacheClusters": 3, "engine": "redis"},
    )
    sharded = resource(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "sharded",
        {"nodeType": "cache.r6g.large", "numNodeGroups": 2, "replicasPerNodeGroup": 1},
    )
    est = price(render(group, sharded))
    assert line(est, "redis").monthly == pytest.approx(3 * 0.2 * HOURS)
    assert line(est, "sharded").monthly == pytest.approx(4 * 0.2 * HOURS), line(est, "sharded").basis


def _task_def(arch: str = "X86_64") -> dict:
    return resource(
        TASK_DEF,
        "api-task",
        {
            "family": "api",
            "cpu": "1024",
            "memory": "2048",
            "runtimePlatform": {"cpuArchitecture": arch, "operatingSystemFamily": "LINUX"},
        },
    )


def test_fargate_tasks_multiply_task_size_by_desired_count(price) -> None:
    service = resource(
        SERVICE,
        "api",
        {
            "desiredCount": 3,
            "launchType": "FARGATE",
            "taskDefinition": "arn:aws:ecs:us-east-1:1:task-definition/api:1",
        },
    )
    est = price(render(_task_def(), service))
    assert line(est, "api").monthly == pytest.approx(3 * (1 * 0.04 + 2 * 0.004) * HOURS), line(
        est, "api"
    ).basis


def test_graviton_tasks_use_arm_prices(price) -> None:
    service = resource(
        SERVICE,
        "api",
        {"desiredCount": 2, "taskDefinition": "api-task-id"},
        deps={"taskDefinition": [urn(TASK_DEF, "api-task")]},
    )
    est = price(render(_task_def("ARM64"), service))
    assert line(est, "api").monthly == pytest.approx(2 * (0.03 + 2 * 0.003) * HOURS)


def test_spot_share_follows_the_capacity_provider_strategy(price) -> None:
    # 5 tasks: base 1 on FARGATE, the other 4 split 1:3 → FARGATE 2, FARGATE_SPOT 3.
    service = resource(
        SERVICE,
        "worker",
        {
            "desiredCount": 5,
            "taskDefinition": "arn:aws:ecs:us-east-1:1:task-definition/api:3",
            "capacityProviderStrategies": [
                {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                {"capacityProvider": "FARGATE_SPOT", "weight": 3},
            ],
        },
    )
    est = price(render(_task_def(), service))
    on_demand = 2 * (0.04 + 2 * 0.004) * HOURS
    spot = 3 * (0.01 + 2 * 0.001) * HOURS
    assert line(est, "worker").monthly == pytest.approx(on_demand + spot), line(est, "worker").basis
    assert "Spot share 60%" in line(est, "worker").basis


def test_cluster_default_strategy_applies_when_the_service_has_none(price) -> None:
    cluster = resource("aws:ecs/cluster:Cluster", "cluster", {"name": "c"})
    providers = resource(
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
        "cluster-providers",
        {
            "clusterName": "c",
            "defaultCapacityProviderStrategies": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
        },
    )
    service = resource(SERVICE, "web", {"desiredCount": 2, "cluster": "c", "taskDefinition": "api"})
    est = price(render(cluster, providers, _task_def(), service))
    assert line(est, "web").monthly == pytest.approx(2 * (0.01 + 2 * 0.001) * HOURS), line(est, "web").basis


def test_auto_scaled_services_run_at_the_assumed_level(price) -> None:
    service = resource(SERVICE, "api", {"name": "api", "desiredCount": 2, "taskDefinition": "api"})
    target = resource(
        "aws:appautoscaling/target:Target",
        "api-scaling",
        {
            "resourceId": "service/cluster/api",
            "scalableDimension": "ecs:service:DesiredCount",
            "minCapacity": 2,
            "maxCapacity": 10,
        },
    )
    est = price(render(_task_def(), service, target), {"autoscalingLevel": 0.25})
    assert line(est, "api").monthly == pytest.approx(4 * (0.04 + 2 * 0.004) * HOURS), line(est, "api").basis


def test_a_pilot_light_service_at_zero_costs_no_task(price) -> None:
    """Target tracking scales on the running tasks' metrics: a service at zero with a minimum of zero stays there
    (the DR site before its failover, components/dr_site.py)."""
    service = resource(SERVICE, "dr-api", {"name": "api", "desiredCount": 0, "taskDefinition": "api"})
    target = resource(
        "aws:appautoscaling/target:Target",
        "dr-api-scaling",
        {
            "resourceId": "service/cluster-dr/api",
            "scalableDimension": "ecs:service:DesiredCount",
            "minCapacity": 0,
            "maxCapacity": 10,
        },
    )
    est = price(render(_task_def(), service, target), {"autoscalingLevel": 0.25})
    assert line(est, "dr-api").monthly == 0 and "0 tasks" in line(est, "dr-api").basis


def test_replicated_automated_backups_pay_storage_there_and_the_transfer(price) -> None:
    primary = resource(
        RDS,
        "primary",
        {
            "engine": "mysql",
            "instanceClass": "db.r7g.large",
            "allocatedStorage": 50,
            "arn": "arn:aws:rds:us-east-1:123456789012:db:primary",
        },
    )
    replication = resource(
        "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
        "backups-dr",
        {"sourceDbInstanceArn": "arn:aws:rds:us-east-1:123456789012:db:primary"},
        region="us-west-2",
    )
    est = price(
        render(primary, replication),
        {"rdsReplicatedBackupGbStored": 100, "rdsReplicatedBackupGbPerMonth": 30},
    )
    got = line(est, "backups-dr")
    # us-west-2's backup storage (0.11/GB) and us-east-1's transfer to us-west-2 (0.02/GB).
    assert got.monthly == pytest.approx(100 * 0.11 + 30 * 0.02), got.basis


def test_interface_endpoints_are_billed_per_az(price) -> None:
    interface = resource(
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "ecr",
        {"vpcEndpointType": "Interface", "subnetIds": ["subnet-a", "subnet-b", "subnet-c"]},
    )
    gateway = resource("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", {"vpcEndpointType": "Gateway"})
    est = price(render(interface, gateway), {"endpointGbProcessed": 10})
    assert line(est, "ecr").monthly == pytest.approx(3 * 0.01 * HOURS + 10 * 0.01), line(est, "ecr").basis
    assert line(est, "s3").monthly == 0.0


def test_nat_gateway_hours_and_processed_data(price) -> None:
    nat = resource("aws:ec2/natGateway:NatGateway", "nat", {})
    eip = resource("aws:ec2/eip:Eip", "nat-ip", {"domain": "vpc"})
    est = price(render(nat, eip), {"natGbProcessed": 200})
    assert line(est, "nat").monthly == pytest.approx(0.05 * HOURS + 200 * 0.05)
    assert line(est, "nat-ip").monthly == pytest.approx(0.005 * HOURS)


def test_internet_facing_alb_pays_hours_lcus_and_a_public_ip_per_az(price) -> None:
    alb = resource(
        "aws:lb/loadBalancer:LoadBalancer",
        "alb",
        {"loadBalancerType": "application", "internal": False, "subnets": ["a", "b", "c"]},
    )
    internal = resource(
        "aws:alb/loadBalancer:LoadBalancer", "internal", {"internal": True, "subnets": ["a", "b"]}
    )
    est = price(render(alb, internal), {"albLcu": 4, "albGbOut": 100})
    assert line(est, "alb").monthly == pytest.approx((0.02 + 4 * 0.01 + 3 * 0.005) * HOURS + 100 * 0.09)
    assert line(est, "internal").monthly == pytest.approx((0.02 + 4 * 0.01) * HOURS), (
        "aws:alb alias priced too"
    )


def test_log_group_ingestion_and_archive_follow_the_assumptions(price) -> None:
    group = resource(
        "aws:cloudwatch/logGroup:LogGroup", "flow", {"name": "/aws/vpc/flow-logs/x", "retentionInDays": 365}
    )
    other = resource("aws:cloudwatch/logGroup:LogGroup", "other", {"name": "/app/x", "retentionInDays": 30})
    usage = {"logGbIngested": {"/aws/vpc/*": 10, "*": 1}, "logCompressionRatio": 0.2}
    est = price(render(group, other), usage)
    assert line(est, "flow").monthly == pytest.approx(10 * 0.5 + 10 * 12 * 0.2 * 0.03), line(
        est, "flow"
    ).basis
    assert line(est, "other").monthly == pytest.approx(1 * 0.5 + 1 * (30 / 30.4) * 0.2 * 0.03)


def test_web_acl_pays_the_acl_each_rule_and_the_requests_of_its_scope(price) -> None:
    rules = [{"name": "common"}, {"name": "rate"}]
    regional = resource("aws:wafv2/webAcl:WebAcl", "regional", {"scope": "REGIONAL", "rules": rules})
    cdn = resource("aws:wafv2/webAcl:WebAcl", "cdn", {"scope": "CLOUDFRONT", "rules": rules[:1]})
    est = price(render(regional, cdn), {"albRequestsMillions": 20, "cloudfrontRequestsMillions": 50})
    assert line(est, "regional").monthly == pytest.approx(5 + 2 * 1 + 20 * 0.6)
    assert line(est, "cdn").monthly == pytest.approx(5 + 1 * 1 + 50 * 0.6)


def test_cloudfront_price_class_decides_which_edges_bill(price) -> None:
    all_edges = resource("aws:cloudfront/distribution:Distribution", "all", {"priceClass": "PriceClass_All"})
    na_eu = resource("aws:cloudfront/distribution:Distribution", "na", {"priceClass": "PriceClass_100"})
    usage = {"cloudfrontGbOut": 1000, "cloudfrontRequestsMillions": 10, "cloudfrontSouthAmericaShare": 0.5}
    est = price(render(all_edges, na_eu), usage)
    assert line(est, "all").monthly == pytest.approx(1000 * 0.15 + 10 * 100 * 0.015)
    assert line(est, "na").monthly == pytest.approx(1000 * 0.1 + 10 * 100 * 0.01), (
        "PriceClass_100: NA/EU only"
    )


def test_replica_bucket_is_priced_in_its_region_and_replication_storage_class(price) -> None:
    source = resource("aws:s3/bucket:Bucket", "assets", {"bucket": "assets"})
    replica = resource("aws:s3/bucket:Bucket", "replica", {"bucket": "assets-replica"}, region="us-west-2")
    replication = resource(
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        "replication",
        {
            "rules": [
                {"destination": {"bucket": "arn:aws:s3:::assets-replica", "storageClass": "STANDARD_IA"}}
            ]
        },
    )
    usage = {"s3GbStored": {"assets*": 100}, "s3ReplicationGbPerMonth": 30}
    est = price(render(source, replica, replication), usage)
    assert line(est, "assets").monthly == pytest.approx(100 * 0.02)
    assert line(est, "replica").monthly == pytest.approx(100 * 0.015), line(est, "replica").basis
    assert line(est, "replication").monthly == pytest.approx(30 * 0.02)


def test_backup_vaults_are_priced_by_what_their_plans_back_up(price) -> None:
    vault = resource("aws:backup/vault:Vault", "vault", {"name": "main"})
    dr = resource("aws:backup/vault:Vault", "dr-vault", {"name": "dr"}, region="us-west-2")
    plan = resource(
        "aws:backup/plan:Plan",
        "plan",
        {
            "rules": [
                {
                    "targetVaultName": "main",
                    "copyActions": [{"destinationVaultArn": "arn:aws:backup:us-west-2:1:backup-vault:dr"}],
                }
            ]
        },
    )
    selection = resource(
        "aws:backup/selection:Selection",
        "selection",
        {"planId": "plan-id", "resources": ["arn:aws:s3:::assets", "arn:aws:rds:us-east-1:1:db:main"]},
        deps={"planId": [urn("aws:backup/plan:Plan", "plan")]},
    )
    usage = {"backupGbStored": {"*": 100}, "backupCopyGbPerMonth": 50}
    est = price(render(vault, dr, plan, selection), usage)
    assert line(est, "vault").monthly == pytest.approx(100 * 0.1), "RDS recovery points at the RDS rate"
    assert line(est, "dr-vault").monthly == pytest.approx(100 * 0.12), "the copy vault at us-west-2's rate"
    assert line(est, "plan").monthly == pytest.approx(50 * 0.02), "cross-region copy transfer"


def test_secret_replicas_are_billed_as_secrets_in_their_region(price) -> None:
    secret = resource("aws:secretsmanager/secret:Secret", "secret", {"replicas": [{"region": "us-west-2"}]})
    est = price(render(secret), {"secretApiCallsTenThousands": 2})
    assert line(est, "secret").monthly == pytest.approx(0.4 + 0.5 + 2 * 0.05)


def test_alarms_count_their_metrics_and_resolution(price) -> None:
    simple = resource("aws:cloudwatch/metricAlarm:MetricAlarm", "cpu", {"metricName": "CPU", "period": 300})
    fast = resource("aws:cloudwatch/metricAlarm:MetricAlarm", "fast", {"metricName": "CPU", "period": 10})
    math_alarm = resource(
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "errors",
        {
            "metricQueries": [
                {"id": "e", "expression": "100*a/b"},
                {"id": "a", "metric": {"metricName": "5xx", "period": 60}},
                {"id": "b", "metric": {"metricName": "Requests", "period": 60}},
            ]
        },
    )
    est = price(render(simple, fast, math_alarm))
    assert line(est, "cpu").monthly == pytest.approx(0.1)
    assert line(est, "fast").monthly == pytest.approx(0.3)
    assert line(est, "errors").monthly == pytest.approx(0.2), "a metric-math alarm bills each metric it reads"


def test_free_types_cost_nothing_and_unknown_or_unpriced_types_are_listed(price) -> None:
    role = resource("aws:iam/role:Role", "role", {})
    unknown = resource("aws:lambda/function:Function", "fn", {})
    no_price = resource(
        "aws:elasticache/replicationGroup:ReplicationGroup", "big", {"nodeType": "cache.r7g.16xlarge"}
    )
    est = price(render(role, unknown, no_price))
    assert est.free == 1 and not [x for x in est.lines if x.name == "role"]
    reasons = {u["urn"]: u["reason"] for u in est.unpriced}
    assert reasons == {
        urn("aws:lambda/function:Function", "fn"): "no pricing rule for aws:lambda/function:Function",
        urn("aws:elasticache/replicationGroup:ReplicationGroup", "big"): (
            "no price for elasticache.redis.node 'cache.r7g.16xlarge' in us-east-1"
        ),
    }
    assert est.monthly == 0.0, "unpriced resources are listed, never counted as free or guessed"


def test_a_type_priced_in_one_region_only_is_unpriced_in_the_other(price) -> None:
    cache = resource(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "dr-cache",
        {"nodeType": "cache.r6g.large"},
        region="us-west-2",
    )
    est = price(render(cache))
    assert [u["urn"] for u in est.unpriced] == [cache["urn"]], est.unpriced


def test_totals_add_up_by_tier(price) -> None:
    nat = resource("aws:ec2/natGateway:NatGateway", "nat", {})
    top = resource("aws:ec2/eip:Eip", "top-level-ip", {}, parent=None)
    est = price(render(nat, top))
    tiers = {t["tier"]: t["monthly"] for t in est.by_tier()}
    assert tiers == {
        TIER: pytest.approx(line(est, "nat").monthly, abs=0.01),
        "(stack)": pytest.approx(0.005 * HOURS, abs=0.01),
    }
    assert est.monthly == pytest.approx(sum(x.monthly for x in est.lines))


def test_rds_extras_managed_secret_monitoring_and_backup_beyond_the_free_allowance(price) -> None:
    db = resource(
        RDS,
        "db",
        {
            "engine": "mysql",
            "instanceClass": "db.r7g.large",
            "allocatedStorage": 100,
            "manageMasterUserPassword": True,
            "monitoringInterval": 60,
        },
    )
    est = price(render(db), {"enhancedMonitoringGb": 2, "rdsBackupGbBeyondFree": 50})
    expected = 0.2 * HOURS + 100 * 0.1 + 0.4 + 2 * 0.5 + 50 * 0.09
    assert line(est, "db").monthly == pytest.approx(expected), line(est, "db").basis


def test_a_log_metric_filter_publishes_a_custom_metric(c, book) -> None:
    doc = render(
        resource("aws:cloudwatch/logMetricFilter:LogMetricFilter", "errors", {"metricTransformation": {}})
    )
    prices = c.parse_prices(
        {
            **TEST_PRICES,
            "regions": {
                "us-east-1": {
                    "cloudwatch": {
                        **TEST_PRICES["regions"]["us-east-1"]["cloudwatch"],
                        "prices": {"custom-metric": 0.3},
                    }
                }
            },
        },
        "test",
    )
    est = c.estimate(c.resources_from_preview(doc), prices, c.load_usage(None))
    assert line(est, "errors").monthly == pytest.approx(0.3)
