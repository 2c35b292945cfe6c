"""CI/CD tier settings: which GitHub repositories may deploy what, through OIDC roles instead of access keys.

The guide's pipeline signs in with a long-lived access key pair (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`).
Here each application repository gets a role it can assume only from GitHub Actions' OIDC token, only from one
branch or one GitHub environment, and that may only push its image and roll its services. The infrastructure
repository gets, in staging only, a read-only role for the PR previews (`.github/workflows/checks.yml`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .common import Model

# GitHub: owner names are 1-39 alphanumerics or hyphens; repository names 1-100 of [A-Za-z0-9._-].
GITHUB_REPOSITORY = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$"
# A git branch name as it appears in refs/heads/<branch> (no spaces, no wildcards: the trust policy matches it exactly).
BRANCH = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$"
# GitHub environment names: up to 255 characters, no wildcards (the trust policy matches them exactly).
ENVIRONMENT = r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,254}$"

Image = Literal["frontend", "backend"]
Service = Literal["web", "api", "worker"]


class ApplicationPipeline(Model):
    """One application repository's deploy role."""

    repository: str = Field(pattern=GITHUB_REPOSITORY, description="GitHub repository, owner/name.")
    image: Image = Field(
        description="The ECR repository it pushes to (the compute tier's frontend or backend)."
    )
    services: tuple[Service, ...] = Field(
        min_length=1, description="ECS services it may roll (force a new deployment of, and watch)."
    )
    branch: str | None = Field(
        None,
        pattern=BRANCH,
        description="Trust workflow runs on this branch (sub repo:<repo>:ref:refs/heads/<branch>).",
    )
    environment: str | None = Field(
        None,
        pattern=ENVIRONMENT,
        description="Trust jobs that run in this GitHub environment (sub repo:<repo>:environment:<name>); "
        "its protection rules (required reviewers, deployment branches) are the approval gate.",
    )

    @model_validator(mode="after")
    def _one_subject(self) -> ApplicationPipeline:
        if (self.branch is None) == (self.environment is None):
            raise ValueError(
                "branch: set exactly one of branch (trust pushes to that branch) or environment "
                "(trust jobs in that GitHub environment)"
            )
        if len(set(self.services)) != len(self.services):
            raise ValueError(f"services: {list(self.services)} lists a service twice")
        return self

    @property
    def subject(self) -> str:
        """The `sub` claim GitHub puts in this pipeline's OIDC token."""
        if self.environment is not None:
            return f"repo:{self.repository}:environment:{self.environment}"
        return f"repo:{self.repository}:ref:refs/heads/{self.branch}"


class CicdSettings(Model):
    github_oidc_provider: Literal["create", "existing"] = Field(
        "create",
        description="IAM allows one OIDC provider per URL and account: `create` it here, or use the `existing` one "
        "when the account already has it (its ARN follows from the account id). Each stack has its own account, so "
        "either stack deploys first.",
    )
    pull_request_previews: bool = Field(
        False,
        description="Create the read-only preview role pull requests of the infrastructure repository assume for "
        "the cloud preview of this stack. Never in prod: nothing a pull request runs may hold a prod credential.",
    )
    infrastructure_repository: str = Field(
        pattern=GITHUB_REPOSITORY,
        description="This repository: its PRs get the read-only preview role where `pullRequestPreviews` is set.",
    )
    applications: dict[str, ApplicationPipeline] = Field(
        min_length=1, description="Deploy roles by application name (frontend, backend)."
    )
    max_session_seconds: int = Field(
        3600, ge=900, le=43200, description="Longest session a pipeline may hold (IAM: 900-43200 s)."
    )

    @model_validator(mode="after")
    def _each_service_one_pipeline(self) -> CicdSettings:
        owners: dict[str, str] = {}
        for name, app in sorted(self.applications.items()):
            if not name.replace("-", "").isalnum() or not name[:1].isalpha() or name != name.lower():
                raise ValueError(f"applications: {name!r} must be lowercase letters, digits and hyphens")
            for service in app.services:
                if service in owners:
                    raise ValueError(
                        f"applications: service {service} is rolled by both {owners[service]} and {name}; "
                        "give each service one pipeline"
                    )
                owners[service] = name
        return self
