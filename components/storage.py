"""Storage tier: the assets bucket (SSE-KMS with its own key), its cross-region replica, and the log buckets.

Who may read what (README, "Storage and CDN"): the public prefixes (`static/`, `vehicles/images/`) are readable
only by this stack's CloudFront distribution through Origin Access Control; everything else (`customers/`,
`backups/`, `vehicles/documents/`) only by IAM principals of the account that are granted it (the API tasks).

The data buckets' policies (assets and its DR replica) and their keys' policies name the distribution, which is
created after this tier (it needs the buckets' domain names). To break the cycle the CDN tier creates those four
resources, from the documents components/storage_policies.py builds (`assets_bucket_policy`, `assets_key_policy`),
so the rules about the layout stay with this tier and each bucket and key has exactly one policy resource.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import Region
from components.contract import Bucket
from components.providers import GLOBAL_SERVICES_REGION
from settings.storage import StorageSettings

from .iam import deny_insecure_transport, document, service_trust
from .keys import rotating_key
from .storage_policies import log_key_policy, replication_policy

# Where S3 server access logs go in a log bucket (CloudFront v2 logs go under AWSLogs/).
S3_LOG_PREFIX = "s3/"

# A statement added to a bucket policy, built from the bucket ARN, the account id and the partition.
Statement = Callable[[str, str, str], dict]


@dataclass(frozen=True)
class _Bucket:
    """A bucket with the resources the others depend on."""

    logical: str
    resource: aws.s3.Bucket
    versioning: aws.s3.BucketVersioning


@dataclass
class StorageArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>`."""
    settings: StorageSettings
    """The validated storage settings of the stack."""
    region: Region
    """The primary region (the assets bucket's); its account and partition name the buckets' policies."""
    dr: Region
    """The disaster-recovery region: the replica bucket and its log bucket."""
    protect: bool
    """Protect buckets and the assets key (prod): deleting them loses customer documents and backups."""


