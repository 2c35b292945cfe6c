"""Route 53: hosted zones with their queries, health checks."""

from __future__ import annotations

from ..engine import Context, money, rule, unit_price
from ..model import GLOBAL, Resource


@rule("aws:route53/zone:Zone")
def _zone(r: Resource, c: Context) -> tuple[float, str]:
    zone = c.p(GLOBAL, "route53", "hosted-zone")
    queries = c.usage["dnsQueriesMillions"]
    rate = c.p(GLOBAL, "route53", "queries-million")
    return (
        zone + queries * rate,
        f"hosted zone {money(zone)} + {queries:g}M standard queries × {unit_price(rate)}",
    )


@rule("aws:route53/healthCheck:HealthCheck")
def _health_check(r: Resource, c: Context) -> tuple[float, str]:
    rate = c.p(GLOBAL, "route53", "health-check")
    return rate, f"health check {money(rate)}/month"
