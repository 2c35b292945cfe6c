"""The estimate of the real stacks: in preview.json and the report, nothing unpriced, and the pack agreeing."""

from __future__ import annotations

import re

import pytest

from tests.render import Render
from tests.variants import BUDGET_USD
from tools.cost import costing

POLICY = "monthly-cost-within-budget"
RDS = "aws:rds/instance:Instance"


@pytest.fixture(params=["prod", "staging"])
def stack(request, prod: Render, staging: Render) -> Render:
    return {"prod": prod, "staging": staging}[request.param]


def lines(r: Render) -> dict[str, dict]:
    return {line["urn"]: line for line in r.data["cost"]["resources"]}


def test_the_estimate_is_in_preview_json_and_adds_up(stack: Render) -> None:
    cost = stack.data.get("cost")
    assert cost and cost["currency"] == "USD", f"stack {stack.stack}: preview.json has no cost block"
    total = sum(line["monthly"] for line in cost["resources"])
    # Each line is shown rounded to the cent and the total is rounded once: at most half a cent apart per line.
    slack = 0.005 * len(cost["resources"]) + 0.01
    assert cost["monthly"] == pytest.approx(total, abs=slack), f"stack {stack.stack}: lines do not add up"
    assert sum(t["monthly"] for t in cost["byTier"]) == pytest.approx(cost["monthly"], abs=0.05)
    assert {"currency", "monthly", "resources", "unpriced", "byTier", "assumptions"} <= set(cost)
    for line in cost["resources"]:
        assert {"urn", "monthly", "basis"} <= set(line) and line["basis"] and line["monthly"] >= 0, line[
            "urn"
        ]
    assert cost["assumptionsFrom"] == f"policies/config/{stack.stack}.json"


def test_nothing_is_unpriced(stack: Render) -> None:
    cost = stack.data["cost"]
    assert cost["unpriced"] == [], f"stack {stack.stack}: unpriced resources: {cost['unpricedReasons']}"


def test_every_aws_resource_is_priced_or_known_free(stack: Render) -> None:
    cost = stack.data["cost"]
    custom = [r for r in stack.resources if r["custom"] and not r["type"].startswith("pulumi:")]
    assert len(cost["resources"]) + cost["freeResources"] + len(cost["unpriced"]) == len(custom)
    priced = lines(stack)
    for r in custom:
        if r["type"] in ("aws:rds/instance:Instance", "aws:ec2/natGateway:NatGateway", "aws:kms/key:Key"):
            assert r["urn"] in priced, f"{r['urn']} has no cost line"


def test_the_report_shows_the_estimate_by_tier(stack: Render) -> None:
    cost = stack.data["cost"]
    assert f"Estimated monthly cost of '{stack.stack}'" in stack.report
    for tier in cost["byTier"]:
        assert re.search(rf"{re.escape(tier['tier'])}\s+{tier['monthly']:,.2f}", stack.report), tier["tier"]
    assert re.search(rf"Total\s+{cost['monthly']:,.2f}", stack.report), stack.report[-2000:]


def test_the_stacks_stay_within_their_budgets(stack: Render) -> None:
    cost = stack.data["cost"]
    assert cost["monthly"] <= cost["budget"], f"stack {stack.stack}: {cost['monthly']} > {cost['budget']}"
    assert not [v for v in stack.violations if v["policy"] == POLICY], stack.violations


def test_multi_az_databases_pay_a_second_instance_and_its_storage(stack: Render) -> None:
    c = costing()
    prices, usage = c.load_prices(), c.load_usage(None)
    for db in stack.of_type(RDS):
        if db["inputs"].get("replicateSourceDb"):
            continue
        i = db["inputs"]
        standby = prices.price(db["region"], "rds.mysql.instance", i["instanceClass"]) * 730 + i[
            "allocatedStorage"
        ] * prices.price(db["region"], "rds.storage", i.get("storageType", "gp3"))
        priced = {}
        for multi in (True, False):
            variant = {**db, "inputs": {**i, "multiAz": multi}}
            priced[multi] = c.estimate(
                c.resources_from_preview({"resources": [variant]}), prices, usage
            ).monthly
        assert priced[True] - priced[False] == pytest.approx(standby, abs=0.01), db["urn"]
        basis = lines(stack)[db["urn"]]["basis"]
        assert ("× 2 (Multi-AZ)" in basis) is bool(i.get("multiAz")), f"{db['urn']}: {basis}"


def test_cross_region_replicas_are_priced_in_their_region(prod: Render) -> None:
    replicas = [x for x in prod.of_type(RDS) if x["region"] == "us-west-2"]
    assert replicas, "prod has a DR replica in us-west-2"
    for db in replicas:
        line = lines(prod)[db["urn"]]
        assert line["region"] == "us-west-2" and "replica in us-west-2" in line["basis"], line


def test_prod_costs_more_than_staging_in_every_tier_that_scales(prod: Render, staging: Render) -> None:
    p = {t["tier"]: t["monthly"] for t in prod.data["cost"]["byTier"]}
    s = {t["tier"]: t["monthly"] for t in staging.data["cost"]["byTier"]}
    assert prod.data["cost"]["monthly"] > staging.data["cost"]["monthly"]
    for tier in (
        "elite-locadora:data:Data",
        "elite-locadora:network:Network",
        "elite-locadora:operations:Operations",
    ):
        assert p[tier] > s[tier], f"{tier}: prod {p[tier]} vs staging {s[tier]}"


def test_the_pack_sums_the_same_estimate_as_the_preview(staging_variant: Render) -> None:
    """The staging variant is judged with a $1 budget (tests/variants.py): the pack's verdict names the total and
    the largest lines the preview's own estimate of that render has."""
    low = staging_variant
    found = [v for v in low.violations if v["policy"] == POLICY]
    assert len(found) == 1, low.violations
    total = low.data["cost"]["monthly"]
    budget = f"${BUDGET_USD:,.2f}"
    assert f"estimated monthly cost ${total:,.2f} exceeds the budget {budget}" in found[0]["message"], found[
        0
    ]
    top = sorted(low.data["cost"]["resources"], key=lambda x: -x["monthly"])[:3]
    for line in top:
        assert f"${line['monthly']:,.2f}" in found[0]["message"], (line, found[0]["message"])
