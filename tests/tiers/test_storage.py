"""The storage tier: the guide's assets bucket, private, KMS-encrypted, versioned, replicated to the DR region,
with the guide's backup lifecycle; customer documents are never readable by the public or through the CDN."""

from __future__ import annotations

import fnmatch
import json

import pytest

from settings import ConfigError, build_settings
from tests.render import Render
from tests.test_settings import with_change

BUCKET = "aws:s3/bucket:Bucket"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
KEY = "aws:kms/key:Key"
STORAGE_BUCKETS = ("storage-assets", "storage-replica", "storage-logs", "storage-dr-logs")

# Objects of every prefix of the guide's layout, by who may read them through a resource policy.
PUBLIC_OBJECTS = (
    "static/css/app.css",
    "static/js/app.js",
    "vehicles/images/42/main.jpg",
    "vehicles/images/42/gallery/1.jpg",
)
PRIVATE_OBJECTS = (
    "customers/documents/licenses/7/cnh.pdf",
    "customers/documents/contracts/7/2026-11.pdf",
    "customers/profile-images/7.jpg",
    "vehicles/documents/specifications/42.pdf",
    "backups/database/2026-11-25.sql.gz",
    "backups/application/2026-11-25.tar.gz",
)


def bucket(r: Render, name: str) -> dict:
    return r.one(BUCKET, name)


def attached(r: Render, token: str, b: dict) -> list[dict]:
    """The resources of `token` whose `bucket` input is this bucket."""
    return [x for x in r.of_type(token) if x["inputs"].get("bucket") == b["outputs"]["bucket"]]


def statements(policy_resource: dict) -> list[dict]:
    return json.loads(policy_resource["inputs"]["policy"])["Statement"]


def as_list(v) -> list:
    return v if isinstance(v, list) else [v]


def grants(statement: dict, obj_arn: str) -> bool:
    """Whether an Allow statement's Resource covers this object ARN."""
    return statement["Effect"] == "Allow" and any(
        fnmatch.fnmatchcase(obj_arn, pattern) for pattern in as_list(statement.get("Resource", []))
    )


# -- names and regions --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "stack,assets,replica",
    [
        ("prod", "elite-locadora-assets", "elite-locadora-assets-replica-us-west-2"),
        ("staging", "elite-locadora-staging-assets", "elite-locadora-staging-assets-replica-us-west-2"),
    ],
)
def test_assets_bucket_in_the_primary_region_and_replica_in_the_dr_region(
    render, stack: str, assets: str, replica: str
) -> None:
    r = render(stack)
    a, rep = bucket(r, "storage-assets"), bucket(r, "storage-replica")
    assert a["inputs"]["bucket"] == assets, f"stack {stack}: elite-locadora:storage.assetsBucketName"
    assert rep["inputs"]["bucket"] == replica, f"stack {stack}: elite-locadora:storage.replicaBucketName"
    assert a["region"] == "us-east-1", a["urn"]
    assert rep["region"] == "us-west-2" and rep["provider"].endswith("::dr"), f"{rep['urn']}: DR provider"
    assert bucket(r, "storage-dr-logs")["region"] == "us-west-2", (
        "S3 logs only to a bucket of the same region"
    )


@pytest.mark.parametrize("stack,protected", [("prod", True), ("staging", False)])
def test_buckets_and_keys_are_protected_in_prod_only(render, stack: str, protected: bool) -> None:
    r = render(stack)
    for name in STORAGE_BUCKETS:
        b = bucket(r, name)
        assert b["protect"] is protected and b["retainOnDelete"] is protected, b["urn"]
        assert b["inputs"]["forceDestroy"] is (not protected), b["urn"]
    for name in ("storage-assets", "storage-replica", "storage-logs", "storage-dr-logs"):
        k = r.one(KEY, name)
        assert k["protect"] is protected and k["inputs"]["enableKeyRotation"] is True, k["urn"]


