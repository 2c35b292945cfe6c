"""Elastic Load Balancing: hours, LCUs, and for internet-facing ones public IPv4 per AZ and data out."""

from __future__ import annotations

from ..engine import Context, rule, unit_price
from ..model import Resource
from ..prices import MissingPrice


@rule("aws:lb/loadBalancer:LoadBalancer")
def _load_balancer(r: Resource, c: Context) -> tuple[float, str]:
    kind = str(r.props.get("loadBalancerType") or "application")
    group = {"application": "elb.application", "network": "elb.network"}.get(kind)
    if group is None:
        raise MissingPrice(f"no price for {kind} load balancers")
    hourly = c.p(r.region, group, "hour")
    lcu_rate = c.p(r.region, group, "lcu")
    lcu = c.usage["albLcu"]
    total = hourly * c.hours + lcu * lcu_rate * c.hours
    basis = f"{kind} {unit_price(hourly)}/h × {c.hours:g} h + {lcu:g} LCU × {unit_price(lcu_rate)}/h"
    if r.props.get("internal") is not True:
        nodes = len(r.props.get("subnets") or []) or len(r.props.get("subnetMappings") or []) or 2
        ip_rate = c.p(r.region, "ec2.public-ipv4", "address")
        total += nodes * ip_rate * c.hours
        basis += f" + {nodes} public IPv4 (one per AZ) × {unit_price(ip_rate)}/h"
        gb = c.usage["albGbOut"]
        out_rate = c.p(r.region, "transfer.internet", "out")
        total += gb * out_rate
        basis += f" + {gb:g} GB out to the internet × {unit_price(out_rate)}"
    return total, basis
