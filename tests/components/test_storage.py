"""The storage tier built alone from staging's settings without `storage.corsAllowedOrigins` (its default: no
origin). Every stack file lists the web app's origins, so no render builds the buckets without them."""

from __future__ import annotations

import pytest

from components.storage import Storage, StorageArgs
from settings import build_settings
from tests.components.alone import DR, PRIMARY, Built, build, region
from tests.test_settings import _DELETE, with_change

CORS = "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration"


@pytest.fixture(scope="module")
def without_origins() -> Built[Storage]:
    config = with_change("staging", "elite-locadora:storage", ["corsAllowedOrigins"], _DELETE)
    s = build_settings(config, "elite-locadora", "staging")
    assert s.storage.cors_allowed_origins == [], "the key's default: no origin"

    def construct() -> Storage:
        return Storage(
            "storage",
            StorageArgs(
                name_prefix=s.name_prefix,
                settings=s.storage,
                region=region(PRIMARY, "primary"),
                dr=region(DR, "dr"),
                protect=False,
            ),
        )

    return build(construct, stack="staging")


def test_without_origins_no_bucket_answers_a_cross_origin_request(without_origins: Built[Storage]) -> None:
    """S3 serves a cross-origin request only through a CORS rule, and a rule needs at least one AllowedOrigin
    (CORSRule, S3 API reference): with none configured, neither data bucket gets a CORS configuration, rather than
    an empty rule S3 refuses or a `*` that lets any site's scripts read the assets."""
    buckets = [b.state["bucket"] for b in without_origins.of_type("aws:s3/bucket:Bucket")]
    assert len(buckets) == 4, f"the assets bucket, its replica and their log buckets: {buckets}"
    assert not without_origins.of_type(CORS), [r.name for r in without_origins.of_type(CORS)]


def test_the_rest_of_the_data_buckets_does_not_depend_on_origins(without_origins: Built[Storage]) -> None:
    """Replication, versioning and the access logs are the same with or without origins: the assets bucket still
    replicates to the DR region's bucket under that region's key."""
    built = without_origins
    [rule] = built.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig").inputs["rules"]
    replica = built.one("aws:s3/bucket:Bucket", "storage-replica")
    assert rule["destination"]["bucket"] == replica.state["arn"]
    replica_key = built.one("aws:kms/key:Key", "storage-replica")
    assert rule["destination"]["encryptionConfiguration"]["replicaKmsKeyId"] == replica_key.state["arn"]
    assert replica.provider and "::dr::" in replica.provider, "the replica is created in the DR region"
    versioned = {v.inputs["bucket"] for v in built.of_type("aws:s3/bucketVersioning:BucketVersioning")}
    assert {built.one("aws:s3/bucket:Bucket", "storage-assets").id, replica.id} <= versioned
