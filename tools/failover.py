"""Regional failover and fail-back of a stack, each one scripted operation (docs/dr-runbook.md).

    python -m tools.failover failover --stack prod            # print the ordered steps (dry run)
    python -m tools.failover failover --stack prod --execute  # run them (AWS credentials of the stack's account)
    python -m tools.failover failback --stack prod --execute --stamp 20270101

Failover calls only the DR region (us-west-2), so it works while the primary region (us-east-1) is lost: the
CloudWatch data plane (the replica's lag, the failover switch's metric), then RDS, Secrets Manager, Application
Auto Scaling and ECS of the DR region. Route 53 moves `origin.<domain>` by itself: its health checkers see the
switch's alarm and the DR load balancer's healthy targets (components/failover_switch.py, components/edge.py).
Nothing here calls Route 53, IAM or any other API whose control plane is in us-east-1.

Fail-back runs when the primary region is healthy again, in a maintenance window: fence the old region's writers
(services at zero, the old database renamed so its endpoint disappears), rebuild replication from the DR writer
into the primary region, stop the DR writers, promote, scale up, switch back, then reconcile the Pulumi state with
the exact URNs (the commands are part of the plan).

Every step is data (service, region, operation, parameters, why), so the plan prints, and tests check each call
against botocore's service models and the regions it touches, offline. Names come from the stack's settings, the
same functions the program uses.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from components.compute import app_name
from components.contract import SERVICES
from components.failover_switch import SWITCH_DIMENSION, SWITCH_METRIC, SWITCH_NAMESPACE
from settings import Settings, build_settings

ROOT = Path(__file__).resolve().parent.parent
# What each ECS service is called after (components/compute.py, Compute._families).
_FAMILY = {"web": "frontend", "api": "backend", "worker": "worker"}


@dataclass(frozen=True)
class Ref:
    """A value an earlier step's response gives (its `save` name)."""

    name: str


@dataclass(frozen=True)
class Step:
    why: str
    """What the step achieves, printed before it runs."""
    service: str = ""
    """boto3 service name (`rds`, `ecs`...); empty for a Pulumi CLI step."""
    region: str | None = None
    """The AWS region the call goes to; None for a Pulumi CLI step."""
    operation: str = ""
    """API operation (`PromoteReadReplica`), or a boto3 waiter (`waiter:db_instance_available`)."""
    params: dict[str, Any] = field(default_factory=dict)
    check: Callable[[Any], str | None] | None = None
    """Reads the response; returns why the operation must stop (the operator may override with --force)."""
    save: tuple[str, Callable[[Any], Any]] | None = None
    """Keeps a value of the response under a name later steps reference (Ref)."""
    command: tuple[str, ...] = ()
    """A Pulumi CLI command (state reconciliation), run as is."""

    def render(self) -> str:
        if self.command:
            return f"[pulumi]   {' '.join(self.command)}"
        shown = ", ".join(f"{k}={v.name if isinstance(v, Ref) else v!r}" for k, v in self.params.items())
        return f"[{self.region}] {self.service}.{self.operation}({shown})"


# -- names (the program's own conventions) ----------------------------------------------------------------------
@dataclass(frozen=True)
class Names:
    settings: Settings

    @property
    def prefix(self) -> str:
        return self.settings.name_prefix

    def db(self, where: str) -> str:
        return {"primary": f"{self.prefix}-mysql", "dr": f"{self.prefix}-mysql-dr"}[where]

    def replicas(self) -> list[str]:
        return [f"{self.prefix}-mysql-{r.name}" for r in self.settings.data.database.replicas]

    def cluster(self, where: str) -> str:
        return self.prefix if where == "primary" else f"{self.prefix}-dr"

    def service(self, key: str) -> str:
        return app_name(self.settings.env_name, _FAMILY[key])

    def secrets(self) -> list[str]:
        return [f"{self.prefix}-mysql-master", f"{self.prefix}-mysql-app"]

    def urn(self, path: str, name: str) -> str:
        s = self.settings
        return f"urn:pulumi:{s.stack}::{s.project}::{path}::{name}"


def _lag_check(threshold: int) -> Callable[[Any], str | None]:
    def check(response: Any) -> str | None:
        points = response.get("Datapoints") or []
        if not points:
            return "no ReplicaLag datapoint in 5 minutes: replication state unknown (the source may be gone)"
        worst = max(p["Maximum"] for p in points)
        if worst < 0:
            return (
                "ReplicaLag is -1: replication has stopped; the replica holds the data up to the last event"
            )
        if worst > threshold:
            return f"ReplicaLag is {worst:.0f} s (over {threshold} s): that much recent data would be lost"
        return None

    return check


