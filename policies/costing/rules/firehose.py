"""Amazon Data Firehose: GB ingested, plus VPC delivery where the destination is in a VPC."""

from __future__ import annotations

from ..engine import Context, rule, unit_price
from ..model import Resource


@rule("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream")
def _firehose(r: Resource, c: Context) -> tuple[float, str]:
    name = str(r.props.get("name") or r.name)
    gb, pattern = c.usage.lookup("firehoseGbIngested", name)
    rate = c.p(r.region, "firehose", "ingestion")
    total = gb * rate
    basis = f"{gb:g} GB ingested (usage firehoseGbIngested '{pattern}') × {unit_price(rate)}"
    for key in ("opensearchConfiguration", "elasticsearchConfiguration", "httpEndpointConfiguration"):
        vpc = (r.props.get(key) or {}).get("vpcConfig")
        if vpc:
            azs = len(vpc.get("subnetIds") or []) or 1
            vpc_gb = c.p(r.region, "firehose", "vpc-delivery")
            vpc_h = c.p(r.region, "firehose", "vpc-az-hour")
            total += gb * vpc_gb + azs * vpc_h * c.hours
            basis += f" + VPC delivery {gb:g} GB × {unit_price(vpc_gb)} + {azs} AZ(s) × {unit_price(vpc_h)}/h × {c.hours:g} h"
    return total, basis
