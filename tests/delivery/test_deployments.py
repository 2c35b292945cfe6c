"""The deployments/ program, rendered offline per stack: how each infrastructure stack is deployed (git source,
push-to-deploy only for staging, the policy-pack gate), who may assume the Deployments role (Pulumi Cloud's OIDC
issuer, our organization, that stack, those operations) and that its permissions cover exactly what the main
program manages."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deployments"))

import access  # noqa: E402
import deploy_settings  # noqa: E402

ORG = "elite-locadora"
STACKS = ("prod", "staging")


@pytest.fixture(scope="module", params=STACKS)
def deployment(request, render):
    return render(request.param, program="deployments")


def _settings(d):
    return d.one("pulumiservice:index:DeploymentSettings")


def _role(d):
    return d.one("aws:iam/role:Role")


def _statements(document: str) -> list[dict]:
    return json.loads(document)["Statement"]


def _by_sid(document: str) -> dict[str, dict]:
    return {s["Sid"]: s for s in _statements(document)}


def test_renders_and_passes_the_pack(deployment):
    assert deployment.exit_code == 0, f"deployments/{deployment.stack}: preview failed:\n{deployment.report}"
    assert not deployment.mandatory(), f"deployments/{deployment.stack}: {deployment.mandatory()}"


def test_settings_target_the_stack_of_the_same_name(deployment):
    s = _settings(deployment)["inputs"]
    where = f"deployments/{deployment.stack} {_settings(deployment)['urn']}"
    assert (s["organization"], s["project"], s["stack"]) == (ORG, "elite-locadora", deployment.stack), where
    assert s["sourceContext"]["git"] == {"branch": "refs/heads/main", "repoDir": "."}, where
    assert s["vcs"]["provider"] == "github" and s["vcs"]["repository"] == f"{ORG}/elite-locadora-platform", (
        where
    )
    assert deployment.outputs["targetStack"] == f"{ORG}/elite-locadora/{deployment.stack}", where


def test_push_to_deploy_only_for_staging(render):
    prod = _settings(render("prod", program="deployments"))["inputs"]["vcs"]
    staging = _settings(render("staging", program="deployments"))["inputs"]["vcs"]
    assert staging["deployCommits"] is True, "staging: every push to main that changes the program deploys"
    assert prod["deployCommits"] is False, "prod: no push deploys; release.yml deploys approved tags"
    for name, vcs in (("prod", prod), ("staging", staging)):
        assert vcs["previewPullRequests"] is False, f"{name}: PR previews run in checks.yml with the pack"
        assert vcs["pullRequestTemplate"] is False, f"{name}: no review stacks"
        assert f"Pulumi.{name}.yaml" in vcs["paths"], (
            f"{name}: its own stack file triggers it ({vcs['paths']})"
        )
        other = "staging" if name == "prod" else "prod"
        assert f"Pulumi.{other}.yaml" not in vcs["paths"], (
            f"{name}: {other}'s stack file must not deploy {name}"
        )
        assert {"components/**", "settings/**", "policies/**", "__main__.py"} <= set(vcs["paths"]), name


def test_every_operation_is_gated_by_the_policy_pack_with_the_stacks_config(deployment):
    ctx = _settings(deployment)["inputs"]["operationContext"]
    gate = [c for c in ctx["preRunCommands"] if c.startswith("pulumi preview")]
    where = f"deployments/{deployment.stack}: operationContext.preRunCommands {ctx['preRunCommands']}"
    assert len(gate) == 1, where
    config = f"policies/config/{deployment.stack}.json"
    assert f"--policy-pack policies --policy-pack-config {config}" in gate[0], where
    assert f"--stack {ORG}/elite-locadora/{deployment.stack}" in gate[0], where
    assert (ROOT / config).exists(), f"{config} (the gate's pack config) does not exist"
    install = ctx["preRunCommands"].index(
        "policies/venv/bin/pip install --quiet -r policies/requirements.txt"
    )
    assert install < ctx["preRunCommands"].index(gate[0]), (
        f"{where}: the pack's venv is installed before the gate"
    )
    assert ctx["options"]["skipIntermediateDeployments"] is True, where


def test_deployments_assume_the_stacks_role_through_oidc(deployment):
    ctx = _settings(deployment)["inputs"]["operationContext"]["oidc"]["aws"]
    role = _role(deployment)
    assert ctx["roleARN"] == role["outputs"]["arn"], (
        f"deployments/{deployment.stack}: OIDC role is {role['urn']}"
    )
    assert role["inputs"]["name"] == f"elite-locadora-{deployment.stack}-pulumi-deployments", role["urn"]
    assert ctx["sessionName"] == f"pulumi-deployments-{deployment.stack}", role["urn"]
    seconds = deploy_settings.Deployment(
        deployCommits=False, operations=("preview",), sessionDuration=ctx["duration"]
    )
    assert role["inputs"]["maxSessionDuration"] >= seconds.session_seconds, (
        f"{role['urn']}: maxSessionDuration below the session Deployments asks for ({ctx['duration']})"
    )


def test_trust_only_pulumi_cloud_tokens_for_this_stack_and_its_operations(deployment):
    role = _role(deployment)
    (st,) = _statements(role["inputs"]["assumeRolePolicy"])
    stack = deployment.stack
    assert st["Effect"] == "Allow" and st["Action"] == "sts:AssumeRoleWithWebIdentity", role["urn"]
    assert st["Principal"] == {"Federated": "arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc"}, (
        role["urn"]
    )
    cond = st["Condition"]
    assert set(cond) == {"StringEquals"}, f"{role['urn']}: exact matches only, no StringLike ({cond})"
    assert cond["StringEquals"]["api.pulumi.com/oidc:aud"] == ORG, (
        f"{role['urn']}: audience is the organization"
    )
    expected_ops = {
        "prod": ["detect-drift", "preview", "refresh", "update"],
        "staging": ["destroy", "detect-drift", "preview", "refresh", "remediate-drift", "update"],
    }
    assert cond["StringEquals"]["api.pulumi.com/oidc:sub"] == [
        f"pulumi:deploy:org:{ORG}:project:elite-locadora:stack:{stack}:operation:{op}:scope:write"
        for op in expected_ops[stack]
    ], f"{role['urn']}: subjects"


def test_the_pulumi_oidc_provider_is_created_once_per_account(render):
    prod, staging = render("prod", program="deployments"), render("staging", program="deployments")
    provider = prod.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider["inputs"]["url"] == "https://api.pulumi.com/oidc", provider["urn"]
    assert provider["inputs"]["clientIdLists"] == [ORG], f"{provider['urn']}: audience = the organization"
    assert not staging.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider"), (
        "staging uses the provider prod created (one per URL and account)"
    )
    assert staging.outputs["pulumiOidcProviderArn"] == provider["outputs"]["arn"], (
        "staging: the same provider"
    )


def test_permissions_never_reach_the_roles_own_access(deployment):
    policy = deployment.one("aws:iam/rolePolicy:RolePolicy")
    sids = _by_sid(policy["inputs"]["policy"])
    deny = sids["NeverItsOwnAccess"]
    assert deny["Effect"] == "Deny" and deny["Action"] == "iam:*", policy["urn"]
    assert set(deny["Resource"]) == {
        _role(deployment)["outputs"]["arn"],
        "arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc",
    }, f"{policy['urn']}: denies changes to its own role and the Pulumi OIDC provider"
    for st in sids.values():
        if st["Effect"] == "Allow":
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            assert "*" not in actions and "iam:*" not in actions, (
                f"{policy['urn']}: {st['Sid']} grants {actions}"
            )
    regions = sids["ManagedServicesInTheStackRegions"]["Condition"]["StringEquals"]["aws:RequestedRegion"]
    assert regions == ["us-east-1", "us-west-2"], f"{policy['urn']}: only the primary/DR/us-east-1 regions"
    assert (
        sids["StackRoles"]["Resource"]
        == f"arn:aws:iam::123456789012:role/elite-locadora-{deployment.stack}-*"
    )


def test_prod_may_not_delete_data_staging_may(render):
    prod = _by_sid(
        render("prod", program="deployments").one("aws:iam/rolePolicy:RolePolicy")["inputs"]["policy"]
    )
    staging = _by_sid(
        render("staging", program="deployments").one("aws:iam/rolePolicy:RolePolicy")["inputs"]["policy"]
    )
    assert prod["NeverLoseData"]["Effect"] == "Deny", "prod: the delete calls that lose data are denied"
    assert {"rds:DeleteDBInstance", "s3:DeleteBucket", "kms:ScheduleKeyDeletion"} <= set(
        prod["NeverLoseData"]["Action"]
    )
    assert "NeverLoseData" not in staging, "staging may be torn down"


@pytest.mark.parametrize("stack", STACKS)
def test_the_role_covers_exactly_what_the_main_program_manages(stack, request):
    """Every resource of the rendered infrastructure stack is in a service the role manages; every role it names is
    inside the role's IAM scope; every AWS managed policy it attaches is one the role may attach."""
    main = request.getfixturevalue(stack)
    modules = {
        r["type"].split(":")[1].split("/")[0]
        for r in main.resources
        if r["type"].startswith("aws:") and r["custom"]
    }
    missing = sorted(modules - set(access.MANAGED_SERVICES) - {"iam"})
    assert not missing, f"stack {stack} manages {missing}: add their IAM prefixes to deployments/access.py"
    prefix = f"elite-locadora-{stack}-"
    for role in main.of_type("aws:iam/role:Role"):
        assert str(role["inputs"].get("name", "")).startswith(prefix), (
            f"{role['urn']}: role name {role['inputs'].get('name')!r} is outside the Deployments role's scope "
            f"role/{prefix}*"
        )
    allowed = {f"arn:aws:iam::aws:{p}" for p in access.ATTACHABLE_MANAGED_POLICIES}
    for att in main.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        assert att["inputs"]["policyArn"] in allowed, f"{att['urn']}: the Deployments role may not attach it"
    for provider in main.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider"):
        assert provider["inputs"]["url"] == f"https://{access.GITHUB_ISSUER}", provider["urn"]


