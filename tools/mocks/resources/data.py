"""Data stores: RDS, ElastiCache, S3, OpenSearch, SQS and AWS Backup."""

from __future__ import annotations

from tools.mocks.context import (
    PARTITION,
    REGION_CODE,
    Builder,
    Ctx,
    digest,
    named_arn,
    opaque,
    upper_digest,
    uuid_of,
)


def _rds_instance(c: Ctx) -> tuple[str, dict]:
    ident = (
        c.inputs.get("identifier")
        if isinstance(c.inputs.get("identifier"), str)
        else f"{c.name}{digest(c.seed, n=7)}"
    )
    code = digest(c.seed, n=12)
    address = f"{ident}.{code}.{c.region}.rds.amazonaws.com"
    port = c.inputs.get("port") or 3306
    out = {
        "identifier": ident,
        "arn": c.arn("rds", f"db:{ident}"),
        "address": address,
        "endpoint": f"{address}:{port}",
        "port": port,
        "resourceId": f"db-{upper_digest(c.seed, n=26)}",
        "hostedZoneId": "Z2R2ITUGPM61AM",
        "status": "available",
    }
    if c.inputs.get("manageMasterUserPassword"):
        secret = c.arn("secretsmanager", f"secret:rds!db-{uuid_of(c.seed)}-{digest(c.seed, n=6)}")
        out["masterUserSecrets"] = [
            {
                "secretArn": secret,
                "kmsKeyId": c.inputs.get("masterUserSecretKmsKeyId"),
                "secretStatus": "active",
            }
        ]
    return ident, out


def _rds_cluster(c: Ctx) -> tuple[str, dict]:
    ident = c.inputs.get("clusterIdentifier") or f"{c.name}-{digest(c.seed, n=7)}"
    code = digest(c.seed, n=12)
    return ident, {
        "clusterIdentifier": ident,
        "arn": c.arn("rds", f"cluster:{ident}"),
        "endpoint": f"{ident}.cluster-{code}.{c.region}.rds.amazonaws.com",
        "readerEndpoint": f"{ident}.cluster-ro-{code}.{c.region}.rds.amazonaws.com",
        "clusterResourceId": f"cluster-{upper_digest(c.seed, n=26)}",
    }


def _replication_group(c: Ctx) -> tuple[str, dict]:
    rid = c.inputs.get("replicationGroupId") or f"{c.name}-{digest(c.seed, n=7)}"
    code = digest(c.seed, n=6)
    rc = REGION_CODE.get(c.region, c.region)
    n = int(c.inputs.get("numCacheClusters") or 1)
    return rid, {
        "replicationGroupId": rid,
        "arn": c.arn("elasticache", f"replicationgroup:{rid}"),
        "primaryEndpointAddress": f"master.{rid}.{code}.{rc}.cache.amazonaws.com",
        "readerEndpointAddress": f"replica.{rid}.{code}.{rc}.cache.amazonaws.com",
        "port": c.inputs.get("port") or 6379,
        "memberClusters": [f"{rid}-{i + 1:03d}" for i in range(n)],
    }


def _bucket(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name("bucket", limit=63).lower()
    return name, {
        "bucket": name,
        "arn": f"arn:{PARTITION}:s3:::{name}",
        "bucketDomainName": f"{name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{name}.s3.{c.region}.amazonaws.com",
        "region": c.region,
        "hostedZoneId": "Z3AQBSTGFYJSTF",
    }


def _search_domain(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name("domainName", limit=28)
    code = digest(c.seed, n=26)
    vpc = "vpc-" if c.inputs.get("vpcOptions") else "search-"
    return name, {
        "domainName": name,
        "arn": c.arn("es", f"domain/{name}"),
        "domainId": f"{c.acct}/{name}",
        "endpoint": f"{vpc}{name}-{code}.{c.region}.es.amazonaws.com",
        "dashboardEndpoint": f"{vpc}{name}-{code}.{c.region}.es.amazonaws.com/_dashboards",
    }


def _sqs_queue(c: Ctx) -> tuple[str, dict]:
    """SQS identifies a queue by its URL; the ARN names the queue."""
    name = c.auto_name()
    url = f"https://sqs.{c.region}.amazonaws.com/{c.acct}/{name}"
    return url, {"name": name, "url": url, "arn": c.arn("sqs", name)}


def _backup_vault(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    return name, {"name": name, "arn": c.arn("backup", f"backup-vault:{name}"), "recoveryPoints": 0}


def _backup_plan(c: Ctx) -> tuple[str, dict]:
    rid = uuid_of(c.seed)
    return rid, {"arn": c.arn("backup", f"backup-plan:{rid}"), "version": digest(c.seed, n=32)}


# Type token → builder for RDS, ElastiCache, S3, OpenSearch (and its elasticsearch alias), SQS, Backup.
BUILDERS: dict[str, Builder] = {
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/cluster:Cluster": _rds_cluster,
    "aws:rds/subnetGroup:SubnetGroup": named_arn("rds", "subgrp"),
    "aws:rds/parameterGroup:ParameterGroup": named_arn("rds", "pg"),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": named_arn("rds", "cluster-pg"),
    "aws:rds/optionGroup:OptionGroup": named_arn("rds", "og"),
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:elasticache/subnetGroup:SubnetGroup": named_arn("elasticache", "subnetgroup"),
    "aws:elasticache/parameterGroup:ParameterGroup": named_arn("elasticache", "parametergroup"),
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:sqs/queue:Queue": _sqs_queue,
    "aws:opensearch/domain:Domain": _search_domain,
    "aws:elasticsearch/domain:Domain": _search_domain,
    "aws:backup/vault:Vault": _backup_vault,
    "aws:backup/plan:Plan": _backup_plan,
    "aws:backup/selection:Selection": opaque("selection-"),
}
