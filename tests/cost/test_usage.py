"""Usage assumptions and the budget: documented defaults, and values of the wrong type rejected naming the key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tools.cost import BUDGET_POLICY, POLICIES, policy_config


def test_defaults_are_documented_and_form_the_policy_schema(c) -> None:
    usage = c.load_usage(None)
    schema = c.usage_schema()
    assert set(schema["properties"]) == set(c.USAGE) == set(usage.values)
    for name, (kind, default, description) in c.USAGE.items():
        assert description and schema["properties"][name]["description"] == description, name
        assert schema["properties"][name]["default"] == default, name
        assert usage.values[name] == (default if kind == "map" else float(default)), name
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"natGbProcessed": "lots"}, r"usage\.natGbProcessed: expected a number, got 'lots'"),
        ({"natGbProcessed": -5}, r"usage\.natGbProcessed: expected a number ≥ 0, got -5"),
        ({"albLcu": True}, r"usage\.albLcu: expected a number, got True"),
        ({"autoscalingLevel": 1.5}, r"usage\.autoscalingLevel: expected a number between 0 and 1, got 1\.5"),
        ({"s3GbStored": 100}, r"usage\.s3GbStored: expected an object of name pattern → number, got 100"),
        ({"s3GbStored": {"assets*": "big"}}, r"usage\.s3GbStored\.assets\*: expected a number, got 'big'"),
        ({"natGBProcessed": 1}, r"usage\.natGBProcessed: unknown usage assumption"),
        ([1, 2], r"usage: expected an object of usage assumptions"),
    ],
)
def test_wrong_usage_assumptions_are_rejected_naming_the_key(c, raw: Any, message: str) -> None:
    with pytest.raises(c.CostConfigError, match=message):
        c.load_usage(raw)


def test_the_most_specific_pattern_wins_whatever_the_key_order(c) -> None:
    for table in (
        {"*": 1, "assets*": 2, "assets-replica-*": 3},
        {"assets-replica-*": 3, "*": 1, "assets*": 2},
    ):
        usage = c.load_usage({"s3GbStored": table})
        assert usage.lookup("s3GbStored", "assets-replica-us-west-2") == (3, "assets-replica-*"), table
        assert usage.lookup("s3GbStored", "assets") == (2, "assets*"), table
        assert usage.lookup("s3GbStored", "logs") == (1, "*"), table


def test_a_map_without_a_catch_all_keeps_the_default_for_other_names(c) -> None:
    usage = c.load_usage({"logGbIngested": {"/aws/vpc/*": 50}})
    assert usage.lookup("logGbIngested", "/app") == (c.USAGE["logGbIngested"][1]["*"], "*")


@pytest.mark.parametrize("budget", [0, -100, "a lot", True])
def test_a_budget_that_is_not_a_positive_number_is_rejected_naming_the_key(
    c, tmp_path: Path, budget: Any
) -> None:
    path = tmp_path / "prod.json"
    path.write_text(json.dumps({BUDGET_POLICY: {"monthlyBudgetUsd": budget}}))
    with pytest.raises(
        c.CostConfigError, match=rf"{BUDGET_POLICY}\.monthlyBudgetUsd: expected a positive number"
    ):
        policy_config(path, "prod")


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_each_stack_config_has_a_budget_and_valid_assumptions(c, stack: str) -> None:
    entry, path = policy_config(None, stack)
    assert path == POLICIES / "config" / f"{stack}.json"
    assert entry["monthlyBudgetUsd"] > 0, f"{path}: {BUDGET_POLICY}.monthlyBudgetUsd"
    c.load_usage(entry["usage"])


def test_prod_assumes_more_traffic_than_staging(c) -> None:
    prod = c.load_usage(policy_config(None, "prod")[0]["usage"])
    staging = c.load_usage(policy_config(None, "staging")[0]["usage"])
    for key in ("natGbProcessed", "albRequestsMillions", "cloudfrontGbOut", "backupCopyGbPerMonth"):
        assert prod[key] > staging[key], f"policies/config/prod.json usage.{key} vs staging's"
