"""The budget policy through the analyzer gRPC interface, as the Pulumi CLI runs it (tools/analyzer.py)."""

from __future__ import annotations

import re

import pytest

from tools.analyzer import PolicyConfigError, PolicyPackSession, Res
from tools.wire import UNKNOWN

POLICY = "monthly-cost-within-budget"
TIER = "elite-locadora:data:Data"
TIER_URN = f"urn:pulumi:test::proj::{TIER}::data"


def provider(region: str) -> dict:
    return {
        "type": "pulumi:providers:aws",
        "urn": f"urn:pulumi:test::proj::pulumi:providers:aws::{region}",
        "name": region,
        "inputs": {"region": region},
    }


def child(type_: str, name: str, inputs: dict, region: str = "us-east-1") -> Res:
    return Res(
        type=type_,
        inputs=inputs,
        name=name,
        urn=f"urn:pulumi:test::proj::{TIER}${type_}::{name}",
        parent=TIER_URN,
        provider=provider(region),
    )


# On the real price file: 0.456 × 730 × 2 + 100 × 0.115 × 2 = 688.76; 0.206 × 730 × 3 = 451.14;
# 0.228 × 730 + 100 × 0.115 = 177.94 (+ 10 GB × 0.02 replication transfer from us-east-1) = 178.14.
STACK = [
    Res(type=TIER, name="data", urn=TIER_URN),
    child(
        "aws:rds/instance:Instance",
        "mysql",
        {
            "engine": "mysql",
            "instanceClass": "db.r7g.xlarge",
            "allocatedStorage": 100,
            "multiAz": True,
            "arn": "arn:aws:rds:us-east-1:123456789012:db:mysql",
        },
    ),
    child(
        "aws:rds/instance:Instance",
        "mysql-dr",
        {"instanceClass": "db.r7g.large", "replicateSourceDb": "arn:aws:rds:us-east-1:123456789012:db:mysql"},
        region="us-west-2",
    ),
    child(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "redis",
        {"nodeType": "cache.r6g.large", "numCacheClusters": 3, "engine": "redis"},
    ),
    child("aws:kms/key:Key", "key", {"enableKeyRotation": True}),
    child("aws:iam/role:Role", "role", {"name": "r"}),
]
TOTAL = 688.76 + 178.14 + 451.14 + (1 + 10 * 0.03)


@pytest.fixture(scope="module")
def pack():
    with PolicyPackSession("policies") as session:
        yield session


def verdicts(pack: PolicyPackSession, config: dict | None) -> list:
    pack.configure(config)
    return [v for v in pack.analyze_stack(STACK) if v.policy == POLICY]


def test_over_budget_names_the_total_the_budget_and_the_three_largest_lines(pack) -> None:
    found = verdicts(pack, {POLICY: {"monthlyBudgetUsd": 1000}})
    assert len(found) == 1, found
    v = found[0]
    assert v.enforcement_level == "advisory", "advisory unless the stack's config says otherwise"
    assert f"estimated monthly cost ${TOTAL:,.2f} exceeds the budget $1,000.00" in v.message, v.message
    largest = re.findall(r"\d\. (\S+) \(", v.message)
    assert largest == ["mysql", "redis", "mysql-dr"], v.message
    assert "$688.76" in v.message and "$451.14" in v.message and "$178.14" in v.message, v.message


def test_equal_lines_are_named_in_urn_order_whatever_order_they_arrive_in(pack) -> None:
    """Two equal streams (a tie for the third line): the message is the same in either registration order."""
    pack.configure({POLICY: {"monthlyBudgetUsd": 100}})
    twins = [
        child("aws:elasticache/replicationGroup:ReplicationGroup", name, STACK[3].inputs) for name in "ba"
    ]
    messages = {
        next(v.message for v in pack.analyze_stack([STACK[0], *order]) if v.policy == POLICY)
        for order in (twins, twins[::-1])
    }
    assert len(messages) == 1, messages
    assert re.findall(r"\d\. (\S+) \(", messages.pop()) == ["a", "b"]


def test_within_budget_passes(pack) -> None:
    assert verdicts(pack, {POLICY: {"monthlyBudgetUsd": round(TOTAL + 1)}}) == []


def test_no_budget_configured_judges_nothing(pack) -> None:
    assert verdicts(pack, None) == []


def test_usage_assumptions_in_the_config_change_the_estimate(pack) -> None:
    # 1,000 GB/month of replication transfer at $0.02 adds $19.80 over the default 10 GB.
    budget = round(TOTAL + 10, 2)
    assert verdicts(pack, {POLICY: {"monthlyBudgetUsd": budget}}) == []
    found = verdicts(pack, {POLICY: {"monthlyBudgetUsd": budget, "usage": {"dbReplicationGbPerMonth": 1000}}})
    assert len(found) == 1 and f"${TOTAL + 19.8:,.2f}" in found[0].message, found


def test_a_stack_can_make_the_budget_mandatory(pack) -> None:
    found = verdicts(pack, {POLICY: {"enforcementLevel": "mandatory", "monthlyBudgetUsd": 100}})
    assert [v.enforcement_level for v in found] == ["mandatory"]


@pytest.mark.parametrize(
    ("config", "prop"),
    [
        ({"monthlyBudgetUsd": 0}, "monthlyBudgetUsd"),
        ({"monthlyBudgetUsd": -50}, "monthlyBudgetUsd"),
        ({"monthlyBudgetUsd": "lots"}, "monthlyBudgetUsd"),
        ({"monthlyBudgetUsd": 100, "usage": {"natGbProcessed": "lots"}}, "usage.natGbProcessed"),
        ({"monthlyBudgetUsd": 100, "usage": {"autoscalingLevel": 2}}, "usage.autoscalingLevel"),
        ({"monthlyBudgetUsd": 100, "usage": {"s3GbStored": {"*": "big"}}}, r"usage.s3GbStored.\*"),
    ],
)
def test_bad_config_is_refused_at_configure_naming_the_property(pack, config: dict, prop: str) -> None:
    with pytest.raises(PolicyConfigError, match=rf"policy '{POLICY}': property '{prop}' is invalid"):
        pack.configure({POLICY: config})


def test_values_unknown_at_preview_do_not_stop_the_estimate(pack) -> None:
    """At `pulumi preview` a replica's source ARN and storage may be unknown: its instance hours still count."""
    replica = child(
        "aws:rds/instance:Instance",
        "replica",
        {"instanceClass": "db.r7g.large", "replicateSourceDb": UNKNOWN, "allocatedStorage": UNKNOWN},
    )
    pack.configure({POLICY: {"monthlyBudgetUsd": 100}})
    found = [v for v in pack.analyze_stack([STACK[0], replica]) if v.policy == POLICY]
    assert len(found) == 1 and "estimated monthly cost $166.44" in found[0].message, found
