"""RDS: DB instances (Multi-AZ doubles instance and storage; cross-region replicas pay the transfer)."""

from __future__ import annotations

from ..engine import Context, money, num, rule, unit_price
from ..model import Resource


@rule("aws:rds/instance:Instance")
def _rds_instance(r: Resource, c: Context) -> tuple[float, str]:
    p = r.props
    source = (
        c.related(r, "replicateSourceDb", "aws:rds/instance:Instance") if p.get("replicateSourceDb") else None
    )
    engine = str(p.get("engine") or (source.props.get("engine") if source else "") or "mysql").lower()
    engine = {"aurora-mysql": "aurora-mysql", "mariadb": "mariadb"}.get(engine, engine)
    klass = str(p.get("instanceClass"))
    az = 2 if p.get("multiAz") is True else 1
    hourly = c.p(r.region, f"rds.{engine}.instance", klass)
    compute = hourly * c.hours * az
    storage_gb = num(p.get("allocatedStorage"))
    if not storage_gb and source is not None:
        storage_gb = num(source.props.get("allocatedStorage"))
    storage_type = str(p.get("storageType") or (source.props.get("storageType") if source else "") or "gp3")
    gb_rate = c.p(r.region, "rds.storage", storage_type)
    storage = storage_gb * gb_rate * az
    parts = [
        f"{klass} {unit_price(hourly)}/h × {c.hours:g} h" + (" × 2 (Multi-AZ)" if az == 2 else ""),
        f"{storage_gb:g} GB {storage_type} × {unit_price(gb_rate)}" + (" × 2" if az == 2 else ""),
    ]
    extra = 0.0
    iops = num(p.get("iops"))
    baseline = 12000 if storage_gb >= 400 else 3000
    if storage_type == "gp3" and iops > baseline:
        rate = c.p(r.region, "rds.storage", "gp3-iops")
        extra += (iops - baseline) * rate * az
        parts.append(f"{iops - baseline:g} IOPS above baseline × {unit_price(rate)}")
    if source is not None and source.region and r.region and source.region != r.region:
        gb = c.usage["dbReplicationGbPerMonth"]
        rate = c.p(source.region, "transfer.inter-region", r.region)
        extra += gb * rate
        parts.append(
            f"replica in {r.region} (its own prices): {gb:g} GB/month from {source.region} × {unit_price(rate)}"
        )
    elif source is not None:
        parts.append("read replica")
    if p.get("manageMasterUserPassword") is True:
        secret = c.p(r.region, "secretsmanager", "secret")
        extra += secret
        parts.append(f"RDS-managed master secret {money(secret)}")
    if num(p.get("monitoringInterval")) > 0:
        gb = c.usage["enhancedMonitoringGb"]
        rate = c.p(r.region, "cloudwatch.logs", "ingestion-standard")
        extra += gb * rate
        parts.append(f"Enhanced Monitoring {gb:g} GB/month into RDSOSMetrics × {unit_price(rate)}")
    backup_gb = c.usage["rdsBackupGbBeyondFree"] if source is None else 0.0
    if backup_gb:
        rate = c.p(r.region, "rds.storage", "backup")
        extra += backup_gb * rate
        parts.append(f"{backup_gb:g} GB backup storage beyond the free 100% × {unit_price(rate)}")
    if num(p.get("performanceInsightsRetentionPeriod"), 7) > 7:
        parts.append("Performance Insights retention beyond 7 days is not priced here (free tier assumed)")
    return compute + storage + extra, "; ".join(parts)


@rule("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication")
def _rds_backup_replication(r: Resource, c: Context) -> tuple[float, str]:
    """Replicated automated backups: backup storage in the destination region (no free allowance there) plus the
    cross-region transfer of the snapshots and logs (RDS pricing, "Backup storage" and "Data transfer")."""
    stored = c.usage["rdsReplicatedBackupGbStored"]
    rate = c.p(r.region, "rds.storage", "backup")
    parts = [f"{stored:g} GB replicated backups in {r.region} × {unit_price(rate)}"]
    total = stored * rate
    source = c.related(r, "sourceDbInstanceArn", "aws:rds/instance:Instance")
    if source is not None and source.region and r.region and source.region != r.region:
        gb = c.usage["rdsReplicatedBackupGbPerMonth"]
        transfer = c.p(source.region, "transfer.inter-region", r.region)
        total += gb * transfer
        parts.append(f"{gb:g} GB/month from {source.region} × {unit_price(transfer)}")
    return total, "; ".join(parts)
