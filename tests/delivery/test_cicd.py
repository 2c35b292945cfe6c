"""CI/CD roles (components/cicd.py): GitHub Actions reach AWS only through OIDC, each application repository
only from its branch or GitHub environment, and only to push its image and roll its own services."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from settings import ConfigError, build_settings
from tests.render import Render
from tools.preview import ROOT, load_stack_config

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
ISSUER = "token.actions.githubusercontent.com"
# What each stack file decides: which repository deploys which image and services, from where.
EXPECTED = {
    "prod": {
        "frontend": ("repo:elite-locadora/frontend:environment:production", "frontend", {"web"}),
        "backend": ("repo:elite-locadora/backend:environment:production", "backend", {"api", "worker"}),
    },
    "staging": {
        "frontend": ("repo:elite-locadora/frontend:ref:refs/heads/staging", "frontend", {"web"}),
        "backend": ("repo:elite-locadora/backend:ref:refs/heads/staging", "backend", {"api", "worker"}),
    },
}
INFRA = "elite-locadora/elite-locadora-platform"


def raw(stack: str) -> dict[str, Any]:
    values = load_stack_config(ROOT, stack).values
    return {k: json.loads(v) if v[:1] in "{[" else v for k, v in values.items()}


def cicd_changed(stack: str, change) -> dict[str, Any]:
    cfg = copy.deepcopy(raw(stack))
    change(cfg["elite-locadora:cicd"])
    return cfg


def document(res: dict, key: str) -> dict:
    value = res["inputs"][key]
    return json.loads(value) if isinstance(value, str) else value


def cicd_role(r: Render, key: str) -> dict:
    return r.one(ROLE, f"cicd-{key}")


def role_policy(r: Render, key: str) -> dict:
    return document(r.one(ROLE_POLICY, f"cicd-{key}"), "policy")


def statements(doc: dict) -> dict[str, dict]:
    return {s["Sid"]: s for s in doc["Statement"]}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def github_provider_arn(r: Render) -> str:
    return f"arn:aws:iam::123456789012:oidc-provider/{ISSUER}"


@pytest.fixture(scope="module", params=["prod", "staging"])
def stack(request, render) -> Render:
    return render(request.param)


def test_each_stack_creates_the_github_provider_of_its_own_account(stack: Render):
    """Each stack has its own account (elite-locadora:accountId), so each creates the account's GitHub provider and
    either deploys first; `existing` is for an account that already has one."""
    provider = stack.one(OIDC, "cicd-github")
    assert provider["inputs"]["url"] == f"https://{ISSUER}", f"{provider['urn']}: GitHub Actions' issuer"
    assert provider["inputs"]["clientIdLists"] == ["sts.amazonaws.com"], (
        f"{provider['urn']}: audience for STS"
    )
    assert "thumbprintLists" not in provider["inputs"], (
        f"{provider['urn']}: no thumbprint (IAM trusts GitHub's certificate through its own CA library)"
    )


def test_an_account_that_has_the_github_provider_uses_it():
    cfg = cicd_changed("staging", lambda c: c.update(githubOidcProvider="existing"))
    settings = build_settings(cfg, "elite-locadora", "staging")
    assert settings.cicd.github_oidc_provider == "existing", "cicd.githubOidcProvider: existing is accepted"


def test_each_application_role_trusts_only_its_repository_and_branch_or_environment(stack: Render):
    for app, (subject, _, _) in EXPECTED[stack.stack].items():
        role = cicd_role(stack, f"deploy-{app}")
        (trust,) = document(role, "assumeRolePolicy")["Statement"]
        where = f"{role['urn']} (elite-locadora:cicd.applications.{app})"
        assert trust["Effect"] == "Allow" and trust["Action"] == "sts:AssumeRoleWithWebIdentity", where
        assert trust["Principal"] == {"Federated": github_provider_arn(stack)}, (
            f"{where}: GitHub's OIDC provider"
        )
        assert set(trust["Condition"]) == {"StringEquals"}, (
            f"{where}: exact matches only, no StringLike wildcards"
        )
        condition = trust["Condition"]["StringEquals"]
        assert condition[f"{ISSUER}:aud"] == "sts.amazonaws.com", f"{where}: audience"
        assert condition[f"{ISSUER}:sub"] == subject, f"{where}: subject"
        assert role["inputs"]["name"] == f"elite-locadora-{stack.stack}-deploy-{app}", where
        assert role["inputs"]["maxSessionDuration"] == 3600, f"{where}: one-hour sessions"


def test_each_role_pushes_only_its_repository_and_rolls_only_its_services(stack: Render):
    repositories = {r["name"]: r["outputs"]["arn"] for r in stack.of_type("aws:ecr/repository:Repository")}
    # The primary region's services (the DR site's run the same release from `pulumi up`, and none until a failover).
    services = {
        r["name"].removeprefix("compute-"): r
        for r in stack.of_type("aws:ecs/service:Service")
        if r["name"].startswith("compute-")
    }
    cluster = stack.one("aws:ecs/cluster:Cluster", "compute-cluster")
    for app, (_, image, rolled) in EXPECTED[stack.stack].items():
        where = f"{stack.stack}: cicd-deploy-{app}"
        doc = statements(role_policy(stack, f"deploy-{app}"))
        assert set(doc) == {"EcrLogin", "PushOwnImage", "RollOwnServices"}, (
            f"{where}: nothing but push and roll"
        )
        assert doc["EcrLogin"]["Action"] == "ecr:GetAuthorizationToken", (
            f"{where}: the only Resource * action"
        )
        repo_arn = next(arn for name, arn in repositories.items() if name.endswith(f"-{image}"))
        assert doc["PushOwnImage"]["Resource"] == repo_arn, (
            f"{where}: pushes to the compute tier's {image} repository"
        )
        assert "ecr:PutImage" in doc["PushOwnImage"]["Action"], where
        assert not any(
            a.startswith("ecr:Delete") or a == "ecr:SetRepositoryPolicy"
            for a in doc["PushOwnImage"]["Action"]
        )
        arns = as_list(doc["RollOwnServices"]["Resource"])
        expected = {
            f"arn:aws:ecs:us-east-1:123456789012:service/{cluster['outputs']['name']}/{services[s]['inputs']['name']}"
            for s in rolled
        }
        assert set(arns) == expected, (
            f"{where}: only {sorted(rolled)} of cluster {cluster['outputs']['name']}"
        )
        assert set(doc["RollOwnServices"]["Action"]) == {"ecs:UpdateService", "ecs:DescribeServices"}, (
            f"{where}: force-new-deployment and wait services-stable; no task definitions, no iam:PassRole"
        )


def test_every_service_is_rolled_by_exactly_one_pipeline(stack: Render):
    owners: dict[str, list[str]] = {}
    for app in EXPECTED[stack.stack]:
        for arn in as_list(statements(role_policy(stack, f"deploy-{app}"))["RollOwnServices"]["Resource"]):
            owners.setdefault(arn.rsplit("/", 1)[-1], []).append(app)
    services = {r["inputs"]["name"] for r in stack.of_type("aws:ecs/service:Service")}
    assert set(owners) == services, f"{stack.stack}: every ECS service has a pipeline"
    assert all(len(v) == 1 for v in owners.values()), f"{stack.stack}: one pipeline per service, got {owners}"


def test_only_staging_has_a_pull_request_preview_role(prod: Render):
    """Nothing a pull request runs may hold a prod credential: prod has no role a PR's token can assume."""
    for role in prod.of_type(ROLE):
        subjects = as_list(
            document(role, "assumeRolePolicy")["Statement"][0]
            .get("Condition", {})
            .get("StringEquals", {})
            .get(f"{ISSUER}:sub", [])
        )
        assert not [s for s in subjects if s.endswith(":pull_request")], f"{role['urn']}: a PR can assume it"
    assert "cicdPreviewRoleArn" not in prod.outputs, "prod: no preview role output"


