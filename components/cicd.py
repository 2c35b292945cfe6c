"""CI/CD tier: GitHub Actions reach AWS through OIDC roles, never through long-lived access keys.

- The account's IAM OIDC provider for GitHub Actions (`token.actions.githubusercontent.com`, audience
  `sts.amazonaws.com`), or the existing one when another stack of the account created it.
- One deploy role per application repository (settings `cicd.applications`): assumable only with a GitHub
  token whose `sub` names that repository and its branch or GitHub environment, exactly (no wildcards); it may
  push to its own ECR repository and force a new deployment of / watch its own ECS services, nothing else.
  Releases themselves are a new immutable image tag in `elite-locadora:compute.images` rolled out by
  `pulumi up` (Pulumi Deployments): the role can neither register task definitions nor pass roles.
- Where the stack allows it (`cicd.pullRequestPreviews`, staging), a read-only preview role for the infrastructure
  repository's PR checks (`.github/workflows/checks.yml`): `pulumi preview` without refresh only calls the data
  sources the program reads. Prod has none: nothing a pull request runs may hold a prod credential.
- Every role here carries the stack's workload permissions boundary (components/boundary.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import Region
from components.contract import EcsServices
from settings.cicd import ApplicationPipeline, CicdSettings

GITHUB_ISSUER = "token.actions.githubusercontent.com"
STS_AUDIENCE = "sts.amazonaws.com"
# Pushing an image layer by layer (what `docker push` and amazon-ecr-login need), on one repository.
ECR_PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
]
# `aws ecs update-service --force-new-deployment` and `aws ecs wait services-stable`, on named services.
ECS_ROLL_ACTIONS = ["ecs:DescribeServices", "ecs:UpdateService"]
# What `pulumi preview` (no refresh) of this program reads from AWS: its data sources. sts:GetCallerIdentity
# needs no permission.
PREVIEW_ACTIONS = ["ec2:DescribeAvailabilityZones", "ec2:DescribeManagedPrefixLists", "ec2:DescribeRegions"]


@dataclass
class CicdArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>`."""
    settings: CicdSettings
    """Validated `elite-locadora:cicd` settings."""
    region: Region
    """The primary region: where the repositories and services live (and the account the roles belong to)."""
    provider_regions: Sequence[str]
    """Regions of the program's providers: where `pulumi preview` reads data sources."""
    services: EcsServices
    """The primary site's ECS cluster and services (compute tier): what the pipelines roll."""
    repository_arns: Mapping[str, pulumi.Input[str]]
    """ECR repository ARN per image (`frontend`, `backend`)."""


def _document(statements: list[dict]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def github_trust_policy(provider_arn: str, subjects: list[str]) -> str:
    """Only GitHub Actions tokens for STS whose `sub` is exactly one of `subjects` may assume the role."""
    return _document(
        [
            {
                "Sid": "GitHubActionsOidc",
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB_ISSUER}:aud": STS_AUDIENCE,
                        f"{GITHUB_ISSUER}:sub": subjects if len(subjects) > 1 else subjects[0],
                    }
                },
            }
        ]
    )


