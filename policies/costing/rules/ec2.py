"""EC2 networking: NAT gateways, public IPv4 addresses, Site-to-Site VPN, flow logs."""

from __future__ import annotations

from ..engine import Context, rule, unit_price
from ..model import Resource


@rule("aws:ec2/natGateway:NatGateway")
def _nat(r: Resource, c: Context) -> tuple[float, str]:
    hourly = c.p(r.region, "ec2.nat-gateway", "hour")
    gb_rate = c.p(r.region, "ec2.nat-gateway", "gb")
    gb = c.usage["natGbProcessed"]
    return hourly * c.hours + gb * gb_rate, (
        f"{unit_price(hourly)}/h × {c.hours:g} h + {gb:g} GB processed × {unit_price(gb_rate)} (its Elastic IP priced apart)"
    )


@rule("aws:ec2/eip:Eip")
def _eip(r: Resource, c: Context) -> tuple[float, str]:
    hourly = c.p(r.region, "ec2.public-ipv4", "address")
    return hourly * c.hours, f"public IPv4 address {unit_price(hourly)}/h × {c.hours:g} h"


@rule("aws:ec2/vpnConnection:VpnConnection")
def _vpn(r: Resource, c: Context) -> tuple[float, str]:
    hourly = c.p(r.region, "vpn.site-to-site", "connection")
    return hourly * c.hours, f"VPN connection {unit_price(hourly)}/h × {c.hours:g} h"


@rule("aws:ec2/flowLog:FlowLog")
def _flow_log(r: Resource, c: Context) -> tuple[float, str]:
    if str(r.props.get("logDestinationType") or "cloud-watch-logs") == "cloud-watch-logs":
        return 0.0, "delivered to CloudWatch Logs: priced as its log group's ingestion"
    gb, pattern = c.usage.lookup("logGbIngested", str(r.props.get("tags", {}).get("Name") or r.name))
    rate = c.p(r.region, "cloudwatch.logs", "vended-to-s3")
    return gb * rate, f"{gb:g} GB vended to S3 (usage logGbIngested '{pattern}') × {unit_price(rate)}"