# -- every bucket locked down ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", STORAGE_BUCKETS)
def test_every_bucket_is_private_versioned_and_owner_enforced(prod: Render, name: str) -> None:
    b = bucket(prod, name)
    [pab] = attached(prod, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", b)
    assert all(
        pab["inputs"][k] is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    ), pab["urn"]
    [own] = attached(prod, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", b)
    assert own["inputs"]["rule"]["objectOwnership"] == "BucketOwnerEnforced", own["urn"]
    [ver] = attached(prod, "aws:s3/bucketVersioning:BucketVersioning", b)
    assert ver["inputs"]["versioningConfiguration"]["status"] == "Enabled", ver["urn"]
    for x in (pab, own, ver):
        assert x["region"] == b["region"], f"{x['urn']} must use the bucket's regional provider"


@pytest.mark.parametrize(
    "name,key",
    [
        ("storage-assets", ("storage-assets", "us-east-1")),
        ("storage-replica", ("storage-replica", "us-west-2")),
        ("storage-logs", ("storage-logs", "us-east-1")),
        ("storage-dr-logs", ("storage-dr-logs", "us-west-2")),
    ],
)
def test_every_bucket_encrypts_with_a_customer_managed_key_of_its_region(
    prod: Render, name: str, key: tuple[str, str]
) -> None:
    b = bucket(prod, name)
    [sse] = attached(prod, SSE, b)
    [rule] = sse["inputs"]["rules"]
    k = prod.one(KEY, key[0])
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": k["outputs"]["arn"],
    }, f"{sse['urn']} must use key {k['urn']}"
    assert rule["bucketKeyEnabled"] is True, sse["urn"]
    assert rule["blockedEncryptionTypes"] == ["SSE-C"], (
        f"{sse['urn']}: no uploads with customer-provided keys"
    )
    assert k["region"] == key[1] == b["region"], f"{k['urn']}: a bucket can only use a key of its own region"


@pytest.mark.parametrize("name", STORAGE_BUCKETS)
def test_every_bucket_has_exactly_one_policy_and_it_denies_requests_without_tls(
    prod: Render, name: str
) -> None:
    b = bucket(prod, name)
    policies = attached(prod, POLICY, b)
    assert len(policies) == 1, f"{b['urn']}: one BucketPolicy resource per bucket, found {len(policies)}"
    [deny] = [s for s in statements(policies[0]) if s.get("Sid") == "DenyInsecureConnections"]
    arn = b["outputs"]["arn"]
    assert deny == {
        "Sid": "DenyInsecureConnections",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }, policies[0]["urn"]


# -- who may read which prefix ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_no_policy_statement_grants_public_or_cloudfront_read_of_private_prefixes(render, stack: str) -> None:
    r = render(stack)
    arn = bucket(r, "storage-assets")["outputs"]["arn"]
    for p in r.of_type(POLICY):
        for st in statements(p):
            principal = st.get("Principal")
            services = as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
            outsider = principal == "*" or (
                isinstance(principal, dict) and "*" in as_list(principal.get("AWS", []))
            )
            if not (outsider or "cloudfront.amazonaws.com" in services):
                continue
            for key in PRIVATE_OBJECTS:
                assert not grants(st, f"{arn}/{key}"), f"{p['urn']} statement {st.get('Sid')} grants {key}"


@pytest.mark.parametrize("name", ["storage-assets", "storage-replica"])
def test_only_this_distribution_reads_only_the_public_prefixes(prod: Render, name: str) -> None:
    b = bucket(prod, name)
    arn = b["outputs"]["arn"]
    [policy] = attached(prod, POLICY, b)
    by_sid = {s["Sid"]: s for s in statements(policy)}
    read = by_sid["CloudFrontReadsPublicPrefixes"]
    distribution = prod.one("aws:cloudfront/distribution:Distribution")["outputs"]["arn"]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"} and read["Action"] == "s3:GetObject"
    assert read["Condition"] == {"StringEquals": {"AWS:SourceArn": distribution}}, policy["urn"]
    for key in PUBLIC_OBJECTS:
        assert grants(read, f"{arn}/{key}"), f"{policy['urn']}: CloudFront must read {key}"
    # A Deny for CloudFront on everything but the public prefixes: customer documents stay out even if a broader
    # Allow is added later.
    deny = by_sid["DenyCloudFrontOutsidePublicPrefixes"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert sorted(deny["NotResource"]) == sorted(read["Resource"]), policy["urn"]
    assert not any(fnmatch.fnmatchcase(f"{arn}/{k}", p) for k in PRIVATE_OBJECTS for p in deny["NotResource"])


def test_public_prefixes_overlapping_customer_data_are_refused_at_config_time() -> None:
    cfg = with_change(
        "prod", "elite-locadora:storage", ["publicPrefixes"], ["static/", "customers/profile-images/"]
    )
    with pytest.raises(
        ConfigError,
        match=r"stack 'prod'.*'elite-locadora:storage.publicPrefixes'.*customers/profile-images/ overlaps customers/",
    ):
        build_settings(cfg, "elite-locadora", "prod")


@pytest.mark.parametrize(
    "key,value,message",
    [
        (
            "assetsBucketName",
            "Elite.Locadora.Assets",
            r"'elite-locadora:storage.assetsBucketName' = 'Elite.Locadora.Assets'.*S3 bucket name",
        ),
        (
            "transitionToGlacierDays",
            45,
            r"'elite-locadora:storage.transitionToGlacierDays'.*30 days in STANDARD_IA",
        ),
        (
            "transitionToIaDays",
            7,
            r"'elite-locadora:storage.transitionToIaDays' = 7.*greater than or equal to 30",
        ),
        (
            "backupExpirationDays",
            60,
            r"'elite-locadora:storage.backupExpirationDays'.*after transitionToGlacierDays",
        ),
        (
            "replicaBucketName",
            "elite-locadora-staging-assets",
            r"'elite-locadora:storage.replicaBucketName'.*differ",
        ),
        (
            "replicaStorageClass",
            "REDUCED_REDUNDANCY",
            r"'elite-locadora:storage.replicaStorageClass' = 'REDUCED_REDUNDANCY'",
        ),
        (
            "corsAllowedOrigins",
            ["http://app.staging.elitelocadora.com"],
            r"'elite-locadora:storage.corsAllowedOrigins\[0\]' = 'http://app.staging.elitelocadora.com'.*https://",
        ),
        (
            "backupPrefixes",
            ["backups"],
            r"'elite-locadora:storage.backupPrefixes\[0\]' = 'backups'.*ending in '/'",
        ),
    ],
)
def test_bad_storage_values_fail_naming_the_key(key: str, value, message: str) -> None:
    cfg = with_change("staging", "elite-locadora:storage", [key], value)
    with pytest.raises(ConfigError, match=rf"stack 'staging'.*{message}"):
        build_settings(cfg, "elite-locadora", "staging")


@pytest.mark.parametrize(
    "stack,domain", [("prod", "elitelocadora.com"), ("staging", "staging.elitelocadora.com")]
)
def test_only_our_web_origins_may_fetch_assets_cross_origin_and_only_read(
    render, stack: str, domain: str
) -> None:
    r = render(stack)
    [cors] = attached(
        r, "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration", bucket(r, "storage-assets")
    )
    [rule] = cors["inputs"]["corsRules"]
    assert rule["allowedOrigins"] == [
        f"https://app.{domain}",
        f"https://www.{domain}",
        f"https://{domain}",
    ], f"stack {stack}: elite-locadora:storage.corsAllowedOrigins"
    assert rule["allowedMethods"] == ["GET", "HEAD"], f"{cors['urn']}: the browser never writes through CORS"
    [dr] = attached(r, "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration", bucket(r, "storage-replica"))
    assert dr["inputs"]["corsRules"] == cors["inputs"]["corsRules"], (
        f"{dr['urn']}: the failover origin answers alike"
    )


# -- lifecycle ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack,noncurrent", [("prod", 90), ("staging", 30)])
@pytest.mark.parametrize("name", ["storage-assets", "storage-replica"])
def test_guide_lifecycle_on_backups_and_cleanup_everywhere(
    render, stack: str, noncurrent: int, name: str
) -> None:
    r = render(stack)
    b = bucket(r, name)
    [lc] = attached(r, LIFECYCLE, b)
    rules = {x["filter"]["prefix"]: x for x in lc["inputs"]["rules"]}
    for prefix in ("backups/database/", "backups/application/"):
        rule = rules[prefix]
        assert rule["status"] == "Enabled", lc["urn"]
        assert rule["transitions"] == [
            {"days": 30, "storageClass": "STANDARD_IA"},
            {"days": 90, "storageClass": "GLACIER"},
        ], f"{lc['urn']} {prefix}: the guide's IA after 30 days, GLACIER after 90"
        assert rule["expiration"] == {"days": 2555}, f"{lc['urn']} {prefix}: the guide's 7 years"
    everything = rules[""]
    assert everything["noncurrentVersionExpiration"] == {"noncurrentDays": noncurrent}, (
        f"stack {stack}: elite-locadora:storage.noncurrentVersionExpirationDays"
    )
    assert everything["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}, lc["urn"]
    assert everything["expiration"] == {"expiredObjectDeleteMarker": True}, lc["urn"]
    assert "transitions" not in everything, f"{lc['urn']}: only backups change storage class"
    versioning = attached(r, "aws:s3/bucketVersioning:BucketVersioning", b)[0]
    assert versioning["urn"] in lc["dependsOn"], f"{lc['urn']} waits for versioning"


@pytest.mark.parametrize("stack,days", [("prod", 365), ("staging", 30)])
def test_log_buckets_expire_their_logs(render, stack: str, days: int) -> None:
    r = render(stack)
    for name in ("storage-logs", "storage-dr-logs"):
        [lc] = attached(r, LIFECYCLE, bucket(r, name))
        [rule] = lc["inputs"]["rules"]
        assert rule["expiration"] == {"days": days}, (
            f"stack {stack}: elite-locadora:storage.accessLogExpirationDays"
        )


# -- replication ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack,storage_class", [("prod", "STANDARD"), ("staging", "STANDARD_IA")])
def test_assets_replicate_to_the_dr_bucket_re_encrypted_with_the_dr_key(
    render, stack: str, storage_class: str
) -> None:
    r = render(stack)
    assets, replica = bucket(r, "storage-assets"), bucket(r, "storage-replica")
    repl = r.one(REPLICATION)
    assert repl["inputs"]["bucket"] == assets["outputs"]["bucket"]
    assert repl["inputs"]["role"] == r.one("aws:iam/role:Role", "storage-replication")["outputs"]["arn"]
    [rule] = repl["inputs"]["rules"]
    assert rule["status"] == "Enabled" and rule["filter"] == {"prefix": ""}, repl["urn"]
    assert rule["sourceSelectionCriteria"] == {"sseKmsEncryptedObjects": {"status": "Enabled"}}, repl["urn"]
    dest = rule["destination"]
    dr_key = r.one(KEY, "storage-replica")
    assert dest["bucket"] == replica["outputs"]["arn"], repl["urn"]
    assert dest["encryptionConfiguration"] == {"replicaKmsKeyId": dr_key["outputs"]["arn"]}, repl["urn"]
    assert dr_key["region"] == "us-west-2", dr_key["urn"]
    assert dest["storageClass"] == storage_class, f"stack {stack}: elite-locadora:storage.replicaStorageClass"
    versionings = {
        v["urn"]
        for b in (assets, replica)
        for v in attached(r, "aws:s3/bucketVersioning:BucketVersioning", b)
    }
    assert versionings <= set(repl["dependsOn"]), f"{repl['urn']}: S3 needs both buckets versioned first"


def test_replication_role_is_least_privilege(prod: Render) -> None:
    role = prod.one("aws:iam/role:Role", "storage-replication")
    trust = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]
    assert trust == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        }
    ], role["urn"]
    policy = prod.one("aws:iam/rolePolicy:RolePolicy", "storage-replication")
    assert policy["inputs"]["role"] == role["outputs"]["id"]
    src, dst = (
        bucket(prod, "storage-assets")["outputs"]["arn"],
        bucket(prod, "storage-replica")["outputs"]["arn"],
    )
    src_key, dst_key = (
        prod.one(KEY, "storage-assets")["outputs"]["arn"],
        prod.one(KEY, "storage-replica")["outputs"]["arn"],
    )
    by_sid = {s["Sid"]: s for s in statements(policy)}
    for st in by_sid.values():
        assert st["Effect"] == "Allow" and "*" not in as_list(st["Resource"]), f"{policy['urn']} {st['Sid']}"
        assert not any(a.endswith("*") for a in as_list(st["Action"])), (
            f"{policy['urn']} {st['Sid']}: no wildcards"
        )
    assert by_sid["ReadSourceVersions"]["Resource"] == f"{src}/*"
    assert by_sid["WriteReplicas"]["Resource"] == f"{dst}/*"
    assert (
        by_sid["DecryptSource"]["Resource"] == src_key and by_sid["DecryptSource"]["Action"] == "kms:Decrypt"
    )
    assert by_sid["DecryptSource"]["Condition"]["StringEquals"] == {
        "kms:ViaService": "s3.us-east-1.amazonaws.com"
    }
    assert by_sid["EncryptReplica"]["Resource"] == dst_key
    assert by_sid["EncryptReplica"]["Condition"]["StringEquals"] == {
        "kms:ViaService": "s3.us-west-2.amazonaws.com"
    }


