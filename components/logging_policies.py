"""The log search tier's IAM and domain policy documents: the domain's log groups, who may call the domain, the
delivery streams' role, the roles function's role. Pure functions of ARNs, so tests read them without a render."""

from __future__ import annotations

from .iam import document


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
