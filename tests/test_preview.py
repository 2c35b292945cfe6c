"""Specification of the offline preview: what it records, what it refuses, what it never shows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.render import ROOT, Render
from tools.preview import placeholder

RESOURCE_KEYS = {
    "urn",
    "type",
    "name",
    "parent",
    "provider",
    "region",
    "custom",
    "protect",
    "retainOnDelete",
    "deleteBeforeReplace",
    "ignoreChanges",
    "dependsOn",
    "propertyDependencies",
    "id",
    "inputs",
    "secretInputs",
    "outputs",
}


def run(args: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tools.preview", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_preview_json_follows_the_contract(render, stack: str) -> None:
    r: Render = render(stack)
    assert r.data["stack"] == stack and r.data["project"] == "elite-locadora"
    assert set(r.data) >= {"stack", "project", "resources", "outputs", "policy"}
    assert r.resources, f"stack {stack}: nothing rendered"
    for res in r.resources:
        assert set(res) >= RESOURCE_KEYS, f"{res['urn']}: missing {RESOURCE_KEYS - set(res)}"
        assert res["urn"].startswith(f"urn:pulumi:{stack}::elite-locadora::"), res["urn"]
        if res["parent"]:
            assert res["parent"] in r._by_urn or res["parent"].endswith(
                "pulumi:pulumi:Stack::elite-locadora-" + stack
            ), f"{res['urn']}: parent {res['parent']} was never registered"
        for dep in res["dependsOn"]:
            assert dep in r._by_urn, f"{res['urn']}: depends on unregistered {dep}"
    policy = r.data["policy"]
    assert policy["pack"]["name"], "the policy pack ran and named itself"
    for v in policy["violations"]:
        assert set(v) >= {"policy", "enforcementLevel", "severity", "control", "urn", "message"}, v


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_every_aws_resource_has_a_region_and_an_explicit_provider(render, stack: str) -> None:
    r: Render = render(stack)
    for res in r.resources:
        if res["custom"] and res["type"].startswith("aws:"):
            assert res["provider"], f"{res['urn']}: uses the default provider; pass the stack's providers"
            assert res["region"] in ("us-east-1", "us-west-2"), f"{res['urn']}: region {res['region']}"


def test_ids_and_arns_are_shaped_as_aws_shapes_them(prod: Render) -> None:
    for key in prod.of_type("aws:kms/key:Key"):
        arn = key["outputs"]["arn"]
        assert arn.startswith(f"arn:aws:kms:{key['region']}:123456789012:key/"), f"{key['urn']}: {arn}"


def test_a_bad_config_value_fails_before_any_resource_is_registered(tmp_path: Path) -> None:
    for entry in ("__main__.py", "components", "settings", "Pulumi.yaml"):
        (tmp_path / entry).symlink_to(ROOT / entry)
    text = (ROOT / "Pulumi.prod.yaml").read_text().replace("10.0.101.0/24", "10.7.101.0/24")
    (tmp_path / "Pulumi.prod.yaml").write_text(text)
    proc = run(["--stack", "prod", "--program", str(tmp_path), "--out", str(tmp_path / "out")])
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "stack 'prod'" in proc.stderr and "elite-locadora:network.publicSubnets" in proc.stderr, (
        proc.stderr
    )
    assert "10.7.101.0/24" in proc.stderr and "outside the VPC range" in proc.stderr, proc.stderr
    assert "before registering any resource" in proc.stderr, proc.stderr
    assert not (tmp_path / "out" / "preview.json").exists()


def test_an_unknown_stack_names_the_stacks_there() -> None:
    proc = run(["--stack", "nope", "--no-policy"])
    assert proc.returncode == 2 and "stacks here: prod, review, staging" in proc.stderr, proc.stderr


def test_config_secrets_are_placeholders_that_never_reach_the_report(render) -> None:
    r = render("public", program="tests/fixtures/mini_program")
    param = r.one("aws:ssm/parameter:Parameter")
    assert param["inputs"]["value"] == "[secret]" and "value" in param["secretInputs"], param
    assert r.outputs["apiKey"] == "[secret]"
    text = json.dumps(r.data) + r.report
    assert placeholder("mini:apiKey") not in text


def test_two_renders_of_a_stack_are_identical(tmp_path: Path, staging: Render) -> None:
    proc = run(["--stack", "staging", "--no-policy", "--out", str(tmp_path)])
    assert proc.returncode == 0, proc.stderr
    again = json.loads((tmp_path / "preview.json").read_text())
    assert again["resources"] == staging.resources, "the render must be deterministic (ids, names, order)"


def test_json_flag_prints_the_document(tmp_path: Path) -> None:
    proc = run(["--stack", "staging", "--no-policy", "--json", "--out", str(tmp_path)])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["stack"] == "staging"


def test_report_groups_resources_by_tier(prod: Render) -> None:
    assert "Offline preview of stack 'prod'" in prod.report
    assert "elite-locadora:keys:Keys" in prod.report
    assert "Policy pack elite-locadora-guardrails" in prod.report
