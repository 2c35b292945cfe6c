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
    assert "GITHUB_STEP_SUMMARY" in runs, "checks.yml shows the verdicts in the job summary on every plan"
    uploads = [
        s for s in job["steps"] if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")
    ]
    assert {s["with"]["sarif_file"] for s in uploads} == {"prod.sarif", "staging.sarif"}, (
        "checks.yml uploads one SARIF per stack"
    )
    for upload in uploads:
        assert "!cancelled()" in upload["if"], (
            "checks.yml uploads the verdicts even when a preview fails (that is when they matter)"
        )
        # A private repository without GitHub Code Security refuses SARIF uploads: the required check must stay
        # green there, so the upload runs only where the repository says it has code scanning.
        assert "vars.CODE_SCANNING == 'true'" in upload["if"], f"checks.yml {upload['name']}: not gated"
        assert not upload.get("continue-on-error"), "gated, not failing quietly"


def _jobs_a_pull_request_runs() -> list[tuple[str, str, dict]]:
    found = []
    for path in WORKFLOWS:
        doc = load(path)
        triggers = doc["on"] if isinstance(doc["on"], dict) else {t: None for t in as_list(doc["on"])}
        if "pull_request" in triggers or "pull_request_target" in triggers:
            found += [(path.name, job_id, job) for job_id, job in doc["jobs"].items()]
    return found


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def test_no_pull_request_credential_can_start_approve_or_decrypt_prod():
    """What a pull request's jobs hold: no GitHub environment (so no prod subject), no organization Pulumi token
    (only a team token, whose team deployments/ lets read staging alone), no prod role or stack name, and a
    GITHUB_TOKEN that can neither approve pending deployments nor write deployments. The release environment, the
    only subject with an organization token, is used by release.yml alone, which no pull request triggers."""
    jobs = _jobs_a_pull_request_runs()
    assert jobs, "checks.yml runs on pull requests"
    for name, job_id, job in jobs:
        where = f"{name} job {job_id}"
        text = yaml.safe_dump(job)
        assert "environment" not in job, f"{where}: a PR job in a GitHub environment would get its subject"
        perms = job.get("permissions", {})
        for scope in ("actions", "deployments", "environments", "contents"):
            assert perms.get(scope, "none") in ("none", "read"), f"{where}: {scope}: {perms.get(scope)}"
        assert "access_token:organization" not in text, f"{where}: requests an organization Pulumi token"
        assert "PROD" not in text.upper().replace("PRODUCTION", "") or job_id == "offline", (
            f"{where}: names a prod role or stack"
        )
        if perms.get("id-token") == "write":
            auth = [s for s in job["steps"] if str(s.get("uses", "")).startswith("pulumi/auth-actions@")]
            assert all(s["with"]["requested-token-type"].endswith(":team") for s in auth), where
            assert all(s["with"]["scope"] == "team:${{ vars.PULUMI_PR_PREVIEW_TEAM }}" for s in auth), where
    releases = [
        (p.name, job_id)
        for p in WORKFLOWS
        for job_id, job in load(p)["jobs"].items()
        if (job.get("environment") or {}).get("name") == "production"
    ]
    assert releases == [("release.yml", "deploy-prod")], f"jobs in the production environment: {releases}"
    assert set(load(ROOT / ".github/workflows/release.yml")["on"]) == {"push", "workflow_dispatch"}


