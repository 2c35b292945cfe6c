"""The review kind of stack (settings/review.py), rendered offline from Pulumi.review.yaml: it passes the pack,
is right-sized, has its own names and network range, and a time-to-live; its settings refuse a review stack
that would share a name with another stack or live forever."""

from __future__ import annotations

import ipaddress
import json
import re
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

from settings import ConfigError, build_settings
from settings.review import REVIEW_ENV_PREFIX, review_env_name
from tests.render import Render

ROOT = Path(__file__).resolve().parent.parent
REVIEW_CONFIG = yaml.safe_load((ROOT / "Pulumi.review.yaml").read_text())["config"]
TTL_HOURS = REVIEW_CONFIG["elite-locadora:review"]["ttlHours"]


@pytest.fixture(scope="module")
def review(render) -> Render:
    return render("review")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_the_review_stack_passes_the_pack_with_its_own_config(review):
    assert review.data["policy"]["config"].endswith("policies/config/review.json"), review.data["policy"][
        "config"
    ]
    mandatory = [f"{v['policy']}: {v['urn']}: {v['message']}" for v in review.mandatory()]
    assert not mandatory, "stack review has mandatory violations:\n" + "\n".join(mandatory)
    assert review.exit_code == 0, review.report


def test_it_is_right_sized(review, staging):
    budget = json.loads((ROOT / "policies/config/review.json").read_text())["monthly-cost-within-budget"]
    cost, staging_cost = review.data["cost"]["monthly"], staging.data["cost"]["monthly"]
    assert cost <= budget["monthlyBudgetUsd"], f"review: {cost} USD/month over its budget"
    assert cost < staging_cost / 2, f"review costs {cost} USD/month, staging {staging_cost}: not right-sized"
    db = review.one("aws:rds/instance:Instance", "data-mysql")["inputs"]
    assert db["multiAz"] is False and db["instanceClass"].endswith(".micro"), db["instanceClass"]
    nats = review.of_type("aws:ec2/natGateway:NatGateway")
    assert len(nats) == 1, f"review: {len(nats)} NAT gateways"


def test_nothing_in_it_names_prod_or_staging(review):
    """Every physical name is elite-locadora-rv0-… (the template renders as PR 0); no value anywhere points at
    prod's or staging's names or domains."""
    leaks = sorted(
        f"{r['urn']}: {s}"
        for r in review.resources
        for s in _strings(r["inputs"])
        if re.search(
            r"elite-locadora-(prod|staging)\b|(^|[/.])staging\.elitelocadora\.com|api\.elitelocadora\.com", s
        )
    )
    assert not leaks, "review stack values that name prod or staging:\n" + "\n".join(leaks[:20])
    for res in review.of_type("aws:iam/role:Role"):
        assert res["inputs"]["name"].startswith("elite-locadora-rv0-"), res["urn"]
    for res in review.of_type("aws:s3/bucket:Bucket"):
        assert res["inputs"]["bucket"].startswith("elite-locadora-rv0-"), res["urn"]
    assert review.outputs["environment"] == "review"


def test_its_network_range_is_its_own(review, prod, staging):
    def ranges(r: Render) -> list[ipaddress.IPv4Network]:
        return [ipaddress.IPv4Network(v["inputs"]["cidrBlock"]) for v in r.of_type("aws:ec2/vpc:Vpc")]

    (mine,) = ranges(review)
    for other in (prod, staging):
        for net in ranges(other):
            assert not mine.overlaps(net), f"review VPC {mine} overlaps {other.stack}'s {net}"