class Storage(pulumi.ComponentResource):
    assets: Bucket
    """The assets bucket (primary region) and its key."""
    replica: Bucket
    """Its replica in the DR region and that region's key."""
    replication_role_arn: pulumi.Output[str]
    log_bucket_name: pulumi.Output[str]
    log_bucket_arn: pulumi.Output[str]
    public_prefixes: list[str]

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:storage:Storage", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self._dr = pulumi.ResourceOptions(parent=self, provider=args.dr.provider)
        self._account, self._partition = args.region.account_id, args.region.partition
        s = args.settings

        # One key per data bucket, in the bucket's region. Their policies are the CDN tier's aws.kms.KeyPolicy
        # resources (they name the distribution, which reads both buckets through OAC); until those exist AWS's
        # default key policy (the account root statement) applies.
        key = self._create_data_key(f"{name}-assets", "assets bucket objects", self._child)
        replica_key = self._create_data_key(f"{name}-replica", "replicated assets (DR)", self._dr)
        assets = self._create_data_bucket(f"{name}-assets", s.assets_bucket_name, key.arn, self._child)
        replica = self._create_data_bucket(
            f"{name}-replica", s.replica_bucket_name, replica_key.arn, self._dr
        )
        log_bucket = self._create_log_bucket(
            f"{name}-logs", args.region.name, s.assets_bucket_name, self._child, cdn_delivery=True
        )
        dr_log_bucket = self._create_log_bucket(
            f"{name}-dr-logs", args.dr.name, s.replica_bucket_name, self._dr, cdn_delivery=False
        )
        for bucket, logs, opts in ((assets, log_bucket, self._child), (replica, dr_log_bucket, self._dr)):
            aws.s3.BucketLogging(
                bucket.logical,
                bucket=bucket.resource.id,
                target_bucket=logs.resource.id,
                target_prefix=f"{S3_LOG_PREFIX}{bucket.logical.removeprefix(name + '-')}/",
                target_object_key_format={"partitioned_prefix": {"partition_date_source": "EventTime"}},
                opts=opts,
            )
        # Both data buckets' policies are the CDN tier's (see the module docstring).
        role = self._create_replication(assets, replica, key, replica_key)
        if s.seed_from_bucket:
            self._create_seed_role(s.seed_from_bucket, assets, key, log_bucket)

        self.assets = _bucket(assets, key)
        self.replica = _bucket(replica, replica_key)
        self.replication_role_arn = role.arn
        self.log_bucket_name = log_bucket.resource.bucket
        self.log_bucket_arn = log_bucket.resource.arn
        self.public_prefixes = list(s.public_prefixes)
        self.register_outputs(
            {
                **{
                    f"{which}_{field}": getattr(bucket, field)
                    for which, bucket in (("assets", self.assets), ("replica", self.replica))
                    for field in ("name", "arn", "regional_domain_name", "key_arn", "key_id")
                },
                "replication_role_arn": self.replication_role_arn,
                "log_bucket_name": self.log_bucket_name,
                "log_bucket_arn": self.log_bucket_arn,
            }
        )

    # -- building blocks ---------------------------------------------------------------------------------------
    def _stateful(self, opts: pulumi.ResourceOptions) -> pulumi.ResourceOptions:
        p = self._args.protect
        return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=p, retain_on_delete=p))

    def _create_data_key(self, name: str, what: str, opts: pulumi.ResourceOptions) -> aws.kms.Key:
        a = self._args
        key = rotating_key(
            name, f"{a.name_prefix}: {what} (read by CloudFront through OAC)", protect=a.protect, opts=opts
        )
        aws.kms.Alias(name, name=f"alias/{a.name_prefix}-assets", target_key_id=key.key_id, opts=opts)
        return key

    def _locked_bucket(
        self, name: str, bucket_name: pulumi.Input[str], opts: pulumi.ResourceOptions
    ) -> _Bucket:
        """A bucket with every public door shut, ACLs disabled (the bucket owns every object) and versioning on."""
        bucket = aws.s3.Bucket(
            name, bucket=bucket_name, force_destroy=not self._args.protect, opts=self._stateful(opts)
        )
        aws.s3.BucketPublicAccessBlock(
            name,
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=opts,
        )
        aws.s3.BucketOwnershipControls(
            name, bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=opts
        )
        versioning = aws.s3.BucketVersioning(
            name, bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=opts
        )
        return _Bucket(name, bucket, versioning)

    def _encrypt(self, bucket: _Bucket, key_arn: pulumi.Input[str], opts: pulumi.ResourceOptions) -> None:
        """SSE-KMS with a customer-managed key and S3 Bucket Keys (one data key per bucket and period instead of a
        KMS call per object)."""
        aws.s3.BucketServerSideEncryptionConfiguration(
            bucket.logical,
            bucket=bucket.resource.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": key_arn,
                    },
                    "bucket_key_enabled": True,
                    # Nobody may upload with customer-provided keys (SSE-C): objects we could not read or replicate.
                    "blocked_encryption_types": ["SSE-C"],
                }
            ],
            opts=opts,
        )

    def _lifecycle(self, bucket: _Bucket, rules: list[dict], opts: pulumi.ResourceOptions) -> None:
        aws.s3.BucketLifecycleConfiguration(
            bucket.logical,
            bucket=bucket.resource.id,
            rules=rules,
            # Noncurrent-version rules mean something only once versioning is on.
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[bucket.versioning])),
        )

    def _policy(
        self, bucket: _Bucket, extra: list[Statement], opts: pulumi.ResourceOptions
    ) -> aws.s3.BucketPolicy:
        """The bucket's only policy: the TLS deny plus `extra` statements."""
        return aws.s3.BucketPolicy(
            bucket.logical,
            bucket=bucket.resource.id,
            policy=pulumi.Output.all(bucket.resource.arn, self._account, self._partition).apply(
                lambda v: document([deny_insecure_transport(v[0])] + [f(v[0], v[1], v[2]) for f in extra])
            ),
            opts=opts,
        )

    # -- the assets bucket and its replica ---------------------------------------------------------------------
    def _create_data_bucket(
        self, name: str, bucket_name: str, key_arn: pulumi.Input[str], opts: pulumi.ResourceOptions
    ) -> _Bucket:
        """The guide's layout and lifecycle: backups go to STANDARD_IA, then GLACIER, then expire; every prefix
        drops old versions, stale delete markers and abandoned uploads. The replica gets the same rules (S3 does
        not replicate lifecycle actions)."""
        s = self._args.settings
        bucket = self._locked_bucket(name, bucket_name, opts)
        self._encrypt(bucket, key_arn, opts)
        rules: list[dict] = [
            {
                "id": f"backups-{p.strip('/').replace('/', '-')}",
                "status": "Enabled",
                "filter": {"prefix": p},
                "transitions": [
                    {"days": s.transition_to_ia_days, "storage_class": "STANDARD_IA"},
                    {"days": s.transition_to_glacier_days, "storage_class": "GLACIER"},
                ],
                "expiration": {"days": s.backup_expiration_days},
            }
            for p in s.backup_prefixes
        ]
        rules.append(
            {
                "id": "noncurrent-versions-and-uploads",
                "status": "Enabled",
                "filter": {"prefix": ""},
                "noncurrent_version_expiration": {"noncurrent_days": s.noncurrent_version_expiration_days},
                "abort_incomplete_multipart_upload": {
                    "days_after_initiation": s.abort_incomplete_multipart_days
                },
                "expiration": {"expired_object_delete_marker": True},
            }
        )
        self._lifecycle(bucket, rules, opts)
        if s.cors_allowed_origins:
            # The web app (app.<domain>) loads fonts and images from the CDN host; CloudFront forwards the Origin
            # header to S3 (CORS-S3Origin) and caches the answer per origin. The replica answers the same way
            # when CloudFront fails over to it.
            aws.s3.BucketCorsConfiguration(
                name,
                bucket=bucket.resource.id,
                cors_rules=[
                    {
                        "id": "web-app-reads-assets",
                        "allowed_methods": ["GET", "HEAD"],
                        "allowed_origins": list(s.cors_allowed_origins),
                        "expose_headers": ["ETag"],
                        "max_age_seconds": 3600,
                    }
                ],
                opts=opts,
            )
        return bucket

    # -- log buckets -------------------------------------------------------------------------------------------
    def _log_rules(self) -> list[dict]:
        return [
            {
                "id": "expire-access-logs",
                "status": "Enabled",
                "filter": {"prefix": ""},
                "expiration": {"days": self._args.settings.access_log_expiration_days},
                "noncurrent_version_expiration": {"noncurrent_days": 7},
                "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
            }
        ]

    def _create_log_bucket(
        self, name: str, region: str, source_bucket: str, opts: pulumi.ResourceOptions, *, cdn_delivery: bool
    ) -> _Bucket:
        """The log bucket of `region`: S3 server access logs of `source_bucket` (S3 delivers only to a bucket of the
        same region and account) under s3/, and, in the primary region, CloudFront standard logging (v2) under
        AWSLogs/. Both writers are granted by bucket policy (ACLs stay disabled: v2 logging, unlike legacy
        CloudFront logging, does not need them) and encrypt with this bucket's own key (docs/departures.md)."""
        a = self._args
        key = rotating_key(
            name,
            f"{a.name_prefix}: S3 and CloudFront access logs in {region}",
            protect=a.protect,
            policy=pulumi.Output.all(self._account, self._partition).apply(
                lambda v: log_key_policy(v[0], v[1], source_bucket)
            ),
            opts=opts,
        )
        aws.kms.Alias(name, name=f"alias/{a.name_prefix}-logs-{region}", target_key_id=key.key_id, opts=opts)
        bucket = self._locked_bucket(
            name, self._account.apply(lambda acct: f"{a.name_prefix}-logs-{region}-{acct}"), opts
        )
        self._encrypt(bucket, key.arn, opts)
        self._lifecycle(bucket, self._log_rules(), opts)

        def s3_logging_writes(arn: str, account: str, partition: str) -> dict:
            # S3 user guide, "Enabling Amazon S3 server access logging": with BucketOwnerEnforced, the logging
            # service principal is granted by bucket policy, scoped to the source bucket and account.
            return {
                "Sid": "S3ServerAccessLogsWrite",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{arn}/{S3_LOG_PREFIX}*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:s3:::{source_bucket}"},
                },
            }

        # CloudWatch Logs user guide, "Logs sent to Amazon S3" (V2 permissions): the statements AWS would add.
        def delivery_condition(account: str, partition: str) -> dict:
            return {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {
                    "aws:SourceArn": f"arn:{partition}:logs:{GLOBAL_SERVICES_REGION}:{account}:delivery-source:*"
                },
            }

        def delivery_writes(arn: str, account: str, partition: str) -> dict:
            condition = delivery_condition(account, partition)
            condition["StringEquals"]["s3:x-amz-acl"] = "bucket-owner-full-control"
            return {
                "Sid": "AWSLogDeliveryWrite",
                "Effect": "Allow",
                "Principal": {"Service": "delivery.logs.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{arn}/AWSLogs/{account}/*",
                "Condition": condition,
            }

        def delivery_checks_acl(arn: str, account: str, partition: str) -> dict:
            return {
                "Sid": "AWSLogDeliveryAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "delivery.logs.amazonaws.com"},
                "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
                "Resource": arn,
                "Condition": delivery_condition(account, partition),
            }

        writers: list[Statement] = [s3_logging_writes]
        if cdn_delivery:
            writers += [delivery_writes, delivery_checks_acl]
        self._policy(bucket, writers, opts)
        return bucket

    # -- replication -------------------------------------------------------------------------------------------
    def _create_seed_role(self, source: str, assets: _Bucket, key: aws.kms.Key, logs: _Bucket) -> None:
        """The role S3 Batch Operations runs as to carry existing objects over (docs/migration.md § Assets).

        A Copy job (S3PutObjectCopy) reads the source's objects and versions and writes them into the assets bucket
        under its key; a Batch Replication job (S3ReplicateObject) on the source asks S3 to replicate objects that
        predate the replication rule and builds its manifest from the replication configuration. Completion
        reports go to the log bucket. Permissions follow the S3 User Guide's Batch Operations role policies.
        """
        a, n = self._args, self._name
        role = aws.iam.Role(
            f"{n}-seed",
            name=f"{a.name_prefix}-s3-seed",
            description=f"S3 Batch Operations carries the existing objects of {source} over with this role",
            assume_role_policy=self._account.apply(
                lambda acct: service_trust("batchoperations.s3.amazonaws.com", acct)
            ),
            opts=self._child,
        )
        aws.iam.RolePolicy(
            f"{n}-seed",
            role=role.id,
            policy=pulumi.Output.all(assets.resource.arn, key.arn, logs.resource.arn, self._partition).apply(
                lambda v: document(
                    [
                        {
                            "Sid": "ReadSourceObjects",
                            "Effect": "Allow",
                            "Action": [
                                "s3:GetObject",
                                "s3:GetObjectVersion",
                                "s3:GetObjectTagging",
                                "s3:GetObjectVersionTagging",
                                "s3:InitiateReplication",
                            ],
                            "Resource": f"arn:{v[3]}:s3:::{source}/*",
                        },
                        {
                            "Sid": "ReadSourceBucket",
                            "Effect": "Allow",
                            "Action": [
                                "s3:ListBucket",
                                "s3:GetReplicationConfiguration",
                                "s3:PutInventoryConfiguration",
                            ],
                            "Resource": f"arn:{v[3]}:s3:::{source}",
                        },
                        {
                            "Sid": "WriteAssets",
                            "Effect": "Allow",
                            "Action": ["s3:PutObject", "s3:PutObjectTagging"],
                            "Resource": f"{v[0]}/*",
                        },
                        {
                            "Sid": "AssetsKey",
                            "Effect": "Allow",
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"],
                            "Resource": v[1],
                        },
                        {
                            "Sid": "WriteReports",
                            "Effect": "Allow",
                            "Action": "s3:PutObject",
                            "Resource": f"{v[2]}/s3-batch-operations/*",
                        },
                    ]
                )
            ),
            opts=self._child,
        )

    def _create_replication(
        self, assets: _Bucket, replica: _Bucket, key: aws.kms.Key, replica_key: aws.kms.Key
    ) -> aws.iam.Role:
        a, n = self._args, self._name
        role = aws.iam.Role(
            f"{n}-replication",
            name=f"{a.name_prefix}-s3-replication",
            description="S3 replicates the assets bucket to the DR region with this role",
            assume_role_policy=self._account.apply(lambda acct: service_trust("s3.amazonaws.com", acct)),
            opts=self._child,
        )
        policy = aws.iam.RolePolicy(
            f"{n}-replication",
            role=role.id,
            policy=pulumi.Output.all(
                assets.resource.arn, replica.resource.arn, key.arn, replica_key.arn
            ).apply(lambda v: replication_policy(v[0], v[1], v[2], v[3], a.region.name, a.dr.name)),
            opts=self._child,
        )
        aws.s3.BucketReplicationConfig(
            f"{n}-assets",
            bucket=assets.resource.id,
            role=role.arn,
            rules=[
                {
                    "id": "assets-to-dr",
                    "status": "Enabled",
                    "priority": 1,
                    "filter": {"prefix": ""},
                    "delete_marker_replication": {"status": "Enabled"},
                    "source_selection_criteria": {"sse_kms_encrypted_objects": {"status": "Enabled"}},
                    "destination": {
                        "bucket": replica.resource.arn,
                        "storage_class": a.settings.replica_storage_class,
                        "encryption_configuration": {"replica_kms_key_id": replica_key.arn},
                    },
                }
            ],
            # S3 refuses a replication configuration until both buckets are versioned and the role may act.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[assets.versioning, replica.versioning, policy]
            ),
        )
        return role


def _bucket(bucket: _Bucket, key: aws.kms.Key) -> Bucket:
    resource = bucket.resource
    return Bucket(resource.bucket, resource.arn, resource.bucket_regional_domain_name, key.arn, key.key_id)
