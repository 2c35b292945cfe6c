"""The GitHub workflows: schema-valid (check-jsonschema's vendored github-workflows schema), pinned, least
privilege, and doing what docs/operations.md says they do."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def load(path: Path) -> dict:
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on".
    doc = yaml.safe_load(path.read_text())
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def steps(doc: dict) -> list[tuple[str, dict]]:
    return [(job_id, step) for job_id, job in doc["jobs"].items() for step in job.get("steps", [])]


def test_there_are_workflows_and_examples():
    names = {p.name for p in WORKFLOWS}
    assert {"checks.yml", "release.yml"} <= names, f".github/workflows has {sorted(names)}"
    assert EXAMPLES, "docs/examples/ has the application pipeline example (app-deploy.yml)"


@pytest.mark.parametrize("path", WORKFLOWS + EXAMPLES, ids=lambda p: p.name)
def test_workflow_is_schema_valid(path: Path):
    result = check_jsonschema(path)
    assert result.returncode == 0, (
        f"{path.relative_to(ROOT)} fails the github-workflows schema:\n{result.stdout}{result.stderr}"
    )


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    stepz:\n      - run: make\n")
    result = check_jsonschema(broken)
    assert result.returncode != 0, "check-jsonschema accepted a job with `stepz` instead of `steps`"


@pytest.mark.parametrize("path", WORKFLOWS + EXAMPLES, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit(path: Path):
    lines = path.read_text().splitlines()
    for job_id, step in steps(load(path)):
        uses = step.get("uses")
        if uses is None or uses.startswith("./"):
            continue
        assert PINNED.match(uses), f"{path.name} job {job_id}: {uses} is not pinned to a full commit SHA"
        line = next(line for line in lines if uses in line)
        assert re.search(r"# v\d+(\.\d+)*$", line), (
            f"{path.name}: {uses} has no `# vX.Y.Z` comment naming its tag"
        )


@pytest.mark.parametrize("path", WORKFLOWS + EXAMPLES, ids=lambda p: p.name)
def test_no_long_lived_aws_keys(path: Path):
    text = path.read_text()
    for key in ("aws-access-key-id", "aws-secret-access-key", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert key not in text, (
            f"{path.name} uses {key}: AWS access goes through OIDC roles (components/cicd.py)"
        )
    assert "PULUMI_ACCESS_TOKEN }}" not in text, (
        f"{path.name} reads a stored Pulumi token; use pulumi/auth-actions"
    )


def test_offline_job_needs_no_credentials_and_runs_the_readme_commands():
    doc = load(ROOT / ".github/workflows/checks.yml")
    assert doc["permissions"] == {"contents": "read"}, "checks.yml: workflow-level permissions are read-only"
    job = doc["jobs"]["offline"]
    assert "id-token" not in job["permissions"], "checks.yml offline job must not get an OIDC token"
    assert job["permissions"]["security-events"] == "write", "checks.yml offline job uploads SARIF"
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert "make test" in runs, "checks.yml offline job runs `make test` (ruff + pytest)"
    for stack in ("prod", "staging"):
        assert f"make preview STACK={stack}" in runs, f"checks.yml offline job previews {stack} with the pack"
    assert "tools.sarif" in runs, "checks.yml offline job converts the verdicts with tools.sarif"
    uploads = [
        s for s in job["steps"] if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")
    ]
    assert {s["with"]["sarif_file"] for s in uploads} == {"prod.sarif", "staging.sarif"}, (
        "checks.yml uploads one SARIF per stack"
    )
    assert all("!cancelled()" in s["if"] for s in uploads), (
        "checks.yml uploads the verdicts even when a preview fails (that is when they matter)"
    )


def test_cloud_preview_runs_only_with_oidc_and_enforces_the_pack_per_stack():
    doc = load(ROOT / ".github/workflows/checks.yml")
    job = doc["jobs"]["cloud-preview"]
    assert "vars.PULUMI_ORGANIZATION != ''" in job["if"], (
        "cloud-preview runs only where the repository is set up"
    )
    assert "head.repo.full_name == github.repository" in job["if"], "cloud-preview never runs for forks"
    assert job["permissions"]["id-token"] == "write", "cloud-preview needs an OIDC token"
    stacks = {m["stack"]: m for m in job["strategy"]["matrix"]["include"]}
    assert set(stacks) == {"prod", "staging"}, "cloud-preview previews both stacks"
    pulumi = next(
        s for _, s in steps({"jobs": {"j": job}}) if str(s.get("uses", "")).startswith("pulumi/actions@")
    )
    assert pulumi["with"]["command"] == "preview", "cloud-preview never changes anything"
    assert pulumi["with"]["policyPacks"] == "policies", "cloud-preview runs our policy pack"
    assert pulumi["with"]["policyPackConfigs"] == "policies/config/${{ matrix.stack }}.json", (
        "cloud-preview uses each stack's pack config"
    )
    assert pulumi["with"]["comment-on-pr"] is True, "cloud-preview posts its summary on the PR"
    aws = next(s for _, s in steps({"jobs": {"j": job}}) if "configure-aws-credentials" in str(s.get("uses")))
    assert aws["with"]["role-to-assume"] == "${{ env.ROLE_ARN }}", (
        "cloud-preview assumes the stack's preview role"
    )
    assert job["env"]["ROLE_ARN"] == "${{ vars[matrix.role-variable] }}", (
        "the role comes from a repository variable"
    )


def test_prod_release_waits_for_an_approved_environment_and_a_tag():
    doc = load(ROOT / ".github/workflows/release.yml")
    assert doc["on"]["push"] == {"tags": ["v*.*.*"]}, "release.yml deploys prod from version tags only"
    job = doc["jobs"]["deploy-prod"]
    assert job["environment"]["name"] == "production", (
        "the production environment carries the required reviewers"
    )
    assert doc["concurrency"]["cancel-in-progress"] is False, "a running prod deployment is never cancelled"
    body = next(s["run"] for s in job["steps"] if s.get("id") == "start")
    assert 'operation: "update"' in body and "inheritSettings: true" in body, (
        "release.yml runs the stack's own deployment settings (policy gate, OIDC role)"
    )


def test_dependabot_keeps_the_pins_current():
    path = ROOT / ".github" / "dependabot.yml"
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.dependabot", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f".github/dependabot.yml fails the dependabot schema:\n{result.stdout}"
    ecosystems = {u["package-ecosystem"] for u in yaml.safe_load(path.read_text())["updates"]}
    assert {"github-actions", "pip"} <= ecosystems, "dependabot bumps the pinned action SHAs and requirements"
