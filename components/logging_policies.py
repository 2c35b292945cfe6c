"""The log search tier's IAM and domain policy documents: the domain's log groups, who may call the domain, the
delivery streams' role, the roles function's role, who may assume each role, and the fine-grained access control
role the roles function writes. Pure functions of ARNs, so tests read them without a render."""

from __future__ import annotations

import json
from collections.abc import Iterable

from .iam import account_root, allow_assume, document, source_account

# The fine-grained access control role Firehose writes as: what AWS's Firehose guide lists for an OpenSearch
# destination with fine-grained access control (bulk writes, index creation for the rotated indices, their
# mappings), on this stack's log indices only.
LOG_WRITER_ROLE = "log_delivery"
LOG_WRITER_CLUSTER_PERMISSIONS = ["cluster_composite_ops", "cluster_monitor"]
LOG_WRITER_INDEX_ACTIONS = ["create_index", "manage", "crud"]


def domain_logs_policy(account: str, domain_arn: str, log_group_arns: list[str]) -> str:
    return document(
        [
            {
                "Sid": "OpenSearchPublishesDomainLogs",
                "Effect": "Allow",
                "Principal": {"Service": "es.amazonaws.com"},
                "Action": ["logs:PutLogEvents", "logs:CreateLogStream"],
                "Resource": [f"{arn}:*" for arn in log_group_arns],
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {"aws:SourceArn": domain_arn},
                },
            }
        ]
    )


def domain_access_policy(domain_arn: str, delivery_role_arn: str, account_root: str) -> str:
    """Only signed requests from this account: the delivery role, and principals the account's IAM
    policies grant es:ESHttp* (operators, through the master role). Fine-grained access control then authorises
    each request by the IAM role that signed it."""
    return document(
        [
            {
                "Sid": "LogDeliveryAndAccountPrincipals",
                "Effect": "Allow",
                "Principal": {"AWS": [delivery_role_arn, account_root]},
                "Action": ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut"],
                "Resource": f"{domain_arn}/*",
            }
        ]
    )


def delivery_policy(domain_arn: str, bucket_arn: str, key_arn: str, log_group_arn: str, region: str) -> str:
    return document(
        [
            {
                "Sid": "DescribeDomain",
                "Effect": "Allow",
                "Action": ["es:DescribeDomain", "es:DescribeDomains", "es:DescribeDomainConfig"],
                "Resource": [domain_arn, f"{domain_arn}/*"],
            },
            {
                "Sid": "IndexDocuments",
                "Effect": "Allow",
                "Action": ["es:ESHttpPost", "es:ESHttpPut", "es:ESHttpGet"],
                "Resource": [domain_arn, f"{domain_arn}/*"],
            },
            {
                "Sid": "FailedRecordsToS3",
                "Effect": "Allow",
                "Action": [
                    "s3:AbortMultipartUpload",
                    "s3:GetBucketLocation",
                    "s3:GetObject",
                    "s3:ListBucket",
                    "s3:ListBucketMultipartUploads",
                    "s3:PutObject",
                ],
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
            },
            {
                "Sid": "EncryptWithLogsKey",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": key_arn,
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": [
                            f"s3.{region}.amazonaws.com",
                            f"firehose.{region}.amazonaws.com",
                        ]
                    }
                },
            },
            {
                # Firehose manages its own interfaces in the VPC; these EC2 actions take no resource ARNs
                # for the describe calls, so they are scoped by region.
                "Sid": "VpcDelivery",
                "Effect": "Allow",
                "Action": [
                    "ec2:DescribeVpcs",
                    "ec2:DescribeVpcAttribute",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:CreateNetworkInterface",
                    "ec2:CreateNetworkInterfacePermission",
                    "ec2:DeleteNetworkInterface",
                ],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": region}},
            },
            {
                "Sid": "ErrorLogs",
                "Effect": "Allow",
                "Action": ["logs:PutLogEvents"],
                "Resource": f"{log_group_arn}:*",
            },
        ]
    )


def admin_policy(domain_arn: str, log_group_arn: str, region: str) -> str:
    """The master role's IAM side: HTTP on the domain (fine-grained access control decides the rest), and what the
    roles function needs to run in the VPC and log."""
    return document(
        [
            {
                "Sid": "DomainHttp",
                "Effect": "Allow",
                "Action": [
                    "es:ESHttpGet",
                    "es:ESHttpHead",
                    "es:ESHttpPost",
                    "es:ESHttpPut",
                    "es:ESHttpDelete",
                ],
                "Resource": f"{domain_arn}/*",
            },
            {
                "Sid": "FunctionLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{log_group_arn}:*",
            },
            {
                # Lambda's interfaces in the VPC (what AWSLambdaVPCAccessExecutionRole grants), in this region.
                "Sid": "FunctionInTheVpc",
                "Effect": "Allow",
                "Action": [
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSubnets",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": region}},
            },
        ]
    )


def admin_trust(account: str, partition: str) -> str:
    """Who may assume the master role: people of this account whose IAM policies allow sts:AssumeRole on it, and
    the roles function (Lambda, for this account only)."""
    return document(
        [
            allow_assume({"AWS": account_root(account, partition)}, sid="AccountPrincipals"),
            allow_assume({"Service": "lambda.amazonaws.com"}, source_account(account), sid="RolesFunction"),
        ]
    )


def delivery_trust(account: str) -> str:
    """Firehose, for this account's streams (the external ID Firehose passes is the account)."""
    return document(
        [allow_assume({"Service": "firehose.amazonaws.com"}, {"StringEquals": {"sts:ExternalId": account}})]
    )


def subscriptions_trust(region: str, account: str, partition: str) -> str:
    """CloudWatch Logs of this region, for this account's log groups: it puts subscription data into the streams."""
    return document(
        [
            allow_assume(
                {"Service": f"logs.{region}.amazonaws.com"},
                {"StringLike": {"aws:SourceArn": f"arn:{partition}:logs:{region}:{account}:*"}},
            )
        ]
    )


def subscriptions_policy(stream_arns: list[str]) -> str:
    """The subscription filters' role: put records into the delivery streams, nothing else."""
    return document(
        [
            {
                "Effect": "Allow",
                "Action": ["firehose:PutRecord", "firehose:PutRecordBatch"],
                "Resource": sorted(stream_arns),
            }
        ]
    )


def roles_event(endpoint: str, region: str, delivery_role_arn: str, sources: Iterable[str]) -> str:
    """The roles function's event: the `log_delivery` role, on the indices of `sources`, mapped to the delivery
    role (components/search_roles_function writes it through the security plugin's API)."""
    index_patterns = [f"{source}-logs*" for source in sources]
    return json.dumps(
        {
            "endpoint": endpoint,
            "region": region,
            "roles": {
                LOG_WRITER_ROLE: {
                    "cluster_permissions": LOG_WRITER_CLUSTER_PERMISSIONS,
                    "index_permissions": [
                        {"index_patterns": index_patterns, "allowed_actions": LOG_WRITER_INDEX_ACTIONS}
                    ],
                    "backend_roles": [delivery_role_arn],
                }
            },
        },
        sort_keys=True,
    )
