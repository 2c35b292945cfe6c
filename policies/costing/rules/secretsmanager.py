"""Secrets Manager: secrets (each replica priced in its region) and API calls."""

from __future__ import annotations

from ..engine import Context, money, rule, unit_price
from ..model import Resource


@rule("aws:secretsmanager/secret:Secret")
def _secret(r: Resource, c: Context) -> tuple[float, str]:
    replicas = r.props.get("replicas") or []
    copies = 1 + len(replicas)
    monthly = c.p(r.region, "secretsmanager", "secret")
    calls = c.usage["secretApiCallsTenThousands"]
    rate = c.p(r.region, "secretsmanager", "api-10k")
    total = monthly
    for replica in replicas:
        total += c.p(replica.get("region") or r.region, "secretsmanager", "secret")
    return total + calls * rate, (
        f"{copies} secret(s) (primary + {len(replicas)} replica(s), each in its region) × {money(monthly)}"
        f" + {calls:g}×10k API calls × {unit_price(rate)}"
    )
