"""Pulumi Deployments after day one: drift schedules, the on-call webhook, review stacks (settings and checks).

- `drift`: a Pulumi Cloud drift schedule for the stack (`pulumiservice.DriftSchedule`: a preview-only refresh
  on a cron; with `autoRemediate`, `pulumi up --refresh` after a run that found drift). Prod must run it at
  least daily and never remediate by itself (prod changes only through an approved release); staging may.
- `onCall`: a stack webhook (`pulumiservice.Webhook`) that posts the drift and failed-deployment events to the
  on-call's inbound webhook (the URL is the secret config key `onCallWebhookUrl`).
- `review`: this stack is the review-stack template (`pullRequestTemplate`): every pull request that changes
  the program gets its own stack from it, deployed with this stack's settings and credentials, destroyed when
  the pull request closes (and by its TTL, which the review stack itself registers: components/review.py).

Pure models and functions of the settings; their cross-field rules against the stack's deployment and AWS
settings are DeploySettings._day_two (deploy_settings.py); deployments/__main__.py registers the resources.
"""

from __future__ import annotations

import json
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

# The webhook events (pulumi_pulumiservice.WebhookFilters values at 1.5.0) the on-call may subscribe to.
WebhookEvent = Literal[
    "drift_detected",
    "drift_detection_failed",
    "drift_remediation_succeeded",
    "drift_remediation_failed",
    "deployment_failed",
    "update_failed",
    "destroy_failed",
    "refresh_failed",
]
# A drift run that finds drift, or cannot finish, must reach the on-call; so must a remediation that fails.
DRIFT_EVENTS: tuple[str, ...] = ("drift_detected", "drift_detection_failed")
REMEDIATION_EVENTS: tuple[str, ...] = ("drift_remediation_failed",)
# The secret config key holding the on-call's inbound webhook URL (declared `secret: true` in Pulumi.yaml).
ON_CALL_URL_KEY = "onCallWebhookUrl"
# IAM reads of AWS managed policies, whose owner is an AWS account, not ours (AWS's aws:ResourceAccount example).
MANAGED_POLICY_READS = (
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListEntitiesForPolicy",
    "iam:ListPolicies",
)
# Physical names of review stacks: elite-locadora-rv<PR number>-… (settings/review.py of the program); the IAM scope
# of the review role. It cannot match elite-locadora-prod-… nor elite-locadora-staging-….
REVIEW_NAME_GLOB = "elite-locadora-rv*"
_CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


def cron_problem(cron: str) -> str | None:
    """Why `cron` is not a five-field cron expression (minute hour day-of-month month day-of-week), or None."""
    fields = cron.split()
    if len(fields) != 5:
        return f"{cron!r} has {len(fields)} fields; expected 5 (minute hour day-of-month month day-of-week)"
    for field, (low, high) in zip(fields, _CRON_RANGES, strict=True):
        if not _CRON_FIELD.match(field):
            return f"{cron!r}: field {field!r} is not a number, range, list, step or *"
        for number in re.findall(r"\d+", re.sub(r"/\d+", "", field)):
            if not low <= int(number) <= high:
                return f"{cron!r}: {number} is outside {low}-{high} in field {field!r}"
    return None


def fires_every_day(cron: str) -> bool:
    """True when the schedule runs at least once on every day: day-of-month, month and day-of-week all `*`."""
    fields = cron.split()
    return cron_problem(cron) is None and fields[2:] == ["*", "*", "*"]


class Drift(_Model):
    """A Pulumi Cloud drift-detection schedule for the stack."""

    schedule_cron: str = Field(description="When drift detection runs, five-field cron in UTC (prod: daily).")
    auto_remediate: bool = Field(
        False, description="Run `pulumi up --refresh` after a run that found drift (staging only)."
    )

    @model_validator(mode="after")
    def _cron(self) -> Drift:
        problem = cron_problem(self.schedule_cron)
        if problem:
            raise ValueError(f"scheduleCron: {problem}")
        return self


class OnCall(_Model):
    """Where Pulumi Cloud posts the stack's drift and deployment failures: the on-call's inbound webhook."""

    format: Literal["raw", "slack", "ms_teams"] = Field(
        "raw", description="Payload format: raw JSON (an on-call tool's generic webhook), Slack or Teams."
    )
    events: tuple[WebhookEvent, ...] = Field(
        DRIFT_EVENTS + ("deployment_failed", "update_failed"),
        min_length=1,
        description="Events posted (pulumi_pulumiservice.WebhookFilters).",
    )
    active: bool = Field(True, description="false pauses the webhook without deleting it.")


