"""WAF: web ACLs, rules, requests (and Bot Control where a rule group enables it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..engine import Context, money, rule, unit_price
from ..model import Resource


def _waf_rules(p: Mapping[str, Any]) -> list[dict[str, Any]]:
    rules = p.get("rules")
    if isinstance(rules, list):
        return [x for x in rules if isinstance(x, dict)]
    raw = p.get("ruleJson")
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
            return [x for x in parsed if isinstance(x, dict)] if isinstance(parsed, list) else []
        except ValueError:
            return []
    return []


@rule("aws:wafv2/webAcl:WebAcl")
def _web_acl(r: Resource, c: Context) -> tuple[float, str]:
    rules = _waf_rules(r.props)
    scope = str(r.props.get("scope") or "REGIONAL")
    acl = c.p(r.region, "wafv2", "web-acl")
    rule_rate = c.p(r.region, "wafv2", "rule")
    req_rate = c.p(r.region, "wafv2", "requests-million")
    if scope == "CLOUDFRONT":
        requests, source = c.usage["cloudfrontRequestsMillions"], "cloudfrontRequestsMillions"
    else:
        requests, source = c.usage["albRequestsMillions"], "albRequestsMillions"
    total = acl + len(rules) * rule_rate + requests * req_rate
    basis = (
        f"web ACL {money(acl)} + {len(rules)} rule(s) × {money(rule_rate)} + "
        f"{requests:g}M requests ({source}) × {unit_price(req_rate)}"
    )
    text = json.dumps(rules)
    if "AWSManagedRulesBotControlRuleSet" in text:
        total += c.p(r.region, "wafv2", "bot-control") + requests * c.p(
            r.region, "wafv2", "bot-control-requests-million"
        )
        basis += " + Bot Control subscription and requests"
    return total, basis
