"""Day two of the deployments/ program, rendered offline: each stack's drift schedule (prod at least daily and
never remediating, staging remediating), the webhook that carries drift results to the on-call, and the rules
that refuse a wrong schedule or a drift result nobody hears."""

from __future__ import annotations

import json
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deployments"))

import day_two  # noqa: E402
import deploy_settings  # noqa: E402

ORG = "elite-locadora"
STACKS = ("prod", "staging")


@pytest.fixture(scope="module", params=STACKS)
def deployment(request, render):
    return render(request.param, program="deployments")


def _subjects(d) -> list[str]:
    (st,) = json.loads(d.one("aws:iam/role:Role")["inputs"]["assumeRolePolicy"])["Statement"]
    return st["Condition"]["StringEquals"]["api.pulumi.com/oidc:sub"]


def test_drift_is_detected_on_a_schedule_for_the_stack(deployment):
    drift = deployment.one("pulumiservice:index:DriftSchedule")
    d = drift["inputs"]
    where = f"deployments/{deployment.stack} {drift['urn']}"
    assert (d["organization"], d["project"], d["stack"]) == (ORG, "elite-locadora", deployment.stack), where
    assert day_two.cron_problem(d["scheduleCron"]) is None, where
    settings = deployment.one("pulumiservice:index:DeploymentSettings")
    assert settings["urn"] in drift["dependsOn"], f"{where}: runs through the stack's deployment settings"
    assert "driftScheduleId" in deployment.outputs, f"{where}: the schedule's id is a stack output"


def test_prod_detects_drift_daily_and_never_remediates_by_itself(render):
    prod = render("prod", program="deployments")
    d = prod.one("pulumiservice:index:DriftSchedule")["inputs"]
    assert day_two.fires_every_day(d["scheduleCron"]), f"prod drift schedule {d['scheduleCron']!r} skips days"
    assert d["autoRemediate"] is False, "prod changes only through an approved release"


def test_staging_remediates_drift(render):
    d = render("staging", program="deployments").one("pulumiservice:index:DriftSchedule")["inputs"]
    assert d["autoRemediate"] is True, "staging returns to what main says when it drifts"


def test_the_role_accepts_the_drift_operations_the_schedule_runs(deployment):
    d = deployment.one("pulumiservice:index:DriftSchedule")["inputs"]
    ops = {s.split(":operation:")[1].split(":")[0] for s in _subjects(deployment)}
    where = f"deployments/{deployment.stack}: role subjects {sorted(ops)}"
    assert "detect-drift" in ops, where
    assert ("remediate-drift" in ops) == d["autoRemediate"], (
        f"{where}: remediate-drift only where it remediates"
    )


def test_drift_results_reach_the_on_call(deployment):
    hook = deployment.one("pulumiservice:index:Webhook")
    h = hook["inputs"]
    where = f"deployments/{deployment.stack} {hook['urn']}"
    assert (h["organizationName"], h["projectName"], h["stackName"]) == (
        ORG,
        "elite-locadora",
        deployment.stack,
    ), f"{where}: a webhook of that stack"
    assert h["active"] is True, where
    assert h["payloadUrl"] == "[secret]", f"{where}: the on-call URL is a secret, never in clear"
    drift = deployment.one("pulumiservice:index:DriftSchedule")["inputs"]
    needed = set(day_two.DRIFT_EVENTS) | (
        set(day_two.REMEDIATION_EVENTS) if drift["autoRemediate"] else set()
    )
    assert needed <= set(h["filters"]), (
        f"{where}: filters {h['filters']} miss {sorted(needed - set(h['filters']))}"
    )
    assert "deployment_failed" in h["filters"], f"{where}: a failed deployment pages too"


@pytest.mark.parametrize(
    ("cron", "daily"),
    [
        ("0 11 * * *", True),
        ("*/30 * * * *", True),
        ("0 6,18 * * *", True),
        ("0 11 * * 1-5", False),
        ("0 11 1 * *", False),
        ("0 11 * 1 *", False),
    ],
)
def test_what_counts_as_daily(cron, daily):
    assert day_two.fires_every_day(cron) is daily, cron