class Review(_Model):
    """This stack is the template of the review stacks Pulumi Cloud creates per pull request."""

    stack_pattern: str = Field(
        "pr-pulumi-*",
        pattern=r"^[a-z0-9][a-z0-9-]*\*$",
        description="Names Pulumi Cloud gives review stacks (a prefix and *); the role trusts only these.",
    )
    pack_config: str = Field(
        "policies/config/review.json",
        pattern=r"^policies/config/[a-z0-9-]+\.json$",
        description="Pack config of the review stacks' policy gate.",
    )
    request_label: str = Field(
        "review-stack",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,49}$",
        description="The pull-request label that asks for the review stack to be deployed (tools/review_gate.py).",
    )
    isolated_from_accounts: tuple[str, ...] = Field(
        min_length=1,
        description="AWS account ids of prod and staging: the review role is denied every call on them.",
    )

    @model_validator(mode="after")
    def _accounts(self) -> Review:
        for account in self.isolated_from_accounts:
            if not re.fullmatch(r"\d{12}", account):
                raise ValueError(f"isolatedFromAccounts: {account!r} is not a 12-digit AWS account id")
        return self


def review_subject_patterns(
    organization: str, project: str, stack_pattern: str, operations: list[str]
) -> list[str]:
    """The `sub` (StringLike) of the OIDC tokens of review-stack deployments: review stacks only, these operations."""
    return [
        f"pulumi:deploy:org:{organization}:project:{project}:stack:{stack_pattern}:operation:{op}:scope:write"
        for op in sorted(operations)
    ]


def review_trust_policy(provider_arn: str, organization: str, subject_patterns: list[str]) -> str:
    """Pulumi Cloud tokens of our organization for review stacks only (names Pulumi Cloud picks per PR)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PulumiReviewStacksOidc",
                    "Effect": "Allow",
                    "Principal": {"Federated": provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {"api.pulumi.com/oidc:aud": organization},
                        "StringLike": {"api.pulumi.com/oidc:sub": subject_patterns},
                    },
                }
            ],
        },
        sort_keys=True,
    )


def isolation_statements(own_account: str, other_accounts: list[str]) -> list[dict]:
    """Explicit denies that keep a review role inside its own account whatever else allows it.

    `aws:ResourceAccount` is the account owning the resource a request acts on. The first deny stops every call
    on a resource of another account (a bucket, a key, a role to assume there) that a resource policy there
    might allow; only the four IAM reads of AWS managed policies (owned by an AWS account) are exempt, as in
    AWS's own example of this pattern. The second names prod and staging outright, so that even a review role
    created in one of their accounts by mistake can do nothing there.
    """
    return [
        {
            "Sid": "NothingOutsideTheReviewAccount",
            "Effect": "Deny",
            "NotAction": list(MANAGED_POLICY_READS),
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:ResourceAccount": own_account}},
        },
        {
            "Sid": "NeverProdOrStaging",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceAccount": sorted(other_accounts)}},
        },
    ]


def review_gate_commands(organization: str, project: str, repository: str, review: Review) -> list[str]:
    """Pre-run commands of a review stack: deployed on request (tools/review_gate.py: an update runs only once
    the pull request carries the label), then the pack judges the review stack itself (`PULUMI_CI_STACK`, set by
    Pulumi Deployments to the stack being deployed) with the review pack config."""
    return [
        f"python -m tools.review_gate --repository {repository} --label {review.request_label}",
        "python -m venv policies/venv",
        "policies/venv/bin/pip install --quiet -r policies/requirements.txt",
        f'pulumi preview --stack "{organization}/{project}/$PULUMI_CI_STACK" --non-interactive '
        f"--policy-pack policies --policy-pack-config {review.pack_config}",
    ]


def with_isolation(policy: str, own_account: str, review: Review | None) -> str:
    """The role's permissions document, with the review role's account isolation appended (review only)."""
    if review is None:
        return policy
    document = json.loads(policy)
    document["Statement"] += isolation_statements(own_account, list(review.isolated_from_accounts))
    return json.dumps(document, sort_keys=True)
