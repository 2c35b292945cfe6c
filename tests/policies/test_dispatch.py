"""What the pack does to be cheap per Analyze call must not change a verdict: type dispatch, the provider's
default tags parsed once per value, the merged config kept between calls, and calls answered concurrently."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.policies.conftest import PROVIDER, changed, res
from tests.policies.test_resource_policies import CASES
from tools.pack_modules import pack_module

VPC = "aws:ec2/vpc:Vpc"


def _provider(default_tags: str | None) -> dict:
    """The same provider (one URN) with the given defaultTags: what may be cached is the value, not the URN."""
    inputs = {"region": "us-east-1"} | ({"defaultTags": default_tags} if default_tags is not None else {})
    return {"type": "pulumi:providers:aws", "urn": PROVIDER["urn"], "name": "primary", "inputs": inputs}


def _tag_verdicts(pack, provider: dict, inputs: dict | None = None) -> list[str]:
    found = pack.analyze(res(VPC, inputs or {"cidrBlock": "10.0.0.0/16"}, provider=provider))
    return [v.message for v in found if v.policy == "required-tags"]


def test_a_policy_judges_only_its_declared_types() -> None:
    """Type dispatch calls a policy's judging function on the types it declares and on nothing else."""
    factories, resource_types = pack_module("factories"), pack_module("resource_types")
    calls: list[str] = []

    def check(props, cfg, args):
        calls.append(args.resource_type)
        yield "judged"

    scoped = factories.resource_policy(
        "scoped", "Checks that.", resource_types.BUCKETS, check, remediation="r"
    )
    every = factories.resource_policy("every", "Checks that.", None, check, remediation="r")

    class Args:
        def __init__(self, type_: str) -> None:
            self.resource_type, self.props, self.name = type_, {}, "x"

        def get_config(self) -> None:
            return None

    reported: list[str] = []
    for type_ in ("aws:s3/bucket:Bucket", "aws:ec2/vpc:Vpc", "random:index/randomPassword:RandomPassword"):
        scoped.validate(Args(type_), reported.append)
        every.validate(Args(type_), reported.append)
    assert calls == ["aws:s3/bucket:Bucket", "aws:s3/bucket:Bucket", "aws:ec2/vpc:Vpc"]
    assert len(reported) == 3 and scoped.has_validation() and every.has_validation()


def test_default_tags_are_read_per_provider_value(pack) -> None:
    """Providers with different defaultTags, in turn and back: each verdict is its own provider's."""
    full = _provider('{"tags": {"Project": "P", "Environment": "prod", "ManagedBy": "Pulumi"}}')
    partial = _provider('{"tags": {"Project": "P"}}')
    empty_value = _provider('{"tags": {"Project": "P", "Environment": "", "ManagedBy": "Pulumi"}}')
    unparsable = _provider("{not json")
    for _ in range(2):
        assert _tag_verdicts(pack, full) == []
        [missing] = _tag_verdicts(pack, partial)
        assert "Environment, ManagedBy" in missing
        [empty] = _tag_verdicts(pack, empty_value)
        assert "Environment" in empty and "ManagedBy" not in empty.split("missing tag(s)")[1].split(";")[0]
        [none] = _tag_verdicts(pack, unparsable)
        assert "Project, Environment, ManagedBy" in none
    # A resource's own tag overrides its provider's default, also with an empty value.
    own = {"cidrBlock": "10.0.0.0/16", "tags": {"Environment": ""}}
    [overridden] = _tag_verdicts(pack, full, own)
    assert "Environment" in overridden


def test_concurrent_calls_give_the_verdicts_of_calls_in_turn(pack) -> None:
    """The engine analyzes steps in parallel: the pack's per-policy caches must not mix two calls up."""
    subjects = []
    for policy, type_, good, bad, _unknown in CASES:
        subjects.append(res(type_, good, name=f"{policy}-good"))
        subjects += [
            res(type_, changed(good, change), name=f"{policy}-bad-{i}") for i, (change, _) in enumerate(bad)
        ]

    def verdicts(r) -> list:
        return sorted((v.policy, v.message) for v in pack.analyze(r))

    in_turn = [verdicts(r) for r in subjects]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(verdicts, subjects))
    assert concurrent == in_turn
    assert sum(map(len, in_turn)) >= len(CASES), "the corpus has violations to compare"


def test_the_default_provider_of_the_cases_carries_the_required_tags(pack) -> None:
    assert _tag_verdicts(pack, PROVIDER) == []