def _lag(region: str, instance: str, now: datetime) -> dict[str, Any]:
    return {
        "Namespace": "AWS/RDS",
        "MetricName": "ReplicaLag",
        "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": instance}],
        "StartTime": now - timedelta(minutes=5),
        "EndTime": now,
        "Period": 60,
        "Statistics": ["Maximum"],
    }


def _switch(s: Settings, value: int, why: str) -> Step:
    return Step(
        why,
        "cloudwatch",
        s.dr_region,
        "PutMetricData",
        {
            "Namespace": SWITCH_NAMESPACE,
            "MetricData": [
                {
                    "MetricName": SWITCH_METRIC,
                    "Dimensions": [{"Name": SWITCH_DIMENSION, "Value": s.env_name}],
                    "Value": float(value),
                    "Unit": "Count",
                }
            ],
        },
    )


def _scale(names: Names, where: str, region: str, counts: dict[str, tuple[int, int]], why: str) -> list[Step]:
    """Auto scaling bounds first (the target tracking policies keep the count inside them), then the count."""
    cluster = names.cluster(where)
    steps = []
    for key in SERVICES:
        low, high = counts[key]
        steps.append(
            Step(
                f"{why}: {key} between {low} and {high} tasks",
                "application-autoscaling",
                region,
                "RegisterScalableTarget",
                {
                    "ServiceNamespace": "ecs",
                    "ResourceId": f"service/{cluster}/{names.service(key)}",
                    "ScalableDimension": "ecs:service:DesiredCount",
                    "MinCapacity": low,
                    "MaxCapacity": high,
                },
            )
        )
        steps.append(
            Step(
                f"{why}: {key} to {low} tasks now",
                "ecs",
                region,
                "UpdateService",
                {"cluster": cluster, "service": names.service(key), "desiredCount": low},
            )
        )
    steps.append(
        Step(
            f"{why}: wait until the services are stable",
            "ecs",
            region,
            "waiter:services_stable",
            {"cluster": cluster, "services": [names.service(k) for k in SERVICES]},
        )
    )
    return steps


def _serving_counts(s: Settings) -> dict[str, tuple[int, int]]:
    return {k: (getattr(s.compute, k).min_count, getattr(s.compute, k).max_count) for k in SERVICES}


_ZERO = dict.fromkeys(SERVICES, (0, 0))


# -- the plans ----------------------------------------------------------------------------------------------------
def failover_plan(s: Settings, now: datetime) -> list[Step]:
    """Primary region lost: everything in the DR region, nothing in the primary's."""
    names, dr = Names(s), s.dr_region
    replica = names.db("dr")
    db = s.data.database
    return [
        Step(
            "Measure the RPO: the DR replica's lag over the last 5 minutes (CloudWatch data plane)",
            "cloudwatch",
            dr,
            "GetMetricStatistics",
            _lag(dr, replica, now),
            check=_lag_check(s.operations.alarms.replica_lag_seconds),
        ),
        _switch(
            s,
            1,
            "Flip the failover switch: the primary origin record turns unhealthy, so no new request reaches the "
            "old region's writers (fencing by DNS; Route 53 data plane)",
        ),
        Step(
            "Promote the DR replica: it becomes the writer, with automated backups",
            "rds",
            dr,
            "PromoteReadReplica",
            {"DBInstanceIdentifier": replica, "BackupRetentionPeriod": db.backup_retention_days},
        ),
        Step(
            "Wait until the promoted database is available",
            "rds",
            dr,
            "waiter:db_instance_available",
            {"DBInstanceIdentifier": replica},
        ),
        Step(
            "Make the new writer Multi-AZ, as the primary was",
            "rds",
            dr,
            "ModifyDBInstance",
            {"DBInstanceIdentifier": replica, "MultiAZ": db.multi_az, "ApplyImmediately": True},
        ),
        # The database users' secrets stay replicas: the DR tasks read them where they are (a replica serves reads
        # without its primary region) and the program keeps declaring them; promoting them would fight the next
        # `pulumi up`. Fail-back stops their rotation before the old region could rotate them against the old writer.
        *_scale(names, "dr", dr, _serving_counts(s), "Scale the DR site up"),
        # Route 53 now answers origin.<domain> with the DR load balancer (healthy targets, primary unhealthy).
    ]


