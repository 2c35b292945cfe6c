"""Service principals in topic and key policies act only for this stack's own sources (#15 item 5): with
`aws:SourceAccount` alone, a staging alarm or rule in a shared account could publish to prod's topic and use prod's
logs key. Every Allow statement to a service principal names its source (`aws:SourceArn`, or for CloudWatch Logs
the log group's encryption context), except where AWS documents that the service sends no source, listed with why."""

from __future__ import annotations

import fnmatch
import json

import pytest

from tests.render import Render

POLICY_INPUT = {"aws:sns/topicPolicy:TopicPolicy": "policy", "aws:kms/key:Key": "policy"}
# (resource type, service principal, statement Sid) → why no source key can be required there.
NO_SOURCE_KEY = {
    (
        "aws:kms/key:Key",
        "events.amazonaws.com",
    ): "EventBridge delivering to an encrypted SNS topic: AWS documents "
    "that aws:SourceArn/aws:SourceAccount are not supported in that key policy (owned by the EventBridge change)",
    (
        "aws:kms/key:Key",
        "dnssec-route53.amazonaws.com",
        "Route53DnssecCreatesGrant",
    ): "AWS documents the DNSSEC "
    "grant statement with kms:GrantIsForAWSResource only; the signing statement carries the zone's ARN",
}
SOURCE_KEYS = ("aws:sourcearn", "kms:encryptioncontext:aws:logs:arn")


def _service_statements(r: Render):
    for res in r.of_type(*POLICY_INPUT):
        text = res["inputs"].get(POLICY_INPUT[res["type"]])
        if not isinstance(text, str):
            continue  # a key with AWS's default policy (the account only): no service principal in it
        doc = json.loads(text)
        for st in doc["Statement"]:
            if st["Effect"] != "Allow" or "Service" not in st.get("Principal", {}):
                continue
            services = st["Principal"]["Service"]
            for service in [services] if isinstance(services, str) else services:
                yield res, service, st


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_every_service_principal_in_topic_and_key_policies_names_its_source(render, stack: str) -> None:
    r = render(stack)
    loose = []
    for res, service, st in _service_statements(r):
        if (res["type"], service) in NO_SOURCE_KEY or (res["type"], service, st.get("Sid")) in NO_SOURCE_KEY:
            continue
        keys = {k.lower() for op in st.get("Condition", {}).values() for k in op}
        if not keys & set(SOURCE_KEYS):
            loose.append(f"{res['urn']}: {service} ({st.get('Sid')}) conditions {sorted(keys)}")
    assert not loose, f"stack {stack}: service principals trusted without their source:\n" + "\n".join(loose)


def _topic_condition(r: Render, topic: dict, service: str) -> str:
    policy = next(
        p
        for p in r.of_type("aws:sns/topicPolicy:TopicPolicy")
        if p["inputs"]["arn"] == topic["outputs"]["arn"]
    )
    [st] = [
        s
        for s in json.loads(policy["inputs"]["policy"])["Statement"]
        if s["Principal"] == {"Service": service}
    ]
    return st["Condition"]["ArnLike"]["aws:SourceArn"]


def test_the_alarm_topic_admits_every_alarm_and_rule_of_its_stack_and_none_of_another(prod: Render) -> None:
    topic = prod.one("aws:sns/topic:Topic", "operations-alarms")
    alarms = _topic_condition(prod, topic, "cloudwatch.amazonaws.com")
    rules = _topic_condition(prod, topic, "events.amazonaws.com")
    publishing = [
        a["outputs"]["arn"]
        for a in prod.of_type(
            "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm"
        )
        if topic["outputs"]["arn"] in (a["inputs"].get("alarmActions") or [])
    ]
    assert publishing, "prod: alarms notify the topic"
    denied = [arn for arn in publishing if not fnmatch.fnmatchcase(arn, alarms)]
    assert not denied, f"{topic['urn']}: the topic policy ({alarms}) would refuse these alarms: {denied}"
    targets = {
        t["inputs"]["rule"]
        for t in prod.of_type("aws:cloudwatch/eventTarget:EventTarget")
        if t["inputs"]["arn"] == topic["outputs"]["arn"]
    }
    rule_arns = [
        x["outputs"]["arn"]
        for x in prod.of_type("aws:cloudwatch/eventRule:EventRule")
        if x["outputs"]["name"] in targets or x["id"] in targets
    ]
    assert rule_arns, "prod: EventBridge rules publish to the topic"
    assert all(fnmatch.fnmatchcase(arn, rules) for arn in rule_arns), f"{rules} must admit {rule_arns}"
    for arn, pattern in ((publishing[0], alarms), (rule_arns[0], rules)):
        other = arn.replace("elite-locadora-prod-", "elite-locadora-staging-")
        assert not fnmatch.fnmatchcase(other, pattern), f"{pattern} admits staging's {other}"
