"""AWS Backup: warm storage per vault by the kind of resource backed up, cross-region copy transfer."""

from __future__ import annotations

from ..engine import Context, rule, unit_price
from ..model import Resource


def _backup_kinds(c: Context) -> dict[str, set[str]]:
    """Vault name → the kinds of resource (s3, rds, ...) whose recovery points land in it."""
    plans: dict[str, set[str]] = {}
    for sel in c.of_type("aws:backup/selection:Selection"):
        plan = c.related(sel, "planId", "aws:backup/plan:Plan")
        kinds = set()
        for arn in sel.props.get("resources") or []:
            parts = str(arn).split(":")
            if len(parts) > 2:
                kinds.add(parts[2])
        if plan is not None:
            plans.setdefault(plan.urn, set()).update(kinds)
    vaults: dict[str, set[str]] = {}
    for plan in c.of_type("aws:backup/plan:Plan"):
        kinds = plans.get(plan.urn, set())
        for rule_ in plan.props.get("rules") or []:
            vaults.setdefault(str(rule_.get("targetVaultName")), set()).update(kinds)
            for copy in rule_.get("copyActions") or []:
                dest = str(copy.get("destinationVaultArn") or "")
                vaults.setdefault(dest.rsplit(":", 1)[-1], set()).update(kinds)
    return vaults


@rule("aws:backup/vault:Vault")
def _vault(r: Resource, c: Context) -> tuple[float, str]:
    name = str(r.props.get("name") or r.name)
    gb, pattern = c.usage.lookup("backupGbStored", name)
    kinds = sorted(c.cached("backup-kinds", _backup_kinds).get(name, set())) or ["s3"]
    rates = {k: c.p(r.region, "backup", k) for k in kinds}
    kind = max(rates, key=lambda k: rates[k])
    return gb * rates[kind], (
        f"{gb:g} GB of recovery points (usage backupGbStored '{pattern}') × {unit_price(rates[kind])} "
        f"warm storage ({kind}{' and ' + ', '.join(k for k in kinds if k != kind) if len(kinds) > 1 else ''})"
    )


@rule("aws:backup/plan:Plan")
def _backup_plan(r: Resource, c: Context) -> tuple[float, str]:
    gb = c.usage["backupCopyGbPerMonth"]
    total = 0.0
    parts = []
    for rule_ in r.props.get("rules") or []:
        for copy in rule_.get("copyActions") or []:
            arn = str(copy.get("destinationVaultArn") or "")
            region = arn.split(":")[3] if arn.count(":") >= 4 else None
            if region and region != r.region:
                rate = c.p(r.region, "transfer.inter-region", region)
                total += gb * rate
                parts.append(f"{gb:g} GB/month copied to {region} × {unit_price(rate)}")
    return total, "; ".join(parts) if parts else "no cross-region copies: no charge of its own"