def failback_plan(s: Settings, now: datetime, stamp: str) -> list[Step]:
    """Primary region healthy again: fence its old writers, replicate back, cut over, reconcile the state."""
    names, dr, primary = Names(s), s.dr_region, s.region
    db = s.data.database
    retired = f"-retired-{stamp}"
    dr_arn = Ref("dr-writer-arn")
    data_urn = names.urn("elite-locadora:data:Data$aws:rds/instance:Instance", "data-mysql")
    data_parent = names.urn("elite-locadora:data:Data", "data")
    dr_urn = names.urn("elite-locadora:data:Data$aws:rds/instance:Instance", "data-mysql-dr")
    replica_urns = [
        names.urn("elite-locadora:data:Data$aws:rds/instance:Instance", f"data-mysql-{r.name}")
        for r in db.replicas
    ]
    rename = [
        Step(
            f"Fence: rename the old {old} (its endpoint disappears, so a forgotten writer cannot reach it; kept for "
            "comparison until deleted with a final snapshot)",
            "rds",
            primary,
            "ModifyDBInstance",
            {"DBInstanceIdentifier": old, "NewDBInstanceIdentifier": old + retired, "ApplyImmediately": True},
        )
        for old in [names.db("primary"), *names.replicas()]
    ]
    return [
        *[
            Step(
                f"Fence: stop the scheduled rotation of {secret} (it would change the password on the old writer "
                "and replicate it to the DR tasks); the final `pulumi up` schedules it again",
                "secretsmanager",
                primary,
                "CancelRotateSecret",
                {"SecretId": secret},
            )
            for secret in names.secrets()
        ],
        *_scale(names, "primary", primary, _ZERO, "Fence the old region's writers"),
        *rename,
        Step(
            "Find the DR writer's ARN (the source of the new replica)",
            "rds",
            dr,
            "DescribeDBInstances",
            {"DBInstanceIdentifier": names.db("dr")},
            save=("dr-writer-arn", lambda r: r["DBInstances"][0]["DBInstanceArn"]),
        ),
        Step(
            "Find the primary database's security group (the network tier's)",
            "ec2",
            primary,
            "DescribeSecurityGroups",
            {"Filters": [{"Name": "group-name", "Values": [f"{names.prefix}-db"]}]},
            save=("db-sg", lambda r: r["SecurityGroups"][0]["GroupId"]),
        ),
        Step(
            "Rebuild replication: a cross-region replica of the DR writer in the primary region, under the "
            "primary's name, subnets, parameters and data key",
            "rds",
            primary,
            "CreateDBInstanceReadReplica",
            {
                "DBInstanceIdentifier": names.db("primary"),
                "SourceDBInstanceIdentifier": dr_arn,
                "DBInstanceClass": db.instance_class,
                "DBSubnetGroupName": f"{names.prefix}-mysql",
                "VpcSecurityGroupIds": [Ref("db-sg")],
                "DBParameterGroupName": f"{names.prefix}-{db.parameter_group_family.replace('.', '-')}",
                # A cross-region replica of an encrypted source is encrypted under a key of its own region.
                "KmsKeyId": f"alias/{names.prefix}-data",
                "PubliclyAccessible": False,
                "SourceRegion": dr,
            },
        ),
        Step(
            "Wait until the new replica is available",
            "rds",
            primary,
            "waiter:db_instance_available",
            {"DBInstanceIdentifier": names.db("primary")},
        ),
        Step(
            "Check that the new replica has caught up (in the maintenance window, before stopping writes)",
            "cloudwatch",
            primary,
            "GetMetricStatistics",
            _lag(primary, names.db("primary"), now),
            check=_lag_check(s.operations.alarms.replica_lag_seconds),
        ),
        *_scale(names, "dr", dr, _ZERO, "Stop the DR writers (downtime starts)"),
        Step(
            "Promote the primary region's replica: the writer again",
            "rds",
            primary,
            "PromoteReadReplica",
            {"DBInstanceIdentifier": names.db("primary"), "BackupRetentionPeriod": db.backup_retention_days},
        ),
        Step(
            "Wait until it is available",
            "rds",
            primary,
            "waiter:db_instance_available",
            {"DBInstanceIdentifier": names.db("primary")},
        ),
        Step(
            "Multi-AZ again",
            "rds",
            primary,
            "ModifyDBInstance",
            {"DBInstanceIdentifier": names.db("primary"), "MultiAZ": db.multi_az, "ApplyImmediately": True},
        ),
        *_scale(names, "primary", primary, _serving_counts(s), "Scale the primary region up"),
        _switch(s, 0, "Switch back: the primary origin record is healthy again (downtime ends)"),
        Step(
            "Retire the DR writer's name, so the program creates a fresh DR replica under it",
            "rds",
            dr,
            "ModifyDBInstance",
            {
                "DBInstanceIdentifier": names.db("dr"),
                "NewDBInstanceIdentifier": names.db("dr") + retired,
                "ApplyImmediately": True,
            },
        ),
        # The state still holds the old instances (RDS ids are resource ids, which a rename keeps): drop them
        # (protected in prod: unprotect first), adopt the new primary under its URN, let `pulumi up` rebuild replicas.
        *[
            Step("State: unprotect and forget " + urn.rsplit("::", 1)[1], command=cmd)
            for urn in [data_urn, dr_urn, *replica_urns]
            for cmd in (
                ("pulumi", "state", "unprotect", "--yes", "--stack", s.stack, urn),
                ("pulumi", "state", "delete", "--yes", "--stack", s.stack, urn),
            )
        ],
        Step(
            "State: adopt the new primary under the data tier's URN (the child of `data`, protected again)",
            command=(
                "pulumi",
                "import",
                "--yes",
                "--protect",
                "--stack",
                s.stack,
                "--parent",
                f"data={data_parent}",
                "aws:rds/instance:Instance",
                "data-mysql",
                names.db("primary"),
            ),
        ),
        Step(
            "Set elite-locadora:dr.failedOver back to false",
            command=("pulumi", "config", "set", "--path", "--stack", s.stack, "dr.failedOver", "false"),
        ),
        Step(
            "Rebuild the DR replica, the in-region replicas and the serving tiers as the program says",
            command=("pulumi", "up", "--yes", "--stack", s.stack),
        ),
    ]


