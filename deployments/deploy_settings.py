"""Validated settings of the deployments program: one stack here per stack of elite-locadora, same name.

Config keys (namespace `elite-locadora-deployments`): `organization`, `repository` (strings), `deployment` and
`aws` (objects, camelCase fields below), and the optional org-wide objects `policyGroup` (Pulumi Cloud policy
group for the stack; one stack also publishes the pack) and `githubIssuer` (GitHub Actions as a Pulumi OIDC
issuer; exactly one stack sets it). A bad value fails before any resource is registered, naming the stack,
the key and what is allowed.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from typing import Any, Literal

from day_two import ON_CALL_URL_KEY, Drift, OnCall, Review
from day_two import check as check_day_two
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

NAMESPACE = "elite-locadora-deployments"
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
    oidc_provider: Literal["create", "existing"] = Field(
        description="IAM holds one provider per URL and account: create it, or use the existing one (another "
        "stack of the same account created it)."
    )
    regions: tuple[str, ...] = Field(
        min_length=1, description="Regions the deployments may act in: the stack's primary and DR regions."
    )
    guard_stateful_deletes: bool = Field(
        description="Deny deleting databases, caches, buckets, keys, repositories, vaults and domains (prod)."
    )

    @model_validator(mode="after")
    def _regions(self) -> Aws:
        for region in self.regions:
            if not re.match(r"^[a-z]{2}(-gov)?-[a-z]+-\d$", region):
                raise ValueError(f"regions: {region!r} is not an AWS region code such as us-east-1")
        if "us-east-1" not in self.regions:
            raise ValueError("regions: must include us-east-1 (CloudFront's certificate and WAF live there)")
        return self


class GithubIssuer(_Model):
    """GitHub Actions as a Pulumi Cloud OIDC issuer (org-wide: exactly one stack of this program sets it)."""

    subjects: tuple[str, ...] = Field(
        min_length=1,
        description=(
            "GitHub token subjects (after `repo:<repository>:`) that may get a short-lived Pulumi organization "
            "token: the release job's environment, PRs and main for the cloud previews. No wildcards."
        ),
    )
    max_expiration_seconds: int = Field(3600, ge=300, le=86400, description="Longest Pulumi token it grants.")

    @model_validator(mode="after")
    def _exact(self) -> GithubIssuer:
        for sub in self.subjects:
            if (
                "*" in sub
                or "?" in sub
                or not re.match(r"^(environment:[^:]+|pull_request|ref:refs/(heads|tags)/.+)$", sub)
            ):
                raise ValueError(
                    f"subjects: {sub!r} is not an exact GitHub subject suffix "
                    "(environment:<name>, pull_request or ref:refs/heads/<branch>)"
                )
        return self


class PolicyGroup(_Model):
    """Pulumi Cloud runs the pack on every update of the stack, whoever starts it (Deployments, a laptop, CI)."""

    pack: str = Field(
        "elite-locadora-guardrails", pattern=r"^[a-z0-9][a-z0-9-]{0,99}$", description="The pack's name."
    )
    version: str = Field(
        pattern=r"^\d+\.\d+\.\d+$", description="Published version enforced (policies/PulumiPolicy.yaml)."
    )
    mode: Literal["preventative", "audit"] = Field(
        "preventative",
        description="`preventative`: a mandatory violation blocks the update; `audit`: reports.",
    )
    publish: bool = Field(
        False,
        description="Publish policies/ as that version from this stack (org-wide: exactly one stack does).",
    )


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
        check_day_two(self)
        return self

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
