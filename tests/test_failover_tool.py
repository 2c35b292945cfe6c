"""tools/failover.py: failover and fail-back, each one scripted operation, provable offline.

Every planned call is checked against botocore's bundled service models (the operation exists, the parameters
are what it takes), the regions each plan touches are read from the plan, and the runner is driven with a fake
client that records the calls and answers what AWS would.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.validate import validate_parameters

from tools import failover

NOW = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)
STACKS = ("prod", "staging")


def plans(stack: str) -> dict[str, list[failover.Step]]:
    s = failover.load(stack)
    return {
        "failover": failover.failover_plan(s, NOW),
        "failback": failover.failback_plan(s, NOW, "202701011200"),
    }


def placeholders(value: Any) -> Any:
    """A Ref stands for a value an earlier step returns: an ARN or id string."""
    if isinstance(value, failover.Ref):
        return f"arn:aws:rds:us-west-2:123456789012:db:{value.name}"
    if isinstance(value, list):
        return [placeholders(v) for v in value]
    if isinstance(value, dict):
        return {k: placeholders(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("operation", ["failover", "failback"])
def test_every_planned_call_is_a_real_aws_operation_with_valid_parameters(stack: str, operation: str) -> None:
    session = boto3.session.Session()
    for step in plans(stack)[operation]:
        if step.command:
            assert step.command[0] == "pulumi", step.render()
            continue
        client = session.client(step.service, region_name=step.region)
        model = client.meta.service_model
        name = step.operation
        if name.startswith("waiter:"):
            waiter = name.removeprefix("waiter:")
            assert waiter in client.waiter_names, f"{step.render()}: no such waiter"
            name = client.get_waiter(waiter).config.operation
        assert name in model.operation_names, f"{step.render()}: no such operation"
        validate_parameters(placeholders(step.params), model.operation_model(name).input_shape)


@pytest.mark.parametrize("stack", STACKS)
def test_failover_calls_the_dr_region_only_and_never_route53_or_iam(stack: str) -> None:
    steps = plans(stack)["failover"]
    assert {s.region for s in steps} == {"us-west-2"}, [s.render() for s in steps if s.region != "us-west-2"]
    assert not {s.service for s in steps} & {"route53", "iam", "sts", "cloudfront"}, (
        "services whose control plane is in us-east-1"
    )
    assert not [s for s in steps if s.command], "no Pulumi run during the outage (it reads us-east-1 too)"


def test_failover_order_measures_fences_promotes_then_scales() -> None:
    steps = plans("prod")["failover"]
    ops = [s.operation for s in steps]
    first = {op: ops.index(op) for op in reversed(ops)}
    assert ops[0] == "GetMetricStatistics" and steps[0].params["MetricName"] == "ReplicaLag", "RPO first"
    assert first["PutMetricData"] < first["PromoteReadReplica"], (
        "traffic leaves the old writers before promotion"
    )
    assert (
        first["PromoteReadReplica"] < first["waiter:db_instance_available"] < first["RegisterScalableTarget"]
    )
    scaled = {
        s.params["ResourceId"]: (s.params["MinCapacity"], s.params["MaxCapacity"])
        for s in steps
        if s.operation == "RegisterScalableTarget"
    }
    assert scaled == {
        "service/elite-locadora-prod-dr/elite-locadora-frontend": (2, 10),
        "service/elite-locadora-prod-dr/elite-locadora-backend": (2, 10),
        "service/elite-locadora-prod-dr/elite-locadora-worker": (2, 6),
    }, "the DR services get the primary's compute.*.minCount/maxCount"
    assert ops[-1] == "waiter:services_stable"


@pytest.mark.parametrize("stack", STACKS)
def test_failback_fences_the_old_writers_before_replication_and_switches_back_last(stack: str) -> None:
    steps = [s for s in plans(stack)["failback"] if not s.command]

    def at(op: str, region: str, **params) -> list[int]:
        return [
            i
            for i, s in enumerate(steps)
            if s.operation == op
            and s.region == region
            and all(k in s.params and (v is None or s.params[k] == v) for k, v in params.items())
        ]

    fence = at("CancelRotateSecret", "us-east-1") + at("UpdateService", "us-east-1", desiredCount=0)
    renamed = at("ModifyDBInstance", "us-east-1", NewDBInstanceIdentifier=None)
    [rebuild] = at("CreateDBInstanceReadReplica", "us-east-1")
    stop_dr = at("UpdateService", "us-west-2", desiredCount=0)
    [promote] = at("PromoteReadReplica", "us-east-1")
    scale_up = [i for i in at("UpdateService", "us-east-1") if steps[i].params["desiredCount"] > 0]
    [switch] = at("PutMetricData", "us-west-2")
    assert len(fence) == 5 and len(stop_dr) == 3 and len(scale_up) == 3, "2 rotations, 3 services each way"
    assert max(fence) < min(renamed) and max(renamed) < rebuild < min(stop_dr), (
        "fence, then rebuild replication"
    )
    assert max(stop_dr) < promote < min(scale_up) and max(scale_up) < switch, "stop DR writes, promote, serve"
    assert steps[switch].params["MetricData"][0]["Value"] == 0.0
    commands = [s.command for s in plans(stack)["failback"] if s.command]
    assert commands[-1][1:3] == ("up", "--yes"), "the program has the last word"


def test_failback_state_commands_name_urns_the_program_renders(prod) -> None:
    """The commands that drop the retired databases from the state and adopt the new primary name the data tier's
    children (the issue's `pulumi import` named `data` instead of `data-mysql` under it)."""
    urns = {r["urn"] for r in prod.resources}
    commands = [s.command for s in plans("prod")["failback"] if s.command]
    named = [c[-1] for c in commands if c[1:3] in (("state", "unprotect"), ("state", "delete"))]
    assert set(named) == {
        u
        for u in urns
        if "$aws:rds/instance:Instance::" in u
        and u.endswith(("::data-mysql", "::data-mysql-dr", "::data-mysql-replica-1"))
    }, named
    [adopt] = [c for c in commands if c[1] == "import"]
    parent = adopt[adopt.index("--parent") + 1].removeprefix("data=")
    # The offline render qualifies top-level components with the stack's type; Pulumi's URNs leave it out.
    top_level = {u.replace("::pulumi:pulumi:Stack$", "::"): u for u in urns}
    assert parent in top_level and prod.by_urn(top_level[parent])["type"] == "elite-locadora:data:Data"
    assert adopt[-3:] == ("aws:rds/instance:Instance", "data-mysql", "elite-locadora-prod-mysql")
    assert "--protect" in adopt, "prod protects its database"


class FakeAws:
    """Records every call; answers ReplicaLag with `lag` and describes one instance."""

    def __init__(self, lag: float | None) -> None:
        self.lag, self.calls = lag, []

    def __call__(self, service: str, region: str) -> Any:
        fake = self

        class Client:
            def __getattr__(self, operation: str):
                def call(**params):
                    fake.calls.append((region, service, operation, params))
                    if operation == "get_metric_statistics":
                        return {"Datapoints": [] if fake.lag is None else [{"Maximum": fake.lag}]}
                    if operation == "describe_db_instances":
                        return {"DBInstances": [{"DBInstanceArn": f"arn:aws:rds:{region}:1:db:x"}]}
                    if operation == "describe_security_groups":
                        return {"SecurityGroups": [{"GroupId": "sg-1"}]}
                    return {}

                return call

            def get_waiter(self, name: str):
                class Waiter:
                    def wait(self, **params):
                        fake.calls.append((region, service, f"wait:{name}", params))

                return Waiter()

        return Client()


def test_runner_makes_the_calls_in_order_and_fills_in_what_earlier_calls_returned() -> None:
    aws, commands = FakeAws(lag=2.0), []
    assert failover.run(plans("staging")["failback"], aws, commands.append, out=lambda _: None) == 0
    made = [c[2] for c in aws.calls]
    assert made[0] == "cancel_rotate_secret" and "promote_read_replica" in made
    [replica] = [c for c in aws.calls if c[2] == "create_db_instance_read_replica"]
    assert (
        replica[0] == "us-east-1"
        and replica[3]["SourceDBInstanceIdentifier"] == "arn:aws:rds:us-west-2:1:db:x"
    )
    assert replica[3]["VpcSecurityGroupIds"] == ["sg-1"]
    assert commands[-1] == ("pulumi", "up", "--yes", "--stack", "staging")


@pytest.mark.parametrize("lag,reason", [(-1.0, "-1"), (None, "no ReplicaLag"), (900.0, "900 s")])
def test_failover_stops_before_promoting_when_the_rpo_is_not_met(lag, reason: str) -> None:
    aws, said = FakeAws(lag=lag), []
    assert failover.run(plans("prod")["failover"], aws, lambda c: None, out=said.append) == 1
    assert [c[2] for c in aws.calls] == ["get_metric_statistics"], "nothing changed"
    assert reason in said[-1] and said[-1].lstrip().startswith("STOP")
    forced = FakeAws(lag=lag)
    assert (
        failover.run(plans("prod")["failover"], forced, lambda c: None, force=True, out=lambda _: None) == 0
    )
    assert "promote_read_replica" in [c[2] for c in forced.calls], "--force accepts the data loss and goes on"


def test_dry_run_prints_the_numbered_steps_and_calls_nothing(capsys) -> None:
    assert failover.main(["failover", "--stack", "staging"]) == 0
    out = capsys.readouterr().out
    assert out.count("[us-west-2]") == len(plans("staging")["failover"]) and "[us-east-1]" not in out
    assert " 1. Measure the RPO" in out
