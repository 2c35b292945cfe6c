"""ECR: image storage, and replicated copies in each destination region."""

from __future__ import annotations

from ..engine import Context, rule, unit_price
from ..model import Resource


@rule("aws:ecr/repository:Repository")
def _repository(r: Resource, c: Context) -> tuple[float, str]:
    gb = c.usage["ecrGbStored"]
    rate = c.p(r.region, "ecr", "storage")
    return gb * rate, f"{gb:g} GB of images × {unit_price(rate)}/GB-month"


@rule("aws:ecr/replicationConfiguration:ReplicationConfiguration")
def _ecr_replication(r: Resource, c: Context) -> tuple[float, str]:
    repos = [x for x in c.of_type("aws:ecr/repository:Repository") if x.region == r.region]
    gb = c.usage["ecrGbStored"]
    total = 0.0
    parts = []
    cfg = r.props.get("replicationConfiguration") or {}
    for rule_ in cfg.get("rules") or []:
        for dest in rule_.get("destinations") or []:
            region = str(dest.get("region") or "")
            storage = c.p(region, "ecr", "storage")
            transfer = c.p(r.region, "transfer.inter-region", region) if region != r.region else 0.0
            total += len(repos) * gb * (storage + transfer)
            parts.append(
                f"{len(repos)} repositories × {gb:g} GB stored in {region} × {unit_price(storage)} "
                f"+ transfer × {unit_price(transfer)}"
            )
    return total, "; ".join(parts) or "no destinations"
