"""The storage tier's policy documents: the assets bucket's and key's (the CDN tier attaches them, since they name
the distribution), the log buckets' keys, the replication role's. Pure functions of ARNs, so tests read them
without a render."""

from __future__ import annotations

from components.providers import GLOBAL_SERVICES_REGION

from .iam import deny_insecure_transport, document, enable_iam_policies


def assets_bucket_policy(bucket_arn: str, distribution_arn: str, public_prefixes: list[str]) -> str:
    """The assets bucket policy: TLS only; CloudFront (this distribution only, through OAC) reads the public
    prefixes and nothing else. The guide's `Principal: "*"` public read is gone: the bucket stays private."""
    public = [f"{bucket_arn}/{p}*" for p in public_prefixes]
    only_this_distribution = {"StringEquals": {"AWS:SourceArn": distribution_arn}}
    return document(
        [
            deny_insecure_transport(bucket_arn),
            {
                "Sid": "CloudFrontReadsPublicPrefixes",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": public,
                "Condition": only_this_distribution,
            },
            {
                # Defence in depth: even a later, broader Allow cannot open customers/ or backups/ to CloudFront.
                "Sid": "DenyCloudFrontOutsidePublicPrefixes",
                "Effect": "Deny",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:*",
                "NotResource": public,
            },
        ]
    )


def assets_key_policy(account_id: str, partition: str, distribution_arn: str) -> str:
    """The assets key policy: IAM policies of the account govern use (root statement, as every key here); the
    distribution may decrypt, since OAC reads SSE-KMS objects (CloudFront developer guide, "Restrict access to an
    Amazon S3 origin": SSE-KMS)."""
    return document(
        [
            enable_iam_policies(account_id, partition),
            {
                "Sid": "CloudFrontDecryptsThroughOac",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
            },
        ]
    )


# The actions the CloudWatch Logs user guide lists for SSE-KMS destinations of vended logs.
LOG_KEY_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]


def log_key_policy(account_id: str, partition: str, source_bucket: str) -> str:
    """A log bucket's key: IAM governs people (root statement); S3 server access logging (logging.s3) and
    CloudWatch Logs vended-log delivery (delivery.logs, CloudFront standard logging v2) may encrypt new log objects
    for this account only. Read access stays with IAM principals granted kms:Decrypt."""
    return document(
        [
            enable_iam_policies(account_id, partition),
            {
                # S3 server access logging of the one source bucket (as the bucket policy scopes it).
                "Sid": "S3ServerAccessLoggingEncrypts",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": LOG_KEY_ACTIONS,
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:s3:::{source_bucket}"},
                },
            },
            {
                # CloudFront standard logging (v2): the delivery sources of this account in us-east-1.
                "Sid": "LogDeliveryEncrypts",
                "Effect": "Allow",
                "Principal": {"Service": "delivery.logs.amazonaws.com"},
                "Action": LOG_KEY_ACTIONS,
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{partition}:logs:{GLOBAL_SERVICES_REGION}:{account_id}:delivery-source:*"
                    },
                },
            },
        ]
    )


def replication_policy(
    source_arn: str, replica_arn: str, source_key_arn: str, replica_key_arn: str, region: str, dr_region: str
) -> str:
    """Least privilege for S3 replication with KMS (S3 user guide, "Replicating encrypted objects"): read the
    source's versions, write replicas to the one destination, decrypt with the source key and encrypt with the
    replica key only through S3 in each region. With bucket keys the encryption context is the bucket ARN."""
    return document(
        [
            {
                "Sid": "ReadReplicationConfiguration",
                "Effect": "Allow",
                "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                "Resource": source_arn,
            },
            {
                "Sid": "ReadSourceVersions",
                "Effect": "Allow",
                "Action": [
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                ],
                "Resource": f"{source_arn}/*",
            },
            {
                "Sid": "WriteReplicas",
                "Effect": "Allow",
                "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                "Resource": f"{replica_arn}/*",
            },
            {
                "Sid": "DecryptSource",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": source_key_arn,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
                    "StringLike": {"kms:EncryptionContext:aws:s3:arn": [source_arn, f"{source_arn}/*"]},
                },
            },
            {
                "Sid": "EncryptReplica",
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                "Resource": replica_key_arn,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"s3.{dr_region}.amazonaws.com"},
                    "StringLike": {"kms:EncryptionContext:aws:s3:arn": [replica_arn, f"{replica_arn}/*"]},
                },
            },
        ]
    )
