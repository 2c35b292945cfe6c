"""A small evaluator of the WAFv2 statements our web ACLs use, over rendered (camelCase) rules.

It follows the WAF developer guide's semantics for what it covers: rules run by priority; a managed group's rule
labels the request and blocks unless overridden to count; a terminating block stops evaluation; a label-match rule
sees the labels of the rules before it. Only the Common Rule Set's SizeRestrictions_BODY is modelled among managed
rules (a body over 8 KB), which is what the upload rules are about; other groups are assumed not to match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CRS = "AWSManagedRulesCommonRuleSet"
BODY_LIMIT = 8 * 1024  # SizeRestrictions_BODY: bodies over 8 KB (WAF developer guide, CRS table)
BODY_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"


@dataclass
class Request:
    path: str
    body_bytes: int = 0
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.body_bytes:
            self.headers.setdefault("content-length", str(self.body_bytes))


def _match(statement: dict, req: Request, labels: set[str]) -> bool:
    if "andStatement" in statement:
        return all(_match(s, req, labels) for s in statement["andStatement"]["statements"])
    if "orStatement" in statement:
        return any(_match(s, req, labels) for s in statement["orStatement"]["statements"])
    if "notStatement" in statement:
        return not _match(statement["notStatement"]["statement"], req, labels)
    if "labelMatchStatement" in statement:
        lm = statement["labelMatchStatement"]
        assert lm["scope"] == "LABEL", lm
        return lm["key"] in labels
    if "byteMatchStatement" in statement:
        bm = statement["byteMatchStatement"]
        assert bm["fieldToMatch"] == {"uriPath": {}} and bm["positionalConstraint"] == "STARTS_WITH", bm
        return req.path.startswith(bm["searchString"])
    if "regexMatchStatement" in statement:
        rm = statement["regexMatchStatement"]
        header = rm["fieldToMatch"]["singleHeader"]["name"]
        value = req.headers.get(header)
        return value is not None and re.search(rm["regexString"], value) is not None
    raise AssertionError(f"statement not modelled: {sorted(statement)}")


def verdict(rules: list[dict], req: Request) -> tuple[str, str | None]:
    """("block", rule name) or ("allow", None) for a request, under the web ACL's default allow."""
    labels: set[str] = set()
    for rule in sorted(rules, key=lambda r: r["priority"]):
        st = rule["statement"]
        if "managedRuleGroupStatement" in st:
            group = st["managedRuleGroupStatement"]
            if group["name"] == CRS and req.body_bytes > BODY_LIMIT:
                labels.add(BODY_LABEL)
                overrides = {o["name"]: o["actionToUse"] for o in group.get("ruleActionOverrides") or []}
                if overrides.get("SizeRestrictions_BODY") != {"count": {}}:
                    return "block", f"{rule['name']}:SizeRestrictions_BODY"
            continue
        if "rateBasedStatement" in st:
            continue
        if _match(st, req, labels) and "block" in rule["action"]:
            return "block", rule["name"]
    return "allow", None