def test_it_destroys_itself_after_its_ttl(review, prod, staging):
    ttl = review.one("pulumiservice:index:TtlSchedule")
    t = ttl["inputs"]
    assert (t["project"], t["stack"]) == ("elite-locadora", "review"), f"{ttl['urn']}: the stack's own TTL"
    assert t["deleteAfterDestroy"] is True, f"{ttl['urn']}: the stack and its history go too"
    assert "timestamp" in ttl["ignoreChanges"], f"{ttl['urn']}: an update must not postpone the deadline"
    expires = datetime.strptime(t["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    now = datetime.now(UTC)
    # The render ran at most an hour ago (the session's renders are cached).
    assert now + timedelta(hours=TTL_HOURS - 1) <= expires <= now + timedelta(hours=TTL_HOURS), (
        f"{ttl['urn']}: expires {expires}, expected {TTL_HOURS} h after the deployment"
    )
    assert review.outputs["reviewExpiresAt"] == t["timestamp"]
    for other in (prod, staging):
        assert not other.of_type("pulumiservice:index:TtlSchedule"), f"{other.stack} has no time-to-live"


def test_the_deployments_role_scope_holds_review_names_only():
    """The review deployments role manages role/elite-locadora-rv*-*: every review stack's roles, never prod's
    or staging's (deployments/day_two.py)."""
    import sys

    sys.path.insert(0, str(ROOT / "deployments"))
    import day_two

    scope = f"{day_two.REVIEW_NAME_GLOB}-*"
    assert f"elite-locadora-{REVIEW_ENV_PREFIX}*" == day_two.REVIEW_NAME_GLOB
    assert fnmatch("elite-locadora-rv42-ecs-task-api", scope)
    for name in ("elite-locadora-prod-ecs-task-api", "elite-locadora-staging-pulumi-deployments"):
        assert not fnmatch(name, scope), f"{scope} matches {name}"


@pytest.mark.parametrize(
    ("stack", "env"),
    [("review", "rv0"), ("pr-pulumi-elite-locadora-elite-locadora-42", "rv42"), ("pr-7", "rv7")],
)
def test_a_review_stack_is_named_after_its_pull_request(stack, env):
    assert review_env_name(stack) == env
    s = build_settings(REVIEW_CONFIG, "elite-locadora", stack)
    assert s.name_prefix == f"elite-locadora-{env}" and s.tags["Environment"] == env
    assert s.domain == f"{env}.review.elitelocadora.com"
    assert s.storage.assets_bucket_name == f"elite-locadora-{env}-assets"


def _review(**changes) -> dict:
    raw = json.loads(json.dumps(REVIEW_CONFIG))
    for key, value in changes.items():
        if value is None:
            raw.pop(f"elite-locadora:{key}")
        else:
            raw[f"elite-locadora:{key}"] = value
    return raw


def _storage(**changes) -> dict:
    return {**REVIEW_CONFIG["elite-locadora:storage"], **changes}


@pytest.mark.parametrize(
    ("stack", "raw", "message"),
    [
        ("pr-pulumi-x-42", _review(review=None), r"elite-locadora:review' is invalid: .*time-to-live"),
        ("pr-pulumi-x-42", _review(review={}), r"elite-locadora:review.ttlHours' is required"),
        ("pr-pulumi-x-42", _review(review={"ttlHours": 24 * 30}), r"review.ttlHours"),
        ("pr-pulumi-x-42", _review(protect=True), r"protect.*destroyed"),
        (
            "pr-pulumi-x-42",
            _review(storage=_storage(assetsBucketName="elite-locadora-review-assets")),
            r"storage.assetsBucketName.*\{env\}",
        ),
        ("pr-pulumi-x-42", _review(domain="review.elitelocadora.com"), r"domain.*\{env\}"),
        ("feature-branch", _review(), r"environment' = 'review' is invalid: .*no such number"),
    ],
)
def test_a_review_stack_that_could_collide_or_live_forever_is_refused(stack, raw, message):
    with pytest.raises(ConfigError, match=message) as err:
        build_settings(raw, "elite-locadora", stack)
    assert f"stack '{stack}'" in str(err.value)


def test_only_review_stacks_have_review_settings():
    raw = yaml.safe_load((ROOT / "Pulumi.staging.yaml").read_text())["config"]
    raw["elite-locadora:review"] = {"ttlHours": 24}
    with pytest.raises(ConfigError, match=r"elite-locadora:review' is invalid: only review stacks"):
        build_settings(raw, "elite-locadora", "staging")
