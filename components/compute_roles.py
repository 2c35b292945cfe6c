"""The compute tier's IAM roles: the execution role ECS starts every task with, and one task role per service.

The documents are pure (components/compute_policies.py); this module creates the roles and their inline policies
as children of the Compute component (components/compute.py), which waits for each policy before it registers
the task definitions and services that name its role (AWS checks some permissions when a resource is created,
and IAM is eventually consistent).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from .compute_policies import (
    assets_statements,
    ecs_tasks_trust,
    exec_statements,
    execution_policy,
    queue_statements,
    task_policy,
)
from .context import Region, RegionContext
from .contract import AppParameters, Bucket, Cache, Database, JobQueue


def ecs_role(
    name: str, name_prefix: str, key: str, description: str, region: Region, parent: pulumi.Resource
) -> aws.iam.Role:
    """`<name_prefix>-ecs-<key>`, which only ECS tasks of this account and region may assume."""
    return aws.iam.Role(
        f"{name}-{key}",
        name=f"{name_prefix}-ecs-{key}",
        description=description,
        assume_role_policy=pulumi.Output.all(region.account_id, region.partition).apply(
            lambda v: ecs_tasks_trust(v[0], v[1], region.name)
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def injected_references(
    parameters: AppParameters, database: Database, cache: Cache
) -> tuple[list[pulumi.Input[str]], list[pulumi.Input[str]]]:
    """What ECS injects into the API and worker tasks (`secrets`/`valueFrom`): the SSM parameters' ARNs, and the
    Secrets Manager secrets' ARNs."""
    return (
        [parameters.database_url, parameters.jwt_secret, parameters.stripe_secret, parameters.app_key],
        [database.app_secret_arn, cache.auth_secret_arn],
    )


def create_execution_role(
    name: str,
    name_prefix: str,
    region: RegionContext,
    repository_arns: Sequence[pulumi.Output[str]],
    log_group_arns: Sequence[pulumi.Output[str]],
    injected: tuple[list[pulumi.Input[str]], list[pulumi.Input[str]]],
    parent: pulumi.Resource,
) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    """The role ECS starts the tasks with: pull exactly these repositories, write exactly these log groups and read
    exactly the injected parameters and secrets (decrypted with the region's secrets key). Returns the role and its
    policy."""
    role = ecs_role(
        name,
        name_prefix,
        "execution",
        "ECS pulls the images, writes the logs and injects the secrets with this role",
        region,
        parent,
    )
    parameters, secrets = injected
    repos, groups = list(repository_arns), list(log_group_arns)
    n_r, n_g, n_p = len(repos), len(groups), len(parameters)
    policy = aws.iam.RolePolicy(
        f"{name}-execution",
        role=role.id,
        policy=pulumi.Output.all(*repos, *groups, *parameters, *secrets, region.keys.secrets).apply(
            lambda v: execution_policy(
                list(v[:n_r]),
                list(v[n_r : n_r + n_g]),
                list(v[n_r + n_g : n_r + n_g + n_p]),
                list(v[n_r + n_g + n_p : -1]),
                v[-1],
                region.name,
            )
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return role, policy


def create_task_roles(
    name: str,
    name_prefix: str,
    region: RegionContext,
    assets: Bucket,
    bucket_prefixes: Sequence[str],
    queue: JobQueue,
    exec_log_group: aws.cloudwatch.LogGroup | None,
    parent: pulumi.Resource,
) -> tuple[dict[str, aws.iam.Role], dict[str, aws.iam.RolePolicy]]:
    """One role per service. The API and the worker use their prefixes of the assets bucket; the web app (static
    files on nginx) calls no AWS API. With ECS Exec on (staging), each may also open Exec sessions. Returns the
    roles by service and the policies of those that have one."""
    roles = {
        "web": ecs_role(
            name,
            name_prefix,
            "web-task",
            "The web tasks (nginx) run with this role: no AWS permissions",
            region,
            parent,
        ),
        "api": ecs_role(
            name,
            name_prefix,
            "api-task",
            "The API tasks (Laravel) run with this role: their assets prefixes",
            region,
            parent,
        ),
        "worker": ecs_role(
            name,
            name_prefix,
            "worker-task",
            "The queue worker tasks run with this role: the API's prefixes",
            region,
            parent,
        ),
    }
    policies: dict[str, aws.iam.RolePolicy] = {}
    for key, role in roles.items():
        parts: list[pulumi.Input] = []
        if key != "web":
            parts.append(
                pulumi.Output.all(assets.arn, assets.key_arn).apply(
                    lambda v: assets_statements(v[0], list(bucket_prefixes), v[1], region.name)
                )
            )
            parts.append(
                pulumi.Output.all(queue.arn, queue.key_arn).apply(
                    lambda v, key=key: queue_statements(v[0], v[1], region.name, consume=key == "worker")
                )
            )
        if exec_log_group is not None:
            parts.append(
                pulumi.Output.all(exec_log_group.arn, region.keys.logs).apply(
                    lambda v: exec_statements(v[0], v[1])
                )
            )
        if parts:
            policies[key] = aws.iam.RolePolicy(
                f"{name}-{key}-task",
                role=role.id,
                policy=pulumi.Output.all(*parts).apply(task_policy),
                opts=pulumi.ResourceOptions(parent=parent),
            )
    return roles, policies
