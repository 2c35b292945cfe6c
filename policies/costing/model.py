"""The vocabulary every part of the estimate shares: the resource as the estimate sees it, the unknown marker,
type aliases, and the error a bad price file or usage assumption raises."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

UNKNOWN = "[unknown]"
STACK_TIER = "(stack)"  # the tier of what no component owns: providers, resources registered at the top
STACK_TYPE = "pulumi:pulumi:Stack"
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
    tier: str = STACK_TIER
    custom: bool = True
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)


def tier_of(lineage: Iterable[tuple[str, bool]]) -> str:
    """The tier a resource belongs to: the type of the outermost component among the resource and its
    ancestors, given nearest first as (type token, custom); STACK_TIER when no component owns it.

    The one rule: the preview writes it into each resource of preview.json (its report, the cost estimate and
    the diagram read it from there), and the budget policy applies it to the resources the engine hands the
    pack. The stack resource is the root of every lineage the engine reports, never a tier."""
    tier = STACK_TIER
    for type_, custom in lineage:
        if not custom and type_ != STACK_TYPE:
            tier = type_
    return tier


def preview_lineage(
    r: Mapping[str, Any], by_urn: Mapping[str, Mapping[str, Any]]
) -> Iterator[tuple[str, bool]]:
    """A preview.json resource and its ancestors, nearest first, as tier_of reads them."""
    seen: set[str] = set()
    current: Mapping[str, Any] | None = r
    while current is not None and current["urn"] not in seen:  # a parent cycle cannot loop forever
        seen.add(current["urn"])
        yield current["type"], bool(current.get("custom"))
        current = by_urn.get(current.get("parent") or "")


def resources_from_preview(doc: Mapping[str, Any]) -> list[Resource]:
    """preview.json's resources (inputs, region of the provider, the tier the preview wrote; for a render
    made before the preview wrote tiers, the same rule applied to its parents)."""
    by_urn = {r["urn"]: r for r in doc.get("resources", [])}
    return [
        Resource(
            urn=r["urn"],
            type=r["type"],
            name=r["name"],
            region=r.get("region"),
            props=r.get("inputs") or {},
            parent=r.get("parent"),
            tier=r.get("tier") or tier_of(preview_lineage(r, by_urn)),
            custom=bool(r.get("custom")),
            property_dependencies=r.get("propertyDependencies") or {},
        )
        for r in doc.get("resources", [])
    ]
