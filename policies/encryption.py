"""Encryption at rest with keys we control, and secrets never stored in clear."""

from __future__ import annotations

import re

from factories import resource_policy, stack_policy
from properties import UNKNOWN, get, items, matches_any, truthy
from relations import bucket_keys, index_by_target, of_types, related
from resource_types import (
    BUCKET_ENCRYPTION,
    BUCKETS,
    CACHE_CLUSTERS,
    DYNAMODB_TABLES,
    EBS_VOLUMES,
    EC2_INSTANCES,
    EFS,
    LAUNCH_TEMPLATES,
    RDS_ALL,
    RDS_INSTANCES,
    REPLICATION_GROUPS,
    SEARCH_DOMAINS,
)

AWS_MANAGED_ALIAS = re.compile(r"^(arn:[^:]+:kms:[^:]*:[^:]*:)?alias/aws/")


def _rds_storage(props, cfg, args):
    encrypted = get(props, "storageEncrypted")
    if encrypted is UNKNOWN or truthy(encrypted):
        return
    # A replica inherits encryption from its source; a cross-region replica names its region's key.
    replica = args.resource_type in RDS_INSTANCES and get(props, "replicateSourceDb")
    if replica and (encrypted is None or get(props, "kmsKeyId")):
        return
    yield "storage is not encrypted; set storageEncrypted: true and kmsKeyId to a customer-managed KMS key"


def _rds_cmk(props, cfg, args):
    if not truthy(get(props, "storageEncrypted")) or get(props, "replicateSourceDb"):
        return
    if get(props, "kmsKeyId") in (None, ""):
        yield "storage is encrypted with the AWS-managed key; set kmsKeyId to a customer-managed KMS key"


def _performance_insights(props, cfg, args):
    if truthy(get(props, "performanceInsightsEnabled")) and get(props, "performanceInsightsKmsKeyId") in (
        None,
        "",
    ):
        yield "Performance Insights data uses the AWS-managed key; set performanceInsightsKmsKeyId"


def _elasticache(props, cfg, args):
    at_rest, transit = get(props, "atRestEncryptionEnabled"), get(props, "transitEncryptionEnabled")
    if at_rest is not UNKNOWN and not truthy(at_rest):
        yield "data at rest is not encrypted; set atRestEncryptionEnabled: true with a kmsKeyId"
    if transit is not UNKNOWN and not truthy(transit):
        yield "traffic is not encrypted in transit; set transitEncryptionEnabled: true (and an authToken)"
    elif get(props, "transitEncryptionMode") == "preferred":
        # "preferred" is the migration mode: the group still accepts plaintext clients alongside TLS ones.
        yield "transitEncryptionMode is preferred, which still accepts unencrypted clients; set it to required"
    if cfg["requireCustomerManagedKey"] and truthy(at_rest) and get(props, "kmsKeyId") in (None, ""):
        yield "at-rest encryption uses the AWS-managed key; set kmsKeyId to a customer-managed KMS key"