# -- access logs ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "source,target", [("storage-assets", "storage-logs"), ("storage-replica", "storage-dr-logs")]
)
def test_server_access_logs_go_to_the_log_bucket_of_the_same_region(
    prod: Render, source: str, target: str
) -> None:
    src, logs = bucket(prod, source), bucket(prod, target)
    [logging] = attached(prod, "aws:s3/bucketLogging:BucketLogging", src)
    assert logging["inputs"]["targetBucket"] == logs["outputs"]["bucket"], logging["urn"]
    assert logging["inputs"]["targetPrefix"].startswith("s3/") and logging["region"] == logs["region"]
    [policy] = attached(prod, POLICY, logs)
    [writer] = [s for s in statements(policy) if s["Sid"] == "S3ServerAccessLogsWrite"]
    assert (
        writer["Principal"] == {"Service": "logging.s3.amazonaws.com"} and writer["Action"] == "s3:PutObject"
    )
    assert writer["Condition"]["ArnLike"] == {"aws:SourceArn": src["outputs"]["arn"]}, policy["urn"]
    assert writer["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}, policy["urn"]
    key_policy = json.loads(prod.one(KEY, target)["inputs"]["policy"])
    [service] = [s for s in key_policy["Statement"] if s["Sid"] == "S3ServerAccessLoggingEncrypts"]
    assert service["Principal"] == {"Service": "logging.s3.amazonaws.com"}, target
    # The source bucket's logging only, as the bucket policy scopes it (#15 item 5).
    assert service["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": src["outputs"]["arn"]},
    }, target


def test_storage_passes_the_policy_pack(prod: Render, staging: Render) -> None:
    for r in (prod, staging):
        mine = [
            v for v in r.violations if v["urn"] and ("storage:Storage" in v["urn"] or "cdn:Cdn" in v["urn"])
        ]
        assert not mine, f"stack {r.stack}: " + "; ".join(f"{v['policy']}: {v['message']}" for v in mine)
