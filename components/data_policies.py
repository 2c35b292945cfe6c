"""The data tier's IAM documents: the rotation functions' role policy. Pure functions of ARNs, so tests read what
a rotation function may do without rendering a stack."""

from __future__ import annotations

from .iam import document


def rotation_policy(
    secret_arn: str, log_group_arn: str, key_arn: str, read_arns: list[str], region: str
) -> str:
    """The rotation function: write its own secret's versions, read the master's (alternating users), use the
    secrets key through Secrets Manager, attach to the VPC, write its log group."""
    statements = [
        {
            "Sid": "RotateOwnSecret",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecretVersionStage",
            ],
            "Resource": secret_arn,
        },
        # GetRandomPassword acts on no resource: IAM supports only "*" for it.
        {
            "Sid": "GeneratePasswords",
            "Effect": "Allow",
            "Action": "secretsmanager:GetRandomPassword",
            "Resource": "*",
        },
        {
            "Sid": "SecretsKeyThroughSecretsManager",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
        },
        # Lambda attaches the function to the VPC through network interfaces; these actions take no resource ARN.
        {
            "Sid": "VpcNetworkInterfaces",
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            "Resource": "*",
        },
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [log_group_arn, f"{log_group_arn}:log-stream:*"],
        },
    ]
    if read_arns:
        statements.insert(
            1,
            {
                "Sid": "ReadMasterSecret",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": sorted(read_arns),
            },
        )
    return document(statements)