def _bucket_kms(resources, cfg):
    index, unknown = index_by_target(resources, BUCKET_ENCRYPTION, "bucket")
    for bucket in of_types(resources, BUCKETS):
        name = get(bucket.props, "bucket")
        allowed_sse_s3 = isinstance(name, str) and matches_any(name, cfg["sseS3AllowedBuckets"])
        algorithms = []
        for c in related(index, bucket_keys(bucket)):
            rules = get(c.props, "rules")
            if rules is UNKNOWN:
                algorithms.append(UNKNOWN)  # the configuration exists, what it says is not known yet
            for rule in items(rules):
                algorithms.append(get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"))
        inline = get(
            bucket.props,
            "serverSideEncryptionConfiguration",
            "rule",
            "applyServerSideEncryptionByDefault",
            "sseAlgorithm",
        )
        if inline:
            algorithms.append(inline)
        if UNKNOWN in algorithms or (unknown and not algorithms):
            continue
        if any(a in ("aws:kms", "aws:kms:dsse") for a in algorithms):
            continue
        if "AES256" in algorithms and (allowed_sse_s3 or (name is UNKNOWN and cfg["sseS3AllowedBuckets"])):
            continue  # allowed SSE-S3, or a bucket whose name (and so whether it is allowed) is not known yet
        seen = ", ".join(map(str, algorithms)) or "no default encryption configuration"
        yield (
            bucket,
            (
                f"default encryption is {seen}; add an aws.s3.BucketServerSideEncryptionConfiguration with "
                "sseAlgorithm aws:kms and a customer-managed kmsMasterKeyId (bucketKeyEnabled: true)"
            ),
        )


def _ssm_secure_string(props, cfg, args):
    name, kind = get(props, "name", default=args.name), get(props, "type")
    if name is UNKNOWN or kind is UNKNOWN:
        return
    if re.search(cfg["secretNamePattern"], str(name), re.I) and kind != "SecureString":
        yield f"parameter {name} looks like a secret but is {kind}; set type: SecureString with a customer-managed keyId"
    if kind == "SecureString" and cfg["requireCustomerManagedKey"]:
        key = get(props, "keyId")
        if key in (None, "") or (isinstance(key, str) and AWS_MANAGED_ALIAS.match(key)):
            yield f"SecureString {name} uses the AWS-managed key alias/aws/ssm; set keyId to a customer-managed KMS key"


def _ecr_kms(props, cfg, args):
    configs = get(props, "encryptionConfigurations")
    if configs is UNKNOWN:
        return
    kinds = [get(c, "encryptionType") for c in items(configs)]
    if UNKNOWN in kinds:
        return
    if "KMS" not in kinds:
        yield "images are encrypted with AES256; set encryptionConfigurations: [{encryptionType: KMS, kmsKey: <key ARN>}]"


def _cmk_property(prop: str, what: str):
    def check(props, cfg, args):
        key = get(props, prop)
        if key is UNKNOWN:
            return
        if key in (None, "") or (isinstance(key, str) and AWS_MANAGED_ALIAS.match(key)):
            yield f"{what} is not encrypted with a customer-managed KMS key; set {prop} to one"

    return check


def _search_encryption(props, cfg, args):
    at_rest, n2n = get(props, "encryptAtRest", "enabled"), get(props, "nodeToNodeEncryption", "enabled")
    if at_rest is not UNKNOWN and not truthy(at_rest):
        yield "data at rest is not encrypted; set encryptAtRest: {enabled: true, kmsKeyId: <key>}"
    if n2n is not UNKNOWN and not truthy(n2n):
        yield "node-to-node traffic is not encrypted; set nodeToNodeEncryption: {enabled: true}"


def _kms_rotation(props, cfg, args):
    spec = get(props, "customerMasterKeySpec") or get(props, "keySpec") or "SYMMETRIC_DEFAULT"
    if spec is UNKNOWN or spec != "SYMMETRIC_DEFAULT":
        return  # AWS rotates only symmetric encryption keys
    rotation = get(props, "enableKeyRotation")
    if rotation is not UNKNOWN and not truthy(rotation):
        yield "automatic key rotation is off; set enableKeyRotation: true"


def _ebs_disks(resource):
    """(where, encrypted) for each EBS disk a volume, instance or launch template declares."""
    props = resource.props
    if resource.resource_type in EBS_VOLUMES:
        yield "the volume", get(props, "encrypted")
    elif resource.resource_type in EC2_INSTANCES:
        yield "the root volume", get(props, "rootBlockDevice", "encrypted")
        for disk in items(get(props, "ebsBlockDevices")):
            yield f"volume {get(disk, 'deviceName', default='?')}", get(disk, "encrypted")
    else:
        for disk in items(get(props, "blockDeviceMappings")):
            ebs = get(disk, "ebs")
            if ebs is not None:
                yield f"mapping {get(disk, 'deviceName', default='?')}", get(ebs, "encrypted")


def _ebs_encrypted(resources, cfg):
    # EBS encryption by default (aws.ebs.EncryptionByDefault) is per account and Region: resources created through
    # a provider whose Region has it on are encrypted whatever they declare.
    by_default: set[str] = set()
    for r in resources:
        if r.resource_type == "aws:ebs/encryptionByDefault:EncryptionByDefault":
            enabled = get(r.props, "enabled", default=True)
            if enabled is UNKNOWN or truthy(enabled):
                by_default.add(getattr(r.provider, "urn", None) or "")
    for r in resources:
        if r.resource_type not in EBS_VOLUMES | EC2_INSTANCES | LAUNCH_TEMPLATES:
            continue
        if (getattr(r.provider, "urn", None) or "") in by_default:
            continue
        for where, encrypted in _ebs_disks(r):
            if encrypted is not UNKNOWN and not truthy(encrypted):
                yield (
                    r,
                    f"{where} is not encrypted; set encrypted: true with a kmsKeyId (or turn on "
                    "aws.ebs.EncryptionByDefault in this Region)",
                )


def _efs_encrypted(props, cfg, args):
    encrypted = get(props, "encrypted")
    if encrypted is UNKNOWN:
        return
    if not truthy(encrypted):
        yield "the file system is not encrypted at rest; set encrypted: true and kmsKeyId (it cannot change later)"
    elif cfg["requireCustomerManagedKey"] and get(props, "kmsKeyId") in (None, ""):
        yield "the file system uses the AWS-managed key aws/elasticfilesystem; set kmsKeyId to a customer-managed key"


def _dynamodb_cmk(props, cfg, args):
    sse = get(props, "serverSideEncryption")
    if sse is UNKNOWN:
        return
    enabled, key = get(sse, "enabled"), get(sse, "kmsKeyArn")
    if enabled is UNKNOWN or key is UNKNOWN:
        return
    if not truthy(enabled):
        yield "the table is encrypted with an AWS-owned key; set serverSideEncryption {enabled: true, kmsKeyArn}"
    elif not key or AWS_MANAGED_ALIAS.match(str(key)):
        yield "the table uses the AWS-managed key aws/dynamodb; set serverSideEncryption.kmsKeyArn to a customer-managed key"


def _cache_cluster_encrypted(props, cfg, args):
    if get(props, "replicationGroupId"):
        return  # a member of a replication group: the group carries the encryption settings
    engine = get(props, "engine")
    if engine is UNKNOWN:
        return
    if engine in ("redis", "valkey", None):
        # CreateCacheCluster has no at-rest option and no in-transit one for Redis/Valkey: only a replication
        # group encrypts them (ElastiCache user guide, in-transit and at-rest encryption constraints).
        yield (
            f"a standalone {engine or 'redis'} cluster cannot encrypt at rest or in transit; create an "
            "aws.elasticache.ReplicationGroup with atRestEncryptionEnabled and transitEncryptionEnabled"
        )
    elif engine == "memcached":
        transit = get(props, "transitEncryptionEnabled")
        if transit is not UNKNOWN and not truthy(transit):
            yield "memcached traffic is not encrypted in transit; set transitEncryptionEnabled: true (1.6.12+)"


CMK = {"requireCustomerManagedKey": {"type": "boolean", "default": True}}

POLICIES = [
    resource_policy(
        "rds-storage-encrypted",
        "Checks that RDS instances and Aurora clusters encrypt their storage (RDS.3).",
        RDS_ALL,
        _rds_storage,
        control="RDS.3",
        severity="high",
        level="mandatory",
        remediation="Set storageEncrypted: true and kmsKeyId on the instance or cluster (replicas inherit it).",
    ),
    resource_policy(
        "rds-storage-customer-managed-key",
        "Checks that encrypted RDS storage uses a customer-managed KMS key.",
        RDS_ALL,
        _rds_cmk,
        severity="medium",
        remediation="Set kmsKeyId to a customer-managed key so that rotation and access stay under our control.",
    ),
    resource_policy(
        "rds-performance-insights-kms",
        "Checks that Performance Insights data is encrypted with a named KMS key.",
        RDS_ALL,
        _performance_insights,
        severity="low",
        remediation="Set performanceInsightsKmsKeyId whenever performanceInsightsEnabled is true.",
    ),
    resource_policy(
        "elasticache-encrypted",
        "Checks that ElastiCache replication groups encrypt data at rest and in transit "
        "(ElastiCache.4, ElastiCache.5).",
        REPLICATION_GROUPS,
        _elasticache,
        control="ElastiCache.4",
        severity="high",
        level="mandatory",
        config=CMK,
        remediation="Set atRestEncryptionEnabled, transitEncryptionEnabled, kmsKeyId and an authToken.",
    ),
    stack_policy(
        "s3-bucket-kms-encryption",
        "Checks that every S3 bucket encrypts by default with SSE-KMS (S3.17).",
        _bucket_kms,
        control="S3.17",
        severity="medium",
        level="mandatory",
        config={
            "sseS3AllowedBuckets": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "Bucket name patterns allowed SSE-S3 (ALB access logs).",
            }
        },
        remediation="Add a BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms and a key.",
    ),
    resource_policy(
        "elasticache-cluster-encrypted",
        "Checks that standalone ElastiCache clusters encrypt their data: Redis and Valkey only can in a "
        "replication group, Memcached in transit (ElastiCache.5).",
        CACHE_CLUSTERS,
        _cache_cluster_encrypted,
        control="ElastiCache.5",
        severity="high",
        level="mandatory",
        remediation="Use an aws.elasticache.ReplicationGroup with at-rest and in-transit encryption for Redis; set "
        "transitEncryptionEnabled on Memcached clusters.",
    ),
    stack_policy(
        "ebs-encrypted",
        "Checks that EBS volumes, EC2 instances' disks and launch templates' block devices are encrypted, unless "
        "EBS encryption by default is on in their Region (EC2.3).",
        _ebs_encrypted,
        control="EC2.3",
        severity="high",
        level="mandatory",
        remediation="Set encrypted: true (and kmsKeyId) on each volume and block device, or create an "
        "aws.ebs.EncryptionByDefault in each Region.",
    ),
    resource_policy(
        "efs-encrypted",
        "Checks that EFS file systems are encrypted at rest with a customer-managed key (EFS.1).",
        EFS,
        _efs_encrypted,
        control="EFS.1",
        severity="high",
        level="mandatory",
        config=CMK,
        remediation="Create the file system with encrypted: true and kmsKeyId (encryption cannot be added later).",
    ),
    resource_policy(
        "dynamodb-customer-managed-key",
        "Checks that DynamoDB tables are encrypted with a customer-managed KMS key.",
        DYNAMODB_TABLES,
        _dynamodb_cmk,
        severity="medium",
        remediation="Set serverSideEncryption {enabled: true, kmsKeyArn: <customer-managed key ARN>}.",
    ),
    resource_policy(
        "ssm-secret-parameters-secure-string",
        "Checks that SSM parameters whose names look secret are "
        "SecureString, encrypted with a customer-managed key.",
        frozenset({"aws:ssm/parameter:Parameter"}),
        _ssm_secure_string,
        severity="high",
        level="mandatory",
        config={
            "secretNamePattern": {
                "type": "string",
                "format": "regex",
                "default": r"(pass|secret|token|key|credential|jwt|stripe|url)",
            },
            **CMK,
        },
        remediation="Set type: SecureString and keyId to a customer-managed KMS key.",
    ),
    resource_policy(
        "ecr-repository-kms",
        "Checks that ECR repositories encrypt images with KMS.",
        frozenset({"aws:ecr/repository:Repository"}),
        _ecr_kms,
        severity="medium",
        remediation="Set encryptionConfigurations to KMS with a customer-managed key.",
    ),
    resource_policy(
        "sns-topic-customer-managed-key",
        "Checks that SNS topics are encrypted with a customer-managed key (SNS.1).",
        frozenset({"aws:sns/topic:Topic"}),
        _cmk_property("kmsMasterKeyId", "the topic"),
        control="SNS.1",
        severity="medium",
        remediation="Set kmsMasterKeyId to a customer-managed KMS key.",
    ),
    resource_policy(
        "log-group-customer-managed-key",
        "Checks that CloudWatch log groups are encrypted with a customer-managed key.",
        frozenset({"aws:cloudwatch/logGroup:LogGroup"}),
        _cmk_property("kmsKeyId", "the log group"),
        severity="low",
        remediation="Set kmsKeyId to a KMS key whose policy lets logs.<region>.amazonaws.com use it.",
    ),
    resource_policy(
        "secret-customer-managed-key",
        "Checks that Secrets Manager secrets use a customer-managed key.",
        frozenset({"aws:secretsmanager/secret:Secret"}),
        _cmk_property("kmsKeyId", "the secret"),
        severity="medium",
        remediation="Set kmsKeyId to a customer-managed KMS key (and on each replica region).",
    ),
    resource_policy(
        "opensearch-encrypted",
        "Checks that OpenSearch domains encrypt at rest and node to node (Opensearch.1, Opensearch.3).",
        SEARCH_DOMAINS,
        _search_encryption,
        control="Opensearch.1",
        severity="high",
        level="mandatory",
        remediation="Set encryptAtRest.enabled with a kmsKeyId, and nodeToNodeEncryption.enabled.",
    ),
    resource_policy(
        "backup-vault-kms",
        "Checks that AWS Backup vaults encrypt recovery points with a customer-managed key.",
        frozenset({"aws:backup/vault:Vault"}),
        _cmk_property("kmsKeyArn", "the vault"),
        severity="medium",
        level="mandatory",
        remediation="Set kmsKeyArn to a customer-managed KMS key.",
    ),
    resource_policy(
        "kms-key-rotation",
        "Checks that symmetric customer-managed KMS keys rotate automatically (KMS.4).",
        frozenset({"aws:kms/key:Key"}),
        _kms_rotation,
        control="KMS.4",
        severity="medium",
        level="mandatory",
        remediation="Set enableKeyRotation: true (optionally rotationPeriodInDays).",
    ),
]
