"""SQS: requests."""

from __future__ import annotations

from ..engine import Context, rule, unit_price
from ..model import Resource


@rule("aws:sqs/queue:Queue")
def _queue(r: Resource, c: Context) -> tuple[float, str]:
    n = c.usage["sqsRequestsMillions"]
    rate = c.p(r.region, "sqs", "requests-million")
    return n * rate, f"{n:g}M requests × {unit_price(rate)}"
