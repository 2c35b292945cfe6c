"""WAFv2 web ACL rules shared by the regional (ALB) and the CloudFront web ACLs: the guide's two rules first."""

from __future__ import annotations

from typing import Any

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
