"""ElastiCache: node hours × nodes of a replication group or cluster."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..engine import Context, num, rule, unit_price
from ..model import Resource


def _cache_nodes(p: Mapping[str, Any]) -> tuple[int, str]:
    if p.get("numNodeGroups") or p.get("replicasPerNodeGroup") is not None:
        groups = int(num(p.get("numNodeGroups"), 1) or 1)
        replicas = int(num(p.get("replicasPerNodeGroup"), 0))
        return groups * (replicas + 1), f"{groups} shard(s) × {replicas + 1} nodes"
    if p.get("numCacheClusters") is not None:
        n = int(num(p.get("numCacheClusters"), 1))
        return n, f"{n} nodes"
    if p.get("numCacheNodes") is not None:
        n = int(num(p.get("numCacheNodes"), 1))
        return n, f"{n} nodes"
    return 1, "1 node"


@rule("aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/cluster:Cluster")
def _cache(r: Resource, c: Context) -> tuple[float, str]:
    p = r.props
    engine = str(p.get("engine") or "redis").lower()
    node_type = str(p.get("nodeType"))
    nodes, how = _cache_nodes(p)
    hourly = c.p(r.region, f"elasticache.{engine}.node", node_type)
    return hourly * c.hours * nodes, f"{node_type} {unit_price(hourly)}/h × {c.hours:g} h × {how}"