@pytest.mark.parametrize("cron", ["0 11 * *", "61 11 * * *", "0 24 * * *", "0 11 * * mon", "@daily"])
def test_a_malformed_cron_is_refused(cron):
    assert day_two.cron_problem(cron), cron


BASE = {
    "elite-locadora-deployments:organization": ORG,
    "elite-locadora-deployments:repository": f"{ORG}/elite-locadora-platform",
    "elite-locadora-deployments:deployment": {
        "deployCommits": False,
        "operations": ["detect-drift", "preview", "remediate-drift", "update"],
    },
    "elite-locadora-deployments:aws": {
        "accountId": "111122223333",
        "oidcProvider": "existing",
        "regions": ["us-east-1", "us-west-2"],
        "guardStatefulDeletes": True,
    },
    "elite-locadora-deployments:drift": {"scheduleCron": "0 11 * * *"},
    "elite-locadora-deployments:onCall": {},
}


def _with(**changes) -> dict:
    """BASE with each key's object updated (a value of None removes the key)."""
    raw = json.loads(json.dumps(BASE))
    for key, value in changes.items():
        full = f"elite-locadora-deployments:{key}"
        if value is None:
            raw.pop(full)
        else:
            raw[full] = {**raw.get(full, {}), **value}
    return raw


def test_the_base_config_builds_for_both_stacks():
    for stack in STACKS:
        s = deploy_settings.build(BASE, stack)
        assert s.drift is not None and s.on_call is not None, stack


@pytest.mark.parametrize(
    ("stack", "raw", "message"),
    [
        ("prod", _with(drift=None), r"drift' is invalid: prod must detect drift"),
        ("prod", _with(drift={"scheduleCron": "0 11 * * 1"}), r"drift\.scheduleCron.*at least daily"),
        ("prod", _with(drift={"autoRemediate": True}), r"drift\.autoRemediate.*approved release"),
        ("staging", _with(drift={"scheduleCron": "0 25 * * *"}), r"drift\.scheduleCron.*outside 0-23"),
        ("staging", _with(onCall=None), r"onCall' is invalid: a drift result must reach"),
        ("staging", _with(onCall={"events": ["deployment_failed"]}), r"onCall\.events.*drift_detected"),
        (
            "staging",
            _with(drift={"autoRemediate": True}, onCall={"events": list(day_two.DRIFT_EVENTS)}),
            r"onCall\.events.*drift_remediation_failed",
        ),
        (
            "staging",
            _with(deployment={"operations": ["preview", "update"]}),
            r"deployment\.operations.*detect-drift",
        ),
        (
            "staging",
            _with(deployment={"operations": ["detect-drift", "update"]}, drift={"autoRemediate": True}),
            r"deployment\.operations.*remediate-drift",
        ),
    ],
)
def test_a_wrong_schedule_or_an_unheard_drift_is_refused(stack, raw, message):
    with pytest.raises(deploy_settings.ConfigError, match=message) as err:
        deploy_settings.build(raw, stack)
    assert f"stack '{stack}'" in str(err.value), err.value


# --- the review-stack template (deployments/Pulumi.review.yaml) ---

REVIEW_STACK = (
    "pr-pulumi-elite-locadora-elite-locadora-42"  # a review stack of PR 42 as Pulumi Cloud names it
)


@pytest.fixture(scope="module")
def template(render):
    return render("review", program="deployments")


def _trust(d) -> dict:
    (st,) = json.loads(d.one("aws:iam/role:Role")["inputs"]["assumeRolePolicy"])["Statement"]
    return st


def _policy(d) -> dict[str, dict]:
    doc = json.loads(d.one("aws:iam/rolePolicy:RolePolicy")["inputs"]["policy"])
    return {s["Sid"]: s for s in doc["Statement"]}


