"""WAFv2 web ACL rules shared by the regional (ALB) and the CloudFront web ACLs: the guide's two rules first."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

# The guide's rules keep their priorities (1: Common Rule Set, 2: rate limit); the extra managed groups a
# Laravel/MySQL API wants follow them.
EXTRA_MANAGED_GROUPS = ("AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet")


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "sampled_requests_enabled": True, "metric_name": metric}


def managed_rule(name: str, priority: int, metric: str) -> dict[str, Any]:
    return {
        "name": name,
        "priority": priority,
        "override_action": {"none": {}},
        "statement": {"managed_rule_group_statement": {"vendor_name": "AWS", "name": name}},
        "visibility_config": _visibility(metric),
    }


def guide_rules(rate_limit: int, extra: tuple[str, ...] = EXTRA_MANAGED_GROUPS) -> list[dict[str, Any]]:
    rules = [
        managed_rule("AWSManagedRulesCommonRuleSet", 1, "CommonRuleSetMetric"),
        {
            "name": "RateLimitRule",
            "priority": 2,
            "action": {"block": {}},
            "statement": {"rate_based_statement": {"limit": rate_limit, "aggregate_key_type": "IP"}},
            "visibility_config": _visibility("RateLimitMetric"),
        },
    ]
    for i, name in enumerate(extra):
        rules.append(managed_rule(name, 3 + i, name.removeprefix("AWSManagedRules") + "Metric"))
    return rules


def visibility(metric: str) -> dict[str, Any]:
    return _visibility(metric)


def waf_logging(
    name: str,
    acl_arn: pulumi.Input[str],
    *,
    log_group_name: str,
    retention_days: int,
    kms_key_arn: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.LogGroup:
    """A web ACL's logs to an encrypted log group (WAF only delivers to names starting aws-waf-logs-), with
    session cookies and bearer tokens redacted."""
    group = aws.cloudwatch.LogGroup(
        f"{name}-waf-logs",
        name=log_group_name,
        retention_in_days=retention_days,
        kms_key_id=kms_key_arn,
        opts=opts,
    )
    aws.wafv2.WebAclLoggingConfiguration(
        f"{name}-waf",
        resource_arn=acl_arn,
        log_destination_configs=[group.arn],
        redacted_fields=[{"single_header": {"name": "authorization"}}, {"single_header": {"name": "cookie"}}],
        opts=opts,
    )
    return group
