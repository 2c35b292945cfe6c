"""The database users' credentials, as the data tier (components/data.py) creates them: the generated passwords,
the master's and the application user's secrets (replicated to the DR region, seeded once), one rotation function
per user (its log group, role, policy, Lambda function and the secret's rotation schedule), and where the DR region
finds a replicated secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_random as random
import pymysql

from components.context import RegionContext
from components.contract import MYSQL_PORT
from settings.data import DatabaseSettings

from .data_policies import rotation_policy
from .iam import service_trust

# The database users' rotation function (components/rotation_function/), packaged with PyMySQL.
ROTATION_SOURCE = Path(__file__).parent / "rotation_function"
ROTATION_RUNTIME = "python3.12"
ROTATION_EXCLUDED_CHARACTERS = "/@\"'\\ "
# RDS for MySQL master passwords hold 8-41 printable characters; letters and digits need no escaping anywhere.
DB_PASSWORD_LENGTH = 40


def generated_password(name: str, key: str, stateful: pulumi.ResourceOptions) -> random.RandomPassword:
    """Generated once at the first deploy and kept in state as a secret; replacing it would lose the key to a
    secret, so it is protected with the data it opens (`stateful` carries the tier's parent and protection)."""
    return random.RandomPassword(f"{name}-{key}", length=DB_PASSWORD_LENGTH, special=False, opts=stateful)


def user_secrets(
    name: str,
    prefix: str,
    db: DatabaseSettings,
    primary: aws.rds.Instance,
    master_password: random.RandomPassword,
    *,
    region: RegionContext,
    dr: RegionContext,
    protect: bool,
    stateful: pulumi.ResourceOptions,
) -> tuple[aws.secretsmanager.Secret, aws.secretsmanager.Secret]:
    """The master user's secret and the application user's (with its generated password), in the JSON shape
    AWS's MySQL rotation functions read (engine, host, port, username, password, dbname; the application's also
    `masterarn`); returns (master, application). Encrypted with the primary's secrets key, replicated to `dr`
    under its secrets key; `stateful` carries the tier's parent and protection."""
    connection = {
        "engine": "mysql",
        "host": primary.address,
        "port": MYSQL_PORT,
        "dbname": db.database_name,
    }

    def seeded_secret(key: str, description: str, value: dict[str, Any]) -> aws.secretsmanager.Secret:
        secret = aws.secretsmanager.Secret(
            f"{name}-{key}",
            name=f"{prefix}-{key}",
            description=description,
            kms_key_id=region.keys.secrets,
            # A promoted DR replica needs the credentials in its own region (a failover must not need us-east-1).
            replicas=[aws.secretsmanager.SecretReplicaArgs(region=dr.name, kms_key_id=dr.keys.secrets)],
            recovery_window_in_days=30 if protect else 7,
            opts=stateful,
        )
        # The first version only. After that the rotation function writes the versions: a later deploy must not
        # put the seed back (ignore_changes), and the version is protected like the secret.
        aws.secretsmanager.SecretVersion(
            f"{name}-{key}",
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(pulumi.Output.json_dumps(value)),
            opts=pulumi.ResourceOptions.merge(
                stateful, pulumi.ResourceOptions(ignore_changes=["secretString"])
            ),
        )
        return secret

    master = seeded_secret(
        "mysql-master",
        "MySQL master user (administration and user management only; rotated by its own function)",
        {**connection, "username": db.username, "password": master_password.result},
    )
    app_password = generated_password(name, "mysql-app-password", stateful)
    app = seeded_secret(
        "mysql-app",
        f"MySQL application user {db.app_username} (alternates with {db.app_username}_clone at each rotation)",
        {**connection, "username": db.app_username, "password": app_password.result, "masterarn": master.arn},
    )
    return master, app


def rotation_functions(
    name: str,
    prefix: str,
    master: aws.secretsmanager.Secret,
    app: aws.secretsmanager.Secret,
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
    `master` and `app` are the users' secrets (user_secrets); everything is created under `parent` (the data
    tier) in the primary region."""
    child = pulumi.ResourceOptions(parent=parent)
    account = region.account_id
    code = pulumi.AssetArchive(
        {
            "index.py": pulumi.FileAsset(str(ROTATION_SOURCE / "index.py")),
            "pymysql": pulumi.FileArchive(str(Path(pymysql.__file__).parent)),
        }
    )
    # Per user: (secret key, rotation mode, secret, ARNs of the secrets its function also reads).
    users: list[tuple[str, str, aws.secretsmanager.Secret, list[pulumi.Input[str]]]] = [
        ("mysql-master", "single", master, []),
        ("mysql-app", "alternating", app, [master.arn]),
    ]
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
