"""Validated settings of the deployments program: one stack here per stack of elite-locadora, same name.

Config keys (namespace `elite-locadora-deployments`): `organization`, `repository` (strings), `deployment` and
`aws` (objects, camelCase fields below), and the optional org-wide objects `policyGroup` (Pulumi Cloud policy
group for the stack; one stack also publishes the pack) and `githubIssuer` (GitHub Actions as a Pulumi OIDC
issuer; exactly one stack sets it). Day two (day_two.py): `drift` (drift-detection schedule), `onCall` (the
webhook that carries drift results to the on-call; its URL is the secret key `onCallWebhookUrl`) and `review`
(this stack is the review-stack template). A bad value fails before any resource is registered, naming the
stack, the key and what is allowed.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from day_two import DRIFT_EVENTS, ON_CALL_URL_KEY, REMEDIATION_EVENTS, Drift, OnCall, Review, fires_every_day
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

NAMESPACE = "elite-locadora-deployments"
# The policy pack, relative to this program's directory (Pulumi runs the program with it as the working directory).
PACK_DIR = "../policies"
TARGET_PROJECT = "elite-locadora"
# Files of the repository that change what `pulumi up` of elite-locadora does; a push touching none of them
# (docs, workflows, tests) deploys nothing.
PROGRAM_PATHS = (
    "__main__.py",
    "Pulumi.yaml",
    "Pulumi.{stack}.yaml",
    "requirements.txt",
    "components/**",
    "settings/**",
    "policies/**",
)
Operation = Literal["preview", "update", "refresh", "destroy", "detect-drift", "remediate-drift"]


def pack_version() -> str:
    text = (Path(__file__).resolve().parent / PACK_DIR / "PulumiPolicy.yaml").read_text()
    match = re.search(r"^version:\s*([0-9]+\.[0-9]+\.[0-9]+)\s*$", text, re.M)
    if match is None:
        raise ConfigError(f"{PACK_DIR}/PulumiPolicy.yaml declares no x.y.z version")
    return match[1]


class ConfigError(Exception):
    """The deployments stack's configuration is invalid."""


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


class Deployment(_Model):
    branch: str = Field(
        "main", pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$", description="Branch Deployments check out."
    )
    deploy_commits: bool = Field(
        description="Run `pulumi up` on every push to the branch (staging: true; prod: false, tags + approval)."
    )
    paths: tuple[str, ...] | None = Field(
        None,
        description="Push paths that trigger a deployment; default: the program's files (PROGRAM_PATHS).",
    )
    operations: tuple[Operation, ...] = Field(
        min_length=1,
        description="Operations whose OIDC token the AWS role accepts (prod leaves out destroy).",
    )
    session_duration: str = Field(
        "1h0m0s",
        pattern=r"^([1-9]|1[0-2])h[0-5]?\dm[0-5]?\ds$",
        description="AWS session length, XhYmZs, 1h to 12h (the role's maximum follows it).",
    )

    @property
    def session_seconds(self) -> int:
        h, m, s = (int(x) for x in re.findall(r"\d+", self.session_duration))
        return h * 3600 + m * 60 + s


class Aws(_Model):
    account_id: str = Field(
        pattern=r"^\d{12}$",
        description="The stack's own AWS account: the provider refuses any other (allowedAccountIds). Prod and "
        "staging live in different accounts, so no credential of one can act on the other.",
    )
    oidc_provider: Literal["create", "existing"] = Field(
        "create",
        description="IAM holds one provider per URL and account: create it, or use the `existing` one when the "
        "account already has it (another program created it).",
    )
    regions: tuple[str, ...] = Field(
        min_length=1, description="Regions the deployments may act in: the stack's primary and DR regions."
    )
    guard_stateful_deletes: bool = Field(
        description="Deny the calls that lose what the stack holds (access.DATA_LOSS) (prod)."
    )

    @model_validator(mode="after")
    def _regions(self) -> Aws:
        for region in self.regions:
            if not re.match(r"^[a-z]{2}(-gov)?-[a-z]+-\d$", region):
                raise ValueError(f"regions: {region!r} is not an AWS region code such as us-east-1")
        if "us-east-1" not in self.regions:
            raise ValueError("regions: must include us-east-1 (CloudFront's certificate and WAF live there)")
        return self


class PullRequestPreview(_Model):
    """Pull requests of the repository may preview staging in the cloud, and nothing else: a team token (Pulumi
    Enterprise and Business Critical editions) of a team that may only read the staging stack. Stack read runs
    previews and decrypts that stack's config; it cannot update a stack nor start a deployment (Pulumi Cloud
    RBAC, "Stack Read" permission set)."""

    team: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$", description="Pulumi team the PR token is for."
    )
    stacks: tuple[str, ...] = Field(min_length=1, description="Stacks that team may read (never prod).")

    @model_validator(mode="after")
    def _never_prod(self) -> PullRequestPreview:
        if "prod" in self.stacks:
            raise ValueError(
                "stacks: a pull request must never read prod (its secrets decrypt with stack read)"
            )
        return self


class GithubIssuer(_Model):
    """GitHub Actions as a Pulumi Cloud OIDC issuer (org-wide: exactly one stack of this program sets it)."""

    release_environment: str = Field(
        "production",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,254}$",
        description="Only jobs in this GitHub environment (required reviewers, v* tags only) get an organization "
        "token: what release.yml needs to start prod's deployment. No branch, tag or pull-request subject does.",
    )
    max_expiration_seconds: int = Field(
        9000,
        ge=300,
        le=86400,
        description="Longest Pulumi token it grants: the release job's whole run (timeout-minutes + start-up).",
    )
    pull_request_preview: PullRequestPreview | None = Field(
        None, description="Optional: staging's cloud preview on pull requests (team tokens)."
    )