def test_cloud_preview_is_staging_only_with_a_read_only_team_token():
    doc = load(ROOT / ".github/workflows/checks.yml")
    job = doc["jobs"]["cloud-preview"]
    for needed in (
        "github.event_name == 'pull_request'",
        "head.repo.full_name == github.repository",
        "vars.PULUMI_ORGANIZATION != ''",
        "vars.PULUMI_PR_PREVIEW_TEAM != ''",
        "vars.AWS_PREVIEW_ROLE_ARN_STAGING != ''",
    ):
        assert needed in job["if"], f"cloud-preview runs only {needed}"
    assert job["permissions"]["id-token"] == "write", "cloud-preview needs an OIDC token"
    assert job["env"]["STACK"] == "staging" and "strategy" not in job, "cloud-preview previews staging only"
    pulumi = next(
        s for _, s in steps({"jobs": {"j": job}}) if str(s.get("uses", "")).startswith("pulumi/actions@")
    )
    assert pulumi["with"]["command"] == "preview", "cloud-preview never changes anything"
    assert pulumi["with"]["stack-name"].endswith("/elite-locadora/${{ env.STACK }}"), pulumi["with"]
    assert pulumi["with"]["policyPacks"] == "policies", "cloud-preview runs our policy pack"
    assert pulumi["with"]["policyPackConfigs"] == "policies/config/${{ env.STACK }}.json"
    assert pulumi["with"]["comment-on-pr"] is True, "cloud-preview posts its summary on the PR"
    aws = next(s for _, s in steps({"jobs": {"j": job}}) if "configure-aws-credentials" in str(s.get("uses")))
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN_STAGING }}", (
        "staging's preview role"
    )


def _release() -> dict:
    return load(ROOT / ".github/workflows/release.yml")


def test_prod_release_is_a_version_tag_on_main_after_the_environment_admits_it():
    doc = _release()
    assert doc["on"]["push"] == {"tags": ["v*.*.*"]}, "release.yml deploys prod from version tags only"
    assert doc["on"]["workflow_dispatch"] is None, "no inputs: a dispatch deploys the ref it runs on (a tag)"
    job = doc["jobs"]["deploy-prod"]
    assert job["environment"]["name"] == "production", "the production environment admits v* tags only"
    assert "if" not in job, "never skipped: a skipped release would show green"
    runs = [s.get("run", "") for s in job["steps"]]
    unset = next(r for r in runs if "PULUMI_ORGANIZATION" in r and "exit 1" in r)
    assert '-z "$PULUMI_ORGANIZATION"' in unset and "::error::" in unset, "an unset organization fails loudly"
    tag_check = next(r for r in runs if "refs/tags/v" in r)
    assert r"^refs/tags/v[0-9]+\.[0-9]+\.[0-9]+$" in tag_check and "exit 1" in tag_check, (
        "a SHA or branch fails"
    )
    assert any("git merge-base --is-ancestor" in r and "origin/main" in r for r in runs), "the tag is on main"
    checkout = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0 and "ref" not in checkout["with"], (
        "the run's own ref, full history"
    )
    body = next(s["run"] for s in job["steps"] if s.get("id") == "start")
    assert 'operation: "update"' in body and "inheritSettings: true" in body, (
        "release.yml runs the stack's own deployment settings (policy gate, OIDC role)"
    )
    assert "{git: {branch: null, commit: $sha}}" in body, (
        "commit and branch are mutually exclusive: drop branch"
    )
    assert doc["concurrency"]["cancel-in-progress"] is False, "a running prod deployment is never cancelled"
    assert any(s.get("if") == "${{ cancelled() && steps.start.outputs.id != '' }}" for s in job["steps"]), (
        "a cancelled job says the deployment carries on"
    )


def test_the_release_token_outlives_the_job():
    """The job may run timeout-minutes; its Pulumi token must last that long (and the issuer must grant it)."""
    job = _release()["jobs"]["deploy-prod"]
    auth = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("pulumi/auth-actions@"))
    lifetime = int(auth["with"]["token-expiration"])
    assert lifetime >= job["timeout-minutes"] * 60, f"token {lifetime}s < job {job['timeout-minutes']} min"
    assert int(job["env"]["FOLLOW_SECONDS"]) < job["timeout-minutes"] * 60, "the job reports a timeout itself"
    issuer = yaml.safe_load((ROOT / "deployments" / "Pulumi.prod.yaml").read_text())["config"][
        "elite-locadora-deployments:githubIssuer"
    ]
    assert lifetime <= issuer["maxExpirationSeconds"], "the issuer would cut the token short"
    assert auth["with"]["requested-token-type"].endswith(":organization"), "starting a deployment needs it"


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
