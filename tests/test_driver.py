"""Specification of the analyzer driver on a two-policy fixture pack: the CLI's protocol, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.render import Render
from tools.analyzer import PolicyConfigError, PolicyPackSession, Res

MINI_PACK = "tests/fixtures/mini_pack"
MINI_PROGRAM = "tests/fixtures/mini_program"


def preview_with_mini_pack(render_out: Path, stack: str, config: dict | None = None) -> Render:
    from tests.render import render

    extra = ["--policy-pack", MINI_PACK]
    cfg_file = None
    if config is not None:
        cfg_file = render_out / "pack-config.json"
        cfg_file.write_text(json.dumps(config))
    return render(stack, render_out, program=MINI_PROGRAM, pack_config=cfg_file, extra=extra)


def test_a_mandatory_violation_is_reported_and_fails_the_run(tmp_path: Path) -> None:
    r = preview_with_mini_pack(tmp_path, "public")
    bucket = r.one("aws:s3/bucket:Bucket")
    assert r.exit_code == 1, r.report
    [v] = [v for v in r.violations if v["policy"] == "no-public-buckets"]
    assert v["enforcementLevel"] == "mandatory" and v["urn"] == bucket["urn"]
    assert "set acl to private" in v["message"]
    assert "MANDATORY (1)" in r.report and "the preview FAILS" in r.report


def test_an_advisory_violation_is_reported_and_does_not_fail_the_run(tmp_path: Path) -> None:
    r = preview_with_mini_pack(tmp_path, "private", {"at-most-n-resources": {"maxResources": 1}})
    assert r.exit_code == 0, r.report
    [v] = r.violations
    assert v["policy"] == "at-most-n-resources" and v["enforcementLevel"] == "advisory"
    assert "more than maxResources=1" in v["message"]


def test_the_all_key_sets_every_level(tmp_path: Path) -> None:
    r = preview_with_mini_pack(tmp_path, "public", {"all": "advisory"})
    assert r.exit_code == 0 and {v["enforcementLevel"] for v in r.violations} == {"advisory"}, r.report


def test_a_config_value_outside_the_schema_is_refused_naming_policy_and_property() -> None:
    bad = {"at-most-n-resources": {"maxResources": 0}}
    with (
        pytest.raises(PolicyConfigError, match=r"policy 'at-most-n-resources': property 'maxResources'"),
        PolicyPackSession(MINI_PACK, config=bad),
    ):
        pass


def test_analyze_and_analyze_stack_over_grpc() -> None:
    with PolicyPackSession(MINI_PACK) as pack:
        assert {p.name for p in pack.policies} == {"no-public-buckets", "at-most-n-resources"}
        assert pack.policy("no-public-buckets").enforcement_level == "mandatory"
        assert pack.analyze(Res("aws:s3/bucket:Bucket", {"acl": "private"})) == []
        [v] = pack.analyze(Res("aws:s3/bucket:Bucket", {"acl": "public-read"}, name="b"))
        assert v.policy == "no-public-buckets" and v.urn.endswith("::b")
        many = [Res("aws:s3/bucket:Bucket", {}, name=f"b{i}") for i in range(4)]
        [s] = pack.analyze_stack(many)
        assert s.policy == "at-most-n-resources" and "4 resources" in s.message
