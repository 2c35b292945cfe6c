"""Small fixture renders (preview.json-shaped) and a price book with round, region-distinct test prices, so that
each pricing rule's arithmetic can be read off the test."""

from __future__ import annotations

from typing import Any

import pytest

from tools.cost import costing

HOURS = 730
TIER = "elite-locadora:test:Tier"


def group(unit: str, prices: dict[str, Any]) -> dict[str, Any]:
    return {"unit": unit, "source": "https://aws.amazon.com/pricing/", "read": "2026-11-25", "prices": prices}


# us-west-2 deliberately differs from us-east-1 so that a test can tell which region priced a resource.
TEST_PRICES: dict[str, Any] = {
    "currency": "USD",
    "hoursPerMonth": HOURS,
    "free": ["aws:iam/*", "aws:ec2/subnet:Subnet", "aws:ecs/taskDefinition:TaskDefinition"],
    "regions": {
        "us-east-1": {
            "rds.mysql.instance": group("hour", {"db.r7g.large": 0.2, "db.r7g.xlarge": 0.4}),
            "rds.storage": group("gb-month", {"gp3": 0.1, "gp3-iops": 0.02, "backup": 0.09}),
            "elasticache.redis.node": group("hour", {"cache.r6g.large": 0.2}),
            "fargate": group(
                "hour",
                {
                    "linux-x86-vcpu": 0.04,
                    "linux-x86-gb": 0.004,
                    "spot-linux-x86-vcpu": 0.01,
                    "spot-linux-x86-gb": 0.001,
                    "linux-arm-vcpu": 0.03,
                    "linux-arm-gb": 0.003,
                },
            ),
            "vpc.interface-endpoint": group("hour", {"endpoint-az": 0.01, "gb": 0.01}),
            "ec2.nat-gateway": group("hour", {"hour": 0.05, "gb": 0.05}),
            "ec2.public-ipv4": group("hour", {"address": 0.005}),
            "elb.application": group("hour", {"hour": 0.02, "lcu": 0.01}),
            "cloudwatch.logs": group(
                "gb", {"ingestion-standard": 0.5, "ingestion-infrequent-access": 0.25, "storage": 0.03}
            ),
            "cloudwatch": group(
                "month", {"alarm-metric": 0.1, "alarm-metric-high-resolution": 0.3, "dashboard": 3}
            ),
            "wafv2": group("month", {"web-acl": 5, "rule": 1, "requests-million": 0.6}),
            "s3.storage": group("gb-month", {"STANDARD": 0.02, "STANDARD_IA": 0.01}),
            "transfer.inter-region": group("gb", {"us-west-2": 0.02}),
            "transfer.internet": group("gb", {"out": 0.09}),
            "backup": group("gb-month", {"s3": 0.05, "rds": 0.1}),
            "kms": group("month", {"key": 1, "requests-10k": 0.03}),
            "secretsmanager": group("month", {"secret": 0.4, "api-10k": 0.05}),
        },
        "us-west-2": {
            "rds.mysql.instance": group("hour", {"db.r7g.large": 0.3}),
            "rds.storage": group("gb-month", {"gp3": 0.2, "backup": 0.11}),
            "s3.storage": group("gb-month", {"STANDARD": 0.03, "STANDARD_IA": 0.015}),
            "backup": group("gb-month", {"s3": 0.06, "rds": 0.12}),
            "secretsmanager": group("month", {"secret": 0.5, "api-10k": 0.05}),
            "transfer.inter-region": group("gb", {"us-east-1": 0.02}),
        },
        "global": {
            "cloudfront": group(
                "gb",
                {
                    "data-out-north-america-europe": 0.1,
                    "data-out-south-america": 0.2,
                    "https-requests-10k-north-america-europe": 0.01,
                    "https-requests-10k-south-america": 0.02,
                },
            ),
        },
    },
}


@pytest.fixture(scope="session")
def c():
    """policies/costing/, imported the way the tools import it."""
    return costing()


@pytest.fixture(scope="session")
def book(c):
    return c.parse_prices(TEST_PRICES, "test-prices")


def resource(
    type_: str,
    name: str,
    inputs: dict[str, Any] | None = None,
    region: str | None = "us-east-1",
    deps: dict[str, list[str]] | None = None,
    parent: str | None = "tier",
) -> dict[str, Any]:
    return {
        "urn": urn(type_, name),
        "type": type_,
        "name": name,
        "parent": None if parent is None else f"urn:pulumi:test::proj::{TIER}::{parent}",
        "region": region,
        "custom": True,
        "inputs": inputs or {},
        "propertyDependencies": deps or {},
    }


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:test::proj::{TIER}${type_}::{name}"


def render(*resources: dict[str, Any], stack: str = "test") -> dict[str, Any]:
    """A preview.json with a tier component parenting the given resources."""
    tier = {
        "urn": f"urn:pulumi:test::proj::{TIER}::tier",
        "type": TIER,
        "name": "tier",
        "parent": None,
        "region": None,
        "custom": False,
        "inputs": {},
        "propertyDependencies": {},
    }
    return {"stack": stack, "project": "proj", "resources": [tier, *resources]}


@pytest.fixture
def price(c, book):
    """price(render, usage=None) → the Estimate of a fixture render under the test prices."""

    def _price(doc: dict[str, Any], usage: dict[str, Any] | None = None):
        return c.estimate(c.resources_from_preview(doc), book, c.load_usage(usage or {}))

    return _price


def line(estimate, name: str):
    found = [x for x in estimate.lines if x.name == name]
    assert len(found) == 1, f"expected one cost line for {name}, got {[x.name for x in estimate.lines]}"
    return found[0]
