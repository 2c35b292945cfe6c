"""Compute and its identities: ECR, ECS, Application Auto Scaling and IAM."""

from __future__ import annotations

from tools.mocks.context import PARTITION, Builder, Ctx, digest, opaque, upper_digest, uuid_of


def _repository(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    return name, {
        "name": name,
        "arn": c.arn("ecr", f"repository/{name}"),
        "registryId": c.acct,
        "repositoryUrl": f"{c.acct}.dkr.ecr.{c.region}.amazonaws.com/{name}",
    }


def _ecs_cluster(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    arn = c.arn("ecs", f"cluster/{name}")
    return arn, {"name": name, "arn": arn}


def _ecs_service(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    cluster = str(c.inputs.get("cluster") or "default").rsplit("/", 1)[-1]
    arn = c.arn("ecs", f"service/{cluster}/{name}")
    return arn, {"name": name, "arn": arn}


def _task_definition(c: Ctx) -> tuple[str, dict]:
    family = c.inputs.get("family") or c.name
    base = c.arn("ecs", f"task-definition/{family}")
    return f"{family}", {"arn": f"{base}:1", "arnWithoutRevision": base, "revision": 1, "family": family}


def _autoscaling_target(c: Ctx) -> tuple[str, dict]:
    rid = str(c.inputs.get("resourceId", c.name))
    return rid, {"arn": c.arn("application-autoscaling", f"scalable-target/{digest(c.seed, n=32)}")}


def _autoscaling_policy(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    return name, {
        "name": name,
        "arn": c.arn(
            "autoscaling",
            f"scalingPolicy:{uuid_of(c.seed)}:resource/ecs/{c.inputs.get('resourceId', '')}:policyName/{name}",
        ),
    }


def _iam(kind: str, key: str = "name") -> Builder:
    def build(c: Ctx) -> tuple[str, dict]:
        name = c.auto_name(key, limit=64)
        path = c.inputs.get("path") or "/"
        return name, {
            key: name,
            "arn": f"arn:{PARTITION}:iam::{c.acct}:{kind}{path}{name}",
            "uniqueId": f"AROA{upper_digest(c.seed, n=17)}",
            "createDate": "2026-11-25T00:00:00Z",
        }

    return build


def _iam_policy(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name(limit=128)
    arn = f"arn:{PARTITION}:iam::{c.acct}:policy{c.inputs.get('path') or '/'}{name}"
    return arn, {"name": name, "arn": arn, "policyId": f"ANPA{upper_digest(c.seed, n=17)}"}


def _oidc_provider(c: Ctx) -> tuple[str, dict]:
    host = str(c.inputs.get("url", "https://example.com")).removeprefix("https://")
    arn = f"arn:{PARTITION}:iam::{c.acct}:oidc-provider/{host}"
    return arn, {"arn": arn}


# Type token → builder for ECR, ECS, Application Auto Scaling and IAM.
BUILDERS: dict[str, Builder] = {
    "aws:ecr/repository:Repository": _repository,
    "aws:ecs/cluster:Cluster": _ecs_cluster,
    "aws:ecs/service:Service": _ecs_service,
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:iam/role:Role": _iam("role"),
    "aws:iam/user:User": _iam("user"),
    "aws:iam/policy:Policy": _iam_policy,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
    "aws:iam/rolePolicy:RolePolicy": opaque("role-policy-"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": opaque("role-attachment-"),
    "aws:appautoscaling/target:Target": _autoscaling_target,
    "aws:appautoscaling/policy:Policy": _autoscaling_policy,
}
