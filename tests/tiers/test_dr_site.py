"""The DR site (components/dr_site.py): a pilot light in the DR region that takes over the primary's traffic.

What the stated RTO (4 hours) and RPO (minutes) rest on, read from the renders of both stacks, before and after a
failover (`elite-locadora:dr.failedOver`, the stack as tools/failover.py leaves it):
- everything that serves after a failover already exists in the DR region, under names of its own;
- the origin name moves by Route 53's data plane (failover records, target health, the operators' switch);
- failed over, the application talks to the promoted database and needs nothing of the lost region;
- the database's data is in the DR region twice (the replica, and replicated automated backups).
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from components.failover_switch import SWITCH_DIMENSION, SWITCH_METRIC, SWITCH_NAMESPACE
from tests.render import DR_SITE, Render
from tools import failover

STACKS = ("prod", "staging")
FAILED_OVER = ("elite-locadora:dr.failedOver=true",)
SERVICES = ("web", "api", "worker")
ECS_SERVICE = "aws:ecs/service:Service"
TARGET = "aws:appautoscaling/target:Target"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
RDS = "aws:rds/instance:Instance"
RECORD = "aws:route53/record:Record"
LB = "aws:lb/loadBalancer:LoadBalancer"


def failed_over(render, stack: str) -> Render:
    return render(stack, config=FAILED_OVER)


def dr_part(r: Render) -> list[dict]:
    """The DR site and the DR VPC: every resource under their components."""
    tops = {x["urn"] for x in r.resources if x["type"] in DR_SITE}
    found = []
    for x in r.resources:
        parent, inside = x.get("parent"), x["urn"] in tops
        while parent and not inside:
            inside = parent in tops
            parent = r._by_urn.get(parent, {}).get("parent")
        if inside:
            found.append(x)
    return found


def strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
        if value[:1] in "[{":
            with contextlib.suppress(json.JSONDecodeError):
                yield from strings(json.loads(value))
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def env(task: dict) -> dict[str, str]:
    [container] = json.loads(task["inputs"]["containerDefinitions"])
    return {e["name"]: e["value"] for e in container.get("environment", [])} | {
        s["name"]: s["valueFrom"] for s in container.get("secrets", [])
    }


# -- the strategy: pilot light, built before the incident -------------------------------------------------------
@pytest.mark.parametrize("stack", STACKS)
def test_the_dr_site_is_built_in_the_dr_region_before_any_incident(render, stack: str) -> None:
    r = render(stack)
    part = dr_part(r)
    regions = Counter(x["region"] for x in part if x["custom"] and x["type"].startswith("aws:"))
    assert set(regions) == {"us-west-2"}, f"stack {stack}: the DR site lives in drRegion only, got {regions}"
    for token in (LB, "aws:ecs/cluster:Cluster", "aws:elasticache/replicationGroup:ReplicationGroup"):
        assert len([x for x in part if x["type"] == token]) == 1, f"stack {stack}: one {token} in the DR site"
    assert len([x for x in part if x["type"] == "aws:sqs/queue:Queue"]) == 2, "the job queue and its DLQ"
    cert = next(x for x in part if x["type"] == "aws:acm/certificate:Certificate")
    assert cert["inputs"]["subjectAlternativeNames"] == [f"*.{r.outputs['siteUrl'].removeprefix('https://')}"]
    acl = next(x for x in part if x["type"] == "aws:wafv2/webAcl:WebAcl")
    assoc = next(x for x in part if x["type"] == "aws:wafv2/webAclAssociation:WebAclAssociation")
    alb = next(x for x in part if x["type"] == LB)
    assert acl["inputs"]["scope"] == "REGIONAL" and assoc["inputs"]["webAclArn"] == acl["outputs"]["arn"]
    assert assoc["inputs"]["resourceArn"] == alb["outputs"]["arn"], (
        "the regional WAF guards the DR load balancer"
    )
    assert r.outputs["drStrategy"] == "pilot-light" and r.outputs["drFailedOver"] is False


@pytest.mark.parametrize("stack", STACKS)
def test_pilot_light_services_run_no_task_until_the_failover_raises_their_minimum(render, stack: str) -> None:
    r = render(stack)
    for key in SERVICES:
        primary, dr = r.one(ECS_SERVICE, f"compute-{key}"), r.one(ECS_SERVICE, f"dr-compute-{key}")
        assert dr["inputs"]["desiredCount"] == 0 and dr["inputs"]["tags"]["DrRole"] == "pilot-light", dr[
            "urn"
        ]
        assert dr["inputs"]["name"] == primary["inputs"]["name"], "the same service names, in the DR cluster"
        p_target, d_target = r.one(TARGET, f"compute-{key}"), r.one(TARGET, f"dr-compute-{key}")
        assert d_target["inputs"]["minCapacity"] == 0, d_target["urn"]
        assert d_target["inputs"]["maxCapacity"] == p_target["inputs"]["maxCapacity"], (
            f"{d_target['urn']}: the DR site may grow to the primary's size"
        )
        assert primary["inputs"]["desiredCount"] >= 1 and "DrRole" not in primary["inputs"]["tags"]


@pytest.mark.parametrize("stack", STACKS)
def test_dr_tasks_run_the_same_release_from_the_ecr_replicas_of_the_dr_region(render, stack: str) -> None:
    r = render(stack)
    for key in SERVICES:
        primary, dr = r.one(TASK, f"compute-{key}"), r.one(TASK, f"dr-compute-{key}")
        [p], [d] = (
            json.loads(primary["inputs"]["containerDefinitions"]),
            json.loads(dr["inputs"]["containerDefinitions"]),
        )
        assert d["image"] == p["image"].replace(".us-east-1.", ".us-west-2."), f"{dr['urn']}: the ECR replica"
        assert d["logConfiguration"]["options"]["awslogs-region"] == "us-west-2", dr["urn"]
        assert (d["user"], d["readonlyRootFilesystem"], d.get("command")) == (
            p["user"],
            p["readonlyRootFilesystem"],
            p.get("command"),
        ), f"{dr['urn']}: the primary's container, in the DR region"
    repl = r.one("aws:ecr/replicationConfiguration:ReplicationConfiguration")
    [rule] = repl["inputs"]["replicationConfiguration"]["rules"]
    assert rule["destinations"][0]["region"] == "us-west-2", (
        "the images the DR tasks pull are replicated there"
    )


# -- no name collides ---------------------------------------------------------------------------------------------
# Where a physical name must be unique: per account (IAM, S3 buckets, Route 53 health checks), else per region; a
# few names only within their parent (a security group in its VPC, a service in its cluster, a policy on its role).
GLOBAL_PREFIXES = ("aws:iam/", "aws:s3/bucket:Bucket", "aws:cloudfront/", "aws:route53/healthCheck")
NAME_KEYS = ("name", "bucket", "identifier", "replicationGroupId", "family", "alarmName")
WITHIN = {
    "aws:ec2/securityGroup:SecurityGroup": "vpcId",
    "aws:ecs/service:Service": "cluster",
    "aws:iam/rolePolicy:RolePolicy": "role",
    "aws:appautoscaling/policy:Policy": "resourceId",
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter": "logGroup",
}


def occupied_names(r: Render) -> list[tuple]:
    names = []
    for x in r.resources:
        if not x["custom"] or not x["type"].startswith("aws:"):
            continue
        i = x["inputs"]
        if x["type"] == RECORD:
            routing = i.get("setIdentifier")
            names.append(("route53", i["zoneId"], i["name"], i["type"], routing))
            continue
        key = next((k for k in NAME_KEYS if isinstance(i.get(k), str)), None)
        if key is None:
            continue
        where = "global" if x["type"].startswith(GLOBAL_PREFIXES) else x["region"]
        scope = str(i.get(WITHIN[x["type"]])) if x["type"] in WITHIN else ""
        names.append((x["type"], where, scope, i[key]))
        # A replicated secret occupies its name in each replica region too.
        for replica in i.get("replicas") or []:
            names.append((x["type"], replica["region"], scope, i[key]))
    return names


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("config", [(), FAILED_OVER], ids=["standby", "failed-over"])
def test_no_physical_name_collides_in_a_region_or_a_global_namespace(render, stack: str, config) -> None:
    r = render(stack, config=config)
    taken = Counter(occupied_names(r))
    assert not [n for n, c in taken.items() if c > 1], f"stack {stack}: names taken twice"
    part = {x["urn"] for x in dr_part(r)}
    dr_named = [x["inputs"].get("name") for x in r.resources if x["urn"] in part and x["type"] == LB]
    assert dr_named == [f"elite-locadora-{stack}-dr-alb"], "the DR site's names carry <prefix>-dr"


# -- traffic moves by Route 53's data plane ---------------------------------------------------------------------
@pytest.mark.parametrize("stack", STACKS)
def test_origin_name_is_a_failover_pair_of_the_two_load_balancers(render, stack: str) -> None:
    r = render(stack)
    domain = r.outputs["siteUrl"].removeprefix("https://")
    records = {
        x["inputs"]["failoverRoutingPolicies"][0]["type"]: x
        for x in r.of_type(RECORD)
        if x["inputs"]["name"] == f"origin.{domain}"
    }
    assert set(records) == {"PRIMARY", "SECONDARY"}, f"stack {stack}: origin.{domain} is a failover pair"
    for role, lb in (("PRIMARY", "edge"), ("SECONDARY", "dr-edge")):
        rec, alb = records[role], r.one(LB, lb)["outputs"]
        [alias] = rec["inputs"]["aliases"]
        assert (alias["name"], alias["zoneId"], alias["evaluateTargetHealth"]) == (
            alb["dnsName"],
            alb["zoneId"],
            True,
        ), f"{rec['urn']}: {role} → {lb}'s load balancer, healthy only with healthy targets"
    assert records["PRIMARY"]["inputs"]["zoneId"] == records["SECONDARY"]["inputs"]["zoneId"]
    check = r.one("aws:route53/healthCheck:HealthCheck")
    assert records["PRIMARY"]["inputs"]["healthCheckId"] == check["id"], "the primary obeys the switch"
    assert records["PRIMARY"]["deleteBeforeReplace"] is True, (
        "Route 53 refuses a failover record beside the simple record it replaces"
    )
    # CloudFront's ALB origin is the name, not a load balancer: a failover changes nothing in CloudFront.
    dist = r.one("aws:cloudfront/distribution:Distribution")
    assert {o["domainName"] for o in dist["inputs"]["origins"] if "customOriginConfig" in o} == {
        f"origin.{domain}"
    }


def test_the_switch_is_a_dr_region_alarm_on_the_metric_the_failover_tool_publishes(render) -> None:
    r = render("prod")
    check = r.one("aws:route53/healthCheck:HealthCheck")["inputs"]
    alarm = r.one("aws:cloudwatch/metricAlarm:MetricAlarm", "edge-failover-switch-alarm")
    assert alarm["region"] == "us-west-2", "the switch must not need the primary region"
    assert (check["type"], check["cloudwatchAlarmName"], check["cloudwatchAlarmRegion"]) == (
        "CLOUDWATCH_METRIC",
        alarm["inputs"]["name"],
        "us-west-2",
    )
    assert check["insufficientDataHealthStatus"] == "LastKnownStatus", "the switch stays put once set"
    a = alarm["inputs"]
    assert (a["comparisonOperator"], a["threshold"], a["statistic"], a["treatMissingData"]) == (
        "GreaterThanOrEqualToThreshold",
        1,
        "Maximum",
        "missing",
    )
    settings = failover.load("prod")
    published = {
        value: step.params
        for value, plan in ((1, failover.failover_plan), (0, None))
        for step in (
            plan(settings, datetime.now(UTC))
            if plan
            else failover.failback_plan(settings, datetime.now(UTC), "x")
        )
        if step.operation == "PutMetricData"
    }
    for value, params in published.items():
        [datum] = params["MetricData"]
        assert (params["Namespace"], datum["MetricName"], datum["Dimensions"]) == (
            a["namespace"],
            a["metricName"],
            [{"Name": SWITCH_DIMENSION, "Value": a["dimensions"][SWITCH_DIMENSION]}],
        ), "the tool moves exactly the metric the alarm watches"
        assert datum["Value"] == value
    assert (a["namespace"], a["metricName"]) == (SWITCH_NAMESPACE, SWITCH_METRIC)


# -- data: the replica and the replicated backups -----------------------------------------------------------------
@pytest.mark.parametrize("stack,days", [("prod", 7), ("staging", 1)])
def test_automated_backups_are_replicated_to_the_dr_region_under_its_key(
    render, stack: str, days: int
) -> None:
    r = render(stack)
    rep = r.one(
        "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
        "data-mysql-backups-dr",
    )
    dr_key = r.one("aws:kms/key:Key", "keys-dr-data")["outputs"]["arn"]
    assert rep["region"] == "us-west-2", "created in the destination region (the API's rule)"
    i = rep["inputs"]
    assert i["sourceDbInstanceArn"] == r.one(RDS, "data-mysql")["outputs"]["arn"], rep["urn"]
    assert i["kmsKeyId"] == dr_key and i["retentionPeriod"] == days, (
        f"{rep['urn']}: dr.backupReplicationRetentionDays"
    )
    assert rep["protect"] is (stack == "prod"), rep["urn"]


# -- failed over ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", STACKS)
def test_failed_over_render_passes_the_pack(render, stack: str) -> None:
    r = failed_over(render, stack)
    assert r.exit_code == 0 and not r.mandatory(), [v["message"] for v in r.mandatory()]
    assert r.outputs["drFailedOver"] is True


@pytest.mark.parametrize("stack", STACKS)
def test_failed_over_the_application_writes_to_the_promoted_database(render, stack: str) -> None:
    r = failed_over(render, stack)
    dr_db = r.one(RDS, "data-mysql-dr")
    i = dr_db["inputs"]
    assert "replicateSourceDb" not in i or i["replicateSourceDb"] is None, (
        f"{dr_db['urn']}: promoted, no source"
    )
    assert i["multiAz"] is True and i.get("availabilityZone") is None, (
        f"{dr_db['urn']}: Multi-AZ like the primary"
    )
    assert i["skipFinalSnapshot"] is False and i["finalSnapshotIdentifier"], dr_db["urn"]
    app_secret = r.one("aws:secretsmanager/secret:Secret", "data-mysql-app")["outputs"]["arn"]
    for key in ("api", "worker"):
        e = env(r.one(TASK, f"dr-compute-{key}"))
        assert e["DB_HOST"] == dr_db["outputs"]["address"], (
            f"dr-compute-{key}: DB_HOST is the promoted writer"
        )
        assert e["DB_USERNAME"].startswith(app_secret.replace(":us-east-1:", ":us-west-2:")), (
            f"dr-compute-{key}: the credentials from the secret's replica in the DR region"
        )
        service, target = r.one(ECS_SERVICE, f"dr-compute-{key}"), r.one(TARGET, f"dr-compute-{key}")
        assert "DrRole" not in service["inputs"]["tags"] and target["inputs"]["minCapacity"] >= 1
        assert service["inputs"]["desiredCount"] == target["inputs"]["minCapacity"]
        # The old primary is no writer any more: its services are fenced at zero.
        old, old_target = r.one(ECS_SERVICE, f"compute-{key}"), r.one(TARGET, f"compute-{key}")
        assert old["inputs"]["tags"]["DrRole"] == "fenced" and old["inputs"]["desiredCount"] == 0
        assert (old_target["inputs"]["minCapacity"], old_target["inputs"]["maxCapacity"]) == (0, 0)


@pytest.mark.parametrize("stack", STACKS)
def test_failed_over_what_serves_names_nothing_in_the_lost_region(render, stack: str) -> None:
    """The DR site's resources, the promoted database and the DR VPC refer to no ARN, endpoint or region of
    us-east-1: with it gone, their data planes (and Route 53's, CloudFront's) are all the platform needs."""
    r = failed_over(render, stack)
    serving = [*dr_part(r), r.one(RDS, "data-mysql-dr")]
    found = {x["urn"]: s for x in serving for s in strings(x["inputs"]) if "us-east-1" in s}
    assert not found, f"stack {stack}: the failed-over stack still names us-east-1: {found}"


@pytest.mark.parametrize("stack", STACKS)
def test_the_failover_tool_does_what_the_failed_over_render_changes_in_the_dr_region(
    render, stack: str
) -> None:
    """Every DR-region difference between the two renders is an action of tools/failover.py, so a `pulumi up`
    after it finds nothing to do there; the primary region's differences (the fenced services) are fail-back's
    first actions, once that region answers again."""
    before, after = render(stack), failed_over(render, stack)
    changed = {
        (x["type"], x["name"]): x for x in after.resources if x["inputs"] != before.by_urn(x["urn"])["inputs"]
    }
    settings = failover.load(stack)
    done = set()
    for step in failover.failover_plan(settings, datetime.now(UTC)):
        if step.operation == "PromoteReadReplica":
            done.add(("rds", step.params["DBInstanceIdentifier"]))
        elif step.operation in ("RegisterScalableTarget", "UpdateService"):
            done.add((step.operation, step.params.get("ResourceId") or step.params["service"]))
        assert step.region == "us-west-2", f"{step.render()}: failover calls the DR region only"
    dr_changes = {n: x for n, x in changed.items() if x["region"] == "us-west-2"}
    assert {x["type"] for x in dr_changes.values()} == {RDS, ECS_SERVICE, TARGET}, sorted(dr_changes)
    for name, x in dr_changes.items():
        if x["type"] == RDS:
            assert ("rds", x["inputs"]["identifier"]) in done, name
        elif x["type"] == TARGET:
            assert ("RegisterScalableTarget", x["inputs"]["resourceId"]) in done, name
        else:
            assert ("UpdateService", x["inputs"]["name"]) in done, name
    primary_changes = {n for n, x in changed.items() if x["region"] != "us-west-2"}
    assert primary_changes == {(t, f"compute-{k}") for k in SERVICES for t in (ECS_SERVICE, TARGET)}, sorted(
        primary_changes
    )
