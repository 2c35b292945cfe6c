"""Events no metric shows reach the on-call topic: rolled-back releases, failed backups, database failovers."""

from __future__ import annotations

import json

import pytest

from tests.render import Render


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_event_rules_publish_to_the_alarm_topic(render, stack: str) -> None:
    r: Render = render(stack)
    topic = r.one("aws:sns/topic:Topic", "operations-alarms")
    rules = {
        x["inputs"]["name"]: x
        for x in r.of_type("aws:cloudwatch/eventRule:EventRule")
        if "elite-locadora:operations:" in x["urn"]
    }
    patterns = {
        name.rsplit(f"elite-locadora-{stack}-", 1)[-1]: json.loads(x["inputs"]["eventPattern"])
        for name, x in rules.items()
    }
    assert patterns["ecs-deployment-failed"]["detail"] == {"eventName": ["SERVICE_DEPLOYMENT_FAILED"]}
    assert patterns["backup-job-failed"]["source"] == ["aws.backup"]
    assert "failover" in patterns["database-event"]["detail"]["EventCategories"]
    primary_rules = {name for name, x in rules.items() if x["region"] == "us-east-1"}
    targets = [
        t
        for t in r.of_type("aws:cloudwatch/eventTarget:EventTarget")
        if "elite-locadora:operations:" in t["urn"] and t["region"] == "us-east-1"
    ]
    assert len(targets) == 3 and {t["inputs"]["arn"] for t in targets} == {topic["outputs"]["arn"]}
    assert {t["inputs"]["rule"] for t in targets} == primary_rules


def test_eventbridge_may_publish_to_the_encrypted_topic(prod: Render) -> None:
    topic = prod.one("aws:sns/topic:Topic", "operations-alarms")
    policy = json.loads(
        prod.one("aws:sns/topicPolicy:TopicPolicy", "operations-alarms-policy")["inputs"]["policy"]
    )
    [st] = [s for s in policy["Statement"] if s.get("Principal") == {"Service": "events.amazonaws.com"}]
    assert st["Action"] == "sns:Publish" and st["Resource"] == topic["outputs"]["arn"]
    # The topic policy names this stack's rules (#15 item 5); the key policy cannot (components/keys.py).
    assert st["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/elite-locadora-prod-*"},
    }
    key = prod.one("aws:kms/key:Key", "keys-primary-logs")
    assert topic["inputs"]["kmsMasterKeyId"] == key["outputs"]["arn"]
    services = [
        s["Principal"]["Service"]
        for s in json.loads(key["inputs"]["policy"])["Statement"]
        if isinstance(s["Principal"], dict) and "Service" in s["Principal"]
    ]
    assert any("events.amazonaws.com" in (svc if isinstance(svc, list) else [svc]) for svc in services)
