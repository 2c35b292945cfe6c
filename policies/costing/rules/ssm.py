"""Systems Manager Parameter Store: Advanced-tier parameters (Standard is free)."""

from __future__ import annotations

from ..engine import Context, money, rule
from ..model import Resource


@rule("aws:ssm/parameter:Parameter")
def _ssm_parameter(r: Resource, c: Context) -> tuple[float, str]:
    if str(r.props.get("tier") or "Standard") == "Advanced":
        monthly = c.p(r.region, "ssm", "advanced-parameter")
        return monthly, f"Advanced-tier parameter {money(monthly)}/month"
    return 0.0, "Standard-tier parameter: no charge"