def test_the_review_template_makes_a_stack_per_pull_request_that_changes_the_program(template, render):
    settings = template.one("pulumiservice:index:DeploymentSettings")
    s = settings["inputs"]
    where = settings["urn"]
    assert s["stack"] == "review" and s["vcs"]["pullRequestTemplate"] is True, where
    assert s["vcs"]["deployCommits"] is False, f"{where}: the template itself is never deployed"
    assert {"Pulumi.review.yaml", "components/**", "settings/**", "policies/**"} <= set(s["vcs"]["paths"]), (
        where
    )
    assert "Pulumi.prod.yaml" not in s["vcs"]["paths"] and "Pulumi.staging.yaml" not in s["vcs"]["paths"], (
        where
    )
    for stack in STACKS:
        vcs = render(stack, program="deployments").one("pulumiservice:index:DeploymentSettings")["inputs"][
            "vcs"
        ]
        assert vcs["pullRequestTemplate"] is False, f"{stack} is no review-stack template"


def test_each_review_stack_is_judged_by_the_pack_like_any_stack(template):
    cmds = template.one("pulumiservice:index:DeploymentSettings")["inputs"]["operationContext"][
        "preRunCommands"
    ]
    # Deployed on request: the first command stops an update of a PR without the label (tools/review_gate.py).
    assert (
        cmds[0]
        == f"python -m tools.review_gate --repository {ORG}/elite-locadora-platform --label review-stack"
    )
    assert (ROOT / "tools/review_gate.py").exists()
    (gate,) = [c for c in cmds if c.startswith("pulumi preview")]
    # PULUMI_CI_STACK is the stack being deployed (the PR's review stack), not the template.
    assert f'--stack "{ORG}/elite-locadora/$PULUMI_CI_STACK"' in gate, gate
    assert "--policy-pack policies --policy-pack-config policies/config/review.json" in gate, gate
    assert (ROOT / "policies/config/review.json").exists()


def test_the_review_role_trusts_review_stacks_only(template):
    st = _trust(template)
    cond = st["Condition"]
    assert cond["StringEquals"] == {"api.pulumi.com/oidc:aud": ORG}, cond
    patterns = cond["StringLike"]["api.pulumi.com/oidc:sub"]
    sub = "pulumi:deploy:org:{}:project:elite-locadora:stack:{}:operation:{}:scope:write"
    assert any(fnmatch(sub.format(ORG, REVIEW_STACK, "update"), p) for p in patterns), patterns
    assert any(fnmatch(sub.format(ORG, REVIEW_STACK, "destroy"), p) for p in patterns), (
        "the PR's close destroys"
    )
    for stack in (*STACKS, "review"):
        for op in ("preview", "update", "refresh", "destroy", "detect-drift", "remediate-drift"):
            s = sub.format(ORG, stack, op)
            assert not any(fnmatch(s, p) for p in patterns), f"the review role trusts {s}"
    assert not any(fnmatch(sub.format("other-org", REVIEW_STACK, "update"), p) for p in patterns), patterns


def test_the_review_role_can_touch_nothing_of_prod_or_staging(template, prod, staging):
    """Its IAM scope holds no name of prod or staging; every call on another account's resource is denied (and
    prod's and staging's accounts by name); the AWS provider refuses to create it with their credentials."""
    sids = _policy(template)
    scope = sids["StackRoles"]["Resource"].split(":role/")[1]
    for main in (prod, staging):
        for role in main.of_type("aws:iam/role:Role"):
            name = role["inputs"]["name"]
            assert not fnmatch(name, scope), f"review role scope {scope} covers {main.stack}'s role {name}"
    outside = sids["NothingOutsideTheReviewAccount"]
    assert outside["Effect"] == "Deny" and outside["Resource"] == "*", outside
    assert outside["Condition"] == {"StringNotEquals": {"aws:ResourceAccount": "123456789012"}}, outside
    assert set(outside["NotAction"]) == set(day_two.MANAGED_POLICY_READS), outside
    accounts = yaml.safe_load((ROOT / "deployments/Pulumi.review.yaml").read_text())["config"][
        "elite-locadora-deployments:review"
    ]["isolatedFromAccounts"]
    named = sids["NeverProdOrStaging"]
    assert (named["Effect"], named["Action"]) == ("Deny", "*"), named
    assert named["Condition"]["StringEquals"]["aws:ResourceAccount"] == sorted(accounts), named

    # Exactly prod's and staging's accounts, as their deployments stacks pin them; the review account is neither,
    # and the provider refuses credentials of any account but the review one.
    def pinned(stack: str) -> str:
        doc = yaml.safe_load((ROOT / f"deployments/Pulumi.{stack}.yaml").read_text())
        return doc["config"]["elite-locadora-deployments:aws"]["accountId"]

    assert sorted(accounts) == sorted(pinned(s) for s in STACKS), accounts
    provider = template.one("pulumi:providers:aws")
    assert json.loads(provider["inputs"]["allowedAccountIds"]) == [pinned("review")], provider["urn"]
    assert pinned("review") not in accounts, "the review account is not prod's nor staging's"


