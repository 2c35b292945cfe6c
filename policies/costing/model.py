"""The vocabulary every part of the estimate shares: the resource as the estimate sees it, the unknown marker,
type aliases, and the error a bad price file or usage assumption raises."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

UNKNOWN = "[unknown]"
GLOBAL = "global"  # the price file's region for global services (CloudFront, Route 53)
TYPE_ALIASES = {
    "aws:alb/loadBalancer:LoadBalancer": "aws:lb/loadBalancer:LoadBalancer",
    "aws:s3/bucketV2:BucketV2": "aws:s3/bucket:Bucket",
    "aws:s3/bucketReplicationConfiguration:BucketReplicationConfiguration": (
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
    ),
}


class CostConfigError(ValueError):
    """A price file or usage assumption that cannot be used; the message names the key."""


def canonical(type_: str) -> str:
    """The type token a pricing rule is registered under (an alias resolves to its current name)."""
    return TYPE_ALIASES.get(type_, type_)


@dataclass
class Resource:
    """One resource as the estimate sees it (from preview.json or from the pack's stack resources)."""

    urn: str
    type: str
    name: str
    region: str | None
    props: dict[str, Any]
    parent: str | None = None
    tier: str = "(stack)"
    custom: bool = True
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)


def resources_from_preview(doc: Mapping[str, Any]) -> list[Resource]:
    """preview.json's resources (inputs, region of the provider, tier = top-level component type)."""
    by_urn = {r["urn"]: r for r in doc.get("resources", [])}
    out = []
    for r in doc.get("resources", []):
        out.append(
            Resource(
                urn=r["urn"],
                type=r["type"],
                name=r["name"],
                region=r.get("region"),
                props=r.get("inputs") or {},
                parent=r.get("parent"),
                tier=_tier(r, by_urn),
                custom=bool(r.get("custom")),
                property_dependencies=r.get("propertyDependencies") or {},
            )
        )
    return out


def _tier(r: Mapping[str, Any], by_urn: Mapping[str, Mapping[str, Any]]) -> str:
    current = r
    seen = 0
    while current.get("parent") in by_urn and seen < 100:
        current = by_urn[current["parent"]]
        seen += 1
    return current["type"] if current is not r else "(stack)"