def test_preview_role_is_read_only_for_this_repositorys_prs(staging: Render):
    role = cicd_role(staging, "preview")
    (trust,) = document(role, "assumeRolePolicy")["Statement"]
    condition = trust["Condition"]["StringEquals"]
    assert condition[f"{ISSUER}:sub"] == f"repo:{INFRA}:pull_request", (
        f"{role['urn']}: pull requests of the infrastructure repository only"
    )
    assert condition[f"{ISSUER}:aud"] == "sts.amazonaws.com", role["urn"]
    (statement,) = role_policy(staging, "preview")["Statement"]
    assert all(a.split(":")[1].startswith("Describe") for a in statement["Action"]), (
        f"{role['urn']}: read-only data-source calls, got {statement['Action']}"
    )
    regions = {r["region"] for r in staging.resources if r.get("region")}
    assert set(statement["Condition"]["StringEquals"]["aws:RequestedRegion"]) >= regions, (
        f"{role['urn']}: the preview reads data sources in every region the stack's providers use ({sorted(regions)})"
    )


def test_roles_pass_the_pack_and_carry_the_default_tags(stack: Render):
    for res in stack.of_type(ROLE, ROLE_POLICY, OIDC):
        if "cicd" in res["urn"]:
            assert not [v for v in stack.violations if v["urn"] == res["urn"]], (
                f"{res['urn']}: pack violations"
            )
    for role in (r for r in stack.of_type(ROLE) if r["name"].startswith("cicd-")):
        assert role["outputs"]["tagsAll"]["Environment"] == stack.stack, f"{role['urn']}: default tags"