class PolicyGroup(_Model):
    """Pulumi Cloud runs the pack on every update of the stack, whoever starts it (Deployments, a laptop, CI)."""

    pack: str = Field(
        "elite-locadora-guardrails", pattern=r"^[a-z0-9][a-z0-9-]{0,99}$", description="The pack's name."
    )
    mode: Literal["preventative", "audit"] = Field(
        "preventative",
        description="`preventative`: a mandatory violation blocks the update; `audit`: reports.",
    )
    publish: bool = Field(
        False,
        description="Publish policies/ at its version from this stack (org-wide: exactly one stack does, the one "
        "set up first: staging).",
    )

    @property
    def version(self) -> str:
        """The version policies/PulumiPolicy.yaml declares: published and enforced in the same `pulumi up`."""
        return pack_version()


class DeploySettings(_Model):
    stack: str
    organization: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
    repository: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
    deployment: Deployment
    aws: Aws
    github_issuer: GithubIssuer | None = None
    policy_group: PolicyGroup | None = None
    # Day two (day_two.py): drift schedule, on-call webhook, review-stack template.
    drift: Drift | None = None
    on_call: OnCall | None = None
    review: Review | None = None

    @model_validator(mode="after")
    def _prod(self) -> DeploySettings:
        if self.stack == "prod":
            if self.deployment.deploy_commits:
                raise ValueError(
                    "deployment.deployCommits: prod deploys from approved tags (release.yml), not on every push"
                )
            if "destroy" in self.deployment.operations:
                raise ValueError("deployment.operations: prod's role must not accept destroy")
            if not self.aws.guard_stateful_deletes:
                raise ValueError("aws.guardStatefulDeletes: prod must guard its stateful resources")
            if self.policy_group is not None and self.policy_group.mode != "preventative":
                raise ValueError(
                    "policyGroup.mode: prod's policy group must block mandatory violations (preventative)"
                )
        self._day_two()
        return self

    def _day_two(self) -> None:
        """Cross-field rules of the day-two keys (day_two.py: drift, onCall, review) against the deployment and
        the AWS settings; raise ValueError('<key>: ...') naming the key. Here rather than in day_two.py, which
        holds the models and pure functions this module imports: day_two.py never needs DeploySettings."""
        ops = set(self.deployment.operations)
        if self.stack == "prod":
            if self.drift is None:
                raise ValueError(
                    "drift: prod must detect drift on a schedule (set drift.scheduleCron, daily)"
                )
            if not fires_every_day(self.drift.schedule_cron):
                raise ValueError(
                    f"drift.scheduleCron: prod must detect drift at least daily; {self.drift.schedule_cron!r} skips days "
                    "(day-of-month, month and day-of-week must be *)"
                )
            if self.drift.auto_remediate:
                raise ValueError(
                    "drift.autoRemediate: prod changes only through an approved release, never by itself"
                )
            if self.review is not None:
                raise ValueError(
                    "review: prod is not a review-stack template (review stacks get their own stack)"
                )
        if self.drift is not None:
            if "detect-drift" not in ops:
                raise ValueError("deployment.operations: a drift schedule runs as detect-drift; add it")
            if self.drift.auto_remediate and "remediate-drift" not in ops:
                raise ValueError("deployment.operations: drift.autoRemediate runs remediate-drift; add it")
            if self.on_call is None:
                raise ValueError("onCall: a drift result must reach the on-call; set onCall")
            needed = DRIFT_EVENTS + (REMEDIATION_EVENTS if self.drift.auto_remediate else ())
            missing = [e for e in needed if e not in self.on_call.events]
            if missing:
                raise ValueError(f"onCall.events: the on-call must hear {', '.join(missing)}")
        if self.review is not None:
            if self.deployment.deploy_commits:
                raise ValueError("deployment.deployCommits: a review-stack template is never deployed itself")
            if self.aws.guard_stateful_deletes:
                raise ValueError("aws.guardStatefulDeletes: review stacks are destroyed when their PR closes")
            if not {"destroy", "update"} <= ops:
                raise ValueError("deployment.operations: review stacks need update and destroy")
            if self.aws.account_id in self.review.isolated_from_accounts:
                raise ValueError(
                    "aws.accountId: review stacks live in their own account, not prod's or staging's"
                )

    @property
    def name_prefix(self) -> str:
        return f"{TARGET_PROJECT}-{self.stack}"

    @property
    def trigger_paths(self) -> list[str]:
        paths = self.deployment.paths or PROGRAM_PATHS
        return [p.format(stack=self.stack) for p in paths]


def build(raw: Mapping[str, Any], stack: str) -> DeploySettings:
    values: dict[str, Any] = {"stack": stack}
    for full_key, value in raw.items():
        namespace, _, key = full_key.partition(":")
        if (
            namespace != NAMESPACE or key == ON_CALL_URL_KEY
        ):  # the secret is read by __main__, never held here
            continue
        if isinstance(value, str) and value[:1] in "{[":
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        values[key] = value
    try:
        return DeploySettings.model_validate(values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            key, sep, rest = msg.partition(": ")
            if sep and re.fullmatch(r"[a-z][A-Za-z.]*", key):
                loc, msg = ".".join(p for p in (loc, key) if p), rest
            problems.append(f"config key '{NAMESPACE}:{loc}' is invalid: {msg}")
        raise ConfigError(f"stack '{stack}': " + "; ".join(problems)) from None


def load() -> DeploySettings:
    import pulumi
    from pulumi.runtime import config as runtime_config

    raw = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return build(raw, pulumi.get_stack())
