"""Lookups the operations-tier specifications share: keys by purpose and region, resources by physical name."""

from __future__ import annotations

import json
from typing import Any

from tests.render import Render

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
PARAMETER = "aws:ssm/parameter:Parameter"
DOMAIN = "aws:opensearch/domain:Domain"
STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
FILTER = "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter"
VAULT = "aws:backup/vault:Vault"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"


def key_arn(r: Render, purpose: str, region: str) -> str:
    """ARN of the stack's KMS key for a purpose in a region, found through its alias."""
    alias = f"alias/elite-locadora-{r.stack}-{purpose}"
    [target] = [
        a["inputs"]["targetKeyId"]
        for a in r.of_type(ALIAS)
        if a["inputs"]["name"] == alias and a["region"] == region
    ]
    [key] = [k for k in r.of_type(KEY) if k["outputs"]["keyId"] == target]
    return key["outputs"]["arn"]


def by_physical_name(r: Render, token: str, name: str, region: str | None = None) -> dict[str, Any]:
    found = [
        x
        for x in r.of_type(token)
        if x["inputs"].get("name") == name and (region is None or x["region"] == region)
    ]
    assert len(found) == 1, (
        f"stack {r.stack}: expected one {token} named {name!r}, found {[x['urn'] for x in found]}"
    )
    return found[0]


def alarms(r: Render) -> dict[str, dict[str, Any]]:
    """Alarms by physical name without the `elite-locadora-<env>-` prefix."""
    prefix = f"elite-locadora-{r.stack}-"
    return {a["inputs"]["name"].removeprefix(prefix): a for a in r.of_type(ALARM)}


def policy_doc(value: str | dict) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else value


def statements(doc: str | dict) -> list[dict[str, Any]]:
    st = policy_doc(doc)["Statement"]
    return [st] if isinstance(st, dict) else st
