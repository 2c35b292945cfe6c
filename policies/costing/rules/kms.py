"""KMS: keys per month and requests."""

from __future__ import annotations

from ..engine import Context, money, rule, unit_price
from ..model import Resource


@rule("aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey")
def _kms_key(r: Resource, c: Context) -> tuple[float, str]:
    monthly = c.p(r.region, "kms", "key")
    requests = c.usage["kmsRequestsTenThousands"]
    rate = c.p(r.region, "kms", "requests-10k")
    rotation = (
        " (rotation adds $1 a month after each of the first two rotations)"
        if r.props.get("enableKeyRotation")
        else ""
    )
    return (
        monthly + requests * rate,
        f"{money(monthly)}/key-month{rotation} + {requests:g}×10k requests × {unit_price(rate)}",
    )
