"""The compute tier's IAM documents: the ECS tasks' trust policy, the execution role's policy and the task roles'
statements. Pure functions of ARNs, so tests read what a role may do without rendering a stack."""

from __future__ import annotations

from .iam import allow_assume, document, source_account

# ECS Exec's agent talks to Systems Manager through these; they have no resource-level permissions.
EXEC_ACTIONS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]


def ecs_tasks_trust(account: str, partition: str, region: str) -> str:
    """Only ECS tasks of this account and region may assume the role (confused-deputy conditions)."""
    condition = {
        **source_account(account),
        "ArnLike": {"aws:SourceArn": f"arn:{partition}:ecs:{region}:{account}:*"},
    }
    return document([allow_assume({"Service": "ecs-tasks.amazonaws.com"}, condition)])


def execution_policy(
    repository_arns: list[str],
    log_group_arns: list[str],
    parameter_arns: list[str],
    secret_arns: list[str],
    secrets_key_arn: str,
    region: str,
) -> str:
    """What ECS needs to start the tasks: pull the two repositories, write the log groups, read exactly the
    injected parameters and secrets, decrypt them with their key through SSM and Secrets Manager only."""
    return document(
        [
            # GetAuthorizationToken is account-wide: IAM supports no narrower resource for it.
            {
                "Sid": "RegistryLogin",
                "Effect": "Allow",
                "Action": "ecr:GetAuthorizationToken",
                "Resource": "*",
            },
            {
                "Sid": "PullReleases",
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                ],
                "Resource": sorted(repository_arns),
            },
            {
                "Sid": "WriteContainerLogs",
                "Effect": "Allow",
                # CreateLogStream is authorized on the log group, PutLogEvents on the stream.
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": sorted([*log_group_arns, *(f"{arn}:log-stream:*" for arn in log_group_arns)]),
            },
            {
                "Sid": "ReadInjectedParameters",
                "Effect": "Allow",
                "Action": "ssm:GetParameters",
                "Resource": sorted(parameter_arns),
            },
            {
                "Sid": "ReadInjectedSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": sorted(secret_arns),
            },
            {
                "Sid": "DecryptInjectedValues",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": secrets_key_arn,
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": [
                            f"ssm.{region}.amazonaws.com",
                            f"secretsmanager.{region}.amazonaws.com",
                        ]
                    }
                },
            },
        ]
    )


def assets_statements(bucket_arn: str, prefixes: list[str], key_arn: str, region: str) -> list[dict]:
    """Read, write and delete objects under the API's prefixes of the assets bucket, list only those prefixes,
    and use the bucket's key through S3 only."""
    return [
        {
            "Sid": "ListOwnPrefixes",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}},
        },
        {
            "Sid": "ReadWriteOwnPrefixes",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Resource": [f"{bucket_arn}/{p}*" for p in prefixes],
        },
        {
            "Sid": "AssetsKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
        },
    ]


def queue_statements(queue_arn: str, key_arn: str, region: str, *, consume: bool) -> list[dict]:
    """Laravel's SQS queue: the API sends jobs (and reads the queue's size); the worker also receives, deletes
    and releases them (and may dispatch follow-up jobs). The queue's key through SQS only."""
    actions = ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    if consume:
        actions += ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]
    return [
        {"Sid": "JobQueue", "Effect": "Allow", "Action": sorted(actions), "Resource": queue_arn},
        {
            "Sid": "JobQueueKeyThroughSqs",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"sqs.{region}.amazonaws.com"}},
        },
    ]


def exec_statements(log_group_arn: str, key_arn: str) -> list[dict]:
    """ECS Exec (staging only): the SSM channels (no resource-level permissions exist for them), the encrypted
    session log group, and the key ECS encrypts the session with."""
    return [
        {"Sid": "ExecChannels", "Effect": "Allow", "Action": EXEC_ACTIONS, "Resource": "*"},
        {
            "Sid": "ExecSessionLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            "Resource": [log_group_arn, f"{log_group_arn}:log-stream:*"],
        },
        {
            "Sid": "ExecSessionLogGroups",
            "Effect": "Allow",
            "Action": "logs:DescribeLogGroups",
            "Resource": log_group_arn.split(":log-group:")[0] + ":log-group:*",
        },
        {"Sid": "ExecSessionKey", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn},
    ]


def task_policy(parts: list[list[dict]]) -> str:
    """A task role's policy: the statements of each part it needs (assets, queue, Exec), in order."""
    return document([st for p in parts for st in p])