# -- running a plan -------------------------------------------------------------------------------------------------
ClientFactory = Callable[[str, str], Any]
CommandRunner = Callable[[tuple[str, ...]], None]


def _resolve(value: Any, saved: dict[str, Any]) -> Any:
    if isinstance(value, Ref):
        return saved[value.name]
    if isinstance(value, list):
        return [_resolve(v, saved) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, saved) for k, v in value.items()}
    return value


def run(
    plan: list[Step],
    clients: ClientFactory,
    commands: CommandRunner,
    *,
    force: bool = False,
    out: Callable[[str], None] = print,
) -> int:
    """Run the steps in order; a failed check stops the operation (exit 1) unless forced."""
    from botocore import (
        xform_name,
    )  # boto3's method name of an operation (DescribeDBInstances → describe_db_instances)

    saved: dict[str, Any] = {}
    for number, step in enumerate(plan, 1):
        out(f"{number:2}. {step.why}\n    {step.render()}")
        if step.command:
            commands(step.command)
            continue
        client = clients(step.service, step.region)
        params = _resolve(step.params, saved)
        if step.operation.startswith("waiter:"):
            client.get_waiter(step.operation.removeprefix("waiter:")).wait(**params)
            continue
        response = getattr(client, xform_name(step.operation))(**params)
        if step.check is not None:
            problem = step.check(response)
            if problem:
                out(f"    STOP: {problem}" + (" (--force: going on)" if force else ""))
                if not force:
                    return 1
        if step.save is not None:
            saved[step.save[0]] = step.save[1](response)
    return 0


def load(stack: str) -> Settings:
    from tools.preview import load_stack_config

    config = load_stack_config(ROOT, stack)
    return build_settings(config.values, config.project, stack)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.failover", description=__doc__.split("\n\n")[0])
    parser.add_argument("operation", choices=("failover", "failback"))
    parser.add_argument("--stack", required=True)
    parser.add_argument("--execute", action="store_true", help="call AWS (default: print the ordered steps)")
    parser.add_argument(
        "--force", action="store_true", help="go on past a failed check (accept the data loss)"
    )
    parser.add_argument(
        "--stamp", default=datetime.now(UTC).strftime("%Y%m%d%H%M"), help="suffix of retired names"
    )
    args = parser.parse_args(argv)
    settings = load(args.stack)
    if settings.dr is None:
        print(f"stack {args.stack} has no DR site (elite-locadora:dr)", file=sys.stderr)
        return 2
    now = datetime.now(UTC)
    plan = (
        failover_plan(settings, now)
        if args.operation == "failover"
        else failback_plan(settings, now, args.stamp)
    )
    if not args.execute:
        for number, step in enumerate(plan, 1):
            print(f"{number:2}. {step.why}\n    {step.render()}")
        return 0
    import boto3

    session = boto3.session.Session()
    cache: dict[tuple[str, str], Any] = {}

    def clients(service: str, region: str) -> Any:
        if (service, region) not in cache:
            cache[service, region] = session.client(service, region_name=region)
        return cache[service, region]

    return run(plan, clients, lambda cmd: subprocess.run(cmd, cwd=ROOT, check=True), force=args.force)


if __name__ == "__main__":
    sys.exit(main())
