"""Compute tier settings: the ECR repositories, the ECS cluster, and the web, API and queue-worker services.

Prod defaults are the guide's ("Container Orchestration with ECS", "ECS Task Definitions", the Terraform ECS
cluster); where the guide is wrong or dated the field says what we do instead (docs/departures.md). A release
is an image tag in this block: the git commit SHA the image was built from (tags are IMMUTABLE), never `latest`.
Before the first images exist (an empty account), `bootstrap: true` replaces the block (docs/first-deploy.md).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from .common import LogRetentionDays, Model
from .registry import RegistrySettings

# Fargate's task sizes (AWS docs: "Amazon ECS task definition parameters for Fargate", Task size): the memory
# (MiB) each CPU value (CPU units, 1024 = 1 vCPU) allows, Linux platform version 1.4.0.
FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

# A git commit SHA (abbreviated to at least 7 hex digits, as `git rev-parse --short` prints it, or the full 40).
# The repositories' tags are IMMUTABLE, so it names exactly one image forever; a branch name or `latest` does not.
# A manifest digest would too, but ECR lifecycle rules select images by tag only (tagPatternList/tagPrefixList):
# the rule that keeps the running release could not name a digest-pinned image, which could then expire.
_GIT_SHA = re.compile(r"^[0-9a-f]{7,40}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def _image_tag(value: str) -> str:
    if _DIGEST.match(value):
        raise ValueError(
            f"{value!r} is a digest: give the git SHA tag of that image instead (tags are immutable, so it names "
            "the same image); ECR's lifecycle keeps the running release by its tag and cannot select a digest"
        )
    if not _GIT_SHA.match(value):
        raise ValueError(
            f"{value!r} is not an immutable release: give the git commit SHA the image was built from "
            "(7-40 lowercase hex digits, like 3f9c2e1); mutable tags such as 'latest', 'main' or 'v1.2' may "
            "point at a different image tomorrow"
        )
    return value


ImageTag = Annotated[str, AfterValidator(_image_tag)]


def image_reference(repository_url: str, tag: str) -> str:
    """`<repo>:<sha>`."""
    return f"{repository_url}:{tag}"


# What the task definitions name while `bootstrap` is on. No such image exists and none is ever pulled: every
# service runs 0 tasks until the first release (it is not a valid git SHA, so no release can collide with it).
BOOTSTRAP_TAG = "unreleased"


class CapacityProvider(Model):
    """One entry of a capacity provider strategy."""

    capacity_provider: Literal["FARGATE", "FARGATE_SPOT"] = Field(
        description="FARGATE (on demand) or FARGATE_SPOT (up to 70% cheaper, may be interrupted with 2 minutes' notice)."
    )
    weight: int = Field(1, ge=0, le=1000, description="Relative share of the tasks beyond `base`.")
    base: int = Field(0, ge=0, le=100000, description="Tasks placed on this provider first.")


class Images(Model):
    """The release the stack runs: one immutable tag per repository."""

    frontend: ImageTag = Field(description="Tag (git SHA) of elite-locadora-frontend the web service runs.")
    backend: ImageTag = Field(
        description="Tag (git SHA) of elite-locadora-backend the API and the worker run."
    )


class ServiceSettings(Model):
    """Size, count and scaling of one ECS service."""

    cpu: int = Field(description="Task CPU units (1024 = 1 vCPU), one of Fargate's sizes.")
    memory: int = Field(description="Task memory in MiB; must be allowed for `cpu` on Fargate.")
    min_count: int = Field(ge=0, le=1000, description="Fewest tasks (also the desired count at creation).")
    max_count: int = Field(ge=1, le=1000, description="Most tasks auto scaling may run.")
    cpu_target_percent: float = Field(
        60, gt=0, le=100, description="Target-tracking CPUUtilization the service scales to hold."
    )
    requests_per_target: int | None = Field(
        None,
        ge=1,
        description="Target-tracking ALBRequestCountPerTarget (requests per task per minute); services behind the ALB.",
    )
    scale_in_cooldown_seconds: int = Field(300, ge=0, le=3600, description="Wait after a scale-in.")
    scale_out_cooldown_seconds: int = Field(60, ge=0, le=3600, description="Wait after a scale-out.")
    user: str = Field(
        pattern=r"^[1-9][0-9]*(:[0-9]+)?$",
        description=(
            "Numeric uid[:gid] the container runs as; never 0 (root). A numeric id, unlike a name, cannot resolve "
            "to root inside an image (nginx images: 101; php images: 33, www-data)."
        ),
    )
    read_only_root_filesystem: bool = Field(
        True,
        description="Mount the container's root file system read-only (writable paths get task volumes).",
    )

    @model_validator(mode="after")
    def _fargate_size(self) -> ServiceSettings:
        if self.cpu not in FARGATE_MEMORY:
            raise ValueError(
                f"cpu: {self.cpu} is not a Fargate task size; use one of {', '.join(map(str, FARGATE_MEMORY))}"
            )
        allowed = FARGATE_MEMORY[self.cpu]
        if self.memory not in allowed:
            shown = (
                ", ".join(map(str, allowed))
                if len(allowed) <= 4
                else f"{allowed[0]}-{allowed[-1]} in steps of {allowed[1] - allowed[0]}"
            )
            raise ValueError(
                f"memory: {self.memory} MiB is not allowed with cpu {self.cpu} on Fargate; allowed: {shown}"
            )
        if self.min_count > self.max_count:
            raise ValueError(f"minCount: {self.min_count} exceeds maxCount {self.max_count}")
        return self


class ComputeSettings(Model):
    images: Images | None = Field(
        None, description="The release the stack runs; absent only while `bootstrap` is on."
    )
    bootstrap: bool = Field(
        False,
        description=(
            "First `pulumi up` of an empty account, before any image is pushed: the services are created with 0 "
            "tasks and no auto scaling, so nothing tries to pull. Replace it with `images` once the first images "
            "are in the repositories (docs/first-deploy.md)."
        ),
    )
    cpu_architecture: Literal["X86_64", "ARM64"] = Field(
        "X86_64", description="CPU architecture of the images (ARM64 = Graviton, ~20% cheaper; build for it)."
    )
    container_insights: Literal["enabled", "enhanced", "disabled"] = Field(
        "enabled", description="Container Insights on the cluster; the guide: enabled."
    )
    capacity_provider_strategy: list[CapacityProvider] = Field(
        default_factory=lambda: [CapacityProvider(capacity_provider="FARGATE", weight=1)],
        description="The cluster's default strategy; the guide: FARGATE weight 1.",
    )
    execute_command: bool = Field(
        False,
        description="Allow ECS Exec into running tasks (never in prod; sessions are logged, encrypted).",
    )
    log_retention_days: LogRetentionDays = Field(365, description="Days container logs are kept.")
    health_check_grace_period_seconds: int = Field(
        60,
        ge=0,
        le=2147483647,
        description="Seconds ECS ignores failing ALB health checks after a task starts.",
    )
    api_bucket_prefixes: list[str] = Field(
        default_factory=lambda: ["vehicles/", "customers/"],
        description="Prefixes of the assets bucket the API and the worker read and write (nothing else).",
    )
    stripe_publishable_key: str | None = Field(
        None,
        pattern=r"^pk_(live|test)_[A-Za-z0-9]+$",
        description="Stripe's publishable key (pk_...) for the web app: public by design, so plain config.",
    )
    registry: RegistrySettings
    web: ServiceSettings
    api: ServiceSettings
    worker: ServiceSettings

    @model_validator(mode="after")
    def _rules(self) -> ComputeSettings:
        if self.bootstrap and self.images is not None:
            raise ValueError(
                "bootstrap: the stack has a release (images); remove bootstrap (it would stop every service)"
            )
        if not self.bootstrap and self.images is None:
            raise ValueError(
                "images: give the release (git SHA of the frontend and backend images), or set bootstrap: true "
                "for the first deploy of an empty account (docs/first-deploy.md)"
            )
        providers = [p.capacity_provider for p in self.capacity_provider_strategy]
        if not providers:
            raise ValueError("capacityProviderStrategy: give at least one capacity provider")
        if len(set(providers)) != len(providers):
            raise ValueError("capacityProviderStrategy: each capacity provider may appear once")
        if sum(p.weight for p in self.capacity_provider_strategy) == 0:
            raise ValueError("capacityProviderStrategy: at least one provider needs a weight above 0")
        if sum(1 for p in self.capacity_provider_strategy if p.base) > 1:
            raise ValueError("capacityProviderStrategy: only one provider may have a base")
        for key in ("web", "api"):
            if getattr(self, key).requests_per_target is None:
                raise ValueError(
                    f"{key}.requestsPerTarget: the {key} service is behind the load balancer; set the "
                    "ALBRequestCountPerTarget it scales on"
                )
        if self.worker.requests_per_target is not None:
            raise ValueError(
                "worker.requestsPerTarget: the queue worker takes no HTTP requests; remove it (it scales on CPU)"
            )
        for p in self.api_bucket_prefixes:
            if not re.match(r"^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*/$", p):
                raise ValueError(
                    f"apiBucketPrefixes: {p!r} is not a key prefix ending in '/', like customers/"
                )
        return self

    def check_exec(self, interface_endpoints: list[str]) -> None:
        """What ECS Exec needs when it is on (called by Settings, after the prod rules, with the network's endpoints)."""
        if not self.execute_command:
            return
        writable_required = [
            k for k in ("web", "api", "worker") if getattr(self, k).read_only_root_filesystem
        ]
        if writable_required:
            raise ValueError(
                "compute.executeCommand: ECS Exec's SSM agent writes into the container's root file system, which "
                f"AWS does not support read-only; set readOnlyRootFilesystem: false on {', '.join(writable_required)} "
                "or turn executeCommand off"
            )
        if "ssmmessages" not in interface_endpoints:
            raise ValueError(
                "compute.executeCommand: ECS Exec's agent talks to ssmmessages, and the web tasks reach AWS only "
                "through interface endpoints; add ssmmessages to network.interfaceEndpoints"
            )

    def check_prod(self) -> None:
        """Rules only prod must keep (called by Settings for the prod stack)."""
        for key in ("web", "api", "worker"):
            if getattr(self, key).min_count < 2:
                raise ValueError(
                    f"compute.{key}.minCount: prod runs at least 2 tasks per service, spread over AZs "
                    f"(got {getattr(self, key).min_count})"
                )
        if self.execute_command:
            raise ValueError("compute.executeCommand: ECS Exec stays off in prod (set it to false)")
        if not any(
            p.capacity_provider == "FARGATE" and (p.weight or p.base) for p in self.capacity_provider_strategy
        ):
            raise ValueError(
                "compute.capacityProviderStrategy: prod needs on-demand FARGATE capacity (Spot alone may be "
                "reclaimed all at once)"
            )
