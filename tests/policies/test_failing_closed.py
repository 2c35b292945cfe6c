"""The pack fails closed: a validator that raises blocks at its own level, a bad config is refused at
Configure, and a policy's not-applicable record reaches the client (policies/factories.py,
policies/configure.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policies.conftest import res
from tools.analyzer import PolicyConfigError, PolicyPackSession

ROOT = Path(__file__).resolve().parents[2]
FAILING = ROOT / "tests" / "fixtures" / "failing_pack"


@pytest.fixture(scope="module")
def failing():
    with PolicyPackSession(FAILING) as session:
        yield session


def test_a_resource_validator_that_raises_is_a_diagnostic_at_its_own_level(failing) -> None:
    bucket = res("aws:s3/bucket:Bucket", {"bucket": "b"}, name="logs")
    found = {v.policy: v for v in failing.analyze(bucket)}
    assert set(found) == {"buggy-mandatory", "buggy-advisory"}, found
    for policy, level in (("buggy-mandatory", "mandatory"), ("buggy-advisory", "advisory")):
        v = found[policy]
        assert v.enforcement_level == level, f"{policy}: a failure keeps the policy's own level"
        assert v.urn == bucket.urn, f"{policy}: the diagnostic names the resource"
        for words in (f"policy '{policy}' failed", "logs (aws:s3/bucket:Bucket)", "KeyError", "missing"):
            assert words in v.message, f"{policy}: expected {words!r} in {v.message!r}"


def test_a_stack_validator_that_raises_names_the_resource_it_was_judging(failing) -> None:
    resources = [
        res("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"}, name="vpc"),
        res("aws:s3/bucket:Bucket", {"bucket": "b"}, name="assets"),
    ]
    [v] = [v for v in failing.analyze_stack(resources) if v.policy == "buggy-stack"]
    assert v.enforcement_level == "mandatory" and v.urn == resources[1].urn, v
    assert "ValueError: cannot parse assets" in v.message and "policy 'buggy-stack' failed" in v.message


def test_not_applicable_reaches_the_client(failing) -> None:
    replica = res("aws:rds/instance:Instance", {"replicateSourceDb": "db-1"}, name="replica")
    before = len(failing.not_applicable)
    assert failing.analyze(replica) == []
    [na] = failing.not_applicable[before:]
    assert na.policy == "replicas-exempt" and na.urn == replica.urn and "read replicas" in na.reason


def test_the_real_packs_not_applicable_records_reach_preview_json(staging) -> None:
    records = staging.data["policy"]["notApplicable"]
    assert any(
        r["policy"] == "rds-backup-retention" and "read replicas" in r["reason"] and r["urn"] for r in records
    ), records


@pytest.mark.parametrize(
    "config,words",
    [
        (
            {"rds-backup-retention": {"minDay": 30}},
            "policy 'rds-backup-retention': property 'minDay' is not one of its properties (it has: minDays)",
        ),
        (
            {"ecs-no-secrets-in-environment": {"secretNamePattern": "("}},
            "policy 'ecs-no-secrets-in-environment': property 'secretNamePattern': '(' is not a valid regular",
        ),
        (
            {"ssm-secret-parameters-secure-string": {"secretNamePattern": "[a-"}},
            "policy 'ssm-secret-parameters-secure-string': property 'secretNamePattern'",
        ),
    ],
)
def test_the_pack_refuses_a_config_it_would_silently_ignore_at_configure(config, words) -> None:
    """The refusal comes from the pack's Configure (the CLI would send these: they pass its schema check)."""
    with (
        pytest.raises(PolicyConfigError, match=words.replace("(", r"\(").replace(")", r"\)")),
        PolicyPackSession(ROOT / "policies", config=config),
    ):
        pass
