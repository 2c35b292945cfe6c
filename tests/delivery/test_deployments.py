"""The deployments/ program, rendered offline per stack: how each infrastructure stack is deployed (git source,
push-to-deploy only for staging, the policy-pack gate), who may assume the Deployments role (Pulumi Cloud's OIDC
issuer, our organization, that stack, those operations) and that its permissions cover exactly what the main
program manages."""

from __future__ import annotations

import json
import re
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


def test_each_account_creates_its_own_pulumi_oidc_provider(deployment):
    """Prod and staging live in different accounts: each creates the provider of its own account, so either
    deployments stack can be set up first."""
    provider = deployment.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider["inputs"]["url"] == "https://api.pulumi.com/oidc", provider["urn"]
    assert provider["inputs"]["clientIdLists"] == [ORG], f"{provider['urn']}: audience = the organization"
    assert deployment.outputs["pulumiOidcProviderArn"] == provider["outputs"]["arn"], deployment.stack


def _policy(d) -> dict[str, dict]:
    return _by_sid(d.one("aws:iam/rolePolicy:RolePolicy")["inputs"]["policy"])


def _actions(statement: dict) -> list[str]:
    return statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]


def _boundary_arn(d) -> str:
    return d.one("aws:iam/policy:Policy")["outputs"]["arn"]


def test_permissions_never_reach_the_roles_own_access(deployment):
    policy = deployment.one("aws:iam/rolePolicy:RolePolicy")
    sids = _policy(deployment)
    deny = sids["NeverItsOwnAccess"]
    assert deny["Effect"] == "Deny" and deny["Action"] == "iam:*", policy["urn"]
    assert set(deny["Resource"]) == {
        _role(deployment)["outputs"]["arn"],
        "arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc",
        _boundary_arn(deployment),
    }, f"{policy['urn']}: denies changes to its own role, the Pulumi OIDC provider and the workload boundary"
    for st in sids.values():
        if st["Effect"] == "Allow":
            assert "*" not in _actions(st) and "iam:*" not in _actions(st), (
                f"{policy['urn']}: {st['Sid']} grants {_actions(st)}"
            )
    regions = sids["ManagedServicesInTheStackRegions"]["Condition"]["StringEquals"]["aws:RequestedRegion"]
    assert regions == ["us-east-1", "us-west-2"], f"{policy['urn']}: only the primary/DR/us-east-1 regions"
    assert (
        sids["StackRoles"]["Resource"]
        == f"arn:aws:iam::123456789012:role/elite-locadora-{deployment.stack}-*"
    )


# IAM calls that create a role or change what it may do, and the condition each allow must carry.
_ROLE_WIDENING = {
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
}


def test_no_role_is_created_or_widened_without_the_boundary(deployment):
    """Every allow that creates a role or changes its policies requires the stack's boundary on it; PassRole only
    to the services the roles serve; removing a boundary is denied. So a deployment cannot mint an unbounded role
    (an ECS task role with AdministratorAccess) and run code as it."""
    boundary = _boundary_arn(deployment)
    assert boundary.endswith(f":policy/elite-locadora-{deployment.stack}-workload-boundary"), boundary
    sids = _policy(deployment)
    granted: set[str] = set()
    for st in sids.values():
        if st["Effect"] != "Allow":
            continue
        widening = _ROLE_WIDENING & set(_actions(st))
        granted |= widening
        if widening:
            assert st["Condition"]["StringEquals"]["iam:PermissionsBoundary"] == boundary, (
                f"deployments/{deployment.stack}: {st['Sid']} allows {sorted(widening)} without the boundary"
            )
        if "iam:PassRole" in _actions(st):
            assert st["Condition"]["StringEquals"]["iam:PassedToService"] == list(
                access.PASSED_TO_SERVICES
            ), f"deployments/{deployment.stack}: {st['Sid']} passes roles to any service"
    assert granted == _ROLE_WIDENING, (
        f"deployments/{deployment.stack}: the program needs {sorted(_ROLE_WIDENING)}"
    )
    assert sids["NeverDropABoundary"] == {
        "Sid": "NeverDropABoundary",
        "Effect": "Deny",
        "Action": "iam:DeleteRolePermissionsBoundary",
        "Resource": "*",
    }


