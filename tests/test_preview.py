"""Specification of the offline preview: what it records, what it refuses, what it never shows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.render import ROOT, WORKER, Render
from tools.preview import placeholder

RESOURCE_KEYS = {
    "urn",
    "type",
    "name",
    "parent",
    "tier",
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


def refused(args: list[str]) -> subprocess.CompletedProcess:
    """`python -m tools.preview ARGS` for a preview refused before any program runs (a bad stack file or pack
    config), in the session's render worker: it leaves the worker as it was (tests/render_worker.py), where a
    process of its own would start an interpreter for one line of output. A preview the program itself stops
    goes through run(): the worker would be restarted after it."""
    code, stdout, stderr = WORKER.run(args)
    return subprocess.CompletedProcess(["tools.preview", *args], code, stdout, stderr)


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_preview_json_follows_the_contract(render, stack: str) -> None:
    r: Render = render(stack)
    assert r.data["stack"] == stack and r.data["project"] == "elite-locadora"
    assert set(r.data) >= {"stack", "project", "mode", "resources", "outputs", "policy", "renderedFrom"}
    assert r.data["mode"] == "existing", "the default mode models a stack whose resources exist"
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
    proc = refused(["--stack", "nope", "--no-policy"])
    assert proc.returncode == 2 and "stacks here: prod, review, staging" in proc.stderr, proc.stderr


def test_config_secrets_are_placeholders_that_never_reach_the_report(render) -> None:
    r = render("public", program="tests/fixtures/mini_program")
    param = r.one("aws:ssm/parameter:Parameter")
    assert param["inputs"]["value"] == "[secret]" and "value" in param["secretInputs"], param
    assert r.outputs["apiKey"] == "[secret]"
    text = json.dumps(r.data) + r.report
    assert placeholder("mini:apiKey") not in text


def test_two_renders_of_a_stack_are_identical_and_json_prints_the_document(
    tmp_path: Path, staging: Render
) -> None:
    """A fresh process renders what the session's render worker rendered (tests/render_worker.py runs many
    previews in one process: none may leak into the next), and --json prints the document it wrote."""
    proc = run(["--stack", "staging", "--no-policy", "--json", "--out", str(tmp_path)])
    assert proc.returncode == 0, proc.stderr
    again = json.loads((tmp_path / "preview.json").read_text())
    assert again["resources"] == staging.resources, "the render must be deterministic (ids, names, order)"
    assert json.loads(proc.stdout) == again, "--json prints the document preview.json holds"


def test_report_groups_resources_by_tier(prod: Render) -> None:
    assert "Offline preview of stack 'prod'" in prod.report
    assert "elite-locadora:keys:Keys" in prod.report
    assert "Policy pack elite-locadora-guardrails" in prod.report


# -- bad input: every program or config failure exits 2 with one line, before any resource -------------------
def program_copy(tmp_path: Path, stack_text: str | None = None, project_text: str | None = None) -> Path:
    """This repo's program in tmp_path, with the prod stack file (and optionally the project file) replaced."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    for entry in ("__main__.py", "components", "settings"):
        (tmp_path / entry).symlink_to(ROOT / entry)
    (tmp_path / "Pulumi.yaml").write_text(project_text or (ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.prod.yaml").write_text(stack_text or (ROOT / "Pulumi.prod.yaml").read_text())
    return tmp_path


PROD = (ROOT / "Pulumi.prod.yaml").read_text()
BAD_STACK_FILES = {
    "unclosed-bracket": (
        PROD.replace("privateSubnets: [", "privateSubnets: [[", 1),
        ["Pulumi.prod.yaml: invalid YAML at line"],
    ),
    "tab": (PROD.replace("  aws:region", "\taws:region", 1), ["Pulumi.prod.yaml: invalid YAML at line 3"]),
    "misspelled-root": (
        PROD.replace("config:", "confg:", 1),
        ["unknown top-level key(s) 'confg'", "did you mean 'config'"],
    ),
    "region-that-does-not-exist": (
        PROD.replace("aws:region: us-east-1", "aws:region: us-east-9", 1),
        ["aws:region", "us-east-9", "region AWS offers"],
    ),
    "unknown-aws-key": (
        PROD.replace("aws:region: us-east-1", "aws:region: us-east-1\n  aws:regoin: us-east-1", 1),
        ["aws:regoin", "not a setting of the AWS provider", "did you mean aws:region"],
    ),
    "secret-in-clear-text": (
        PROD.replace("config:\n", "config:\n  elite-locadora:stripeSecretKey: sk_live_not_a_real_key\n", 1),
        ["elite-locadora:stripeSecretKey", "clear text", "--secret"],
    ),
    "instance-class-that-does-not-exist": (
        PROD.replace("instanceClass: db.r7g.xlarge", "instanceClass: db.t4g.24xlarge", 1),
        ["db.t4g.24xlarge", "24xlarge does not exist"],
    ),
    "cache-node-type-that-does-not-exist": (
        PROD.replace("nodeType: cache.r6g.large", "nodeType: cache.r5.16xlarge", 1),
        ["cache.r5.16xlarge", "16xlarge does not exist"],
    ),
}


# The cases the stack file's loader refuses (tools/preview/config.py), before any program runs; the others stop in
# the program's settings.
STACK_FILE_REFUSED = {"unclosed-bracket", "tab", "misspelled-root", "secret-in-clear-text"}


@pytest.mark.parametrize("case", sorted(BAD_STACK_FILES))
def test_a_bad_stack_file_exits_2_with_one_line_naming_what_is_wrong(tmp_path: Path, case: str) -> None:
    text, words = BAD_STACK_FILES[case]
    assert text != PROD, f"{case}: the case must change the stack file"
    program = program_copy(tmp_path / "program", stack_text=text)
    args = ["--stack", "prod", "--program", str(program), "--out", str(tmp_path / "out")]
    proc = refused(args) if case in STACK_FILE_REFUSED else run(args)
    assert proc.returncode == 2, f"{case}: exit {proc.returncode}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr, f"{case}: a traceback instead of one line:\n{proc.stderr}"
    first = proc.stderr.splitlines()[0]
    for w in words:
        assert w in first, f"{case}: expected {w!r} in {first!r}"
    assert "before registering any resource" in proc.stderr or "registering" not in proc.stderr, proc.stderr


def test_a_missing_secret_stops_an_update_before_any_resource() -> None:
    """A preview runs without the stack's secrets (tests/delivery/test_first_setup.py); an update must stop at the
    settings, before the program registers anything, not when the tier that reads the secret runs."""
    script = (
        "import dataclasses\n"
        "from tools.preview import ROOT, ProgramError, load_stack_config, run_program\n"
        "config = load_stack_config(ROOT, 'prod')\n"
        "key = 'elite-locadora:stripeSecretKey'\n"
        "config = dataclasses.replace(config, values={k: v for k, v in config.values.items() if k != key},\n"
        "    placeholders={k: v for k, v in config.placeholders.items() if k != key})\n"
        "try:\n"
        "    run_program(ROOT, config, preview=False)\n"
        "except ProgramError as exc:\n"
        "    print('REGISTERED', exc.registered, exc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert "REGISTERED 0 " in proc.stdout, proc.stdout + proc.stderr
    assert "elite-locadora:stripeSecretKey' is not set; nothing was changed" in proc.stdout, proc.stdout


@pytest.mark.parametrize(
    "content,words",
    [
        ("[]", "expected a JSON object of policy names, got list"),
        ("{not json", "--policy-pack-config"),
        ('{"monthly-cost-within-budget": {"usage": {"albLcuu": 2}}}', "albLcuu"),
        ('{"monthly-cost-within-budget": {"monthlyBudgetUsd": -5}}', "monthlyBudgetUsd"),
    ],
)
def test_a_bad_policy_or_cost_config_exits_2_with_one_line(tmp_path: Path, content: str, words: str) -> None:
    config = tmp_path / "pack.json"
    config.write_text(content)
    proc = refused(
        ["--stack", "staging", "--policy-pack-config", str(config), "--out", str(tmp_path / "out")]
    )
    assert proc.returncode == 2, f"exit {proc.returncode}:\n{proc.stderr}"
    assert "Traceback" not in proc.stderr and words in proc.stderr.splitlines()[0], proc.stderr


def test_a_failed_preview_leaves_no_render_and_a_stale_one_is_refused(
    tmp_path: Path, staging: Render
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "preview.json").write_text(json.dumps(staging.data))
    bad = tmp_path / "pack.json"
    bad.write_text("[]")
    proc = refused(["--stack", "staging", "--policy-pack-config", str(bad), "--out", str(out)])
    assert proc.returncode == 2 and not (out / "preview.json").exists(), "the old render must not survive"

    record = staging.data["renderedFrom"]
    assert record["commit"] and record["configDigest"].startswith("sha256:") and record["time"], record
    stale = json.loads(json.dumps(staging.data))
    stale["renderedFrom"]["configDigest"] = "sha256:" + "0" * 64
    path = tmp_path / "stale.json"
    path.write_text(json.dumps(stale))
    sarif = subprocess.run(
        [sys.executable, "-m", "tools.sarif", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sarif.returncode == 2 and "is stale" in sarif.stderr and "config changed" in sarif.stderr, (
        sarif.stderr
    )
    cost = subprocess.run(
        [sys.executable, "-m", "tools.cost", "estimate", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cost.returncode == 0 and "warning:" in cost.stderr and "is stale" in cost.stderr, cost.stderr
