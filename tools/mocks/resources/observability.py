"""Observability: CloudWatch logs, alarms, dashboards and EventBridge rules, SNS topics, Firehose streams."""

from __future__ import annotations

from tools.mocks.context import PARTITION, Builder, Ctx, named_arn, opaque


def _log_group(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    return name, {"name": name, "arn": c.arn("logs", f"log-group:{name}")}


def _alarm(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    return name, {"name": name, "arn": c.arn("cloudwatch", f"alarm:{name}")}


def _dashboard(c: Ctx) -> tuple[str, dict]:
    name = c.inputs.get("dashboardName") or c.auto_name()
    return name, {
        "dashboardName": name,
        "dashboardArn": f"arn:{PARTITION}:cloudwatch::{c.acct}:dashboard/{name}",
    }


def _event_rule(c: Ctx) -> tuple[str, dict]:
    """EventBridge rules live in pulumi-aws's cloudwatch module but their ARNs are EventBridge's: rule/<name>."""
    name = c.auto_name()
    return name, {"name": name, "arn": c.arn("events", f"rule/{name}")}


def _sns_topic(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    arn = c.arn("sns", name)
    return arn, {"name": name, "arn": arn}


def _firehose(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    arn = c.arn("firehose", f"deliverystream/{name}")
    return arn, {"name": name, "arn": arn}


# Type token → builder; EventBridge rules are in pulumi-aws's cloudwatch module.
BUILDERS: dict[str, Builder] = {
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter": opaque("cwlsf-"),
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": _firehose,
    "aws:sns/topic:Topic": _sns_topic,
    "aws:sns/topicSubscription:TopicSubscription": named_arn("sns", "subscription", sep="/"),
}
