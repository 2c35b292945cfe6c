"""The storage tier's policy documents (components/storage_policies.py) and the TLS statement every bucket policy
shares (components/iam.py), without a render: what CloudFront may read, which key each region's S3 may use."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase

from components.iam import deny_insecure_transport
from components.storage_policies import assets_bucket_policy, replication_policy

BUCKET = "arn:aws:s3:::assets"
DISTRIBUTION = "arn:aws:cloudfront::123456789012:distribution/E1"


def statements(doc: str) -> dict[str, dict]:
    return {s["Sid"]: s for s in json.loads(doc)["Statement"]}


def test_tls_statement_covers_the_bucket_and_every_object() -> None:
    st = deny_insecure_transport(BUCKET)
    assert (st["Effect"], st["Principal"], st["Action"]) == ("Deny", "*", "s3:*")
    assert st["Resource"] == [BUCKET, f"{BUCKET}/*"]
    assert st["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny_insecure_transport(BUCKET, sid="Other")["Sid"] == "Other"


def test_cloudfront_reads_the_public_prefixes_of_this_distribution_only() -> None:
    by_sid = statements(assets_bucket_policy(BUCKET, DISTRIBUTION, ["static/", "vehicles/images/"]))
    read, fence = by_sid["CloudFrontReadsPublicPrefixes"], by_sid["DenyCloudFrontOutsidePublicPrefixes"]
    assert read["Condition"] == {"StringEquals": {"AWS:SourceArn": DISTRIBUTION}}

    def readable(key: str) -> bool:
        allowed = any(fnmatchcase(f"{BUCKET}/{key}", r) for r in read["Resource"])
        denied = not any(fnmatchcase(f"{BUCKET}/{key}", r) for r in fence["NotResource"])
        return allowed and not denied

    assert readable("static/app.js") and readable("vehicles/images/1.jpg")
    for private in ("customers/42/cnh.pdf", "backups/db.sql", "vehicles/documents/crlv.pdf"):
        assert not readable(private), private
    assert "DenyInsecureConnections" in by_sid


def test_replication_uses_each_regions_key_through_that_regions_s3_only() -> None:
    by_sid = statements(
        replication_policy(
            BUCKET, "arn:aws:s3:::replica", "arn:src-key", "arn:dr-key", "us-east-1", "us-west-2"
        )
    )
    decrypt, encrypt = by_sid["DecryptSource"], by_sid["EncryptReplica"]
    assert (decrypt["Resource"], decrypt["Condition"]["StringEquals"]["kms:ViaService"]) == (
        "arn:src-key",
        "s3.us-east-1.amazonaws.com",
    )
    assert (encrypt["Resource"], encrypt["Condition"]["StringEquals"]["kms:ViaService"]) == (
        "arn:dr-key",
        "s3.us-west-2.amazonaws.com",
    )
    assert by_sid["WriteReplicas"]["Resource"] == "arn:aws:s3:::replica/*"
