"""The price file: its schema, every price's source and date, and bad entries rejected naming the key."""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

import pytest
import yaml

from tests.cost.conftest import TEST_PRICES
from tools.cost import POLICIES

PRICE_FILE = POLICIES / "data" / "prices.yaml"
PROGRAM_REGIONS = ("us-east-1", "us-west-2")


@pytest.fixture(scope="module")
def real(c):
    return c.load_prices()


def test_every_price_names_an_aws_pricing_page_and_the_date_it_was_read(real) -> None:
    for region, groups in real.regions.items():
        for group, table in groups.items():
            for key, price in table.items():
                where = f"prices.yaml regions.{region}.{group}.prices.{key}"
                assert re.match(r"^https://aws\.amazon\.com/[\w./#-]+$", price.source), (
                    f"{where}: {price.source}"
                )
                # A price is read on or before the day the tests run, never dated in the future.
                assert dt.date.fromisoformat(price.read) <= dt.date.today(), f"{where}: read {price.read}"
                assert price.usd >= 0, where


def test_both_program_regions_price_the_same_groups_and_keys(real) -> None:
    for region in PROGRAM_REGIONS:
        assert region in real.regions, f"prices.yaml has no regions.{region}"
    east, west = real.regions["us-east-1"], real.regions["us-west-2"]
    assert set(east) == set(west), f"groups only in one region: {set(east) ^ set(west)}"
    for group in east:
        if group == "transfer.inter-region":
            assert set(east[group]) == {"us-west-2"} and set(west[group]) == {"us-east-1"}, group
            continue
        assert set(east[group]) == set(west[group]), (
            f"{group}: keys only in one region: {set(east[group]) ^ set(west[group])}"
        )


def test_the_instance_classes_of_both_stacks_are_priced(real) -> None:
    # The classes and node types Pulumi.<stack>.yaml chooses, in both regions (replicas run in us-west-2).
    for stack in ("prod", "staging"):
        config = yaml.safe_load((POLICIES.parent / f"Pulumi.{stack}.yaml").read_text())["config"]
        data = config.get("elite-locadora:data") or {}
        classes = [data.get("database", {}).get("instanceClass")]
        classes += [r.get("instanceClass") for r in data.get("database", {}).get("replicas") or []]
        classes += [(data.get("database", {}).get("drReplica") or {}).get("instanceClass")]
        for region in PROGRAM_REGIONS:
            for klass in filter(None, classes):
                assert real.price(region, "rds.mysql.instance", klass) > 0, f"{stack}: {klass} in {region}"
            node = data.get("cache", {}).get("nodeType")
            if node:
                assert real.price(region, "elasticache.redis.node", node) > 0, f"{stack}: {node} in {region}"
            search = (config.get("elite-locadora:operations") or {}).get("search") or {}
            for key in ("instanceType", "dedicatedMasterType"):
                if search.get(key):
                    assert real.price(region, "opensearch.instance", search[key]) > 0, (
                        f"{stack}: {search[key]}"
                    )


def test_multi_az_is_not_a_price_of_its_own(real) -> None:
    """Multi-AZ is computed (× 2), so the file must not also carry Multi-AZ prices that could drift apart."""
    for group in real.regions["us-east-1"]:
        assert "multi" not in group.lower(), group


def _broken(path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(TEST_PRICES)
    target = doc
    parts = path.split(".")
    for p in parts[:-1]:
        target = target[p]
    if value is DELETE:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value
    return doc


DELETE = object()
EAST = "regions.us-east-1"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (f"{EAST}.kms.source", DELETE, r"regions\.us-east-1\.kms\.source: missing"),
        (f"{EAST}.kms.read", DELETE, r"regions\.us-east-1\.kms\.read: missing"),
        (f"{EAST}.kms.read", "last week", r"regions\.us-east-1\.kms\.read: expected the date .* 'last week'"),
        (f"{EAST}.kms.read", "2026-13-40", r"regions\.us-east-1\.kms\.read: expected the date"),
        (f"{EAST}.kms.source", "aws pricing", r"regions\.us-east-1\.kms\.source: expected the URL"),
        (f"{EAST}.kms.prices.key", -1, r"regions\.us-east-1\.kms\.prices\.key: a price cannot be negative"),
        (f"{EAST}.kms.prices.key", "one dollar", r"regions\.us-east-1\.kms\.prices\.key: expected a price"),
        (f"{EAST}.kms.prices.key", True, r"regions\.us-east-1\.kms\.prices\.key: expected a price"),
        (f"{EAST}.kms.prices.key", {"usd": 1, "read": "soon"}, r"kms\.prices\.key\.read: expected the date"),
        (f"{EAST}.kms.prices.key", {"usd": 1, "source": 3}, r"kms\.prices\.key\.source: expected the URL"),
        (f"{EAST}.kms.unit", "fortnight", r"regions\.us-east-1\.kms\.unit: expected one of"),
        ("currency", "EUR", r"currency: expected 'USD'"),
        ("hoursPerMonth", 1000, r"hoursPerMonth: expected hours in a month"),
    ],
)
def test_bad_price_entries_are_rejected_naming_the_key(c, path: str, value: Any, message: str) -> None:
    with pytest.raises(c.CostConfigError, match=message):
        c.parse_prices(_broken(path, value), "prices.yaml")


def test_the_file_parses_as_written(c) -> None:
    doc = yaml.safe_load(PRICE_FILE.read_text())
    book = c.parse_prices(doc)
    assert book.currency == "USD" and book.hours_per_month == 730
    assert book.latest_read == "2026-12-01", "the CloudFront Functions price (read 2026-12-01) is the latest"
