"""Usage assumptions (GB transferred, requests, task counts between min and max): their schema, defaults and
validation. The same names form the JSON schema of the budget policy's `usage` config."""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .model import CostConfigError

# name → (kind, default, description). Kinds: "number" (≥ 0), "fraction" (0..1), "map" (name pattern → number
# ≥ 0: the most specific matching pattern wins — the most literal characters — so the answer does not depend
# on the order of keys, which the policy config's wire format does not keep). The same names form the JSON schema of the
# budget policy's `usage` config (budget.py), so a wrong type fails at Configure and again here.
USAGE: dict[str, tuple[str, Any, str]] = {
    "autoscalingLevel": (
        "fraction",
        0.0,
        "where an auto-scaled ECS service runs on average between its min (0) and max (1) task count",
    ),
    "natGbProcessed": ("number", 100.0, "GB a month through each NAT gateway"),
    "endpointGbProcessed": ("number", 20.0, "GB a month through each interface VPC endpoint"),
    "albLcu": ("number", 1.0, "average load balancer capacity units of each load balancer"),
    "albRequestsMillions": (
        "number",
        10.0,
        "million requests a month reaching each load balancer (regional WAF)",
    ),
    "cloudfrontGbOut": ("number", 100.0, "GB a month each CloudFront distribution serves to viewers"),
    "cloudfrontRequestsMillions": ("number", 10.0, "million HTTPS requests a month to each distribution"),
    "cloudfrontSouthAmericaShare": (
        "fraction",
        0.0,
        "share of CloudFront traffic served from South American edges (ignored for PriceClass_100)",
    ),
    "s3GbStored": ("map", {"*": 5.0}, "GB stored in each bucket, by bucket name pattern"),
    "s3ReplicationGbPerMonth": ("number", 10.0, "GB a month written to each replicated bucket and copied"),
    "logGbIngested": (
        "map",
        {"*": 1.0},
        "GB a month ingested into each log group, by log group name pattern",
    ),
    "logCompressionRatio": ("fraction", 0.15, "archived (compressed) size of a GB of ingested log data"),
    "backupGbStored": (
        "map",
        {"*": 50.0},
        "GB of recovery points in each backup vault, by vault name pattern",
    ),
    "backupCopyGbPerMonth": ("number", 10.0, "GB a month copied by each cross-region backup copy action"),
    "dbReplicationGbPerMonth": (
        "number",
        10.0,
        "GB a month of change data shipped to a cross-region replica",
    ),
    "rdsReplicatedBackupGbStored": (
        "number",
        20.0,
        "GB of snapshots and transaction logs kept in the destination region by each automated-backup replication",
    ),
    "rdsReplicatedBackupGbPerMonth": (
        "number",
        10.0,
        "GB a month each automated-backup replication copies to its destination region",
    ),
    "ecrGbStored": ("number", 2.0, "GB of images in each ECR repository"),
    "dnsQueriesMillions": ("number", 1.0, "million standard (non-alias) DNS queries a month per hosted zone"),
    "firehoseGbIngested": ("map", {"*": 5.0}, "GB a month into each Firehose stream, by stream name pattern"),
    "snsPublishesMillions": ("number", 0.01, "million messages a month published to each SNS topic"),
    "sqsRequestsMillions": (
        "number",
        1.0,
        "million requests a month to each SQS queue (sends, receives incl. empty long polls, deletes)",
    ),
    "containerInsightsLogGb": (
        "number",
        5.0,
        "GB a month of Container Insights performance logs per ECS cluster",
    ),
    "enhancedMonitoringGb": (
        "number",
        0.5,
        "GB a month of RDS Enhanced Monitoring metrics per monitored instance",
    ),
    "rdsBackupGbBeyondFree": (
        "number",
        0.0,
        "GB of a primary database's automated backups beyond the free 100% of its storage",
    ),
    "albGbOut": ("number", 50.0, "GB a month each internet-facing load balancer sends to the internet"),
    "secretApiCallsTenThousands": ("number", 10.0, "ten-thousands of API calls a month per secret"),
    "kmsRequestsTenThousands": ("number", 10.0, "ten-thousands of requests a month per KMS key"),
}


@dataclass(frozen=True)
class Usage:
    values: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def lookup(self, key: str, name: str) -> tuple[float, str]:
        """A map assumption for `name`: (value, the pattern that matched)."""
        table: dict[str, float] = self.values[key]
        matches = [p for p in table if fnmatch.fnmatchcase(name or "", p)]
        if not matches:
            return 0.0, "(no pattern)"
        best = min(matches, key=_specificity)
        return table[best], best


def _specificity(pattern: str) -> tuple[int, str]:
    """Sort key: more literal (non-wildcard) characters first, then alphabetical."""
    literal = len(pattern) - sum(pattern.count(ch) for ch in "*?[]")
    return (-literal, pattern)


def usage_schema() -> dict[str, Any]:
    """The JSON schema of the `usage` object (budget policy config)."""
    props: dict[str, Any] = {}
    for name, (kind, default, description) in USAGE.items():
        if kind == "number":
            props[name] = {"type": "number", "minimum": 0}
        elif kind == "fraction":
            props[name] = {"type": "number", "minimum": 0, "maximum": 1}
        else:
            props[name] = {"type": "object", "additionalProperties": {"type": "number", "minimum": 0}}
        props[name].update(description=description, default=default)
    return {"type": "object", "properties": props, "additionalProperties": False}


def _number(value: Any, where: str, upper: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CostConfigError(f"{where}: expected a number, got {value!r}")
    if value < 0 or (upper is not None and value > upper):
        bound = f"between 0 and {upper:g}" if upper is not None else "≥ 0"
        raise CostConfigError(f"{where}: expected a number {bound}, got {value!r}")
    return float(value)


def load_usage(raw: Mapping[str, Any] | None, where: str = "usage") -> Usage:
    """Defaults overlaid with `raw` (the budget policy's `usage` config); a wrong key or type names the key."""
    raw = raw or {}
    if not isinstance(raw, Mapping):
        raise CostConfigError(f"{where}: expected an object of usage assumptions, got {raw!r}")
    values: dict[str, Any] = {}
    for name, (kind, default, _) in USAGE.items():
        value = raw.get(name, default)
        key = f"{where}.{name}"
        if kind == "map":
            if not isinstance(value, Mapping):
                raise CostConfigError(f"{key}: expected an object of name pattern → number, got {value!r}")
            table = {str(p): _number(v, f"{key}.{p}") for p, v in value.items()}
            if "*" not in table:
                table["*"] = dict(default)["*"]
            values[name] = dict(sorted(table.items(), key=lambda kv: _specificity(kv[0])))
        else:
            values[name] = _number(value, key, 1.0 if kind == "fraction" else None)
    unknown = sorted(set(raw) - set(USAGE))
    if unknown:
        raise CostConfigError(f"{where}.{unknown[0]}: unknown usage assumption (known: {', '.join(USAGE)})")
    return Usage(values)
