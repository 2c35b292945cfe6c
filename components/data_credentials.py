"""The database users' credentials beyond their secrets: one rotation function per user (its log group, role,
policy, Lambda function and the secret's rotation schedule), and where the DR region finds a replicated secret."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_aws as aws
import pymysql

from components.context import RegionContext
from settings.data import DatabaseSettings

from .data_policies import rotation_policy
from .iam import service_trust

# The database users' rotation function (components/rotation_function/), packaged with PyMySQL.
ROTATION_SOURCE = Path(__file__).parent / "rotation_function"
ROTATION_RUNTIME = "python3.12"
ROTATION_EXCLUDED_CHARACTERS = "/@\"'\\ "


def rotation_functions(
    name: str,
    prefix: str,
    users: list[tuple[str, str, aws.secretsmanager.Secret, list[pulumi.Input[str]]]],
    *,
    db: DatabaseSettings,
    region: RegionContext,
    subnet_ids: pulumi.Input[list[str]],
    security_group_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> None:
    """One rotation function per user, in the private subnets and the network tier's rotation group (MySQL to
    the database, HTTPS to Secrets Manager). The master changes its own password; the application user
    alternates between two users, the master changing the inactive one's password. Our own function (not
    AWS's SAR templates): every role of the stack must carry the workload boundary, which the roles those
    templates create cannot.
    The users are (secret key, rotation mode, secret, ARNs of the secrets its function also reads), all created
    under `parent` (the data tier) in the primary region."""
    child = pulumi.ResourceOptions(parent=parent)
    account = region.account_id
    code = pulumi.AssetArchive(
        {
            "index.py": pulumi.FileAsset(str(ROTATION_SOURCE / "index.py")),
            "pymysql": pulumi.FileArchive(str(Path(pymysql.__file__).parent)),
        }
    )
    for key, mode, secret, reads in users:
        function_name = f"{prefix}-{key}-rotation"
        # Created first, so the function logs into an encrypted group with a retention, not one of its own.
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-{key}-rotation",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=db.log_retention_days,
            kms_key_id=region.keys.logs,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-{key}-rotation",
            name=function_name,
            description=f"Rotates the {key} secret: its own secret, the database, its logs, nothing else",
            assume_role_policy=account.apply(lambda acct: service_trust("lambda.amazonaws.com", acct)),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-{key}-rotation",
            role=role.id,
            policy=pulumi.Output.all(secret.arn, log_group.arn, region.keys.secrets, *reads).apply(
                lambda v: rotation_policy(v[0], v[1], v[2], list(v[3:]), region.name)
            ),
            opts=child,
        )
        function = aws.lambda_.Function(
            f"{name}-{key}-rotation",
            name=function_name,
            description=f"Secrets Manager rotation of {key} ({mode})",
            runtime=ROTATION_RUNTIME,
            handler="index.handler",
            code=code,
            role=role.arn,
            timeout=60,
            memory_size=256,
            vpc_config={
                "subnet_ids": subnet_ids,
                "security_group_ids": [security_group_id],
            },
            environment={
                "variables": {
                    "ROTATION_MODE": mode,
                    "SECRETS_MANAGER_ENDPOINT": f"https://secretsmanager.{region.name}.amazonaws.com",
                    "EXCLUDE_CHARACTERS": ROTATION_EXCLUDED_CHARACTERS,
                }
            },
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[policy, log_group]),
        )
        permission = aws.lambda_.Permission(
            f"{name}-{key}-rotation",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="secretsmanager.amazonaws.com",
            source_arn=secret.arn,
            opts=child,
        )
        aws.secretsmanager.SecretRotation(
            f"{name}-{key}",
            secret_id=secret.id,
            rotation_lambda_arn=function.arn,
            rotation_rules={"automatically_after_days": db.rotation_days},
            # The application user exists only after the one-off bootstrap task (docs/data.md); the first
            # rotation waits for the schedule (Secrets Manager only tests the function now).
            rotate_immediately=False,
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[permission]),
        )


def replica_secret_arn(primary_arn: str, region: str, dr_region: str) -> str:
    """A Secrets Manager replica keeps its primary's ARN but for the region (the same name and random suffix;
    Secrets Manager user guide, "Replicate secrets across Regions"): the DR tasks read the replica by it."""
    head, sep, tail = primary_arn.partition(f":{region}:")
    if not sep:
        raise ValueError(f"{primary_arn} is not a secret of {region}")
    return f"{head}:{dr_region}:{tail}"
