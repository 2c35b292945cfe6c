"""Day two of the deployments/ program, rendered offline: each stack's drift schedule (prod at least daily and
never remediating, staging remediating), the webhook that carries drift results to the on-call, and the rules
that refuse a wrong schedule or a drift result nobody hears."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

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