def _stack_config(path: Path) -> dict:
    return yaml.safe_load(path.read_text())["config"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_deployments_stack_agrees_with_the_infrastructure_stack(stack):
    """Same regions (primary, DR, us-east-1) and the same infrastructure repository as the stack it deploys."""
    main = _stack_config(ROOT / f"Pulumi.{stack}.yaml")
    dep = _stack_config(ROOT / "deployments" / f"Pulumi.{stack}.yaml")
    needed = {main["aws:region"], main["elite-locadora:drRegion"], "us-east-1"}
    regions = set(dep["elite-locadora-deployments:aws"]["regions"])
    assert needed <= regions, (
        f"deployments/Pulumi.{stack}.yaml aws.regions {sorted(regions)} must cover Pulumi.{stack}.yaml's "
        f"primary, DR and us-east-1 ({sorted(needed)})"
    )
    assert (
        dep["elite-locadora-deployments:repository"]
        == main["elite-locadora:cicd"]["infrastructureRepository"]
    ), f"deployments/Pulumi.{stack}.yaml repository differs from elite-locadora:cicd.infrastructureRepository"
    oidc = dep["elite-locadora-deployments:aws"]["oidcProvider"]
    assert oidc == ("create" if stack == "prod" else "existing"), (
        f"deployments/Pulumi.{stack}.yaml aws.oidcProvider: prod creates the account's Pulumi provider, staging uses it"
    )


def test_github_actions_get_pulumi_tokens_only_for_exact_subjects(render):
    prod = render("prod", program="deployments")
    issuer = prod.one("pulumiservice:index:OidcIssuer")["inputs"]
    assert issuer["url"] == "https://token.actions.githubusercontent.com"
    subs = sorted(p["rules"]["sub"] for p in issuer["policies"])
    repo = f"repo:{ORG}/elite-locadora-platform"
    assert subs == [
        f"{repo}:environment:production",
        f"{repo}:pull_request",
        f"{repo}:ref:refs/heads/main",
    ], subs
    for p in issuer["policies"]:
        assert p["rules"]["aud"] == f"urn:pulumi:org:{ORG}" and p["decision"] == "allow", p
        assert p["authorizedPermissions"] == ["standard"], f"no admin tokens: {p}"
    assert not render("staging", program="deployments").of_type("pulumiservice:index:OidcIssuer"), (
        "the issuer is org-wide: only one stack registers it"
    )


def test_pulumi_cloud_enforces_the_pack_with_the_stacks_config(deployment):
    group = deployment.one("pulumiservice:index:PolicyGroup")
    g = group["inputs"]
    stack = deployment.stack
    assert g["stacks"] == [{"name": stack, "routingProject": "elite-locadora"}], (
        f"{group['urn']}: only its stack"
    )
    assert g["mode"] == "preventative" and g["entityType"] == "stacks", f"{group['urn']}: blocks violations"
    (pack,) = g["policyPacks"]
    version = yaml.safe_load((ROOT / "policies" / "PulumiPolicy.yaml").read_text())["version"]
    assert (pack["name"], pack["versionTag"]) == ("elite-locadora-guardrails", version), (
        f"{group['urn']}: enforces the pack at policies/PulumiPolicy.yaml's version {version}"
    )
    expected = json.loads((ROOT / "policies" / "config" / f"{stack}.json").read_text())
    assert pack["config"] == expected, f"{group['urn']}: the pack config is policies/config/{stack}.json"


def test_one_stack_publishes_the_pack_before_the_groups_use_it(render):
    prod, staging = render("prod", program="deployments"), render("staging", program="deployments")
    pack = prod.one("pulumiservice:index:PolicyPack")
    assert Path(pack["inputs"]["sourcePath"]) == ROOT / "policies", pack["urn"]
    assert (Path(pack["inputs"]["sourcePath"]) / "PulumiPolicy.yaml").exists(), pack["urn"]
    group = prod.one("pulumiservice:index:PolicyGroup")
    assert pack["urn"] in group["dependsOn"], f"{group['urn']} is created after the pack version it enforces"
    assert not staging.of_type("pulumiservice:index:PolicyPack"), "a pack version is published once, by prod"


BASE = {
    "elite-locadora-deployments:organization": ORG,
    "elite-locadora-deployments:repository": f"{ORG}/elite-locadora-platform",
    "elite-locadora-deployments:deployment": {
        "deployCommits": False,
        "operations": ["detect-drift", "preview", "update"],
    },
    "elite-locadora-deployments:aws": {
        "oidcProvider": "create",
        "regions": ["us-east-1", "us-west-2"],
        "guardStatefulDeletes": True,
    },
    "elite-locadora-deployments:drift": {"scheduleCron": "0 11 * * *"},
    "elite-locadora-deployments:onCall": {},
}


def _with(key: str, **changes) -> dict:
    raw = json.loads(json.dumps(BASE))
    raw[f"elite-locadora-deployments:{key}"] = {**raw.get(f"elite-locadora-deployments:{key}", {}), **changes}
    return raw


def test_a_valid_config_builds():
    s = deploy_settings.build(BASE, "prod")
    assert s.name_prefix == "elite-locadora-prod" and "Pulumi.prod.yaml" in s.trigger_paths


@pytest.mark.parametrize(
    ("stack", "raw", "message"),
    [
        ("prod", _with("deployment", deployCommits=True), r"deployment\.deployCommits.*approved tags"),
        ("prod", _with("deployment", operations=["update", "destroy"]), r"deployment\.operations.*destroy"),
        ("prod", _with("aws", guardStatefulDeletes=False), r"aws\.guardStatefulDeletes"),
        ("staging", _with("aws", regions=["us-west-2"]), r"aws\.regions.*us-east-1"),
        ("staging", _with("deployment", sessionDuration="13h0m0s"), r"deployment\.sessionDuration"),
        ("staging", _with("githubIssuer", subjects=["ref:refs/heads/*"]), r"githubIssuer\.subjects.*exact"),
        ("staging", _with("aws", oidcProvider="maybe"), r"aws\.oidcProvider"),
        ("prod", _with("policyGroup", version="1.0.0", mode="audit"), r"policyGroup\.mode.*preventative"),
        ("staging", _with("policyGroup", version="latest"), r"policyGroup\.version"),
    ],
)
def test_bad_config_fails_naming_the_key(stack, raw, message):
    with pytest.raises(deploy_settings.ConfigError, match=message) as err:
        deploy_settings.build(raw, stack)
    assert f"stack '{stack}'" in str(err.value) and "elite-locadora-deployments:" in str(err.value)
