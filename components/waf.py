"""WAFv2 web ACL rules shared by the regional (ALB) and the CloudFront web ACLs: the guide's two rules first.

Two corrections to the guide's rules, both for the one application behind them:

- Uploads. The Common Rule Set's `SizeRestrictions_BODY` blocks every body over 8 KB (WAF developer guide, "Core rule
  set (CRS) managed rule group"), and the API takes licences, contracts and photos. The rule is overridden to
  count, which leaves its label on the request; a later rule blocks a labelled request unless its path is one of the
  upload routes, and on those routes a request whose declared `Content-Length` exceeds the API's upload limit is
  blocked. WAF cannot measure such a body itself: it sees at most the first 8 KB behind an ALB, 16-64 KB behind
  CloudFront ("Considerations for managing body inspection"), so the limit is read from the header, and the
  application enforces the same limit on the bytes it receives.
- Real clients. Behind CloudFront the ALB sees CloudFront's addresses, so a per-IP rate limit there counts edges,
  not clients. The CloudFront web ACL sees the viewer's address and keeps the guide's per-IP limit; the regional one
  aggregates on the first address of `X-Forwarded-For` (the only position WAF reads, "ForwardedIPConfig"). A client
  can forge that first address, so the regional rule is defence in depth; the CloudFront one is the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

# The guide's rules keep their priorities (1: Common Rule Set, 2: rate limit); the extra managed groups a
# Laravel/MySQL API wants follow them, then our own rules, which read the labels the groups set.
EXTRA_MANAGED_GROUPS = ("AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet")
COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"
# The CRS rule and the label it adds (label names are documented per rule in the CRS table).
BODY_SIZE_RULE = "SizeRestrictions_BODY"
BODY_SIZE_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"
# CloudFront appends the viewer's address to X-Forwarded-For before it reaches the ALB.
FORWARDED_FOR = "X-Forwarded-For"

ClientAddress = Literal["source", "forwarded"]


@dataclass(frozen=True)
class UploadRoutes:
    """Where the API accepts request bodies over the Common Rule Set's 8 KB, and how large."""

    paths: tuple[str, ...]
    """URI path prefixes of the upload routes (e.g. `/api/uploads/`)."""
    max_bytes: int
    """Largest upload the API accepts, in bytes (its own limit; WAF blocks larger declared bodies)."""


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "sampled_requests_enabled": True, "metric_name": metric}


def visibility(metric: str) -> dict[str, Any]:
    return _visibility(metric)


def managed_rule(
    name: str, priority: int, metric: str, *, count_rules: tuple[str, ...] = ()
) -> dict[str, Any]:
    statement: dict[str, Any] = {"vendor_name": "AWS", "name": name}
    if count_rules:
        # Count, not block: the rule still labels the request for the rules after the group.
        statement["rule_action_overrides"] = [
            {"name": rule, "action_to_use": {"count": {}}} for rule in count_rules
        ]
    return {
        "name": name,
        "priority": priority,
        "override_action": {"none": {}},
        "statement": {"managed_rule_group_statement": statement},
        "visibility_config": _visibility(metric),
    }


def greater_than_regex(limit: int) -> str:
    """A regular expression matching exactly the decimal integers greater than `limit` (leading zeros allowed).

    WAF compares strings, not numbers, so "Content-Length > limit" is spelled digit by digit: any number with more
    digits, or the same number of digits that first exceeds the limit at position i. Non-capturing groups only
    (WAF refuses capturing subexpressions, "Supported regular expression syntax").
    """
    digits = str(limit)
    width = len(digits)
    branches = [rf"[1-9]\d{{{width},}}"]
    for i, d in enumerate(digits):
        if d == "9":
            continue
        rest = width - i - 1
        higher = "9" if d == "8" else f"[{int(d) + 1}-9]"
        branches.append(digits[:i] + higher + (rf"\d{{{rest}}}" if rest else ""))
    return rf"^0*(?:{'|'.join(branches)})$"


def _path_is_upload(uploads: UploadRoutes) -> dict[str, Any]:
    matches = [
        {
            "byte_match_statement": {
                "field_to_match": {"uri_path": {}},
                "positional_constraint": "STARTS_WITH",
                "search_string": path,
                "text_transformations": [{"priority": 0, "type": "NONE"}],
            }
        }
        for path in uploads.paths
    ]
    return matches[0] if len(matches) == 1 else {"or_statement": {"statements": matches}}


def upload_rules(uploads: UploadRoutes, first_priority: int) -> list[dict[str, Any]]:
    """The two rules that replace SizeRestrictions_BODY's block: oversize bodies only on upload routes, and there
    only up to the API's limit."""
    return [
        {
            "name": "OversizeBodyOutsideUploads",
            "priority": first_priority,
            "action": {"block": {}},
            "statement": {
                "and_statement": {
                    "statements": [
                        {"label_match_statement": {"scope": "LABEL", "key": BODY_SIZE_LABEL}},
                        {"not_statement": {"statement": _path_is_upload(uploads)}},
                    ]
                }
            },
            "visibility_config": _visibility("OversizeBodyOutsideUploadsMetric"),
        },
        {
            "name": "UploadOverLimit",
            "priority": first_priority + 1,
            "action": {"block": {}},
            "statement": {
                "and_statement": {
                    "statements": [
                        _path_is_upload(uploads),
                        {
                            "regex_match_statement": {
                                "field_to_match": {"single_header": {"name": "content-length"}},
                                "regex_string": greater_than_regex(uploads.max_bytes),
                                "text_transformations": [{"priority": 0, "type": "NONE"}],
                            }
                        },
                    ]
                }
            },
            "visibility_config": _visibility("UploadOverLimitMetric"),
        },
    ]


def rate_limit_rule(rate_limit: int, client: ClientAddress) -> dict[str, Any]:
    statement: dict[str, Any] = {"limit": rate_limit, "aggregate_key_type": "IP"}
    if client == "forwarded":
        # A request without the header is not evaluated by this rule at all (WAF: "If the specified header isn't
        # present ... doesn't apply the rule"); one with an invalid first address is counted (MATCH).
        statement = {
            "limit": rate_limit,
            "aggregate_key_type": "FORWARDED_IP",
            "forwarded_ip_config": {"header_name": FORWARDED_FOR, "fallback_behavior": "MATCH"},
        }
    return {
        "name": "RateLimitRule",
        "priority": 2,
        "action": {"block": {}},
        "statement": {"rate_based_statement": statement},
        "visibility_config": _visibility("RateLimitMetric"),
    }


def guide_rules(
    rate_limit: int,
    *,
    uploads: UploadRoutes,
    client: ClientAddress,
    extra: tuple[str, ...] = EXTRA_MANAGED_GROUPS,
) -> list[dict[str, Any]]:
    """The guide's two rules (CRS at 1, the per-client rate limit at 2), the extra groups, then the upload rules.

    `client` says where the client's address is: "source" where WAF sees the viewer itself (CloudFront), "forwarded"
    where the request came through CloudFront (the ALB)."""
    rules = [
        managed_rule(COMMON_RULE_SET, 1, "CommonRuleSetMetric", count_rules=(BODY_SIZE_RULE,)),
        rate_limit_rule(rate_limit, client),
    ]
    for i, name in enumerate(extra):
        rules.append(managed_rule(name, 3 + i, name.removeprefix("AWSManagedRules") + "Metric"))
    rules.extend(upload_rules(uploads, 3 + len(extra)))
    return rules


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
