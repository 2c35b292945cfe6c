"""VPC endpoints: interface endpoints per AZ-hour and GB; gateway endpoints are free."""

from __future__ import annotations

from ..engine import Context, rule, unit_price
from ..model import Resource
from ..prices import MissingPrice


@rule("aws:ec2/vpcEndpoint:VpcEndpoint")
def _endpoint(r: Resource, c: Context) -> tuple[float, str]:
    kind = str(r.props.get("vpcEndpointType") or "Gateway")
    if kind == "Gateway":
        return 0.0, "gateway endpoint: no charge"
    if kind != "Interface":
        raise MissingPrice(f"no price for {kind} endpoints")
    azs = len(r.props.get("subnetIds") or []) or len(r.props.get("subnetConfigurations") or []) or 1
    hourly = c.p(r.region, "vpc.interface-endpoint", "endpoint-az")
    gb_rate = c.p(r.region, "vpc.interface-endpoint", "gb")
    gb = c.usage["endpointGbProcessed"]
    return azs * hourly * c.hours + gb * gb_rate, (
        f"interface endpoint in {azs} AZ(s) × {unit_price(hourly)}/h × {c.hours:g} h + {gb:g} GB × {unit_price(gb_rate)}"
    )