def test_outputs_name_the_roles_for_the_repository_variables(stack: Render):
    arns = stack.outputs["cicdDeployRoleArns"]
    assert set(arns) == set(EXPECTED[stack.stack]), f"{stack.stack}: cicdDeployRoleArns per application"
    if stack.stack == "staging":
        assert stack.outputs["cicdPreviewRoleArn"].endswith("role/elite-locadora-staging-preview")
    cluster = stack.one("aws:ecs/cluster:Cluster", "compute-cluster")["outputs"]["name"]
    for app, (subject, image, rolled) in EXPECTED[stack.stack].items():
        pipeline = stack.outputs["cicdPipelines"][app]
        where = f"{stack.stack}: cicdPipelines.{app}"
        assert pipeline["roleArn"] == arns[app] and pipeline["subject"] == subject, where
        repo = next(
            r for r in stack.of_type("aws:ecr/repository:Repository") if r["name"].endswith(f"-{image}")
        )
        assert pipeline["ecrRepository"] == repo["outputs"]["name"], f"{where}: the {image} repository's name"
        assert pipeline["cluster"] == cluster, f"{where}: the compute cluster"
        names = {stack.one("aws:ecs/service:Service", f"compute-{s}")["outputs"]["name"] for s in rolled}
        assert set(pipeline["services"]) == names, f"{where}: the services it rolls"


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (
            lambda c: c["applications"]["frontend"].update(branch="main"),
            r"cicd\.applications\.frontend\.branch.*exactly one",
        ),
        (
            lambda c: c["applications"]["backend"].update(services=["api", "web"]),
            r"cicd\.applications.*web is rolled by both",
        ),
        (
            lambda c: c["applications"]["backend"].update(repository="not a repo"),
            r"cicd\.applications\.backend\.repository",
        ),
        (
            lambda c: c["applications"]["backend"].update(image="worker"),
            r"cicd\.applications\.backend\.image",
        ),
        (
            lambda c: c["applications"]["backend"].update(services=[]),
            r"cicd\.applications\.backend\.services",
        ),
        (lambda c: c.update(githubOidcProvider="maybe"), r"cicd\.githubOidcProvider"),
        (lambda c: c.update(maxSessionSeconds=60), r"cicd\.maxSessionSeconds"),
    ],
)
def test_bad_cicd_config_is_refused(change, match):
    with pytest.raises(ConfigError, match=match):
        build_settings(cicd_changed("prod", change), "elite-locadora", "prod")
