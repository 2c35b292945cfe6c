"""SNS: publishes and email deliveries."""

from __future__ import annotations

from ..engine import Context, rule, unit_price
from ..model import Resource


@rule("aws:sns/topic:Topic")
def _topic(r: Resource, c: Context) -> tuple[float, str]:
    n = c.usage["snsPublishesMillions"]
    rate = c.p(r.region, "sns", "publishes-million")
    return n * rate, f"{n:g}M publishes × {unit_price(rate)}"


@rule("aws:sns/topicSubscription:TopicSubscription")
def _subscription(r: Resource, c: Context) -> tuple[float, str]:
    protocol = str(r.props.get("protocol") or "")
    n = c.usage["snsPublishesMillions"]
    if protocol in ("email", "email-json"):
        rate = c.p(r.region, "sns", "email-100k")
        return n * 10 * rate, f"{n:g}M email deliveries × {unit_price(rate)}/100k"
    return 0.0, f"{protocol or 'this'} delivery: no charge (SQS, Lambda and Firehose deliveries are free)"
