"""S3: storage by the class replication writes, and cross-region replication transfer."""

from __future__ import annotations

from ..engine import Context, rule, unit_price
from ..model import Resource


def _replica_classes(c: Context) -> dict[str, str]:
    """Buckets that receive replicas → the storage class replication writes them in."""
    out: dict[str, str] = {}
    for cfg in c.of_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig"):
        for rule_ in cfg.props.get("rules") or []:
            dest = rule_.get("destination") or {}
            bucket = str(dest.get("bucket") or "")
            name = bucket.split(":::")[-1]
            out[name] = str(dest.get("storageClass") or "STANDARD")
    return out


@rule("aws:s3/bucket:Bucket")
def _bucket(r: Resource, c: Context) -> tuple[float, str]:
    name = str(r.props.get("bucket") or r.props.get("bucketPrefix") or r.name)
    gb, pattern = c.usage.lookup("s3GbStored", name)
    klass = c.cached("replica-classes", _replica_classes).get(name, "STANDARD")
    rate = c.p(r.region, "s3.storage", klass)
    why = " (replication writes this class)" if klass != "STANDARD" else ""
    return gb * rate, f"{gb:g} GB (usage s3GbStored '{pattern}') × {klass} {unit_price(rate)}/GB-month{why}"


@rule("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
def _replication(r: Resource, c: Context) -> tuple[float, str]:
    gb = c.usage["s3ReplicationGbPerMonth"]
    total = 0.0
    parts = []
    for rule_ in r.props.get("rules") or []:
        dest = str((rule_.get("destination") or {}).get("bucket") or "")
        target = c.find(dest.split(":::")[-1], "aws:s3/bucket:Bucket")
        region = target.region if target is not None else None
        if region is None or region == r.region:
            parts.append(f"same-region copy to {dest.split(':::')[-1] or '?'}: no transfer charge")
            continue
        rate = c.p(r.region, "transfer.inter-region", region)
        total += gb * rate
        parts.append(f"{gb:g} GB/month to {region} × {unit_price(rate)}")
    return total, "cross-region replication transfer: " + ("; ".join(parts) or "no rules")