def test_review_stack_roles_are_inside_the_review_roles_scope(template, render):
    scope = _policy(template)["StackRoles"]["Resource"].split(":role/")[1]
    review = render("review")
    required = _policy(template)["StackRolesOnlyWithTheBoundary"]["Condition"]["StringEquals"][
        "iam:PermissionsBoundary"
    ]
    (boundary,) = template.of_type("aws:iam/policy:Policy")
    assert required.endswith(f":policy/{boundary['inputs']['name']}"), (
        f"{required}: the template's own boundary"
    )
    for role in review.of_type("aws:iam/role:Role"):
        assert fnmatch(role["inputs"]["name"], scope), (
            f"{role['urn']}: outside the review role's scope {scope}"
        )
        assert role["inputs"]["permissionsBoundary"] == required, (
            f"{role['urn']}: boundary {role['inputs']['permissionsBoundary']} is not the one the review role requires"
        )


def test_prod_and_staging_roles_have_no_review_isolation_nor_wildcard_trust(deployment):
    assert "StringLike" not in _trust(deployment)["Condition"], deployment.stack
    assert "NothingOutsideTheReviewAccount" not in _policy(deployment), deployment.stack


REVIEW_BASE = {
    **{k: v for k, v in BASE.items() if not k.endswith((":drift", ":onCall"))},
    "elite-locadora-deployments:deployment": {"deployCommits": False, "operations": ["destroy", "update"]},
    "elite-locadora-deployments:aws": {
        "accountId": "777788889999",
        "oidcProvider": "create",
        "regions": ["us-east-1", "us-west-2"],
        "guardStatefulDeletes": False,
    },
    "elite-locadora-deployments:review": {"isolatedFromAccounts": ["111122223333"]},
}


@pytest.mark.parametrize(
    ("stack", "changes", "message"),
    [
        ("review", {"review": {"isolatedFromAccounts": []}}, r"review\.isolatedFromAccounts"),
        ("review", {"review": {"isolatedFromAccounts": ["prod"]}}, r"review\.isolatedFromAccounts.*12-digit"),
        ("review", {"review": {"stackPattern": "*"}}, r"review\.stackPattern"),
        ("review", {"deployment": {"deployCommits": True}}, r"deployment\.deployCommits.*never deployed"),
        ("review", {"deployment": {"operations": ["update"]}}, r"deployment\.operations.*destroy"),
        ("review", {"aws": {"guardStatefulDeletes": True}}, r"aws\.guardStatefulDeletes.*destroyed"),
        ("review", {"aws": {"accountId": "111122223333"}}, r"aws\.accountId.*own account"),
        ("prod", {"drift": {"scheduleCron": "0 11 * * *"}, "onCall": {}}, r"review' is invalid: prod is not"),
    ],
)
def test_a_review_template_that_could_reach_prod_or_linger_is_refused(stack, changes, message):
    raw = json.loads(json.dumps(REVIEW_BASE))
    for key, value in changes.items():
        full = f"elite-locadora-deployments:{key}"
        raw[full] = {**raw.get(full, {}), **value}
    if stack == "prod":
        raw["elite-locadora-deployments:deployment"]["operations"] = ["detect-drift", "update"]
        raw["elite-locadora-deployments:aws"]["guardStatefulDeletes"] = True
    with pytest.raises(deploy_settings.ConfigError, match=message):
        deploy_settings.build(raw, stack)
    assert deploy_settings.build(REVIEW_BASE, "review").review is not None