def _role_policy_actions(main) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rp in main.of_type("aws:iam/rolePolicy:RolePolicy"):
        doc = rp["inputs"]["policy"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        for st in doc["Statement"]:
            if st["Effect"] == "Allow":
                found.setdefault(rp["urn"], set()).update(_actions(st))
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_every_role_the_stack_creates_carries_the_boundary(stack, request, render):
    """The boundary on every role of the render is the policy the deployments program creates; the boundary grants
    no IAM beyond passing the stack's roles, never more services than the Deployments role manages, and still lets
    every role do what its own policies grant (else the boundary would break the workload)."""
    main = request.getfixturevalue(stack)
    dep = render(stack, program="deployments")
    boundary = _boundary_arn(dep)
    roles = main.of_type("aws:iam/role:Role")
    assert roles, stack
    for role in roles:
        assert role["inputs"].get("permissionsBoundary") == boundary, (
            f"{role['urn']}: permissionsBoundary {role['inputs'].get('permissionsBoundary')!r}, expected {boundary}"
        )
    doc = json.loads(dep.one("aws:iam/policy:Policy")["inputs"]["policy"])
    allowed = {a for st in doc["Statement"] if st["Effect"] == "Allow" for a in _actions(st)}
    assert {a for a in allowed if a.startswith("iam:")} == {"iam:PassRole"}, f"boundary grants IAM: {allowed}"
    managed = set(_policy(dep)["ManagedServicesInTheStackRegions"]["Action"])
    workload_only = {f"{p}:*" for p in access.WORKLOAD_ONLY_PREFIXES}
    assert {a for a in allowed if a.endswith(":*")} <= managed | workload_only, (
        "the boundary exceeds the role"
    )
    for urn, actions in _role_policy_actions(main).items():
        outside = sorted(a for a in actions if a not in allowed and f"{a.split(':')[0]}:*" not in allowed)
        assert not outside, f"{urn}: the workload boundary would deny {outside}"


def _service_principals(role: dict) -> set[str]:
    doc = json.loads(role["inputs"]["assumeRolePolicy"])
    found: set[str] = set()
    for st in doc["Statement"]:
        service = st.get("Principal", {}).get("Service", [])
        found.update([service] if isinstance(service, str) else service)
    return found


def _global_principal(principal: str) -> str:
    """logs.us-east-1.amazonaws.com → logs.amazonaws.com (regional service principals)."""
    return re.sub(
        r"^([a-z0-9-]+)\.[a-z]{2}(-gov)?-[a-z]+-\d\.amazonaws\.com$", r"\1.amazonaws.com", principal
    )


@pytest.mark.parametrize("stack", STACKS)
def test_the_role_covers_every_resource_type_the_render_holds(stack, request, render):
    """Each AWS resource type of the rendered stack maps to the IAM service prefixes its create, read (refresh),
    update and delete call (access.RESOURCE_SERVICES, by type token: the `cloudwatch` module alone spans
    cloudwatch:, logs: and events:); the Deployments role manages all of them. Every role the program names is in
    the role's IAM scope, every managed policy it attaches is attachable, every service it hands a role to is a
    PassedToService value."""
    main = request.getfixturevalue(stack)
    dep = render(stack, program="deployments")
    managed = set(_policy(dep)["ManagedServicesInTheStackRegions"]["Action"])
    types = {r["type"] for r in main.resources if r["type"].startswith("aws:") and r["custom"]}
    unmapped = sorted(types - set(access.RESOURCE_SERVICES) - access.IAM_RESOURCE_TYPES)
    assert not unmapped, f"stack {stack} holds {unmapped}: add their IAM prefixes to deployments/access.py"
    for t in sorted(types - access.IAM_RESOURCE_TYPES):
        missing = sorted({f"{p}:*" for p in access.RESOURCE_SERVICES[t]} - managed)
        assert not missing, f"deployments/{stack}: {t} needs {missing}"
    assert "events:*" in managed, f"deployments/{stack}: EventBridge rules and targets need events:*"
    prefix = f"elite-locadora-{stack}-"
    for role in main.of_type("aws:iam/role:Role"):
        assert str(role["inputs"].get("name", "")).startswith(prefix), (
            f"{role['urn']}: role name {role['inputs'].get('name')!r} is outside the Deployments role's scope "
            f"role/{prefix}*"
        )
        passed = {_global_principal(p) for p in _service_principals(role)}
        assert passed <= set(access.PASSED_TO_SERVICES), (
            f"{role['urn']}: trusted by {sorted(passed)}; iam:PassedToService allows {access.PASSED_TO_SERVICES}"
        )
    allowed = {f"arn:aws:iam::aws:{p}" for p in access.ATTACHABLE_MANAGED_POLICIES}
    for att in main.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        assert att["inputs"]["policyArn"] in allowed, f"{att['urn']}: the Deployments role may not attach it"
    for provider in main.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider"):
        assert provider["inputs"]["url"] == f"https://{access.GITHUB_ISSUER}", provider["urn"]


# The calls issue #15 named as losing data; each is either denied in prod or needed by deploys and guarded.
_NAMED_DATA_LOSS = (
    "kms:PutKeyPolicy",
    "s3:DeleteObjectVersion",
    "s3:PutLifecycleConfiguration",
    "rds:ModifyDBInstance",
    "rds:DeleteDBSnapshot",
    "backup:DeleteBackupPlan",
    "backup:UpdateRecoveryPointLifecycle",
    "ecr:BatchDeleteImage",
    "ssm:DeleteParameter",
    "logs:DeleteLogGroup",
)


def test_prod_denies_what_loses_the_data_the_stack_holds(render, prod):
    """Prod's deny is derived from what its render holds: every stateful type (protected in prod) has its
    data-losing calls listed, and the deny is exactly their union. Calls deploys need are guarded instead."""
    dep = _policy(render("prod", program="deployments"))
    denied = set(dep["NeverLoseData"]["Action"])
    assert dep["NeverLoseData"]["Effect"] == "Deny" and dep["NeverLoseData"]["Resource"] == "*"
    assert denied == {a for actions in access.DATA_LOSS.values() for a in actions}, (
        "deny = union of DATA_LOSS"
    )
    stateful = {r["type"] for r in prod.resources if r.get("protect") and r["type"].startswith("aws:")}
    unlisted = sorted(stateful - set(access.DATA_LOSS))
    assert not unlisted, f"prod protects {unlisted}: list the calls that lose their data in access.DATA_LOSS"
    for action in _NAMED_DATA_LOSS:
        assert action in denied or action in access.GUARDED_UPDATES, f"{action}: neither denied nor guarded"
    assert not denied & set(access.GUARDED_UPDATES), "a guarded update cannot also be denied"
    lockout = dep["NoKeyPolicyLockout"]
    assert lockout["Effect"] == "Deny" and "kms:PutKeyPolicy" in lockout["Action"], lockout
    assert lockout["Condition"] == {"Bool": {"kms:BypassPolicyLockoutSafetyCheck": "true"}}, lockout
    # Deploys must still be able to create and update: nothing the program's types need is denied outright.
    needed = {
        "s3:PutLifecycleConfiguration",
        "rds:ModifyDBInstance",
        "kms:PutKeyPolicy",
        "s3:PutBucketVersioning",
    }
    assert not denied & needed, f"prod's deny would break every deploy: {sorted(denied & needed)}"


def test_staging_may_be_torn_down(render):
    staging = _policy(render("staging", program="deployments"))
    assert "NeverLoseData" not in staging and "NoKeyPolicyLockout" not in staging, "staging may be torn down"


def _stack_config(path: Path) -> dict:
    return yaml.safe_load(path.read_text())["config"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_deployments_stack_agrees_with_the_infrastructure_stack(stack):
    """Same account, regions (primary, DR, us-east-1) and infrastructure repository as the stack it deploys."""
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
    assert dep["elite-locadora-deployments:aws"]["accountId"] == main["elite-locadora:accountId"], (
        f"deployments/Pulumi.{stack}.yaml aws.accountId differs from Pulumi.{stack}.yaml elite-locadora:accountId"
    )


def test_no_staging_credential_can_act_on_prod(render, prod, staging):
    """Environment isolation the way AWS recommends it: each stack in its own account, pinned in its stack files
    and enforced by every AWS provider of both programs (allowedAccountIds): a staging credential (its
    Deployments role, its pipelines, its preview role) lives in staging's account, and prod's providers refuse it.
    No trust policy of either stack names another account."""
    accounts = {s: _stack_config(ROOT / f"Pulumi.{s}.yaml")["elite-locadora:accountId"] for s in STACKS}
    assert accounts["prod"] != accounts["staging"], f"prod and staging share account {accounts['prod']}"
    for stack, main in (("prod", prod), ("staging", staging)):
        for r in (main, render(stack, program="deployments")):
            providers = r.of_type("pulumi:providers:aws")
            assert providers, stack
            for provider in providers:
                # Provider inputs travel JSON-encoded (as the engine passes them to the plugin).
                pinned = json.loads(provider["inputs"].get("allowedAccountIds") or "null")
                assert pinned == [accounts[stack]], (
                    f"{provider['urn']}: allowedAccountIds {pinned}, "
                    f"expected [{accounts[stack]}] (elite-locadora:accountId)"
                )
            for role in r.of_type("aws:iam/role:Role"):
                text = role["inputs"]["assumeRolePolicy"]
                others = set(re.findall(r"(?<![0-9])[0-9]{12}(?![0-9])", text)) - {"123456789012"}
                assert not others, f"{role['urn']}: trusts another account {others}"


def test_github_actions_get_pulumi_tokens_only_for_exact_subjects(render):
    """Only the release environment's jobs get an organization token (what starts prod's deployment). Pull requests
    get a team token whose team may only read staging: no pull-request credential can start or approve a prod
    deployment or decrypt a prod secret. No branch or tag subject gets anything."""
    prod = render("prod", program="deployments")
    issuer = prod.one("pulumiservice:index:OidcIssuer")["inputs"]
    assert issuer["url"] == "https://token.actions.githubusercontent.com"
    repo = f"repo:{ORG}/elite-locadora-platform"
    by_sub = {p["rules"]["sub"]: p for p in issuer["policies"]}
    assert set(by_sub) == {f"{repo}:environment:production", f"{repo}:pull_request"}, sorted(by_sub)
    for p in issuer["policies"]:
        assert p["rules"]["aud"] == f"urn:pulumi:org:{ORG}" and p["decision"] == "allow", p
    release = by_sub[f"{repo}:environment:production"]
    assert release["tokenType"] == "organization" and release["authorizedPermissions"] == ["standard"], (
        release
    )
    pr = by_sub[f"{repo}:pull_request"]
    assert pr["tokenType"] == "team" and "authorizedPermissions" not in pr, (
        f"PRs get no organization token: {pr}"
    )
    team = prod.one("pulumiservice:index:Team")
    assert pr["teamName"] == team["outputs"]["name"], pr
    grants = [
        g["inputs"]
        for g in prod.of_type("pulumiservice:index:TeamStackPermission")
        if g["inputs"]["team"] == team["outputs"]["name"]
    ]
    assert grants == [
        {
            "organization": ORG,
            "project": "elite-locadora",
            "stack": "staging",
            "team": team["outputs"]["name"],
            "permission": 101,
        }
    ], f"the PR team may only read staging (101 = read): {grants}"
    assert issuer["maxExpirationSeconds"] >= 120 * 60, "tokens outlive the release job (timeout-minutes: 120)"
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


def test_publishing_and_pinning_the_pack_are_one_step(render):
    """The version comes from policies/PulumiPolicy.yaml alone: bumping it there and running the deployments program
    publishes that version and pins the groups to it in the same update. Staging, set up first, publishes; the
    source path is relative, the same on every machine."""
    prod, staging = render("prod", program="deployments"), render("staging", program="deployments")
    pack = staging.one("pulumiservice:index:PolicyPack")
    source = pack["inputs"]["sourcePath"]
    assert not Path(source).is_absolute(), f"{pack['urn']}: sourcePath {source} differs per machine"
    assert (ROOT / "deployments" / source / "PulumiPolicy.yaml").exists(), f"{pack['urn']}: {source}"
    version = yaml.safe_load((ROOT / "policies" / "PulumiPolicy.yaml").read_text())["version"]
    assert pack["inputs"]["versionTag"] == version, pack["urn"]
    group = staging.one("pulumiservice:index:PolicyGroup")
    assert pack["urn"] in group["dependsOn"], f"{group['urn']} is created after the pack version it enforces"
    assert not prod.of_type("pulumiservice:index:PolicyPack"), "a pack version is published once, by staging"
    for name in STACKS:
        text = (ROOT / "deployments" / f"Pulumi.{name}.yaml").read_text()
        assert "version:" not in text, f"deployments/Pulumi.{name}.yaml pins a pack version of its own"


BASE = {
    "elite-locadora-deployments:organization": ORG,
    "elite-locadora-deployments:repository": f"{ORG}/elite-locadora-platform",
    "elite-locadora-deployments:deployment": {
        "deployCommits": False,
        "operations": ["detect-drift", "preview", "update"],
    },
    "elite-locadora-deployments:aws": {
        "accountId": "111122223333",
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
        (
            "prod",
            _with("githubIssuer", pullRequestPreview={"team": "pr", "stacks": ["staging", "prod"]}),
            r"githubIssuer\.pullRequestPreview\.stacks.*never read prod",
        ),
        ("staging", _with("aws", oidcProvider="maybe"), r"aws\.oidcProvider"),
        ("staging", _with("aws", accountId="12345"), r"aws\.accountId"),
        ("prod", _with("policyGroup", mode="audit"), r"policyGroup\.mode.*preventative"),
        ("staging", _with("policyGroup", version="1.0.0"), r"policyGroup\.version"),
    ],
)
def test_bad_config_fails_naming_the_key(stack, raw, message):
    with pytest.raises(deploy_settings.ConfigError, match=message) as err:
        deploy_settings.build(raw, stack)
    assert f"stack '{stack}'" in str(err.value) and "elite-locadora-deployments:" in str(err.value)