def deploy_policy(repository_arn: str, service_arns: list[str]) -> str:
    """Push to one ECR repository; force a new deployment of and describe the given ECS services."""
    return _document(
        [
            # GetAuthorizationToken has no resource-level permissions (ECR docs): it only yields a registry login;
            # what the login may do is decided per repository by the statements below.
            {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {
                "Sid": "PushOwnImage",
                "Effect": "Allow",
                "Action": ECR_PUSH_ACTIONS,
                "Resource": repository_arn,
            },
            {
                "Sid": "RollOwnServices",
                "Effect": "Allow",
                "Action": ECS_ROLL_ACTIONS,
                "Resource": sorted(service_arns),
            },
        ]
    )


def preview_policy(regions: list[str]) -> str:
    """The data sources `pulumi preview` reads, in the stack's regions only."""
    return _document(
        [
            {
                "Sid": "PreviewDataSources",
                "Effect": "Allow",
                "Action": PREVIEW_ACTIONS,
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": sorted(regions)}},
            }
        ]
    )


class Cicd(pulumi.ComponentResource):
    github_oidc_provider_arn: pulumi.Output[str]
    deploy_role_arns: dict[str, pulumi.Output[str]]
    pipelines: dict[str, pulumi.Output[dict]]
    """Per application, what its repository's workflow variables are: role, ECR repository, cluster, services."""
    preview_role_arn: pulumi.Output[str] | None
    """The PR preview role, where the stack has one (`cicd.pullRequestPreviews`)."""

    def __init__(self, name: str, args: CicdArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:cicd:Cicd", name, None, opts)
        self._name, self._args = name, args
        self._account, self._partition = args.region.account_id, args.region.partition

        self.github_oidc_provider_arn = self._create_github_provider()
        self.deploy_role_arns = {
            app: self._create_deploy_role(app, pipeline)
            for app, pipeline in sorted(args.settings.applications.items())
        }
        self.pipelines = {
            app: self._pipeline(pipeline, self.deploy_role_arns[app])
            for app, pipeline in sorted(args.settings.applications.items())
        }
        self.preview_role_arn = self._create_preview_role() if args.settings.pull_request_previews else None

        self.register_outputs(
            {
                "github_oidc_provider_arn": self.github_oidc_provider_arn,
                "deploy_role_arns": self.deploy_role_arns,
                "pipelines": self.pipelines,
                **({"preview_role_arn": self.preview_role_arn} if self.preview_role_arn is not None else {}),
            }
        )

    def _create_github_provider(self) -> pulumi.Output[str]:
        if self._args.settings.github_oidc_provider == "existing":
            return pulumi.Output.concat(
                "arn:", self._partition, ":iam::", self._account, f":oidc-provider/{GITHUB_ISSUER}"
            )
        provider = aws.iam.OpenIdConnectProvider(
            f"{self._name}-github",
            url=f"https://{GITHUB_ISSUER}",
            client_id_lists=[STS_AUDIENCE],
            # No thumbprint: IAM validates GitHub's certificate against its own trusted CAs (IAM user guide).
            opts=pulumi.ResourceOptions(parent=self),
        )
        return provider.arn

    def _role(self, key: str, description: str, subjects: list[str]) -> aws.iam.Role:
        return aws.iam.Role(
            f"{self._name}-{key}",
            name=f"{self._args.name_prefix}-{key}",
            description=description,
            assume_role_policy=self.github_oidc_provider_arn.apply(
                lambda arn: github_trust_policy(arn, subjects)
            ),
            max_session_duration=self._args.settings.max_session_seconds,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_deploy_role(self, app: str, pipeline: ApplicationPipeline) -> pulumi.Output[str]:
        a = self._args
        role = self._role(
            f"deploy-{app}",
            f"GitHub Actions of {pipeline.repository} ({pipeline.subject.split(':', 2)[2]}): push the "
            f"{pipeline.image} image, roll {', '.join(pipeline.services)}",
            [pipeline.subject],
        )
        service_arns = [
            pulumi.Output.concat(
                "arn:",
                self._partition,
                f":ecs:{a.region.name}:",
                self._account,
                ":service/",
                a.services.cluster_name,
                "/",
                a.services.names[service],
            )
            for service in pipeline.services
        ]
        aws.iam.RolePolicy(
            f"{self._name}-deploy-{app}",
            role=role.id,
            policy=pulumi.Output.all(a.repository_arns[pipeline.image], *service_arns).apply(
                lambda v: deploy_policy(v[0], list(v[1:]))
            ),
            opts=pulumi.ResourceOptions(parent=role),
        )
        return role.arn

    def _pipeline(self, pipeline: ApplicationPipeline, role_arn: pulumi.Output[str]) -> pulumi.Output[dict]:
        a = self._args
        services = [a.services.names[s] for s in pipeline.services]
        return pulumi.Output.all(
            role_arn, a.repository_arns[pipeline.image], a.services.cluster_name, *services
        ).apply(
            lambda v: {
                "repository": pipeline.repository,
                "subject": pipeline.subject,
                "roleArn": v[0],
                "ecrRepository": v[1].split(":repository/", 1)[-1],
                "cluster": v[2],
                "services": list(v[3:]),
            }
        )

    def _create_preview_role(self) -> pulumi.Output[str]:
        s = self._args.settings
        repo = s.infrastructure_repository
        role = self._role(
            "preview",
            f"GitHub Actions of {repo}: read-only pulumi preview for pull requests",
            [f"repo:{repo}:pull_request"],
        )
        aws.iam.RolePolicy(
            f"{self._name}-preview",
            role=role.id,
            policy=preview_policy(sorted(set(self._args.provider_regions))),
            opts=pulumi.ResourceOptions(parent=role),
        )
        return role.arn
